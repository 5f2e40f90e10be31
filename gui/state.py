"""AppState: what the GUI knows about the proxy (status, accounts, client keys) and its change signals.

Refreshed through the injected client: a real health probe for the status, ``/events`` for changes
(accounts, cooldowns, usage, config), and a full re-read after a reconnect or ``resync``. The overall
``health`` the tray shows is derived here, never assumed: running only after ``/healthz`` answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from gui.aio import spawn
from gui.client import ManagementError
from gui.models import Account, ServerStatus

__all__ = ["HEALTH_STATES", "AppState", "StateClient", "health_of"]

log = logging.getLogger(__name__)

HEALTH_STATES = ("running", "degraded", "starting", "stopped", "error")
_UNUSABLE = frozenset({"cooling", "expired", "refresh_failed", "invalid"})
_RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
_ACCOUNT_EVENTS = frozenset(
    {
        "credentials.changed",
        "cooldown.started",
        "cooldown.ended",
        "accounts",
        "quota.changed",
        "quota.updated",
    }
)
"""Event kinds after which the account list (status, cooldowns, quota) is read again."""


class StateClient(Protocol):
    """The part of ManagementClient AppState uses (the fake client in tests has it too)."""

    async def status(self) -> ServerStatus: ...
    async def accounts(self) -> list[Account]: ...
    async def api_keys(self) -> list[str]: ...
    def events(self) -> AsyncIterator[tuple[str, dict[str, object]]]: ...


def degraded_providers(accounts: list[Account]) -> list[str]:
    """Providers whose every enabled account is unusable right now (cooling, expired, failing)."""
    by_provider: dict[str, list[Account]] = {}
    for account in accounts:
        if not account.disabled:
            by_provider.setdefault(account.provider, []).append(account)
    return sorted(p for p, items in by_provider.items() if all(a.status in _UNUSABLE for a in items))


def health_of(status: ServerStatus, accounts: list[Account]) -> str:
    """One of ``HEALTH_STATES`` for the tray icon."""
    if status.state in ("failed", "unreachable"):
        return "error"
    if status.state in ("starting", "stopping"):
        return "starting"
    if status.state != "running":
        return "stopped"
    return "degraded" if degraded_providers(accounts) else "running"


class AppState(QObject):
    """Cached status, accounts and client keys with change signals; views read it, intents refresh it."""

    status_changed = Signal(object)  # ServerStatus
    health_changed = Signal(str)
    accounts_changed = Signal(object)  # list[Account]
    api_keys_changed = Signal(object)  # list[str]
    usage_changed = Signal()
    config_changed = Signal()
    error_raised = Signal(str)

    def __init__(self, client: StateClient, *, remote: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.remote = remote
        self._status = ServerStatus("stopped")
        self._accounts: list[Account] = []
        self._api_keys: list[str] = []
        self._health = "stopped"
        self._watcher: asyncio.Task[None] | None = None

    # -- reading ---------------------------------------------------------------------------------

    @property
    def status(self) -> ServerStatus:
        return self._status

    @property
    def health(self) -> str:
        return self._health

    @property
    def accounts(self) -> list[Account]:
        return list(self._accounts)

    @property
    def api_keys(self) -> list[str]:
        return list(self._api_keys)

    @property
    def base_url(self) -> str:
        return self._status.url

    # -- updates ---------------------------------------------------------------------------------

    def set_status(self, status: ServerStatus) -> None:
        """What the lifecycle reports. "running" is only believed after a health probe."""
        if status.state == "running":
            if self._status.running and self._status.url == status.url:
                return
            self._apply_status(ServerStatus("starting", status.url))
            spawn(self.probe(), "probe after start")
            return
        self._apply_status(status)
        if status.state in ("stopped", "failed"):
            self.stop_watching()

    def _apply_status(self, status: ServerStatus) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)
        self._update_health()

    def _update_health(self) -> None:
        health = health_of(self._status, self._accounts)
        if health != self._health:
            self._health = health
            self.health_changed.emit(health)

    def _set_accounts(self, accounts: list[Account]) -> None:
        if accounts != self._accounts:
            self._accounts = accounts
            self.accounts_changed.emit(list(accounts))
        self._update_health()

    async def probe(self) -> ServerStatus:
        """Ask ``/healthz``; on success load everything and follow the event stream."""
        if self._status.state in ("stopping", "stopped", "failed") and not self.remote:
            return self._status
        probed = await self.client.status()
        if probed.running and not self._status.running:
            await self.refresh()  # accounts first, so the health shown is final (no "running" flicker)
            self._apply_status(probed)
            self.watch()
        else:
            self._apply_status(probed)
        return probed

    async def refresh(self) -> None:
        """Re-read accounts and client keys (a failure is reported, the cache stays)."""
        try:
            self._set_accounts(await self.client.accounts())
            keys = await self.client.api_keys()
        except ManagementError as exc:
            self.error_raised.emit(exc.message)
            return
        if keys != self._api_keys:
            self._api_keys = keys
            self.api_keys_changed.emit(list(keys))

    async def refresh_accounts(self) -> None:
        try:
            self._set_accounts(await self.client.accounts())
        except ManagementError as exc:
            self.error_raised.emit(exc.message)

    # -- the event stream ------------------------------------------------------------------------

    def watch(self) -> None:
        """Follow ``/events`` in the background (once)."""
        if self._watcher is None or self._watcher.done():
            self._watcher = spawn(self._watch(), "follow /events")

    def stop_watching(self) -> None:
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()
        self._watcher = None

    async def close_stream(self) -> None:
        """Stop following ``/events`` and wait until the connection is closed (before stopping the proxy,
        which would otherwise wait for the open stream and then cut it)."""
        watcher = self._watcher
        self.stop_watching()
        if watcher is not None:
            await asyncio.gather(watcher, return_exceptions=True)

    async def _watch(self) -> None:
        attempt = 0
        while True:
            try:
                async for kind, data in self.client.events():
                    attempt = 0
                    await self.handle_event(kind, data)
            except ManagementError as exc:
                log.info("the event stream stopped: %s", exc.message)
            probed = await self.client.status()
            self._apply_status(probed)
            if not probed.running and not self.remote:
                return
            await asyncio.sleep(_RECONNECT_DELAYS[min(attempt, len(_RECONNECT_DELAYS) - 1)])
            attempt += 1
            if probed.running:
                await self.refresh()

    async def handle_event(self, kind: str, data: dict[str, object]) -> None:
        """React to one server event (public so tests can drive it without a stream)."""
        if kind in _ACCOUNT_EVENTS:
            await self.refresh_accounts()
        elif kind == "usage.recorded":
            self.usage_changed.emit()
        elif kind == "config.changed":
            self.config_changed.emit()
            await self.refresh()
        elif kind == "resync":
            await self.refresh()
            self.usage_changed.emit()
            self.config_changed.emit()
