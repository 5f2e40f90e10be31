"""A minimal status window: shows whether the proxy runs, its URL, and starts or stops it."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from server.runner import ServerController, ServerState, ServerStatus

__all__ = ["StatusBridge", "StatusWindow"]

log = logging.getLogger(__name__)


class StatusBridge(QObject):
    """Carries server-thread state changes into the GUI thread as a signal."""

    status_changed = Signal(object)

    def forward(self, status: ServerStatus) -> None:
        self.status_changed.emit(status)


class StatusWindow(QWidget):
    """Start/stop button and a status line; the full tray app replaces it."""

    def __init__(self, controller: ServerController) -> None:
        super().__init__()
        self.setWindowTitle("CLIProxyAPI")
        self._controller = controller
        self.status_label = QLabel("Stopped")
        self.toggle_button = QPushButton("Start proxy")
        self.toggle_button.clicked.connect(self._toggle)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>CLIProxyAPI for desktop</b>"))
        layout.addWidget(self.status_label)
        layout.addWidget(self.toggle_button)
        self._bridge = StatusBridge()
        self._bridge.status_changed.connect(self.show_status)
        controller.add_listener(self._bridge.forward)
        self.resize(380, 140)

    def show_status(self, status: ServerStatus) -> None:
        running = status.state is ServerState.RUNNING
        if running:
            self.status_label.setText(f"Running at {status.url}")
        elif status.state is ServerState.FAILED:
            self.status_label.setText(f"Could not start: {status.error}")
        else:
            self.status_label.setText(status.state.value.capitalize())
        self.toggle_button.setText("Stop proxy" if running else "Start proxy")

    def _toggle(self) -> None:
        if self._controller.status.state is ServerState.RUNNING:
            self._controller.stop()
        else:
            try:
                self._controller.start()
            except Exception as exc:  # port taken, bad config, TLS files: the FAILED status shows it
                log.warning("the proxy did not start: %s", exc)
