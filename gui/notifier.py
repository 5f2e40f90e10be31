"""Notifier: desktop notifications for the few things worth interrupting for, each once per change.

Proxy stopped unexpectedly, an account that can no longer renew its login, a service whose every
account is resting, an account's quota running low, and a new version. Each has its own toggle
(``Prefs.notify``); a condition notifies when it starts, not again while it lasts (no loops), and again
only after it ended and came back. Low quota is told once per window per reset period.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSettings

from gui.assets import provider_name
from gui.i18n import tr
from gui.models import Account, QuotaWindow, ServerStatus
from gui.prefs import Prefs
from gui.state import AppState
from gui.widgets.quota_bar import left_text, reset_text

__all__ = ["DEFAULT_QUOTA_THRESHOLD", "Notifier", "Sink", "quota_threshold", "set_quota_threshold"]

DEFAULT_QUOTA_THRESHOLD = 20
_THRESHOLD_KEY = "notify/quota_threshold"
_NEW_PERIOD = 600.0
"""A reset time this much later than the one told about means a new period (not clock jitter)."""


def quota_threshold(settings: QSettings) -> int:
    """Tell about a quota window at or below this many percent left (1..99, default 20)."""
    value = settings.value(_THRESHOLD_KEY, DEFAULT_QUOTA_THRESHOLD)
    try:
        return max(1, min(99, int(str(value))))
    except ValueError:
        return DEFAULT_QUOTA_THRESHOLD


def set_quota_threshold(settings: QSettings, percent: int) -> None:
    settings.setValue(_THRESHOLD_KEY, max(1, min(99, int(percent))))


class Sink(Protocol):
    """Shows a notification (the tray); ``update_available`` also passes ``url=`` (opened on a click)."""

    def notify(self, title: str, message: str, error: bool = False) -> None: ...


class Notifier(QObject):
    """Turns AppState changes into at most one notification per new condition."""

    def __init__(
        self,
        state: AppState,
        prefs: Prefs,
        sink: Sink,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._state = state
        self._prefs = prefs
        self._sink = sink
        self._clock = clock
        self._failing: set[str] = set()
        self._resting: set[str] = set()
        self._low: dict[tuple[str, str], float | None] = {}  # (account, window) told → its reset time
        self.sent: list[str] = []
        state.accounts_changed.connect(self.accounts_changed)

    def _send(self, kind: str, title: str, message: str, error: bool, url: str = "") -> None:
        if self._prefs.notify(kind):
            self.sent.append(kind)
            if url:
                self._sink.notify(title, message, error, url=url)  # type: ignore[call-arg]
            else:
                self._sink.notify(title, message, error)

    def update_available(self, version: str, url: str) -> None:
        """A newer version was found; clicking the notification opens its release page."""
        self._send(
            "update",
            tr("CLIProxyAPI {version} is available").format(version=version),
            tr("Click to open the download page."),
            False,
            url,
        )

    def proxy_stopped(self, status: ServerStatus) -> None:
        detail = f": {status.error}" if status.error else "."
        self._send("stopped", tr("The proxy stopped"), tr("It stopped unexpectedly") + detail, True)

    def accounts_changed(self, accounts: list[Account]) -> None:
        failing = {a.id for a in accounts if a.status == "refresh_failed"}
        for account in accounts:
            if account.id in failing - self._failing:
                who = account.email or account.label
                self._send(
                    "refresh_failed",
                    tr("{0} needs a new login").format(provider_name(account.provider)),
                    tr("{0} could not renew its login. Open Accounts and log in again.").format(who),
                    True,
                )
        self._failing = failing
        resting = _all_cooling(accounts)
        for provider in sorted(resting - self._resting):
            self._send(
                "cooling",
                tr("{0} is resting").format(provider_name(provider)),
                tr("Every {0} account hit a limit; requests wait until one is free again.").format(
                    provider_name(provider)
                ),
                False,
            )
        self._resting = resting
        self._quota_changed(accounts)

    def _quota_changed(self, accounts: list[Account]) -> None:
        now, threshold = self._clock(), quota_threshold(self._prefs.settings)
        for account in accounts:
            for window in account.quota:
                key = (account.id, window.window)
                if not window.current(now) or window.left_percent > threshold:
                    self._low.pop(key, None)  # refilled or a new period: may tell again
                    continue
                if account.disabled or (
                    key in self._low and not _new_period(self._low[key], window.resets_at)
                ):
                    continue
                self._low[key] = window.resets_at
                self._quota_low(account, window, now)

    def _quota_low(self, account: Account, window: QuotaWindow, now: float) -> None:
        who = account.email or account.label
        reset = reset_text(window.resets_at, now)
        message = tr("{who}: {left} of the {window} quota.").format(
            who=who, left=left_text(window), window=tr(window.label)
        )
        if reset:
            message += " " + tr("It {reset}.").format(reset=reset)
        self._send(
            "quota_low",
            tr("{provider} quota is running low").format(provider=provider_name(account.provider)),
            message,
            False,
        )


def _new_period(told: float | None, resets_at: float | None) -> bool:
    return told is not None and resets_at is not None and resets_at > told + _NEW_PERIOD


def _all_cooling(accounts: list[Account]) -> set[str]:
    """Providers whose every enabled account is cooling down."""
    by_provider: dict[str, list[Account]] = {}
    for account in accounts:
        if not account.disabled:
            by_provider.setdefault(account.provider, []).append(account)
    return {p for p, items in by_provider.items() if all(a.status == "cooling" for a in items)}
