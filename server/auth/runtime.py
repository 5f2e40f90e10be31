"""AccountRuntime: the service component that owns account credentials while the server runs.

At start it loads auth-dir into the live state (``state.set_extra_credentials``), installs the
TokenSource the pipeline calls before using an account, starts the background refresh loop, runs
providers' ``prepare`` hooks (Antigravity's model list) in the background, and
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
        """Each credential id → its file and the credential as routed (prepare results applied)."""
        self._raw: dict[str, Credential] = {}
        """Each credential id → the credential as its file gives it (before prepare)."""
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
        service.accounts = self
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
        raw: dict[str, tuple[StoredFile, Credential]] = {}
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
                raw[finished.id] = (file, finished)
        self._files = {file.name: file for file in files}
        self._raw = {cid: credential for cid, (_, credential) in raw.items()}
        self._by_id.clear()
        self._by_id.update(
            {cid: (file, self._applied(credential)) for cid, (file, credential) in raw.items()}
        )
        for gone in set(self._prepared) - set(raw):
            del self._prepared[gone]
        self.problems = problems
        self.refresher.sync(self._files)
        for cid in raw:
            self._ensure_prepared(cid)
        self._publish()
        log.info("account credentials: %d from %d files (%d skipped)", len(raw), len(files), len(problems))

    def _publish(self) -> None:
        """Hand the routable credentials to the live state.

        A credential whose provider has a ``prepare`` hook (Antigravity: its model list) waits for
        the first result; later results replace it in the background while the last one serves.
        """
        ready = [
            credential
            for file, credential in self._by_id.values()
            if credential.id in self._prepared or credential.disabled or _prepare_hook(file) is None
        ]
        self._config_service().state.set_extra_credentials(ready)

    # -- prepare hooks (providers.md §3.5: Antigravity's fetchAvailableModels) -------------------

    def _applied(self, credential: Credential) -> Credential:
        """``credential`` with what its last ``prepare`` found (models, added metadata)."""
        done = self._prepared.get(credential.id)
        if done is None:
            return credential
        return replace(credential, models=done.models, metadata={**credential.metadata, **done.metadata})

    def _ensure_prepared(self, credential_id: str, *, retry_failed: bool = False) -> None:
        """Start ``prepare`` unless a result for this file content and base URL exists (a failed
        result only when ``retry_failed``) or one is running."""
        found = self._by_id.get(credential_id)
        raw = self._raw.get(credential_id)
        if found is None or raw is None or credential_id in self._preparing or raw.disabled:
            return
        prepare = _prepare_hook(found[0])
        if prepare is None:
            return
        done = self._prepared.get(credential_id)
        if done is not None and done.source == _source(found[0], raw) and (done.models or not retry_failed):
            return
        self._preparing.add(credential_id)
        self._spawn(self._prepare(prepare, credential_id), f"prepare {credential_id}")

    async def _prepare(self, prepare: Callable[..., Any], credential_id: str) -> None:
        """Run ``prepare`` with a fresh enough token; keep the result for this file content."""
        source: tuple[str, str] | None = None
        try:
            found = self._by_id.get(credential_id)
            if found is None:
                return
            try:  # may refresh (and reload) first, as the original does before fetching models
                await self.token_source(found[1])
            except Exception as exc:
                log.warning("no fresh token to prepare %s with: %s", credential_id, type(exc).__name__)
            found, raw = self._by_id.get(credential_id), self._raw.get(credential_id)
            if found is None or raw is None:
                return
            source = _source(found[0], raw)
            try:
                async with asyncio.timeout(_PREPARE_TIMEOUT):
                    prepared = await prepare(raw, self._refresh_context(found[0]))
                if not isinstance(prepared, Credential):
                    raise TypeError("prepare() did not return a Credential")
            except Exception as exc:
                log.warning("preparing %s failed: %s", credential_id, type(exc).__name__)
                prepared = replace(raw, models=())
        finally:
            self._preparing.discard(credential_id)
        raw = self._raw.get(credential_id)
        if raw is None or source is None:
            return
        added = {k: v for k, v in prepared.metadata.items() if raw.metadata.get(k, _MISSING) != v}
        done = _Prepared(prepared.models, added, source)
        self._prepared[credential_id] = done
        current = self._by_id.get(credential_id)
        if current is not None:
            self._by_id[credential_id] = (current[0], self._applied(raw))
            self._publish()
            self._ensure_prepared(credential_id)  # the file changed while this ran
        if not done.models:
            self._spawn(self._prepare_later(credential_id, done), f"prepare {credential_id} again")

    async def _prepare_later(self, credential_id: str, failed: _Prepared) -> None:
        """A credential whose ``prepare`` found no models is prepared again after 5 minutes."""
        await self._sleep(_PREPARE_AGAIN)
        if self._prepared.get(credential_id) is failed:
            self._ensure_prepared(credential_id, retry_failed=True)

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
    """One ``prepare`` result: the models, the metadata keys it added or changed, and what it was
    computed from (file digest, base URL) — a new file content or endpoint asks again."""

    models: tuple[ModelMapping, ...]
    metadata: dict[str, Any]
    source: tuple[str, str]


def _prepare_hook(file: StoredFile) -> Callable[..., Any] | None:
    prepare = getattr(account_provider(file.type), "prepare", None)
    return prepare if callable(prepare) else None


def _source(file: StoredFile, credential: Credential) -> tuple[str, str]:
    return (file.digest, credential.base_url)


def _finish(credential: Credential, file: StoredFile, endpoints: Endpoints) -> Credential:
    """Apply what every account file may carry (providers.md §1.1, later keys: proxy, prefix, priority,
    custom ``headers``, excluded models) where the provider did not."""
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
    headers = data.get("headers")
    if not credential.headers and isinstance(headers, dict):
        pairs = ((k.strip(), v) for k, v in headers.items() if isinstance(k, str) and isinstance(v, str))
        changes["headers"] = tuple((k, v) for k, v in pairs if k)
    excluded = data.get("excluded_models", data.get("excluded-models"))
    if not credential.excluded_models and isinstance(excluded, list):
        patterns = (p.strip().lower() for p in excluded if isinstance(p, str))
        changes["excluded_models"] = tuple(dict.fromkeys(p for p in patterns if p))
    return replace(credential, **changes)
