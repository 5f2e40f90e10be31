"""Qwen Code accounts: device-code login with PKCE, the ``qwen-<alias>.json`` file, and token refresh."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

import httpx

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext, RefreshError
from server.auth.pkce import new_pkce
from server.auth.timing import format_rfc3339 as rfc3339
from server.auth.timing import parse_time
from server.credential import Credential
from server.jsontypes import JSONObject
from server.providers.account_files import file_credential

__all__ = [
    "ALIAS_QUESTION",
    "CLIENT_ID",
    "DEVICE_CODE_URL",
    "DEVICE_GRANT",
    "PROVIDER",
    "REFRESH_LEAD",
    "SCOPE",
    "TOKEN_URL",
    "QwenAccounts",
]

log = logging.getLogger(__name__)

CLIENT_ID = "f0304373b74a44d2b584a3fb70ca9e56"
SCOPE = "openid profile email model.completion"
DEVICE_CODE_URL = "https://chat.qwen.ai/api/v1/oauth2/device/code"
TOKEN_URL = "https://chat.qwen.ai/api/v1/oauth2/token"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_LEAD = 20 * 60.0
"""Adopted (v6.9.x): 20 minutes before expiry; v6.6.0 used 3 hours."""

POLL_INTERVAL = 5.0
MAX_POLL_INTERVAL = 10.0
MAX_POLLS = 60
ALIAS_QUESTION = "Please input your email address or alias for Qwen:"
_PERMANENT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"})
_FILE_CHARS = re.compile(r"[^A-Za-z0-9@._+-]")

Sleep = Callable[[float], Awaitable[None]]


class QwenAccounts:
    """The ``qwen`` account kind (providers.md §6).

    Login is the OAuth device flow with a 43-character PKCE verifier: the device code is shown,
    the token endpoint is polled every ``poll_interval`` seconds (``slow_down`` multiplies the
    interval by 1.5 up to 10 s; the server's own ``interval`` is ignored, as in the original), at
    most ``max_polls`` times. The person then names the account (email or alias), which names the
    file ``qwen-<alias>.json``; without an answer (the management API cannot ask) the file is
    ``qwen-<unix seconds>.json``, as the original's web login names it.

    Refresh is the plain ``refresh_token`` grant, 20 minutes before expiry; a token living shorter
    than 40 minutes is refreshed at half its lifetime instead (:meth:`refresh_due`), so it is not
    refreshed again on every tick of the loop.
    """

    file_type = "qwen"
    provider_key = "qwen"
    refresh_lead: float | None = REFRESH_LEAD

    def __init__(
        self,
        *,
        poll_interval: float = POLL_INTERVAL,
        max_poll_interval: float = MAX_POLL_INTERVAL,
        max_polls: int = MAX_POLLS,
        sleep: Sleep = asyncio.sleep,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._poll_interval = poll_interval
        self._max_poll_interval = max_poll_interval
        self._max_polls = max_polls
        self._sleep = sleep
        self._random_bytes = random_bytes

    # -- stored file ------------------------------------------------------------------------------

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        return [file_credential(name, data, provider=self.provider_key, provider_type="qwen")]

    def refresh_due(self, data: JSONObject, now: float) -> bool:
        """Whether the token should be refreshed now: within 20 minutes of expiry, or — for a
        token that lives shorter than twice that — once it has lived half its lifetime.

        A plain 20-minute lead would make a token living under 20 minutes due again right after
        every refresh: the refresh storm of providers.md §1.3 / Q6.
        """
        expiry = parse_time(data.get("expired"))
        if expiry is None or expiry <= now:
            return True
        lead = REFRESH_LEAD
        issued = parse_time(data.get("last_refresh"))
        if issued is not None and expiry > issued:
            lead = min(lead, (expiry - issued) / 2)
        return expiry - now <= lead

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        """The refreshed file; a still-young short-lived token is answered unchanged, without a call.

        The background loop applies the 20-minute lead to every token; for one that lives
        shorter than twice the lead, :meth:`refresh_due` moves the call to half its lifetime.
        """
        if not self._short_lived_due(data, ctx.now()):
            return data
        refresh_token = data.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise RefreshError("the qwen file has no refresh_token; log in again", permanent=True)
        url = ctx.endpoint("qwen", "token", TOKEN_URL)
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID}
        try:
            response = await ctx.http.post(url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise RefreshError(f"qwen token refresh failed: {type(exc).__name__}") from exc
        body = _json(response)
        if response.status_code != 200:
            error = str(body.get("error") or "")
            permanent = response.status_code == 401 or error in _PERMANENT_ERRORS
            reason = error or f"status {response.status_code}"
            raise RefreshError(f"qwen token refresh rejected: {reason}", permanent=permanent)
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise RefreshError("qwen token refresh answered without an access_token")
        now = ctx.now()
        updated = dict(data)
        updated["access_token"] = access
        if isinstance(body.get("refresh_token"), str) and body["refresh_token"]:
            updated["refresh_token"] = body["refresh_token"]
        if isinstance(body.get("resource_url"), str) and body["resource_url"]:
            updated["resource_url"] = body["resource_url"]
        updated["expired"] = rfc3339(now + _seconds(body.get("expires_in")))
        updated["type"] = "qwen"
        updated["last_refresh"] = rfc3339(now)
        return updated

    def _short_lived_due(self, data: JSONObject, now: float) -> bool:
        expiry = parse_time(data.get("expired"))
        issued = parse_time(data.get("last_refresh"))
        if expiry is None or issued is None or not issued < expiry or expiry - issued >= 2 * REFRESH_LEAD:
            return True
        return self.refresh_due(data, now)

    # -- login ------------------------------------------------------------------------------------

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        pkce = new_pkce(32, random_bytes=self._random_bytes)
        device = await self._device_code(ctx, pkce.challenge)
        device_code = str(device["device_code"])
        where = str(device.get("verification_uri_complete") or device.get("verification_uri") or "")
        await ctx.show_device_code(where, str(device.get("user_code") or ""))
        tokens = await self._poll(ctx, device_code, pkce.verifier)
        alias = (await ctx.prompt(ALIAS_QUESTION)).strip()
        now = ctx.now()
        data: JSONObject = {
            "access_token": tokens["access_token"],
            "refresh_token": str(tokens.get("refresh_token") or ""),
            "last_refresh": rfc3339(now),
            "resource_url": str(tokens.get("resource_url") or ""),
            "email": alias,
            "type": "qwen",
            "expired": rfc3339(now + _seconds(tokens.get("expires_in"))),
        }
        stem = _FILE_CHARS.sub("_", alias) if alias else str(int(now))
        return [AccountFile(f"qwen-{stem}.json", data)]

    async def _device_code(self, ctx: LoginContext, challenge: str) -> JSONObject:
        url = ctx.endpoint("qwen", "device", DEVICE_CODE_URL)
        form = {
            "client_id": CLIENT_ID,
            "scope": SCOPE,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        try:
            response = await ctx.http.post(url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise LoginError(f"could not reach the Qwen device-code endpoint: {type(exc).__name__}") from exc
        body = _json(response)
        if response.status_code != 200 or not body.get("device_code"):
            reason = body.get("error_description") or body.get("error") or f"status {response.status_code}"
            raise LoginError(f"Qwen did not start the device login: {reason}")
        return body

    async def _poll(self, ctx: LoginContext, device_code: str, verifier: str) -> JSONObject:
        url = ctx.endpoint("qwen", "token", TOKEN_URL)
        form = {
            "grant_type": DEVICE_GRANT,
            "client_id": CLIENT_ID,
            "device_code": device_code,
            "code_verifier": verifier,
        }
        interval = self._poll_interval
        for _ in range(self._max_polls):
            await self._sleep(interval)
            try:
                response = await ctx.http.post(url, data=form, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                log.info("qwen device poll failed (%s); polling again", type(exc).__name__)
                continue
            body = _json(response)
            if response.status_code == 200 and body.get("access_token"):
                return body
            error = str(body.get("error") or "")
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval = min(interval * 1.5, self._max_poll_interval)
                continue
            if error == "expired_token":
                raise LoginError("the Qwen device code expired; start the login again")
            if error == "access_denied":
                raise LoginError("the Qwen login was denied")
            raise LoginError(f"Qwen token polling failed: {error or f'status {response.status_code}'}")
        raise LoginError("timed out waiting for the Qwen device authorization")


def _json(response: httpx.Response) -> JSONObject:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


PROVIDER = QwenAccounts()
register(PROVIDER)
