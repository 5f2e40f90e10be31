"""QuotaRuntime: the service component that keeps the quota book of a running proxy.

At start it hooks the header parsers into the pipeline (``Pipeline.header_hooks``, by provider
name: only Codex and Claude responses are looked at) and becomes ``quota_of(service)``. ``refresh``
fetches actively for the credentials whose provider has a fetcher (Antigravity, Gemini CLI), with a
token made fresh by the service's TokenSource and the HTTP client of the credential's proxy.
Every change of a credential's windows publishes an ``accounts`` event (``{"credential", "reason":
"quota"}``) on ``service.events``, at most one per credential per second (a later change within the
second is published when the second is over).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from server.credential import Credential
from server.quota.book import QuotaBook
from server.quota.fetch import FETCHERS, QuotaFetchError
from server.quota.headers import HEADER_PARSERS, HeaderParser

if TYPE_CHECKING:
    from server.service import ProxyService

__all__ = ["EVENT_KIND", "QuotaRuntime", "quota_of", "supports_fetch"]

log = logging.getLogger(__name__)

EVENT_KIND = "accounts"
_MIN_INTERVAL = 1.0
_RUNTIMES: WeakKeyDictionary[ProxyService, QuotaRuntime] = WeakKeyDictionary()


def quota_of(service: ProxyService) -> QuotaRuntime | None:
    """The running QuotaRuntime of ``service`` (None when the service has none)."""
    return _RUNTIMES.get(service)


def supports_fetch(credential: Credential) -> bool:
    """True when the credential's quota can be fetched actively."""
    return credential.provider_type in FETCHERS


class QuotaRuntime:
    """A ServiceComponent; register it in ``wiring.build_service``."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        min_interval: float = _MIN_INTERVAL,
    ) -> None:
        self.book = QuotaBook()
        self.errors: dict[str, str] = {}
        """The last failed fetch per credential id (cleared by a successful one)."""
        self._clock = clock
        self._monotonic = monotonic
        self._interval = min_interval
        self._service: ProxyService | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: dict[str, float] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}

    async def start(self, service: ProxyService) -> None:
        self._service = service
        self._loop = asyncio.get_running_loop()
        _RUNTIMES[service] = self
        for name, parser in HEADER_PARSERS.items():
            service.pipeline.header_hooks[name] = self._hook(parser)

    async def stop(self) -> None:
        for handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
        service = self._service
        if service is not None:
            for name in HEADER_PARSERS:
                service.pipeline.header_hooks.pop(name, None)
            _RUNTIMES.pop(service, None)
        self._service = None

    # -- passive: response headers -----------------------------------------------------------------

    def _hook(self, parser: HeaderParser) -> Callable[[Credential, Mapping[str, str]], None]:
        def hook(credential: Credential, headers: Mapping[str, str]) -> None:
            try:
                windows = parser(headers, self._clock())
                if windows and self.book.update(credential.id, windows, "headers"):
                    self._changed(credential.id)
            except Exception:  # the request must never fail because of bookkeeping
                log.exception("reading the quota headers failed")

        return hook

    # -- active: fetches ----------------------------------------------------------------------------

    async def refresh(self, credential_ids: Collection[str] | None = None) -> list[str]:
        """Fetch the quota of these credentials (None: every one that supports it); their ids."""
        service = self._service
        if service is None:
            return []
        chosen = [
            c
            for c in service.state.credentials
            if supports_fetch(c) and not c.disabled and (credential_ids is None or c.id in credential_ids)
        ]
        await asyncio.gather(*(self._fetch(service, c) for c in chosen))
        return [c.id for c in chosen]

    async def _fetch(self, service: ProxyService, credential: Credential) -> None:
        fetcher = FETCHERS[credential.provider_type]
        try:
            source = service.state.token_source
            if credential.kind == "oauth" and source is not None:
                credential = await source(credential)
            http = service.clients.get(credential.proxy_url or service.config.proxy_url)
            windows = await fetcher(http, credential, self._clock())
        except QuotaFetchError as exc:
            self.errors[credential.id] = str(exc)
            log.warning("quota of %s: %s", credential.id, exc)
            return
        except Exception as exc:
            self.errors[credential.id] = f"quota fetch failed: {type(exc).__name__}"
            log.warning("quota of %s: fetch failed: %s", credential.id, type(exc).__name__)
            return
        self.errors.pop(credential.id, None)
        if self.book.update(credential.id, windows, "fetch"):
            self._changed(credential.id)

    # -- events -------------------------------------------------------------------------------------

    def _changed(self, credential_id: str) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if not on_loop:
            try:
                loop.call_soon_threadsafe(self._changed, credential_id)
            except RuntimeError:  # the loop has closed
                pass
            return
        if credential_id in self._pending:
            return  # already announced for the end of this second
        wait = self._last.get(credential_id, -self._interval) + self._interval - self._monotonic()
        if wait <= 0:
            self._publish(credential_id)
        else:
            self._pending[credential_id] = loop.call_later(wait, self._publish, credential_id)

    def _publish(self, credential_id: str) -> None:
        self._pending.pop(credential_id, None)
        self._last[credential_id] = self._monotonic()
        if self._service is not None:
            self._service.events.publish(EVENT_KIND, {"credential": credential_id, "reason": "quota"})
