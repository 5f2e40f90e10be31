"""The TokenSource the pipeline calls before using an account credential: a fresh enough token.

A credential's token is refreshed before the request when it expires within the provider's
``request_lead`` (default 0: only once expired). Concurrent requests join one refresh
(``Refresher`` is single-flight per file). A refresh that failed recently is not retried per
request; the request then goes out with the token it has and the upstream's answer decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from server.auth.accounts import account_provider
from server.auth.refresh import Refresher
from server.auth.store import StoredFile
from server.auth.timing import expires_at
from server.credential import Credential

__all__ = ["AccountTokenSource"]


class AccountTokenSource:
    """Callable as ``ProxyState.token_source``.

    ``lookup(credential_id)`` gives the file a credential comes from and the credential as it is
    now (after the latest reload), or ``None`` for credentials that are not account files.
    """

    def __init__(
        self,
        *,
        lookup: Callable[[str], tuple[StoredFile, Credential] | None],
        refresher: Refresher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lookup = lookup
        self._refresher = refresher
        self._clock = clock

    async def __call__(self, credential: Credential) -> Credential:
        found = self._lookup(credential.id)
        if found is None:
            return credential
        file, current = found
        provider = account_provider(file.type)
        if provider is None:
            return current
        lead = getattr(provider, "request_lead", 0.0)
        lead = float(lead) if isinstance(lead, int | float) else 0.0
        expiry = expires_at(file.data, provider)
        if expiry is None or expiry - self._clock() > lead or self._refresher.backing_off(file.name):
            return current
        await self._refresher.refresh(file.name)
        again = self._lookup(credential.id)
        return again[1] if again is not None else current
