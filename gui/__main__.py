"""``cliproxyapi-gui``: start the proxy and show its status window."""

from __future__ import annotations

import sys
from importlib.resources import files
from collections.abc import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from server.config import ensure_config
from server.runner import ServerController


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
    except OSError:
        pass  # shown in the window
    code = app.exec()
    controller.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
