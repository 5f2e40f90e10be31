"""The tray / menu-bar icon: the true state as an icon and a status line, and the menu of everyday actions.

The icon follows ``AppState.health`` (running only after a health probe answered; degraded when every
account of a service is resting). Menu actions are intents (signals) the app carries out, except the two
clipboard copies, which need no I/O. On macOS the menu is popped up by hand instead of
``setContextMenu`` (a Qt bug aborts AppKit while a status-item menu is tracked, packaging.md §5).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QCursor, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from gui.assets import dot_icon, provider_name, status_icon
from gui.models import PROVIDERS, Account
from gui.state import AppState, degraded_providers

__all__ = ["STATUS_WORDS", "Tray", "account_line", "tooltip_text"]

STATUS_WORDS = {
    "running": "Running",
    "degraded": "Running, but some services are resting",
    "starting": "Starting…",
    "stopped": "Stopped",
    "error": "Not working",
}
_ACCOUNT_WORDS = {
    "ready": "ready",
    "cooling": "resting",
    "disabled": "off",
    "expired": "login expired",
    "refresh_failed": "needs a new login",
    "invalid": "unreadable",
}


def _port(url: str) -> str:
    tail = url.rsplit(":", 1)[-1].strip("/")
    return tail if tail.isdigit() else ""


def tooltip_text(state: AppState) -> str:
    """ "CLIProxyAPI · Running on :8317 · 3 of 4 accounts ready" (and which services are resting)."""
    parts = ["CLIProxyAPI", STATUS_WORDS.get(state.health, state.health)]
    port = _port(state.base_url)
    if state.health in ("running", "degraded") and port:
        parts[1] += f" on :{port}"
    if state.health == "error" and state.status.error:
        parts.append(state.status.error[:120])
    accounts = state.accounts
    if accounts and state.health in ("running", "degraded"):
        ready = sum(a.status == "ready" for a in accounts)
        parts.append(f"{ready} of {len(accounts)} accounts ready")
    resting = degraded_providers(accounts) if state.health == "degraded" else []
    if resting:
        parts.append("resting: " + ", ".join(provider_name(p) for p in resting))
    return " · ".join(parts)


def account_line(account: Account) -> str:
    who = account.email or account.label or account.id
    return f"{provider_name(account.provider)}: {who} ({_ACCOUNT_WORDS.get(account.status, account.status)})"


class Tray(QObject):
    """The tray icon and its menu; ``available()`` says whether this desktop has a tray at all."""

    start_requested = Signal()
    stop_requested = Signal()
    restart_requested = Signal()
    open_window_requested = Signal()
    quit_requested = Signal()
    login_requested = Signal(str)
    copied = Signal(str)  # what was copied ("url" or "key"), never the value

    def __init__(self, state: AppState, *, remote: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.remote = remote
        self._icons: dict[str, QIcon] = {}
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.status_action = QAction(self.menu)
        self.status_action.setEnabled(False)
        self.start_action = QAction(self.tr("Start proxy"), self.menu)
        self.stop_action = QAction(self.tr("Stop proxy"), self.menu)
        self.restart_action = QAction(self.tr("Restart proxy"), self.menu)
        self.copy_url_action = QAction(self.tr("Copy base URL"), self.menu)
        self.copy_key_action = QAction(self.tr("Copy API key"), self.menu)
        self.open_action = QAction(self.tr("Open CLIProxyAPI…"), self.menu)
        self.accounts_menu = QMenu(self.tr("Accounts"), self.menu)
        self.quit_action = QAction(self.tr("Quit CLIProxyAPI"), self.menu)
        self.menu.addAction(self.status_action)
        self.menu.addSeparator()
        for action in (self.start_action, self.stop_action, self.restart_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.copy_url_action)
        self.menu.addAction(self.copy_key_action)
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addMenu(self.accounts_menu)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self.start_action.triggered.connect(self.start_requested)
        self.stop_action.triggered.connect(self.stop_requested)
        self.restart_action.triggered.connect(self.restart_requested)
        self.open_action.triggered.connect(self.open_window_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.copy_url_action.triggered.connect(self.copy_url)
        self.copy_key_action.triggered.connect(self.copy_key)
        self.icon.activated.connect(self._activated)
        if sys.platform != "darwin":
            self.icon.setContextMenu(self.menu)
        state.health_changed.connect(self.update)
        state.status_changed.connect(self.update)
        state.accounts_changed.connect(self.update)
        state.api_keys_changed.connect(self.update)
        self.update()

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def notify(self, title: str, message: str, error: bool = False) -> None:
        """A desktop notification (a nicety: macOS may drop it)."""
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            kind = QSystemTrayIcon.MessageIcon.Warning if error else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, message, kind, 8000)

    def _icon_for(self, health: str) -> QIcon:
        if health not in self._icons:
            self._icons[health] = status_icon(health)
        return self._icons[health]

    @Slot()
    def update(self) -> None:
        state = self.state
        health = state.health
        self.icon.setIcon(self._icon_for(health))
        self.icon.setToolTip(tooltip_text(state))
        line = STATUS_WORDS.get(health, health)
        if health in ("running", "degraded") and state.base_url:
            line = f"{line} — {state.base_url}"
        elif health == "error" and state.status.error:
            line = f"{line}: {state.status.error[:80]}"
        self.status_action.setText(line)
        self.status_action.setIcon(dot_icon(health))
        status = state.status.state
        busy = status in ("starting", "stopping")
        for action in (self.start_action, self.stop_action, self.restart_action):
            action.setVisible(not self.remote)
        self.start_action.setEnabled(not busy and status in ("stopped", "failed"))
        self.stop_action.setEnabled(not busy and status == "running")
        self.restart_action.setEnabled(not busy and status in ("running", "failed"))
        self.copy_url_action.setEnabled(bool(state.base_url) and state.status.running)
        self.copy_key_action.setEnabled(bool(state.api_keys))
        self._fill_accounts(state.accounts)

    def _fill_accounts(self, accounts: list[Account]) -> None:
        menu = self.accounts_menu
        menu.clear()
        if not accounts:
            empty = menu.addAction(self.tr("No accounts yet"))
            empty.setEnabled(False)
        for account in accounts[:20]:
            item = menu.addAction(account_line(account))
            item.setEnabled(False)
        if len(accounts) > 20:
            more = menu.addAction(self.tr("… and {0} more").format(len(accounts) - 20))
            more.setEnabled(False)
        menu.addSeparator()
        for provider, _name in PROVIDERS:
            action = menu.addAction(self.tr("Log in to {0}…").format(provider_name(provider)))
            action.setData(provider)
            action.triggered.connect(self._login_chosen)
            action.setEnabled(self.state.status.running)

    def _login_chosen(self) -> None:
        action = self.sender()
        provider = action.data() if isinstance(action, QAction) else None
        if isinstance(provider, str):
            self.login_requested.emit(provider)

    def copy_url(self) -> None:
        if self.state.base_url:
            QGuiApplication.clipboard().setText(self.state.base_url)
            self.copied.emit("url")

    def copy_key(self) -> None:
        keys = self.state.api_keys
        if keys:
            QGuiApplication.clipboard().setText(keys[0])
            self.copied.emit("key")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if sys.platform == "darwin":
            self.menu.popup(QCursor.pos())
        elif reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_window_requested.emit()
