"""``cliproxyapi-gui``: start the proxy and show its status window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from importlib.resources import files

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from server.config import ensure_config
from server.runner import ServerController

__all__ = ["main"]

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    app = QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName("CLIProxyAPI")
    app.setWindowIcon(QIcon(str(files("resources") / "icons" / "app.svg")))
    first = ensure_config(None)
    controller = ServerController(config_path=first.path)

    from gui.status_window import StatusWindow

    window = StatusWindow(controller)
    window.show()
    try:
        controller.start()
    except Exception as exc:  # port taken, bad config, TLS files: the window shows the FAILED status
        log.warning("the proxy did not start: %s", exc)
    code = app.exec()
    controller.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
