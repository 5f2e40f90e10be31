"""AccountRuntime: the service component that owns account credentials while the server runs.

At start it loads auth-dir into the live state (``state.set_extra_credentials``), installs the
TokenSource the pipeline calls before using an account, starts the background refresh loop, and
becomes ``service.accounts`` — the object the management API reads (``store``, ``sessions``,
``reload()``, ``refresh_states()``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.auth.accounts import account_provider, load_account_providers
from server.auth.base import RefreshContext
from server.auth.endpoints import Endpoints
from server.auth.refresh import Refresher, RefreshState
from server.auth.sessions import LoginSessions
from server.auth.store import CredentialStore, FileProblem, StoredFile
from server.auth.tokens import AccountTokenSource
from server.config.paths import resolve_auth_dir
from server.config.schema import Config
from server.credential import Credential, ModelMapping
from server.tasks import TaskGroup

if TYPE_CHECKING:
    from server.service import ProxyService

__all__ = ["AccountRuntime"]

log = logging.getLogger(__name__)


class AccountRuntime:
    """Account files → credentials, refreshes and logins for one running service."""

    def __init__(
        self,
        *,
        auth_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        refresh_interval: float = 5.0,
    ) -> None:
        self._auth_dir = auth_dir
        self._clock = clock
        self._sleep = sleep
        self._interval = refresh_interval
        self._tasks = TaskGroup()
        self._service: ProxyService | None = None
        self._files: dict[str, StoredFile] = {}
        self._by_id: dict[str, tuple[StoredFile, Credential]] = {}
        self._prepared: dict[str, _Prepared] = {}
        self._preparing: set[str] = set()
        self.problems: list[FileProblem] = []
        """Files skipped at the last reload and why."""

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self, service: ProxyService) -> None:
        self._service = service
        load_account_providers()
        directory = self._auth_dir or resolve_auth_dir(service.config, config_path=service.config_path)
        self.store = CredentialStore(directory, refresh_error=lambda name: self.refresher.error(name))
        self.refresher = Refresher(
            store=self.store,
            files=lambda: self._files,
            context=self._refresh_context,
            on_refreshed=lambda name: self.reload(),
            spawn=self._spawn,
            clock=self._clock,
            sleep=self._sleep,
            interval=self._interval,
        )
        self.sessions = LoginSessions(
            store=self.store,
            http=lambda: self._config_service().clients.get(self._config_service().config.proxy_url),
            endpoints=lambda: Endpoints.from_config(self._config_service().config),
            on_saved=lambda names: self.reload(),
            spawn=self._spawn,
            clock=self._clock,
        )
        self.token_source = AccountTokenSource(
            lookup=self._by_id.get, refresher=self.refresher, clock=self._clock
        )
        try:
            self.store.ensure_dir()
        except OSError as exc:
            log.error("auth-dir %s cannot be used: %s", directory, exc)
        # the contract's ``service.accounts``; ProxyService does not declare the attribute (yet)
        vars(service)["accounts"] = self
        service.state.token_source = self.token_source
        service.on_config_change(self._config_changed)
        self.reload()
        self._spawn(self.refresher.run(), "account refresh loop")

    async def stop(self) -> None:
        if self._service is None:
            return
        await self.sessions.close()
        await self._tasks.aclose()
        if self._service.state.token_source is self.token_source:
            self._service.state.token_source = None

    # -- the contract --------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read auth-dir and make its credentials live (routing sees them on the next request)."""
        service = self._config_service()
        files, problems = self.store.scan()
        endpoints = Endpoints.from_config(service.config)
        by_id: dict[str, tuple[StoredFile, Credential]] = {}
        for file in files:
            provider = account_provider(file.type)
            if provider is None:
                continue
            try:
                credentials = provider.credentials(file.name, file.data)
            except Exception as exc:
                log.warning("auth file %s skipped: its provider cannot read it (%s)", file.name, exc)
                problems.append(FileProblem(file.name, f"unreadable {file.type} credential"))
                continue
            for credential in credentials:
                finished = _finish(credential, file, endpoints)
                by_id[finished.id] = (file, self._with_preparation(provider, file, finished))
        self._files = {file.name: file for file in files}
        self._by_id.clear()
        self._by_id.update(by_id)
        for gone in set(self._prepared) - set(by_id):
            del self._prepared[gone]
        self.problems = problems
        self.refresher.sync(self._files)
        self._publish()
        log.info("account credentials: %d from %d files (%d skipped)", len(by_id), len(files), len(problems))

    def _publish(self) -> None:
        """Hand the routable credentials to the live state (unprepared ones wait for ``prepare``)."""
        ready = [
            credential
            for file, credential in self._by_id.values()
            if not _needs_prepare(file) or credential.id in self._prepared
        ]
        self._config_service().state.set_extra_credentials(ready)

    def _with_preparation(self, provider: object, file: StoredFile, credential: Credential) -> Credential:
        """``credential`` with what its provider's ``prepare`` found; starts ``prepare`` when needed."""
        prepare = getattr(provider, "prepare", None)
        if not callable(prepare):
            return credential
        done = self._prepared.get(credential.id)
        stale = done is None or (not done.models and self._clock() - done.at > _PREPARE_AGAIN)
        if stale and credential.id not in self._preparing:
            self._preparing.add(credential.id)
            self._spawn(self._prepare(prepare, file, credential), f"prepare {credential.id}")
        if done is None:
            return credential
        return replace(credential, models=done.models, metadata={**credential.metadata, **done.metadata})

    async def _prepare(self, prepare: Callable[..., Any], file: StoredFile, credential: Credential) -> None:
        try:
            async with asyncio.timeout(_PREPARE_TIMEOUT):
                prepared = await prepare(credential, self._refresh_context(file))
            if not isinstance(prepared, Credential):
                raise TypeError("prepare() did not return a Credential")
        except Exception as exc:
            log.warning("preparing %s failed: %s", credential.id, type(exc).__name__)
            prepared = credential
        finally:
            self._preparing.discard(credential.id)
        added = {k: v for k, v in prepared.metadata.items() if credential.metadata.get(k, _MISSING) != v}
        self._prepared[credential.id] = _Prepared(prepared.models, added, self._clock())
        current = self._by_id.get(credential.id)
        if current is not None:
            self._by_id[credential.id] = (
                current[0],
                replace(current[1], models=prepared.models, metadata={**current[1].metadata, **added}),
            )
            self._publish()

    def refresh_states(self) -> dict[str, RefreshState]:
        """Each account credential's refresh state, by credential id."""
        return {cid: self.refresher.state(file.name) for cid, (file, _) in self._by_id.items()}

    @property
    def credentials(self) -> list[Credential]:
        return [credential for _, credential in self._by_id.values()]

    def file_of(self, credential_id: str) -> str | None:
        """The auth-dir file a credential comes from."""
        found = self._by_id.get(credential_id)
        return found[0].name if found is not None else None

    # -- internals -----------------------------------------------------------------------------

    def _config_service(self) -> ProxyService:
        if self._service is None:
            raise RuntimeError("the account runtime has not started")
        return self._service

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro, name=name)

    def _refresh_context(self, file: StoredFile) -> RefreshContext:
        service = self._config_service()
        proxy = file.data.get("proxy_url")
        proxy_url = proxy.strip() if isinstance(proxy, str) and proxy.strip() else service.config.proxy_url
        return RefreshContext(
            http=service.clients.get(proxy_url),
            endpoint=Endpoints.from_config(service.config),
            now=self._clock,
        )

    def _config_changed(self, old: Config, new: Config) -> None:
        if old.oauth_endpoints != new.oauth_endpoints:
            self.reload()


_PREPARE_TIMEOUT = 30.0
_PREPARE_AGAIN = 300.0
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Prepared:
    models: tuple[ModelMapping, ...]
    metadata: dict[str, Any]
    at: float


def _needs_prepare(file: StoredFile) -> bool:
    return callable(getattr(account_provider(file.type), "prepare", None))


def _finish(credential: Credential, file: StoredFile, endpoints: Endpoints) -> Credential:
    """Apply what every account file may carry (providers.md §1.1, later keys) where the provider did not."""
    data = file.data
    changes: dict[str, Any] = {"kind": "oauth", "disabled": credential.disabled or file.disabled}
    if not credential.base_url:
        changes["base_url"] = endpoints.override(credential.provider, "upstream")
    proxy = data.get("proxy_url")
    if not credential.proxy_url and isinstance(proxy, str):
        changes["proxy_url"] = proxy.strip()
    prefix = data.get("prefix")
    if not credential.prefix and isinstance(prefix, str):
        cleaned = prefix.strip().strip("/").strip()
        changes["prefix"] = "" if "/" in cleaned else cleaned
    priority = data.get("priority")
    if not credential.priority and isinstance(priority, int) and not isinstance(priority, bool):
        changes["priority"] = priority
    excluded = data.get("excluded_models", data.get("excluded-models"))
    if not credential.excluded_models and isinstance(excluded, list):
        patterns = (p.strip().lower() for p in excluded if isinstance(p, str))
        changes["excluded_models"] = tuple(dict.fromkeys(p for p in patterns if p))
    return replace(credential, **changes)
