"""iFlow accounts: OAuth and cookie logins, the ``iflow-*.json`` file, and key/token refresh."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

import httpx

from server.auth.accounts import register
from server.auth.base import (
    AccountFile,
    LoginContext,
    LoginError,
    RefreshContext,
    RefreshError,
)
from server.auth.pkce import new_state
from server.auth.timing import format_rfc3339 as rfc3339
from server.auth.timing import parse_time
from server.credential import Credential
from server.jsontypes import JSONObject
from server.providers.account_files import file_credential, text

__all__ = [
    "APIKEY_URL",
    "AUTHORIZE_URL",
    "CALLBACK_PATH",
    "CALLBACK_PORT",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "COOKIE_QUESTION",
    "PROVIDER",
    "REFRESH_LEAD",
    "TOKEN_URL",
    "USERINFO_URL",
    "IFlowAccounts",
    "normalize_cookie",
]

CLIENT_ID = "10009311001"
CLIENT_SECRET = "4Z3YjXycVsQvyGF1etiNlIBB4RsqSDtW"
"""Public in the iFlow CLI and the original's source (providers.md §7.1)."""
AUTHORIZE_URL = "https://iflow.cn/oauth"
TOKEN_URL = "https://iflow.cn/oauth/token"
USERINFO_URL = "https://iflow.cn/api/oauth/getUserInfo"
APIKEY_URL = "https://platform.iflow.cn/api/openapi/apikey"
CALLBACK_PORT = 11451
CALLBACK_PATH = "/oauth2callback"
CALLBACK_TIMEOUT = 300.0
HTTP_TIMEOUT = 30.0
REFRESH_LEAD = 24 * 3600.0
COOKIE_REFRESH_WINDOW = 48 * 3600.0
"""A cookie-login key is renewed when it expires within 48 hours (providers.md §7.4)."""
COOKIE_QUESTION = "Paste your iFlow browser cookie (it must contain BXAuth=):"

_BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/91.0.4472.124 Safari/537.36"
)
_BROWSER_HEADERS = {
    "Accept": "application/json, text/plain, */*",
    "User-Agent": _BROWSER_UA,
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}
_BXAUTH = re.compile(r"(?:^|;\s*)BXAuth=([^;]*)")
_PERMANENT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
_KEY_NAME_KEEP = re.compile(r"[^A-Za-z0-9_@.\-]")


def normalize_cookie(raw: str) -> str:
    """``BXAuth=<value>;`` from a pasted cookie string (adopted: nothing else is stored).

    Whitespace is collapsed first; LoginError when there is no ``BXAuth=`` value.
    """
    collapsed = " ".join(raw.split())
    match = _BXAUTH.search(collapsed)
    if match is None or not match.group(1).strip():
        raise LoginError("the iFlow cookie must contain BXAuth=…")
    return f"BXAuth={match.group(1).strip()};"


def _bxauth(cookie: str) -> str:
    match = _BXAUTH.search(" ".join(cookie.split()))
    return match.group(1).strip() if match is not None else ""


def _basic() -> str:
    return "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


class IFlowAccounts:
    """The ``iflow`` account kind (providers.md §7).

    OAuth login: authorization code without PKCE on the fixed callback port 11451, exchanged with
    HTTP Basic client credentials plus ``client_secret`` in the form; the account's API key (the
    Bearer of every chat request) comes from getUserInfo. Cookie login (``-iflow-cookie``): the
    browser's ``BXAuth`` cookie reads and renews the key on platform.iflow.cn. Refresh renews
    whichever the file holds, 24 hours before expiry (cookie keys only inside 48 hours).
    """

    file_type = "iflow"
    provider_key = "iflow"
    refresh_lead: float | None = REFRESH_LEAD

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        return [
            file_credential(
                name, data, provider=self.provider_key, provider_type="iflow", api_key=text(data, "api_key")
            )
        ]

    # -- login ------------------------------------------------------------------------------------

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        """OAuth login; a cookie in ``ctx.options`` makes it the cookie login instead."""
        if ctx.options.cookie.strip():
            return await self.login_cookie(ctx)
        return await self.login_oauth(ctx)

    async def login_oauth(self, ctx: LoginContext) -> list[AccountFile]:
        state = new_state()
        port = ctx.options.callback_port or CALLBACK_PORT
        redirect = f"http://localhost:{port}{CALLBACK_PATH}"
        query = urlencode(
            {
                "loginMethod": "phone",
                "type": "phone",
                "redirect": redirect,
                "state": state,
                "client_id": CLIENT_ID,
            }
        )
        await ctx.show_url(f"{ctx.endpoint('iflow', 'authorize', AUTHORIZE_URL)}?{query}", port=port)
        result = await ctx.wait_callback(port=port, path=CALLBACK_PATH, state=state, timeout=CALLBACK_TIMEOUT)
        if result.error:
            raise LoginError(f"iFlow refused the login: {result.error}")
        if not result.code:
            raise LoginError("the iFlow callback carried no code")
        form = {
            "grant_type": "authorization_code",
            "code": result.code,
            "redirect_uri": redirect,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        try:
            tokens = await _token_request(ctx.http, ctx.endpoint("iflow", "token", TOKEN_URL), form)
            info = await _user_info(ctx.http, ctx.endpoint("iflow", "userinfo", USERINFO_URL), tokens)
        except _Failed as exc:
            raise LoginError(str(exc)) from None
        account = text(info, "email") or text(info, "phone")
        if not account:
            raise LoginError("iFlow getUserInfo returned neither an email nor a phone number")
        now = ctx.now()
        data: JSONObject = {
            "access_token": tokens["access_token"],
            "refresh_token": str(tokens.get("refresh_token") or ""),
            "last_refresh": rfc3339(now),
            "expired": rfc3339(now + _seconds(tokens.get("expires_in"))),
            "api_key": text(info, "apiKey"),
            "email": account,
            "token_type": str(tokens.get("token_type") or ""),
            "scope": str(tokens.get("scope") or ""),
            "cookie": "",
            "type": "iflow",
        }
        return [AccountFile(f"iflow-{_KEY_NAME_KEEP.sub('_', account)}.json", data)]

    async def login_cookie(self, ctx: LoginContext) -> list[AccountFile]:
        raw = ctx.options.cookie.strip() or await ctx.prompt(COOKIE_QUESTION)
        cookie = normalize_cookie(raw)
        url = ctx.endpoint("iflow", "apikey", APIKEY_URL)
        try:
            current = await _key_info(ctx.http, url, cookie, name=None)
            name = text(current, "name")
            if not name:
                raise _Failed("the iFlow API key has no name")
            renewed = await _key_info(ctx.http, url, cookie, name=name)
        except _Failed as exc:
            raise LoginError(str(exc)) from None
        data: JSONObject = {
            "access_token": "",
            "refresh_token": "",
            "last_refresh": rfc3339(ctx.now()),
            "expired": text(renewed, "expireTime"),
            "api_key": text(renewed, "apiKey") or text(renewed, "apiKeyMask"),
            "email": name,
            "token_type": "",
            "scope": "",
            "cookie": cookie,
            "type": "iflow",
        }
        file_name = _KEY_NAME_KEEP.sub("", name.replace("*", "x")) or "cookie"
        return [AccountFile(f"iflow-{file_name}.json", data)]

    def duplicate_of(self, data: JSONObject, others: Mapping[str, JSONObject]) -> str | None:
        """The stored file with the same ``BXAuth`` cookie as a new cookie login (adopted: a
        second file for one cookie is refused)."""
        cookie = _bxauth(text(data, "cookie"))
        if not cookie:
            return None
        return next(
            (name for name, other in others.items() if _bxauth(text(other, "cookie")) == cookie), None
        )

    # -- refresh ----------------------------------------------------------------------------------

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        try:
            if text(data, "cookie") and text(data, "email"):
                return await self._refresh_cookie(data, ctx)
            return await self._refresh_oauth(data, ctx)
        except _Failed as exc:
            raise RefreshError(str(exc), permanent=exc.permanent) from None

    async def _refresh_cookie(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        now = ctx.now()
        expiry = parse_time(data.get("expired"))
        if expiry is not None and expiry - now > COOKIE_REFRESH_WINDOW:
            return data
        url = ctx.endpoint("iflow", "apikey", APIKEY_URL)
        renewed = await _key_info(ctx.http, url, text(data, "cookie"), name=text(data, "email"))
        updated = dict(data)
        updated["api_key"] = text(renewed, "apiKey") or text(data, "api_key")
        updated["expired"] = text(renewed, "expireTime") or text(data, "expired")
        updated["type"] = "iflow"
        updated["last_refresh"] = rfc3339(now)
        return updated

    async def _refresh_oauth(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        refresh_token = text(data, "refresh_token")
        if not refresh_token:
            raise _Failed("the iflow file has no refresh_token; log in again", permanent=True)
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        tokens = await _token_request(ctx.http, ctx.endpoint("iflow", "token", TOKEN_URL), form)
        info = await _user_info(ctx.http, ctx.endpoint("iflow", "userinfo", USERINFO_URL), tokens)
        now = ctx.now()
        updated = dict(data)
        updated["access_token"] = tokens["access_token"]
        updated["refresh_token"] = str(tokens.get("refresh_token") or refresh_token)
        updated["api_key"] = text(info, "apiKey")
        updated["expired"] = rfc3339(now + _seconds(tokens.get("expires_in")))
        updated["type"] = "iflow"
        updated["last_refresh"] = rfc3339(now)
        return updated


class _Failed(Exception):
    """An iFlow call failed; the message names the step, never a token."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


async def _token_request(http: httpx.AsyncClient, url: str, form: dict[str, str]) -> JSONObject:
    headers = {"Authorization": _basic(), "Accept": "application/json"}
    try:
        response = await http.post(url, data=form, headers=headers, timeout=HTTP_TIMEOUT)
    except httpx.HTTPError as exc:
        raise _Failed(f"iflow token request failed: {type(exc).__name__}") from exc
    body = _json(response)
    if response.status_code != 200:
        error = str(body.get("error") or "")
        permanent = response.status_code == 401 or error in _PERMANENT_ERRORS
        raise _Failed(f"iflow token request rejected: {error or response.status_code}", permanent=permanent)
    if not text(body, "access_token"):
        raise _Failed("iflow token response has no access_token")
    return body


async def _user_info(http: httpx.AsyncClient, url: str, tokens: JSONObject) -> JSONObject:
    separator = "&" if "?" in url else "?"
    full = f"{url}{separator}accessToken={quote(str(tokens['access_token']), safe='')}"
    try:
        response = await http.get(full, headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT)
    except httpx.HTTPError as exc:
        raise _Failed(f"iflow getUserInfo failed: {type(exc).__name__}") from exc
    body = _json(response)
    if response.status_code != 200:
        raise _Failed(f"iflow getUserInfo answered {response.status_code}")
    info = body.get("data")
    if body.get("success") is not True or not isinstance(info, dict):
        raise _Failed("iflow getUserInfo was not successful")
    if not text(info, "apiKey"):
        raise _Failed("iflow getUserInfo returned no apiKey")
    return info


async def _key_info(http: httpx.AsyncClient, url: str, cookie: str, *, name: str | None) -> JSONObject:
    """GET the cookie account's key (``name=None``) or POST ``{"name"}`` to renew it."""
    headers = {**_BROWSER_HEADERS, "Cookie": cookie}
    try:
        if name is None:
            headers.update(
                {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"}
            )
            response = await http.get(url, headers=headers, timeout=HTTP_TIMEOUT)
        else:
            headers.update({"Origin": "https://platform.iflow.cn", "Referer": "https://platform.iflow.cn/"})
            response = await http.post(url, json={"name": name}, headers=headers, timeout=HTTP_TIMEOUT)
    except httpx.HTTPError as exc:
        raise _Failed(f"iflow API key request failed: {type(exc).__name__}") from exc
    body = _json(response)
    step = "read" if name is None else "renewal"
    if response.status_code in (401, 403):
        raise _Failed(f"iflow API key {step} refused the cookie; log in again", permanent=True)
    if response.status_code != 200:
        raise _Failed(f"iflow API key {step} answered {response.status_code}")
    data = body.get("data")
    if body.get("success") is not True or not isinstance(data, dict):
        message = text(body, "message") or "not successful"
        raise _Failed(f"iflow API key {step} failed: {message}")
    return data


def _json(response: httpx.Response) -> JSONObject:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return max(0.0, float(value))


PROVIDER = IFlowAccounts()
register(PROVIDER)
