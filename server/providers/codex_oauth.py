"""ChatGPT accounts for Codex (Codex CLI OAuth): login, credential file and token refresh.

Login (providers.md §4.1): authorization code + PKCE S256, redirect ``http://localhost:1455/auth/callback``,
form-encoded exchange without a client secret; the unsigned ``id_token`` gives the email and the
ChatGPT account id (claim ``https://api.openai.com/auth``). File (§4.2, later naming [adopt]):
``codex-<email>-<plan>.json`` (``codex-<email>.json`` without a plan; team plans
``codex-<8 hex of SHA-256(account id)>-<email>-team.json``). Refresh (§4.3): form grant with
``scope=openid profile email``, up to 3 attempts 1 s and 2 s apart for transient failures only (a
dead grant such as ``refresh_token_reused`` is not retried), lead 5 days, an empty email never
overwrites the stored one (Q8). Requests go through ``server.providers.codex`` (kind ``oauth``:
``Originator`` and ``Chatgpt-Account-Id``).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import httpx

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext, RefreshError
from server.auth.pkce import new_pkce, new_state
from server.auth.timing import format_rfc3339
from server.auth.token_call import TokenReply, decode_jwt_claims, post_token
from server.credential import Credential
from server.jsontypes import JSONObject

__all__ = [
    "AUTHORIZE_URL",
    "AUTH_CLAIM",
    "CALLBACK_PATH",
    "CALLBACK_PORT",
    "CLIENT_ID",
    "PROVIDER",
    "SCOPE",
    "TOKEN_URL",
    "CodexAccounts",
    "codex_file_name",
]

AUTHORIZE_URL = "https://auth.openai.com/oauth/authorize"
TOKEN_URL = "https://auth.openai.com/oauth/token"
CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
SCOPE = "openid email profile offline_access"
REFRESH_SCOPE = "openid profile email"
AUTH_CLAIM = "https://api.openai.com/auth"
CALLBACK_PORT = 1455
CALLBACK_PATH = "/auth/callback"
LOGIN_TIMEOUT = 300.0
_NAME = "codex"
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_RETRY_WAITS = (1.0, 2.0)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _text(data: JSONObject, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _identity(id_token: str) -> tuple[str, str, str]:
    """``(email, account id, plan type)`` from the id_token's claims."""
    claims = decode_jwt_claims(id_token)
    auth = claims.get(AUTH_CLAIM)
    auth = auth if isinstance(auth, dict) else {}
    return _text(claims, "email"), _text(auth, "chatgpt_account_id"), _text(auth, "chatgpt_plan_type")


def codex_file_name(email: str, plan: str, account_id: str) -> str:
    """The credential file name for an account (later naming, providers.md §4.2)."""
    plan = _NOT_ALNUM.sub("-", plan.lower()).strip("-")
    if plan == "team" and account_id:
        return f"codex-{hashlib.sha256(account_id.encode()).hexdigest()[:8]}-{email}-team.json"
    return f"codex-{email}-{plan}.json" if plan else f"codex-{email}.json"


class CodexAccounts:
    """The ``codex`` credential files."""

    file_type = "codex"
    provider_key = "codex"
    refresh_lead: float | None = 5 * 86400.0

    def __init__(self, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sleep = sleep

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        email, claimed_account, plan = _identity(_text(data, "id_token"))
        email = _text(data, "email") or email
        return [
            Credential(
                id=name,
                provider=self.provider_key,
                provider_type="codex",
                kind="oauth",
                label=email or self.provider_key,
                api_key=_text(data, "access_token"),
                base_url=_text(data, "base_url"),
                metadata={
                    "email": email,
                    "account_id": _text(data, "account_id") or claimed_account,
                    "plan_type": plan,
                },
            )
        ]

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        port = ctx.options.callback_port or CALLBACK_PORT
        redirect_uri = f"http://localhost:{port}{CALLBACK_PATH}"
        pkce, state = new_pkce(), new_state()
        query = {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
            "prompt": "login",
            "id_token_add_organizations": "true",
            "codex_cli_simplified_flow": "true",
        }
        await ctx.show_url(f"{ctx.endpoint(_NAME, 'authorize', AUTHORIZE_URL)}?{urlencode(query)}", port=port)
        result = await ctx.wait_callback(port=port, path=CALLBACK_PATH, state=state, timeout=LOGIN_TIMEOUT)
        form = {
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "code": result.code,
            "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier,
        }
        reply = await post_token(ctx.http, ctx.endpoint(_NAME, "token", TOKEN_URL), form=form, headers=_FORM)
        if not reply.ok or not reply.text("access_token"):
            raise reply.login_error()
        email, account_id, plan = _identity(reply.text("id_token"))
        if not email:
            raise LoginError("the ChatGPT id_token carries no email address")
        now = ctx.now()
        data: JSONObject = {
            "id_token": reply.text("id_token"),
            "access_token": reply.text("access_token"),
            "refresh_token": reply.text("refresh_token"),
            "account_id": account_id,
            "last_refresh": format_rfc3339(now),
            "email": email,
            "type": "codex",
            "expired": format_rfc3339(now + reply.number("expires_in")),
        }
        return [AccountFile(codex_file_name(email, plan, account_id), data)]

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        refresh_token = _text(data, "refresh_token")
        if not refresh_token:
            raise RefreshError("the file has no refresh_token; log in again", permanent=True)
        form = {
            "client_id": CLIENT_ID,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "scope": REFRESH_SCOPE,
        }
        reply = await self._refresh_call(ctx, form)
        now = ctx.now()
        id_token = reply.text("id_token")
        email, account_id, _ = _identity(id_token)
        fresh: JSONObject = {
            **data,
            "access_token": reply.text("access_token"),
            "expired": format_rfc3339(now + reply.number("expires_in")),
            "type": "codex",
            "last_refresh": format_rfc3339(now),
        }
        for key, value in (
            ("id_token", id_token),
            ("refresh_token", reply.text("refresh_token")),
            ("account_id", account_id),
            ("email", email),
        ):
            if value:
                fresh[key] = value
        return fresh

    async def _refresh_call(self, ctx: RefreshContext, form: dict[str, str]) -> TokenReply:
        url = ctx.endpoint(_NAME, "token", TOKEN_URL)
        failure: RefreshError | httpx.HTTPError | None = None
        for wait in (0.0, *_RETRY_WAITS):
            if wait:
                await self._sleep(wait)
            try:
                reply = await post_token(ctx.http, url, form=form, headers=_FORM)
            except httpx.HTTPError as exc:
                failure = exc
                continue
            if reply.ok and reply.text("access_token"):
                return reply
            failure = reply.refresh_error()
            if failure.permanent or (reply.status < 500 and reply.status != 429):
                raise failure
        if isinstance(failure, RefreshError):
            raise failure
        raise RefreshError(f"the token endpoint could not be reached ({type(failure).__name__})")


PROVIDER = register(CodexAccounts())
