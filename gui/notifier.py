"""Notifier: desktop notifications for the few things worth interrupting for, each once per change.

Proxy stopped unexpectedly, an account that can no longer renew its login, and a service whose every
account is resting. Each has its own toggle (``Prefs.notify``); a condition notifies when it starts,
not again while it lasts (no loops), and again only after it ended and came back.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject

from gui.assets import provider_name
from gui.models import Account, ServerStatus
from gui.prefs import Prefs
from gui.state import AppState

__all__ = ["Notifier", "Sink"]


class Sink(Protocol):
    def notify(self, title: str, message: str, error: bool = False) -> None: ...


class Notifier(QObject):
    """Turns AppState changes into at most one notification per new condition."""

    def __init__(self, state: AppState, prefs: Prefs, sink: Sink, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._prefs = prefs
        self._sink = sink
        self._failing: set[str] = set()
        self._resting: set[str] = set()
        self.sent: list[str] = []
        state.accounts_changed.connect(self.accounts_changed)

    def _send(self, kind: str, title: str, message: str, error: bool) -> None:
        if self._prefs.notify(kind):
            self.sent.append(kind)
            self._sink.notify(title, message, error)

    def proxy_stopped(self, status: ServerStatus) -> None:
        detail = f": {status.error}" if status.error else "."
        self._send("stopped", self.tr("The proxy stopped"), self.tr("It stopped unexpectedly") + detail, True)

    def accounts_changed(self, accounts: list[Account]) -> None:
        failing = {a.id for a in accounts if a.status == "refresh_failed"}
        for account in accounts:
            if account.id in failing - self._failing:
                who = account.email or account.label
                self._send(
                    "refresh_failed",
                    self.tr("{0} needs a new login").format(provider_name(account.provider)),
                    self.tr("{0} could not renew its login. Open Accounts and log in again.").format(who),
                    True,
                )
        self._failing = failing
        resting = _all_cooling(accounts)
        for provider in sorted(resting - self._resting):
            self._send(
                "cooling",
                self.tr("{0} is resting").format(provider_name(provider)),
                self.tr("Every {0} account hit a limit; requests wait until one is free again.").format(
                    provider_name(provider)
                ),
                False,
            )
        self._resting = resting


def _all_cooling(accounts: list[Account]) -> set[str]:
    """Providers whose every enabled account is cooling down."""
    by_provider: dict[str, list[Account]] = {}
    for account in accounts:
        if not account.disabled:
            by_provider.setdefault(account.provider, []).append(account)
    return {p for p, items in by_provider.items() if all(a.status == "cooling" for a in items)}
