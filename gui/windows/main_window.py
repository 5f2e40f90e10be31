"""MainWindow: a sidebar of pages with a status card at its foot, and a banner for errors.

Pages are built by factories imported on demand; a page module that is missing or broken becomes a
placeholder that says so (the window never fails because of one page). Closing the window hides it
to the tray when there is one (``close_to_tray``), else quits the app (``quit_requested``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.assets import HEALTH_COLORS, app_icon
from gui.i18n import N_, tr
from gui.state import AppState
from gui.tray import STATUS_WORDS

__all__ = ["PAGES", "MainWindow", "placeholder"]

log = logging.getLogger(__name__)

PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("accounts", N_("Accounts"), "gui.windows.accounts", "AccountsPage"),
    ("models", N_("Models"), "gui.windows.models_page", "ModelsPage"),
    ("usage", N_("Usage"), "gui.windows.usage", "UsagePage"),
    ("tools", N_("Connect a tool"), "gui.windows.client_setup", "ClientSetupPage"),
    ("logs", N_("Logs"), "gui.windows.logs", "LogsPage"),
    ("settings", N_("Settings"), "gui.windows.settings", "SettingsPage"),
)
"""(key, sidebar title, module, class): each class is called as ``cls(state, client)``."""


def placeholder(title: str, why: str) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(24, 20, 24, 20)
    heading = QLabel(title)
    heading.setProperty("role", "title")
    note = QLabel(why)
    note.setWordWrap(True)
    note.setProperty("role", "muted")
    layout.addWidget(heading)
    layout.addWidget(note)
    layout.addStretch(1)
    return page


def _build(key: str, title: str, module: str, name: str, state: AppState, client: object) -> QWidget:
    try:
        factory: Callable[[AppState, object], QWidget] = getattr(importlib.import_module(module), name)
        return factory(state, client)
    except ImportError:
        return placeholder(
            tr(title), tr("The {page} page is not part of this version yet.").format(page=tr(title))
        )
    except Exception:  # a broken page must not take the window down
        log.exception("the %s page could not be built", key)
        return placeholder(
            tr(title),
            tr("The {page} page could not be opened. The log has the details.").format(page=tr(title)),
        )


class _StatusCard(QFrame):
    """The sidebar footer: a dot, the state and port, and one Start/Stop button."""

    def __init__(self, remote: bool) -> None:
        super().__init__()
        self.setProperty("role", "statuscard")
        self.dot = QLabel("●")
        self.line = QLabel()
        self.line.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setProperty("role", "muted")
        self.detail.setWordWrap(True)
        self.toggle = QPushButton()
        self.toggle.setVisible(not remote)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.dot)
        top.addWidget(self.line, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        layout.addWidget(self.toggle)


class MainWindow(QMainWindow):
    """The app window; ``start_requested`` / ``stop_requested`` / ``quit_requested`` are intents."""

    start_requested = Signal()
    stop_requested = Signal()
    quit_requested = Signal()
    hidden_to_tray = Signal()

    def __init__(
        self,
        state: AppState,
        client: object,
        *,
        pages: Mapping[str, QWidget] | None = None,
        close_to_tray: bool = True,
        remote: bool = False,
    ) -> None:
        super().__init__()
        self.state = state
        self.close_to_tray = close_to_tray
        self.setWindowTitle("CLIProxyAPI")
        self.setWindowIcon(app_icon())
        self.resize(1120, 700)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.stack = QStackedWidget()
        self._keys: list[str] = []
        given = dict(pages or {})
        for key, title, module, name in PAGES:
            widget = given.pop(key, None) or _build(key, title, module, name, state, client)
            self._add_page(key, tr(title), widget)
        for key, widget in given.items():
            self._add_page(key, key.capitalize(), widget)

        brand = QLabel("CLIProxyAPI")
        brand.setProperty("role", "subtitle")
        self.card = _StatusCard(remote)
        panel = QWidget()
        panel.setObjectName("sidebarPanel")
        panel.setFixedWidth(210)
        side = QVBoxLayout(panel)
        side.setContentsMargins(10, 16, 10, 12)
        side.setSpacing(10)
        side.addWidget(brand)
        side.addWidget(self.sidebar, 1)
        side.addWidget(self.card)

        self.banner = QFrame()
        self.banner.setProperty("role", "banner")
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close_banner = QPushButton(tr("Dismiss"))
        close_banner.setProperty("role", "link")
        close_banner.clicked.connect(self.banner.hide)
        banner_row = QHBoxLayout(self.banner)
        banner_row.setContentsMargins(12, 8, 8, 8)
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(close_banner)
        self.banner.hide()
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.stack, 1)

        root = QWidget()
        row = QHBoxLayout(root)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(panel)
        row.addWidget(content, 1)
        self.setCentralWidget(root)

        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.card.toggle.clicked.connect(self._toggle_clicked)
        state.health_changed.connect(self.update_status)
        state.status_changed.connect(self.update_status)
        state.error_raised.connect(self.show_error)
        self.sidebar.setCurrentRow(0)
        self.update_status()

    def _add_page(self, key: str, title: str, widget: QWidget) -> None:
        self._keys.append(key)
        self.stack.addWidget(widget)
        QListWidgetItem(title, self.sidebar)

    # -- pages -------------------------------------------------------------------------------------

    @property
    def page_keys(self) -> list[str]:
        return list(self._keys)

    def page(self, key: str) -> QWidget:
        widget = self.stack.widget(self._keys.index(key))
        assert widget is not None
        return widget

    def current_page(self) -> str:
        return self._keys[self.stack.currentIndex()]

    def show_page(self, key: str) -> QWidget:
        self.sidebar.setCurrentRow(self._keys.index(key))
        return self.page(key)

    def bring_forward(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def request_login(self, provider: str) -> None:
        """Show the Accounts page and start a login there (when the page can)."""
        self.bring_forward()
        page = self.show_page("accounts")
        opener = getattr(page, "open_login", None)
        if callable(opener):
            opener(provider)

    # -- status ------------------------------------------------------------------------------------

    def update_status(self) -> None:
        health = self.state.health
        status = self.state.status
        self.card.dot.setStyleSheet(f"color: {HEALTH_COLORS.get(health, HEALTH_COLORS['stopped'])};")
        self.card.line.setText(tr(STATUS_WORDS.get(health, health)))
        if status.running and status.url:
            self.card.detail.setText(status.url)
        elif health == "error":
            self.card.detail.setText(status.error or tr("The proxy does not answer."))
        else:
            self.card.detail.setText("")
        running = status.state == "running"
        busy = status.state in ("starting", "stopping")
        self.card.toggle.setText(tr("Stop proxy") if running else tr("Start proxy"))
        self.card.toggle.setEnabled(not busy)

    def _toggle_clicked(self) -> None:
        if self.state.status.state == "running":
            self.stop_requested.emit()
        else:
            self.start_requested.emit()

    def show_error(self, message: str) -> None:
        if message:
            self.banner_text.setText(message)
            self.banner.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_to_tray:
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
            return
        event.accept()
        self.quit_requested.emit()
