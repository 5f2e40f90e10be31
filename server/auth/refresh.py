"""Token refresh: single-flight per credential file, the background loop, and each file's refresh state.

The loop looks at every enabled file every ``interval`` seconds (5 s, as the original) and refreshes
those due by the provider's lead (``timing.refresh_due``). A refresh re-reads the file first (another
process may have rotated the refresh token), asks the provider for fresh tokens, merges them over the
file's JSON (every original key kept) and writes it back atomically. A failure keeps the error in the
file's ``RefreshState`` and waits 5 minutes before the next try; a permanent one (revoked refresh
token) waits until the file changes. Nothing here raises into the loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from server.auth.accounts import account_provider
from server.auth.base import RefreshContext, RefreshError
from server.auth.store import CredentialStore, StoredFile
from server.auth.timing import expires_at, last_refresh_of, refresh_due

__all__ = ["RefreshState", "Refresher"]

log = logging.getLogger(__name__)

RETRY_AFTER = 300.0
"""Seconds before a failed refresh is tried again."""
MIN_GAP = 60.0
"""After a success, the loop waits this long before the same file again (unless the token expired):
a provider whose tokens live shorter than its lead would otherwise refresh on every tick."""
REFRESH_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class RefreshState:
    """What the management API shows about a credential's token refreshes."""

    last_refresh: float | None = None
    expires_at: float | None = None
    error: str = ""
    next_try_after: float = 0.0
    permanent: bool = False
    refreshing: bool = False
    failed_digest: str = ""


Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


class Refresher:
    """Refreshes account files; ``files()`` gives the currently loaded ones by name."""

    def __init__(
        self,
        *,
        store: CredentialStore,
        files: Callable[[], Mapping[str, StoredFile]],
        context: Callable[[StoredFile], RefreshContext],
        on_refreshed: Callable[[str], None],
        spawn: Spawn,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        interval: float = 5.0,
    ) -> None:
        self._store = store
        self._files = files
        self._context = context
        self._on_refreshed = on_refreshed
        self._spawn = spawn
        self._clock = clock
        self._sleep = sleep
        self._interval = interval
        self._states: dict[str, RefreshState] = {}
        self._flights: dict[str, asyncio.Task[bool]] = {}
        self.calls = 0
        """Refreshes started (tests count them)."""

    # -- state ---------------------------------------------------------------------------------

    def state(self, name: str) -> RefreshState:
        state = self._states.get(name)
        file = self._files().get(name)
        if file is None:
            return state or RefreshState()
        provider = account_provider(file.type)
        current = RefreshState(
            last_refresh=last_refresh_of(file.data), expires_at=expires_at(file.data, provider)
        )
        if state is None:
            return current
        return replace(
            state, expires_at=current.expires_at, last_refresh=state.last_refresh or current.last_refresh
        )

    def error(self, name: str) -> str:
        state = self._states.get(name)
        return state.error if state is not None else ""

    def backing_off(self, name: str) -> bool:
        state = self._states.get(name)
        return state is not None and self._clock() < state.next_try_after

    def sync(self, files: Mapping[str, StoredFile]) -> None:
        """After a reload: forget removed files; a changed file gets a fresh chance after a failure."""
        for name in list(self._states):
            file = files.get(name)
            state = self._states[name]
            if file is None:
                del self._states[name]
            elif state.error and state.failed_digest and file.digest != state.failed_digest:
                self._states[name] = replace(state, error="", next_try_after=0.0, permanent=False)

    # -- refreshing ----------------------------------------------------------------------------

    async def refresh(self, name: str) -> bool:
        """Refresh ``name`` now, or join the refresh already running for it; True on success."""
        return await asyncio.shield(self._start(name))

    def _start(self, name: str) -> asyncio.Task[bool]:
        flight = self._flights.get(name)
        if flight is None:
            flight = self._spawn(self._run(name), f"refresh {name}")
            self._flights[name] = flight
            flight.add_done_callback(lambda _: self._flights.pop(name, None))
        return flight

    async def _run(self, name: str) -> bool:
        self.calls += 1
        previous = self._states.get(name, RefreshState())
        self._states[name] = replace(previous, refreshing=True)
        digest = ""
        try:
            file = await asyncio.to_thread(self._store.load, name)
            digest = file.digest
            provider = account_provider(file.type)
            if provider is None:
                raise RefreshError(f"unknown credential type {file.type!r}", permanent=True)
            async with asyncio.timeout(REFRESH_TIMEOUT):
                fresh = await provider.refresh(dict(file.data), self._context(file))
            # re-read under the store's lock: a disabled/priority change made meanwhile is kept
            merged = await asyncio.to_thread(self._store.merge_refreshed, name, file.data, fresh)
        except Exception as exc:
            self._failed(name, previous, exc, digest)
            return False
        now = self._clock()
        self._states[name] = RefreshState(last_refresh=now, expires_at=expires_at(merged, provider))
        log.info("token of %s refreshed", name)
        try:
            self._on_refreshed(name)
        except Exception:
            log.exception("reloading after the refresh of %s failed", name)
        return True

    def _failed(self, name: str, previous: RefreshState, exc: Exception, digest: str) -> None:
        permanent = isinstance(exc, RefreshError) and exc.permanent
        message = str(exc) if isinstance(exc, RefreshError) else _describe(exc)
        wait = math.inf if permanent else RETRY_AFTER
        self._states[name] = replace(
            previous,
            error=message,
            permanent=permanent,
            refreshing=False,
            next_try_after=self._clock() + wait,
            failed_digest=digest,
        )
        log.warning("token refresh of %s failed%s: %s", name, " (log in again)" if permanent else "", message)

    # -- the loop ------------------------------------------------------------------------------

    def due(self, file: StoredFile, now: float) -> bool:
        if file.disabled:
            return False
        provider = account_provider(file.type)
        if provider is None:
            return False
        state = self._states.get(file.name)
        expiry = expires_at(file.data, provider)
        if state is not None:
            if state.refreshing or now < state.next_try_after:
                return False
            recent = state.last_refresh is not None and now - state.last_refresh < MIN_GAP
            if recent and (expiry is None or expiry > now):
                return False
        own_rule = getattr(provider, "refresh_due", None)
        if callable(own_rule):
            return own_rule(file.data, now) is True
        return refresh_due(file.data, lead=provider.refresh_lead, now=now, expiry=expiry)

    def tick(self) -> list[str]:
        """Start the refreshes that are due; the names started."""
        now = self._clock()
        started: list[str] = []
        for name, file in self._files().items():
            if name not in self._flights and self.due(file, now):
                self._start(name)
                started.append(name)
        return started

    async def run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("the token refresh loop failed a pass")
            await self._sleep(self._interval)


def _describe(exc: Exception) -> str:
    """A failure without secrets: HTTP errors name the host, never the URL's query or a body."""
    if isinstance(exc, httpx.RequestError):
        try:
            host = exc.request.url.host
        except RuntimeError:
            host = ""
        return f"{type(exc).__name__} talking to {host or 'the token endpoint'}"
    if isinstance(exc, TimeoutError):
        return "the token endpoint did not answer in time"
    if isinstance(exc, OSError | ValueError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__
