"""The tray / menu-bar icon: the true state as an icon and a status line, and the menu of everyday actions.

The icon follows ``AppState.health`` (running only after a health probe answered; degraded when every
account of a service is resting) and gets a red badge when an account's quota is at 20 % or less; the
lowest quota is in the tooltip and on a line under the status. Menu actions are intents (signals) the
app carries out, except the two clipboard copies, which need no I/O. On macOS the menu is popped up by
hand instead of ``setContextMenu`` (a Qt bug aborts AppKit while a status-item menu is tracked,
packaging.md §5).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QColor, QCursor, QDesktopServices, QGuiApplication, QIcon, QPainter, QPen
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from gui.aio import spawn
from gui.assets import ICON_SIZES, dot_icon, provider_name, status_pixmap
from gui.i18n import N_, tr
from gui.models import PROVIDERS, Account, QuotaWindow
from gui.quota import QUOTA_RED, worst_quota
from gui.state import AppState, degraded_providers
from gui.updates import UpdateChecker
from gui.widgets.quota_bar import left_text, reset_text

__all__ = ["LOW_QUOTA", "STATUS_WORDS", "Tray", "account_line", "badged_icon", "quota_line", "tooltip_text"]

LOW_QUOTA = 20.0
"""At or below this many percent left, the tray icon gets its badge."""

STATUS_WORDS = {  # English; shown through tr()
    "running": N_("Running"),
    "degraded": N_("Running, but some services are resting"),
    "starting": N_("Starting…"),
    "stopped": N_("Stopped"),
    "error": N_("Not working"),
}
_ACCOUNT_WORDS = {
    "ready": N_("ready"),
    "cooling": N_("resting"),
    "disabled": N_("off"),
    "expired": N_("login expired"),
    "refresh_failed": N_("needs a new login"),
    "invalid": N_("unreadable"),
}


def _port(url: str) -> str:
    tail = url.rsplit(":", 1)[-1].strip("/")
    return tail if tail.isdigit() else ""


def quota_line(account: Account, window: QuotaWindow, now: float) -> str:
    """``12% left · Claude 5-hour, resets in 40 min``."""
    where = f"{provider_name(account.provider).split(' (')[0]} {tr(window.label)}"
    reset = reset_text(window.resets_at, now)
    detail = tr("{where}, {reset}").format(where=where, reset=reset) if reset else where
    return tr("Lowest quota: {left} · {detail}").format(left=left_text(window), detail=detail)


def badged_icon(health: str, badge: bool) -> QIcon:
    """The status icon, with a red quota badge in the upper right corner when ``badge``."""
    icon = QIcon()
    for size in ICON_SIZES[:8]:
        pixmap = status_pixmap(health, size)
        if badge:
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            diameter = max(5.0, size * 0.38)
            ring = QPen(QColor("#ffffff"))
            ring.setWidthF(max(1.0, size / 16))
            painter.setPen(ring)
            painter.setBrush(QColor(QUOTA_RED))
            painter.drawEllipse(QRectF(size - diameter, 0, diameter, diameter).adjusted(0.5, 0.5, -0.5, -0.5))
            painter.end()
        icon.addPixmap(pixmap)
    return icon


def tooltip_text(state: AppState, now: float | None = None) -> str:
    """ "CLIProxyAPI · Running on :8317 · 3 of 4 accounts ready" (and which services are resting)."""
    parts = ["CLIProxyAPI", tr(STATUS_WORDS.get(state.health, state.health))]
    port = _port(state.base_url)
    if state.health in ("running", "degraded") and port:
        parts[1] = tr("{status} on :{port}").format(status=parts[1], port=port)
    if state.health == "error" and state.status.error:
        parts.append(state.status.error[:120])
    accounts = state.accounts
    if accounts and state.health in ("running", "degraded"):
        ready = sum(a.status == "ready" for a in accounts)
        parts.append(tr("{ready} of {total} accounts ready").format(ready=ready, total=len(accounts)))
    resting = degraded_providers(accounts) if state.health == "degraded" else []
    if resting:
        parts.append(
            tr("resting: {providers}").format(providers=", ".join(provider_name(p) for p in resting))
        )
    now = time.time() if now is None else now
    worst = worst_quota(accounts, now) if state.health in ("running", "degraded") else None
    if worst is not None:
        parts.append(quota_line(*worst, now))
    return " · ".join(parts)


def account_line(account: Account, now: float | None = None) -> str:
    who = account.email or account.label or account.id
    word = tr(_ACCOUNT_WORDS[account.status]) if account.status in _ACCOUNT_WORDS else account.status
    line = f"{provider_name(account.provider)}: {who} ({word})"
    worst = worst_quota([account], time.time() if now is None else now)
    return f"{line} · {left_text(worst[1])}" if worst else line


class Tray(QObject):
    """The tray icon and its menu; ``available()`` says whether this desktop has a tray at all."""

    start_requested = Signal()
    stop_requested = Signal()
    restart_requested = Signal()
    open_window_requested = Signal()
    quit_requested = Signal()
    login_requested = Signal(str)
    copied = Signal(str)  # what was copied ("url" or "key"), never the value

    def __init__(
        self,
        state: AppState,
        *,
        remote: bool = False,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.time,
        updates: UpdateChecker | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.remote = remote
        self._clock = clock
        self.updates = updates
        self._icons: dict[tuple[str, bool], QIcon] = {}
        self.badge = False
        self.message_url = ""
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.status_action = QAction(self.menu)
        self.status_action.setEnabled(False)
        self.quota_action = QAction(self.menu)
        self.quota_action.setEnabled(False)
        self.start_action = QAction(tr("Start proxy"), self.menu)
        self.stop_action = QAction(tr("Stop proxy"), self.menu)
        self.restart_action = QAction(tr("Restart proxy"), self.menu)
        self.copy_url_action = QAction(tr("Copy base URL"), self.menu)
        self.copy_key_action = QAction(tr("Copy API key"), self.menu)
        self.open_action = QAction(tr("Open CLIProxyAPI…"), self.menu)
        self.accounts_menu = QMenu(tr("Accounts"), self.menu)
        self.updates_action = QAction(tr("Check for updates…"), self.menu)
        self.quit_action = QAction(tr("Quit CLIProxyAPI"), self.menu)
        self.menu.addAction(self.status_action)
        self._after_status = self.menu.addSeparator()  # the quota line goes before it while one is known
        for action in (self.start_action, self.stop_action, self.restart_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.copy_url_action)
        self.menu.addAction(self.copy_key_action)
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addMenu(self.accounts_menu)
        self.menu.addSeparator()
        if updates is not None:
            self.menu.addAction(self.updates_action)
        self.menu.addAction(self.quit_action)

        self.start_action.triggered.connect(self.start_requested)
        self.stop_action.triggered.connect(self.stop_requested)
        self.restart_action.triggered.connect(self.restart_requested)
        self.open_action.triggered.connect(self.open_window_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.copy_url_action.triggered.connect(self.copy_url)
        self.copy_key_action.triggered.connect(self.copy_key)
        self.updates_action.triggered.connect(self.check_updates)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._message_clicked)
        self._ticker = QTimer(self)  # the countdowns in the tooltip and the quota line
        self._ticker.setInterval(60_000)
        self._ticker.timeout.connect(self.update)
        self._ticker.start()
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

    def notify(self, title: str, message: str, error: bool = False, url: str = "") -> None:
        """A desktop notification (a nicety: macOS may drop it); clicking it opens ``url`` if given."""
        self.message_url = url
        if self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            kind = QSystemTrayIcon.MessageIcon.Warning if error else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, message, kind, 8000)

    def check_updates(self) -> None:
        """Check now and say what was found (a link to the release page when there is a new version)."""
        if self.updates is not None and not self.updates.busy:
            spawn(self._check_updates(self.updates), "tray: check for updates", owner=self)

    async def _check_updates(self, updates: UpdateChecker) -> None:
        result = await updates.check()
        title = tr("Update available") if result.state == "available" else tr("Check for updates")
        self.notify(title, result.message, result.state in ("offline", "error"), url=result.url)

    def _message_clicked(self) -> None:
        if self.message_url:
            QDesktopServices.openUrl(QUrl(self.message_url))

    def _icon_for(self, health: str, badge: bool) -> QIcon:
        if (health, badge) not in self._icons:
            self._icons[health, badge] = badged_icon(health, badge)
        return self._icons[health, badge]

    @Slot()
    def update(self) -> None:
        state = self.state
        health = state.health
        now = self._clock()
        worst = worst_quota(state.accounts, now) if health in ("running", "degraded") else None
        self.badge = worst is not None and worst[1].left_percent <= LOW_QUOTA
        self.icon.setIcon(self._icon_for(health, self.badge))
        self.icon.setToolTip(tooltip_text(state, now))
        if worst is not None:
            self.quota_action.setText(quota_line(*worst, now))
            if self.quota_action not in self.menu.actions():
                self.menu.insertAction(self._after_status, self.quota_action)
        elif self.quota_action in self.menu.actions():
            self.menu.removeAction(self.quota_action)
        line = tr(STATUS_WORDS.get(health, health))
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
            empty = menu.addAction(tr("No accounts yet"))
            empty.setEnabled(False)
        now = self._clock()
        for account in accounts[:20]:
            item = menu.addAction(account_line(account, now))
            item.setEnabled(False)
        if len(accounts) > 20:
            more = menu.addAction(tr("… and {0} more").format(len(accounts) - 20))
            more.setEnabled(False)
        menu.addSeparator()
        for provider, _name in PROVIDERS:
            action = menu.addAction(tr("Log in to {0}…").format(provider_name(provider)))
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
