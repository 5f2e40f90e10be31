"""The headless ``cliproxyapi`` command, with the original's flags (single or double dash)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from server import __version__
from server.config import Config, ConfigError, ensure_config, load_config, log_dir
from server.logsetup import configure_logging
from server.ports import PortInUseError
from server.runner import ServerController, TLSConfigError, new_event_loop

__all__ = ["build_parser", "main"]

# Flags whose feature arrives with a later part of the project; they are refused, not ignored.
_LATER = {
    "login": "Gemini CLI (Google) login",
    "codex_login": "Codex (ChatGPT) login",
    "claude_login": "Claude login",
    "qwen_login": "Qwen login",
    "iflow_login": "iFlow login",
    "iflow_cookie": "iFlow cookie login",
    "antigravity_login": "Antigravity login",
    "vertex_import": "Vertex service-account import",
    "password": "the local management password (-password)",
}


def _flag(parser: argparse.ArgumentParser, name: str, **kwargs: object) -> None:
    parser.add_argument(f"-{name}", f"--{name}", **kwargs)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cliproxyapi",
        description="Local proxy for AI subscriptions and API keys (OpenAI, Anthropic and Gemini APIs).",
        allow_abbrev=False,
    )
    _flag(parser, "config", metavar="PATH", help="config file (default: the per-user config file)")
    _flag(parser, "login", action="store_true", help="log in to a Google account (Gemini CLI)")
    _flag(parser, "project_id", metavar="ID", default="", help="Gemini project id (or ALL)")
    _flag(parser, "codex-login", action="store_true", help="log in to a ChatGPT account (Codex)")
    _flag(parser, "claude-login", action="store_true", help="log in to a Claude account")
    _flag(parser, "qwen-login", action="store_true", help="log in to a Qwen account")
    _flag(parser, "iflow-login", action="store_true", help="log in to an iFlow account")
    _flag(parser, "iflow-cookie", action="store_true", help="log in to iFlow with a browser cookie")
    _flag(parser, "antigravity-login", action="store_true", help="log in to an Antigravity account")
    _flag(parser, "no-browser", action="store_true", help="print the login URL instead of opening it")
    _flag(parser, "vertex-import", metavar="FILE", default="", help="import a Vertex service account")
    _flag(parser, "oauth-callback-port", metavar="N", type=int, default=0, help="login callback port")
    _flag(parser, "password", metavar="PWD", default="", help=argparse.SUPPRESS)
    _flag(parser, "version", action="store_true", help="print the version and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"CLIProxyAPI for desktop {__version__}")
        return 0
    for dest, feature in _LATER.items():
        if getattr(args, dest):
            print(f"cliproxyapi: {feature} is not available in this version yet.", file=sys.stderr)
            return 2
    configure_logging()
    try:
        first = ensure_config(Path(args.config).expanduser() if args.config else None)
        config = load_config(first.path)
    except ConfigError as exc:
        print(f"cliproxyapi: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cliproxyapi: cannot read the config file: {exc}", file=sys.stderr)
        return 1
    configure_logging(debug=config.debug, log_dir=log_dir() if config.logging_to_file else None)
    print(f"CLIProxyAPI for desktop {__version__}, config: {first.path}")
    if first.created:
        print(f"Created a new config file. Your client API key (shown once): {first.api_key}")
    return _run(config)


def _run(config: Config) -> int:
    controller = ServerController(config)
    previous = _on_sigterm(_terminate)
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(controller.serve())
    except (PortInUseError, TLSConfigError) as exc:
        print(f"cliproxyapi: {exc}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as exc:  # e.g. a certificate file that is not a certificate
        print(f"cliproxyapi: cannot start the server: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        _on_sigterm(previous)
    return 0


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handling (which re-raises it once it has shut down): exit cleanly."""
    raise KeyboardInterrupt


_Handler = Callable[[int, FrameType | None], object] | int | None


def _on_sigterm(handler: _Handler) -> _Handler:
    """Install ``handler`` for SIGTERM (main thread only) and return the previous one."""
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None
    return signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    raise SystemExit(main())
