"""Vertex service accounts as account files: ``-vertex-import``, the stored file, and minted tokens."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext, RefreshError
from server.credential import Credential
from server.jsontypes import JSONObject
from server.providers.account_files import file_credential, text
from server.providers.vertex_sa import (
    DEFAULT_LOCATION,
    EARLY_RENEWAL,
    TOKEN_URL,
    ServiceAccountTokens,
    TokenError,
    normalize_private_key,
)

__all__ = ["PATH_QUESTION", "PROVIDER", "VertexAccounts", "service_account_file", "vertex_file_name"]

log = logging.getLogger(__name__)

PATH_QUESTION = "Path of the Vertex service-account JSON file:"
_UNSAFE = re.compile(r"[/\\:]")


def vertex_file_name(project_id: str) -> str:
    """``vertex-<project>.json`` with ``/ \\ :`` → ``_`` and spaces → ``-`` (providers.md §8.2)."""
    return f"vertex-{_UNSAFE.sub('_', project_id.strip()).replace(' ', '-')}.json"


def service_account_file(raw: str) -> JSONObject:
    """The stored file for a service-account key's JSON text; ValueError says what is wrong.

    The key is normalised (PKCS#8 PEM); ``project_id`` is required; a missing ``client_email``
    only warns, as in the original (minting will fail without it).
    """
    try:
        key = json.loads(raw)
    except ValueError as exc:
        raise ValueError("the service-account file is not JSON") from exc
    if not isinstance(key, dict):
        raise ValueError("the service-account file is not a JSON object")
    project = text(key, "project_id")
    if not project:
        raise ValueError("the service-account file has no project_id")
    if not text(key, "client_email"):
        log.warning("the service-account file has no client_email; token requests will fail")
    normalized = dict(key)
    normalized["private_key"] = normalize_private_key(str(key.get("private_key") or ""))
    return {
        "service_account": normalized,
        "project_id": project,
        "email": text(key, "client_email"),
        "location": DEFAULT_LOCATION,
        "type": "vertex",
    }


class VertexAccounts:
    """The ``vertex`` account kind (providers.md §8): an imported Google service account.

    Nothing in the file is ever refreshed or written back: access tokens are minted from the key
    (JWT bearer grant) and kept in memory by :class:`ServiceAccountTokens` until 5 minutes before
    they expire. The machinery asks for one through ``refresh`` before a request whenever
    :meth:`expires_at` — the cached token's expiry, "now" while none was minted — is within
    ``request_lead``; ``refresh`` answers the file unchanged (so nothing is written) and the
    credentials rebuilt afterwards carry the cached token as their Bearer.
    """

    file_type = "vertex"
    provider_key = "vertex"
    refresh_lead: float | None = None
    request_lead = EARLY_RENEWAL

    def __init__(
        self, tokens: ServiceAccountTokens | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._tokens = tokens or ServiceAccountTokens()
        self._clock = clock

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        account = data.get("service_account")
        minted = self._tokens.peek(account) if isinstance(account, dict) else None
        token = minted.access_token if minted is not None else ""
        return [
            file_credential(name, data, provider=self.provider_key, provider_type="vertex-sa", api_key=token)
        ]

    def expires_at(self, data: JSONObject) -> float | None:
        """The cached token's expiry; the current time while no token was minted for this key."""
        account = data.get("service_account")
        minted = self._tokens.peek(account) if isinstance(account, dict) else None
        return minted.expires_at if minted is not None else self._clock()

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        """Mint (or reuse) the token of the file's key; the file itself comes back unchanged."""
        account = data.get("service_account")
        if not isinstance(account, dict) or not account.get("private_key"):
            raise RefreshError("the vertex file has no service_account key; import it again", permanent=True)
        url = ctx.endpoint("vertex", "token", text(account, "token_uri") or TOKEN_URL)
        try:
            await self._tokens.token(account, http=ctx.http, token_url=url, now=ctx.now())
        except TokenError as exc:
            raise RefreshError(f"vertex token: {exc}", permanent=exc.permanent) from None
        return data

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        """``-vertex-import FILE``: read, normalise and store the key (no network call)."""
        path = ctx.options.service_account_file.strip() or (await ctx.prompt(PATH_QUESTION)).strip()
        if not path:
            raise LoginError("no service-account file given")
        try:
            raw = await asyncio.to_thread(_read_text, path)
        except OSError as exc:
            raise LoginError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            data = service_account_file(raw)
        except ValueError as exc:
            raise LoginError(str(exc)) from None
        return [AccountFile(vertex_file_name(str(data["project_id"])), data)]


def _read_text(path: str) -> str:
    return Path(path).expanduser().read_text(encoding="utf-8")


PROVIDER = VertexAccounts()
register(PROVIDER)
