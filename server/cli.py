"""The headless ``cliproxyapi`` command, with the original's flags (single or double dash)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from server import __version__
from server.api.keepalive import CLI_TIMEOUT
from server.auth.accounts import account_provider
from server.auth.base import LoginOptions
from server.auth.login import cli_login
from server.config import Config, ConfigError, ensure_config, load_config, log_dir
from server.logsetup import configure_logging
from server.ports import PortInUseError
from server.runner import ServerController, ServerOptions, TLSConfigError, new_event_loop

__all__ = ["build_parser", "main"]

# Flags whose feature arrives with a later part of the project; they are refused, not ignored.
_LATER: dict[str, str] = {}

# Login flags in the original's precedence order: (flag dest, credential file type, what it is called).
_LOGINS = (
    ("vertex_import", "vertex", "Vertex service-account import"),
    ("login", "gemini", "Gemini CLI (Google) login"),
    ("antigravity_login", "antigravity", "Antigravity login"),
    ("codex_login", "codex", "Codex (ChatGPT) login"),
    ("claude_login", "claude", "Claude login"),
    ("qwen_login", "qwen", "Qwen login"),
    ("iflow_login", "iflow", "iFlow login"),
    ("iflow_cookie", "iflow", "iFlow cookie login"),
)


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
    login = next(((dest, kind, what) for dest, kind, what in _LOGINS if getattr(args, dest)), None)
    if login is not None and account_provider(login[1]) is None:
        print(f"cliproxyapi: {login[2]} is not available in this version yet.", file=sys.stderr)
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
    if login is not None:
        return _login(args, login[0], login[1], config, first.path)
    return _run(config, first.path, password=args.password)


def _login(args: argparse.Namespace, dest: str, file_type: str, config: Config, config_path: Path) -> int:
    """Run one account login (or the Vertex import), save the credential into auth-dir, and exit."""
    cookie = ""
    if dest == "iflow_cookie":
        print("Paste the Cookie header of a browser logged in to platform.iflow.cn:", flush=True)
        cookie = sys.stdin.readline().strip()
        if not cookie:
            print("cliproxyapi: iFlow cookie login failed: no cookie was given.", file=sys.stderr)
            return 1
    options = LoginOptions(
        project_id=args.project_id,
        no_browser=args.no_browser,
        callback_port=max(args.oauth_callback_port, 0),
        cookie=cookie,
        service_account_file=args.vertex_import,
    )
    return cli_login(file_type, config, options, config_path=config_path)


def _run(config: Config, config_path: Path, *, password: str = "") -> int:
    # -password: a management key accepted from loopback only, enabling the management API (since v6.8.20),
    # and GET /keep-alive: without a ping for 10 s the server stops (server.md §2.8)
    options = ServerOptions(local_management_key=password, keepalive_timeout=CLI_TIMEOUT if password else 0.0)
    controller = ServerController(config, config_path=config_path, options=options)
    # Garbage collection tuned for a request server (issue 9): the start-up objects leave the
    # collector's reach (a full collection walked them all: ~37 ms pauses, 6 % of the CPU under
    # load), and a request's short-lived objects die by reference count before a collection starts.
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
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
        gc.unfreeze()
        gc.set_threshold(*thresholds)
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
