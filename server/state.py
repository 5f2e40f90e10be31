"""The live proxy state: current config, credentials and credential pool, swapped on reload."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from server.auth.base import TokenSource
from server.config.schema import Config
from server.credential import Credential
from server.providers.from_config import credentials_from_config
from server.providers.registry import provider_for
from server.routing.pool import CredentialPool, PoolEntry

__all__ = ["ProxyState"]

log = logging.getLogger(__name__)


class ProxyState:
    """Owns what a request reads: the config and the pool built from its credentials.

    Everything runs on the server's event loop; a reload replaces the config object and rebuilds
    the pool's entries in one synchronous step, so a request sees either the old or the new state.
    """

    def __init__(self, config: Config, *, extra_credentials: Sequence[Credential] = ()) -> None:
        self.config = config
        self.pool = CredentialPool(config)
        self.token_source: TokenSource | None = None
        """Set by the account machinery: freshens an OAuth credential's token before use."""
        self._extra = tuple(extra_credentials)
        self._rebuild()

    def apply_config(self, config: Config) -> None:
        """Make ``config`` live: client keys, provider keys, routing options."""
        self.config = config
        self.pool.update_config(config)
        self._rebuild()

    def set_extra_credentials(self, credentials: Sequence[Credential]) -> None:
        """Credentials that do not come from config (account files, embedders)."""
        self._extra = tuple(credentials)
        self._rebuild()

    @property
    def credentials(self) -> tuple[Credential, ...]:
        return self._credentials

    def _rebuild(self) -> None:
        credentials = (*credentials_from_config(self.config), *self._extra)
        entries = []
        for credential in credentials:
            provider = provider_for(credential)
            models = provider.models(credential)
            upstream = {m.client_id.lower(): m.name for m in credential.models if m.name}
            entries.append(PoolEntry(credential=credential, models=models, upstream_names=upstream))
        self._credentials = credentials
        self.pool.set_entries(entries)
        log.info("credentials loaded: %d", len(credentials))
