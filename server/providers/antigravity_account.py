"""Antigravity accounts (file type ``antigravity``): Google login, the stored file, refresh, models.

Login (providers.md §3.1): authorization code without PKCE on ``localhost:51121/oauth-callback``
with a random checked state; then userinfo for the e-mail and Code Assist for the project (with the
later ``ANTIGRAVITY`` ide type and ``onboardUser`` when no project exists; failures only warn). The
file (§3.2) is a flat map: ``access_token``, ``refresh_token``, ``expires_in``, ``timestamp`` (ms),
``expired`` (RFC 3339), ``email``, ``project_id``, ``type``.

Refresh (§3.3): in the background 5 minutes before expiry, and before a request when the token
expires within 50 minutes (``request_lead``; the machinery writes that refresh back too, so the
original's refresh-on-every-request during the last 50 minutes, quirk Q6, does not happen).
A refreshed file that still has no project gets one from Code Assist (later behaviour).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import urlencode

import httpx

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext
from server.auth.timing import format_rfc3339, parse_time
from server.credential import Credential
from server.jsontypes import JSONObject
from server.providers.account_files import file_credential
from server.providers.antigravity import USER_AGENT, fetch_models
from server.providers.google_oauth import (
    CODE_ASSIST_URL,
    TOKEN_URL,
    USERINFO_URL,
    call_code_assist,
    companion_project,
    default_tier,
    exchange_code,
    fetch_email,
    onboard,
    refresh_tokens,
)

__all__ = [
    "ACCOUNT",
    "CALLBACK_PATH",
    "CALLBACK_PORT",
    "CLIENT_ID",
    "SCOPES",
    "AntigravityAccount",
    "file_name",
]

log = logging.getLogger(__name__)

PROVIDER_KEY = "antigravity"
CLIENT_ID = "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com"
CLIENT_SECRET = "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"
"""The installed-app secret shipped with the Antigravity IDE (public by design, like Gemini CLI's)."""
SCOPES = (
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/cclog",
    "https://www.googleapis.com/auth/experimentsandconfigs",
)
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
CALLBACK_PORT = 51121
CALLBACK_PATH = "/oauth-callback"
_LOGIN_TIMEOUT = 300.0
_METADATA: JSONObject = {"ideType": "ANTIGRAVITY", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}
_SETUP_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "google-api-nodejs-client/9.15.1",
    "X-Goog-Api-Client": "google-cloud-sdk vscode_cloudshelleditor/0.1",
    "Client-Metadata": (
        '{"ideType":"IDE_UNSPECIFIED","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}'
    ),
}


def file_name(email: str) -> str:
    """``antigravity-<email>.json`` (the later name); ``antigravity.json`` without an e-mail."""
    safe = email.replace("/", "_").replace("\\", "_")
    return f"antigravity-{safe}.json" if safe else "antigravity.json"


def _text(data: JSONObject, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


class AntigravityAccount:
    """The AccountProvider for Antigravity files."""

    file_type = PROVIDER_KEY
    provider_key = PROVIDER_KEY
    refresh_lead: float | None = 300.0
    request_lead = 3000.0

    def __init__(
        self,
        *,
        poll_interval: float = 2.0,
        poll_attempts: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        new_state: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._poll_interval = poll_interval
        self._poll_attempts = poll_attempts
        self._sleep = sleep
        self._new_state = new_state

    def expires_at(self, data: JSONObject) -> float | None:
        """``expired``, else ``timestamp`` (ms) + ``expires_in``."""
        found = parse_time(data.get("expired"))
        if found is not None:
            return found
        issued, lifetime = parse_time(data.get("timestamp")), data.get("expires_in")
        if issued is not None and isinstance(lifetime, int | float) and not isinstance(lifetime, bool):
            return issued + float(lifetime)
        return None

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        access = _text(data, "access_token")
        base = file_credential(name, data, provider=PROVIDER_KEY, provider_type=PROVIDER_KEY, api_key=access)
        extra = {"file": name, "expires_at": self.expires_at(data)}
        return [replace(base, metadata={**base.metadata, **extra})]

    async def prepare(self, credential: Credential, ctx: RefreshContext) -> Credential:
        """``credential`` with the models its account serves (fetchAvailableModels; none on failure).

        The account runtime runs it (the AccountProvider ``prepare`` hook) before the credential
        is first routed and again for each new file content (providers.md §3.5).
        """
        return await fetch_models(ctx.http, credential)

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        answer = await refresh_tokens(
            ctx.http,
            ctx.endpoint(PROVIDER_KEY, "token", TOKEN_URL),
            refresh_token=_text(data, "refresh_token"),
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            headers={"User-Agent": _text(data, "user_agent") or USER_AGENT},
        )
        out = dict(data)
        out.update(_token_map(answer, ctx.now()))
        if not _text(out, "refresh_token"):
            out["refresh_token"] = _text(data, "refresh_token")
        out["type"] = self.file_type
        if not _text(out, "project_id"):
            project = await self._project(ctx.http, ctx.endpoint, str(out["access_token"]))
            if project:
                out["project_id"] = project
        return out

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        port = ctx.options.callback_port or CALLBACK_PORT
        redirect_uri = f"http://localhost:{port}{CALLBACK_PATH}"
        state = self._new_state()
        query = {
            "access_type": "offline",
            "client_id": CLIENT_ID,
            "prompt": "consent",
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "state": state,
        }
        authorize = ctx.endpoint(PROVIDER_KEY, "authorize", AUTHORIZE_URL)
        await ctx.show_url(f"{authorize}?{urlencode(query)}", port=port)
        result = await ctx.wait_callback(port=port, path=CALLBACK_PATH, state=state, timeout=_LOGIN_TIMEOUT)
        if result.error:
            raise LoginError(f"Google sign-in failed: {result.error}")
        if not result.code:
            raise LoginError("Google sign-in returned no authorization code")
        if result.state != state:
            raise LoginError("Google sign-in answered with the wrong state; start the login again")
        answer = await exchange_code(
            ctx.http,
            ctx.endpoint(PROVIDER_KEY, "token", TOKEN_URL),
            code=result.code,
            redirect_uri=redirect_uri,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        access = str(answer["access_token"])
        try:
            email = await fetch_email(ctx.http, ctx.endpoint(PROVIDER_KEY, "userinfo", USERINFO_URL), access)
        except LoginError as exc:
            log.warning("antigravity login: no e-mail for the account (%s)", exc)
            email = ""
        data: JSONObject = {"type": self.file_type, **_token_map(answer, ctx.now())}
        if email:
            data["email"] = email
        project = await self._project(ctx.http, ctx.endpoint, access)
        if project:
            data["project_id"] = project
        return [AccountFile(file_name(email), dict(sorted(data.items())))]

    async def _project(
        self, http: httpx.AsyncClient, endpoint: Callable[[str, str, str], str], access: str
    ) -> str:
        """The account's Code Assist project (onboarding it when it has none); "" on failure."""
        base = endpoint(PROVIDER_KEY, "code-assist", CODE_ASSIST_URL)
        headers = {**_SETUP_HEADERS, "Authorization": f"Bearer {access}"}
        try:
            loaded = await call_code_assist(
                http, base, "loadCodeAssist", {"metadata": dict(_METADATA)}, headers
            )
            project = companion_project(loaded)
            if project:
                return project
            body: JSONObject = {"tierId": default_tier(loaded), "metadata": dict(_METADATA)}
            done = await onboard(
                http,
                base,
                body,
                headers,
                interval=self._poll_interval,
                attempts=self._poll_attempts,
                sleep=self._sleep,
            )
            return companion_project(done)
        except LoginError as exc:
            log.warning("antigravity: no Code Assist project for the account (%s)", exc)
            return ""


def _token_map(answer: JSONObject, now: float) -> JSONObject:
    """``access_token``, ``refresh_token`` (when sent), ``expires_in``, ``timestamp``, ``expired``."""
    lifetime = answer.get("expires_in")
    seconds = int(lifetime) if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) else 3599
    out: JSONObject = {
        "access_token": str(answer.get("access_token") or ""),
        "expires_in": seconds,
        "timestamp": int(now * 1000),
        "expired": format_rfc3339(now + seconds),
    }
    refresh = answer.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        out["refresh_token"] = refresh
    return out


ACCOUNT = AntigravityAccount()
register(ACCOUNT)
