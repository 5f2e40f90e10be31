"""Claude Pro/Max accounts (Claude Code OAuth): login, credential file and token refresh.

Login (providers.md §5.1): authorization code + PKCE S256, redirect ``http://localhost:54545/callback``,
JSON token exchange with ``state``; a code pasted as ``code#state`` is split. The file is
``claude-<email>.json`` with the original's fields (§5.2). Refresh (§5.3): JSON ``refresh_token``
grant, background lead 4 hours, no retries. Requests go through ``server.providers.claude`` (kind
``oauth``: Bearer token, Claude Code betas, headers and system block).

Deliberate choices: the token URL is ``https://api.anthropic.com/v1/oauth/token`` and the scope the
later Claude Code one ([adopt], v6.9.x); a refresh answer without an email keeps the stored one (Q8).
"""

from __future__ import annotations

from urllib.parse import urlencode

from server.auth.accounts import register
from server.auth.base import AccountFile, LoginContext, LoginError, RefreshContext, RefreshError
from server.auth.pkce import new_pkce, new_state
from server.auth.timing import format_rfc3339
from server.auth.token_call import TokenReply, post_token
from server.credential import Credential
from server.jsontypes import JSONObject

__all__ = [
    "AUTHORIZE_URL",
    "CALLBACK_PATH",
    "CALLBACK_PORT",
    "CLIENT_ID",
    "SCOPE",
    "TOKEN_URL",
    "ClaudeAccounts",
    "PROVIDER",
]

AUTHORIZE_URL = "https://claude.ai/oauth/authorize"
TOKEN_URL = "https://api.anthropic.com/v1/oauth/token"
CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
SCOPE = "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload"
CALLBACK_PORT = 54545
CALLBACK_PATH = "/callback"
LOGIN_TIMEOUT = 300.0
_NAME = "claude"


class ClaudeAccounts:
    """The ``claude`` credential files."""

    file_type = "claude"
    provider_key = "claude"
    refresh_lead: float | None = 4 * 3600.0

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        email = _text(data, "email")
        return [
            Credential(
                id=name,
                provider=self.provider_key,
                provider_type="claude",
                kind="oauth",
                label=email or self.provider_key,
                api_key=_text(data, "access_token"),
                base_url=_text(data, "base_url"),
                metadata={"email": email},
            )
        ]

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        port = ctx.options.callback_port or CALLBACK_PORT
        redirect_uri = f"http://localhost:{port}{CALLBACK_PATH}"
        pkce, state = new_pkce(), new_state()
        query = {
            "code": "true",
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
            "state": state,
        }
        await ctx.show_url(f"{ctx.endpoint(_NAME, 'authorize', AUTHORIZE_URL)}?{urlencode(query)}", port=port)
        result = await ctx.wait_callback(port=port, path=CALLBACK_PATH, state=state, timeout=LOGIN_TIMEOUT)
        code, returned_state = result.code, result.state or state
        if "#" in code:  # the code as Claude shows it for copying: <code>#<state>
            code, returned_state = code.split("#", 1)
        body: JSONObject = {
            "code": code,
            "state": returned_state,
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier,
        }
        reply = await post_token(ctx.http, ctx.endpoint(_NAME, "token", TOKEN_URL), json_body=body)
        if not reply.ok or not reply.text("access_token"):
            raise reply.login_error()
        email = _account_email(reply)
        if not email:
            raise LoginError("the Claude account has no email address")
        now = ctx.now()
        data: JSONObject = {
            "id_token": "",
            "access_token": reply.text("access_token"),
            "refresh_token": reply.text("refresh_token"),
            "last_refresh": format_rfc3339(now),
            "email": email,
            "type": "claude",
            "expired": format_rfc3339(now + reply.number("expires_in")),
        }
        return [AccountFile(f"claude-{email}.json", data)]

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        refresh_token = _text(data, "refresh_token")
        if not refresh_token:
            raise RefreshError("the file has no refresh_token; log in again", permanent=True)
        body: JSONObject = {
            "client_id": CLIENT_ID,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        reply = await post_token(ctx.http, ctx.endpoint(_NAME, "token", TOKEN_URL), json_body=body)
        if not reply.ok or not reply.text("access_token"):
            raise reply.refresh_error()
        now = ctx.now()
        fresh: JSONObject = {
            **data,
            "access_token": reply.text("access_token"),
            "expired": format_rfc3339(now + reply.number("expires_in")),
            "type": "claude",
            "last_refresh": format_rfc3339(now),
        }
        if reply.text("refresh_token"):
            fresh["refresh_token"] = reply.text("refresh_token")
        if email := _account_email(reply):
            fresh["email"] = email
        return fresh


def _text(data: JSONObject, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _account_email(reply: TokenReply) -> str:
    account = reply.data.get("account")
    return _text(account, "email_address") if isinstance(account, dict) else ""


PROVIDER = register(ClaudeAccounts())
