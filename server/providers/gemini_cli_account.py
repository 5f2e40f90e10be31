"""Gemini CLI accounts (file type ``gemini``): Google login, the stored file, its credentials, refresh.

Login (providers.md §2.1) with a random, checked ``state`` (the original's fixed ``state-token``,
quirk Q4, is not reproduced). The file (§2.2) is ``gemini-<email>-<project>.json`` (the later name),
or ``gemini-<email>-all.json`` with a comma-joined ``project_id`` when several projects were
activated; such a file gives one credential per project, all sharing the file's token.

Refresh (§2.3) happens before a request, never in the background: ``request_lead`` asks the
machinery to refresh a token that expires within a minute before using it, and the new token is
written back (the original kept it in memory only and refreshed again after every restart). No
background loop means an idle account makes no calls to Google at all; the cost is one token round
trip on the first request after an hour of silence.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import urlencode

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext
from server.auth.timing import parse_time
from server.credential import Credential
from server.jsontypes import JSONObject
from server.providers.account_files import file_credential
from server.providers.gemini_cli_projects import (
    PROJECTS_URL,
    SERVICE_USAGE_URL,
    choose_projects,
    ensure_api_enabled,
    list_projects,
    parse_answer,
    project_prompt,
    setup_project,
)
from server.providers.google_oauth import (
    AUTHORIZE_URL,
    CODE_ASSIST_URL,
    TOKEN_URL,
    USERINFO_URL,
    exchange_code,
    fetch_email,
    refresh_tokens,
    token_fields,
)

__all__ = [
    "ACCOUNT",
    "CALLBACK_PATH",
    "CALLBACK_PORT",
    "CLIENT_ID",
    "SCOPES",
    "GeminiCliAccount",
    "file_name",
]

PROVIDER_KEY = "gemini-cli"
CLIENT_ID = "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com"
CLIENT_SECRET = "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"
"""The installed-app secret Google publishes in the Gemini CLI's source (not a secret by design)."""
SCOPES = (
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
)
CALLBACK_PORT = 8085
CALLBACK_PATH = "/oauth2callback"
_LOGIN_TIMEOUT = 300.0


def file_name(email: str, projects: list[str]) -> str:
    """``gemini-<email>-<project>.json``; ``gemini-<email>-all.json`` for several (or ``all``)."""
    many = len(projects) > 1 or (len(projects) == 1 and projects[0].lower() == "all")
    suffix = "all" if many else (projects[0] if projects else "")
    stem = "-".join(part for part in ("gemini", email, suffix) if part)
    return f"{stem.replace('/', '_').replace(chr(92), '_')}.json"


def _token(data: JSONObject) -> JSONObject:
    token = data.get("token")
    return token if isinstance(token, dict) else {}


class GeminiCliAccount:
    """The AccountProvider for Gemini CLI (Code Assist) files."""

    file_type = "gemini"
    provider_key = PROVIDER_KEY
    refresh_lead: float | None = None
    request_lead = 60.0

    def __init__(
        self,
        *,
        poll_interval: float = 5.0,
        poll_attempts: int = 60,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        new_state: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._poll_interval = poll_interval
        self._poll_attempts = poll_attempts
        self._sleep = sleep
        self._new_state = new_state

    # -- the file ----------------------------------------------------------------------------------

    def expires_at(self, data: JSONObject) -> float | None:
        """``token.expiry`` (RFC 3339), else a top-level ``expiry``."""
        return parse_time(_token(data).get("expiry")) or parse_time(data.get("expiry"))

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        token = _token(data)
        access = str(token.get("access_token") or data.get("access_token") or "")
        base = file_credential(name, data, provider=PROVIDER_KEY, provider_type=PROVIDER_KEY, api_key=access)
        raw = data.get("project_id")
        projects = [p.strip() for p in raw.split(",") if p.strip()] if isinstance(raw, str) else []
        extra = {"file": name, "expires_at": self.expires_at(data)}
        if len(projects) <= 1:
            project = projects[0] if projects else ""
            return [replace(base, metadata={**base.metadata, **extra, "project_id": project})]
        out = []
        email = str(data.get("email") or "") or PROVIDER_KEY
        for project in projects:
            safe = project.replace("/", "_").replace("\\", "_").replace(" ", "_")
            metadata = {**base.metadata, **extra, "project_id": project, "parent": name}
            out.append(replace(base, id=f"{name}::{safe}", label=f"{email} [{project}]", metadata=metadata))
        return out

    # -- refresh -----------------------------------------------------------------------------------

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        token = dict(_token(data))
        refresh_token = str(token.get("refresh_token") or data.get("refresh_token") or "")
        answer = await refresh_tokens(
            ctx.http,
            ctx.endpoint(PROVIDER_KEY, "token", str(token.get("token_uri") or TOKEN_URL)),
            refresh_token=refresh_token,
            client_id=str(token.get("client_id") or CLIENT_ID),
            client_secret=str(token.get("client_secret") or CLIENT_SECRET),
        )
        fresh = token_fields(answer, ctx.now())
        token.update(fresh)
        token.setdefault("refresh_token", refresh_token)
        out = dict(data)
        out["token"] = token
        for key in ("access_token", "token_type", "refresh_token", "expiry"):
            if key in out and key in token:
                out[key] = token[key]
        return out

    # -- login -------------------------------------------------------------------------------------

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        port = ctx.options.callback_port or CALLBACK_PORT
        redirect_uri = f"http://localhost:{port}{CALLBACK_PATH}"
        state = self._new_state()
        query = {
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "state": state,
            "access_type": "offline",
            "prompt": "consent",
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
        token_url = ctx.endpoint(PROVIDER_KEY, "token", TOKEN_URL)
        answer = await exchange_code(
            ctx.http,
            token_url,
            code=result.code,
            redirect_uri=redirect_uri,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        access = str(answer["access_token"])
        email = await fetch_email(ctx.http, ctx.endpoint(PROVIDER_KEY, "userinfo", USERINFO_URL), access)
        if not email:
            raise LoginError("Google did not say which account signed in (no e-mail in userinfo)")
        projects = await self._activate(ctx, access)
        token: JSONObject = {
            **token_fields(answer, ctx.now()),
            "token_uri": TOKEN_URL,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": list(SCOPES),
            "universe_domain": "googleapis.com",
        }
        data: JSONObject = {
            "token": token,
            "project_id": ",".join(projects),
            "email": email,
            "auto": False,
            "checked": True,
            "type": self.file_type,
        }
        return [AccountFile(file_name(email, projects), data)]

    async def _activate(self, ctx: LoginContext, access: str) -> list[str]:
        """Choose the projects, set up Code Assist on each and enable its API; the project ids."""
        listed = await list_projects(ctx.http, ctx.endpoint(PROVIDER_KEY, "projects", PROJECTS_URL), access)
        chosen = choose_projects(ctx.options.project_id, listed)
        if chosen is None:
            chosen = parse_answer(await ctx.prompt(project_prompt(listed)), listed)
        code_assist = ctx.endpoint(PROVIDER_KEY, "code-assist", CODE_ASSIST_URL)
        service_usage = ctx.endpoint(PROVIDER_KEY, "service-usage", SERVICE_USAGE_URL)
        activated: list[str] = []
        for requested in chosen:
            project = await setup_project(
                ctx.http,
                code_assist,
                access,
                requested,
                interval=self._poll_interval,
                attempts=self._poll_attempts,
                sleep=self._sleep,
            )
            await ensure_api_enabled(ctx.http, service_usage, access, project)
            if project not in activated:
                activated.append(project)
        return activated


ACCOUNT = GeminiCliAccount()
register(ACCOUNT)
