"""``cliproxyapi-gui``: parse the arguments, make sure only one app runs, build the app, run the Qt loop."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType

from PySide6.QtWidgets import QApplication

from gui.aio import run_app
from gui.app import AppOptions, DesktopApp
from gui.assets import app_icon, theme_qss
from gui.platform.single_instance import SingleInstance
from gui.selftest import run_with_self_test
from server import __version__
from server.config import config_dir

__all__ = ["build_parser", "main"]

log = logging.getLogger("gui")

REMOTE_KEY_ENV = "CLIPROXYAPI_MANAGEMENT_KEY"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cliproxyapi-gui", description="CLIProxyAPI for desktop: the tray app.", allow_abbrev=False
    )
    parser.add_argument("--config", metavar="PATH", help="config file (default: the per-user config file)")
    parser.add_argument("--autostart", action="store_true", help="started at login: stay in the tray")
    parser.add_argument(
        "--remote",
        metavar="URL",
        default="",
        help=f"manage the proxy at URL instead of the built-in one (key in ${REMOTE_KEY_ENV})",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(  # smoke tests of the installed app: see gui/selftest.py
        "--self-test", nargs="?", const="quit", choices=("quit", "stay"), default="", help=argparse.SUPPRESS
    )
    return parser


def _excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """Errors of slots and background tasks are logged; the app keeps running."""
    log.error("unexpected error: %s", error, exc_info=(kind, error, tb))


def _quit_on_signals(desktop: DesktopApp) -> None:
    """Ctrl+C and SIGTERM quit cleanly (the proxy is stopped). Python runs the handler the next time
    the GUI thread runs Python code, which the app's one-second collector timer guarantees."""

    def handler(signum: int, frame: FrameType | None) -> None:
        desktop.quit()

    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, handler)


def main(argv: Sequence[str] | None = None) -> int:
    started = time.monotonic()
    args = build_parser().parse_args(list(argv) if argv is not None else sys.argv[1:])
    if args.version:
        print(f"CLIProxyAPI for desktop {__version__}")
        return 0
    # No stderr handler of our own: the proxy's redacting file handler (main.log) takes every record once
    # it runs; a plain handler here would print server records without that redaction.
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cliproxyapi-gui"])
    assert isinstance(app, QApplication)
    app.setApplicationName("CLIProxyAPI")
    app.setOrganizationName("CLIProxyAPI")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("cliproxyapi")
    app.setQuitOnLastWindowClosed(False)  # a tray app lives on with no window (no Dock icon: Info.plist)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(theme_qss())

    instance = SingleInstance(config_dir())
    if not instance.acquire():
        print("CLIProxyAPI is already running; its window was brought forward.", file=sys.stderr)
        return 0
    sys.excepthook = _excepthook
    options = AppOptions(
        config_path=Path(args.config).expanduser() if args.config else None,
        autostart=args.autostart,
        remote_url=args.remote.strip(),
        remote_key=os.environ.get(REMOTE_KEY_ENV, "") if args.remote else "",
    )
    desktop = DesktopApp(app, options)
    instance.show_requested.connect(desktop.show_window)
    _quit_on_signals(desktop)
    try:
        if args.self_test:
            return run_app(app, run_with_self_test(desktop, args.self_test, started))
        return run_app(app, desktop.run())
    finally:
        instance.release()


if __name__ == "__main__":
    raise SystemExit(main())
