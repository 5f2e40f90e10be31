"""iFlow accounts: OAuth login (§17 item 7), cookie login, the stored file and both refresh modes."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from server.auth.accounts import ACCOUNT_PROVIDERS, load_account_providers
from server.auth.base import LoginError, LoginOptions, RefreshError
from server.auth.login import run_login
from server.auth.store import CredentialStore
from server.auth.timing import parse_time
from server.providers import iflow_account
from server.providers.iflow_account import (
    CLIENT_ID,
    CLIENT_SECRET,
    COOKIE_QUESTION,
    IFlowAccounts,
    normalize_cookie,
)
from tests.fakes.oauth_fake import FakeOAuth, OAuthReply, start_fake_oauth
from tests.fakes.qwen_iflow_fake import LoginDouble, refresh_context

NOW = 1_760_000_000.0
USERINFO = "/api/oauth/getUserInfo"
APIKEY = "/api/openapi/apikey"


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeOAuth]:
    fake, server = start_fake_oauth()
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def fake(idp: FakeOAuth) -> FakeOAuth:
    idp.configure(expires_in=7200, token_extra={"scope": "phone"}, refresh_extra=None)
    idp.revoke_all(False)
    for path in (USERINFO, APIKEY):
        idp.always(path, None)
    return idp


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def _endpoints(fake: FakeOAuth) -> dict[tuple[str, str], str]:
    return {
        ("iflow", "authorize"): fake.url("/authorize"),
        ("iflow", "token"): fake.url("/token"),
        ("iflow", "userinfo"): fake.url(USERINFO),
        ("iflow", "apikey"): fake.url(APIKEY),
    }


def _userinfo(**data: object) -> OAuthReply:
    return OAuthReply(200, {"success": True, "data": data})


async def test_oauth_login_exchanges_with_basic_auth_and_fetches_the_api_key(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    fake.script(USERINFO, _userinfo(apiKey="sk-user", email="me@example.com", phone="138"))
    ctx = LoginDouble(http, endpoints=_endpoints(fake), clock=NOW)
    [file] = await IFlowAccounts().login(ctx)

    [(url, port)] = ctx.shown_urls
    assert port == 11451
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["loginMethod"] == "phone" and query["type"] == "phone"
    assert query["redirect"] == "http://localhost:11451/oauth2callback"
    assert query["client_id"] == CLIENT_ID
    assert re.fullmatch(r"[0-9a-f]{32}", query["state"])
    assert "redirect_uri" not in query
    assert ctx.callbacks == [(11451, "/oauth2callback")]

    exchange = fake.token_requests("authorization_code")[-1]
    assert exchange.form["client_id"] == CLIENT_ID
    assert exchange.form["client_secret"] == CLIENT_SECRET
    assert exchange.form["redirect_uri"] == "http://localhost:11451/oauth2callback"
    assert exchange.basic_auth == (CLIENT_ID, CLIENT_SECRET)
    assert exchange.headers["accept"] == "application/json"
    info = fake.requests_to(USERINFO)[-1]
    assert info.method == "GET"
    assert info.query == {"accessToken": file.data["access_token"]}

    assert file.name == "iflow-me@example.com.json"
    assert list(file.data) == [
        "access_token",
        "refresh_token",
        "last_refresh",
        "expired",
        "api_key",
        "email",
        "token_type",
        "scope",
        "cookie",
        "type",
    ]
    assert file.data["api_key"] == "sk-user"
    assert file.data["type"] == "iflow"
    assert file.data["cookie"] == ""
    assert file.data["scope"] == "phone"
    assert parse_time(file.data["expired"]) == NOW + 7200


async def test_callback_port_option_changes_the_redirect(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script(USERINFO, _userinfo(apiKey="sk-user", phone="13800000000"))
    ctx = LoginDouble(http, options=LoginOptions(callback_port=12000), endpoints=_endpoints(fake))
    [file] = await IFlowAccounts().login(ctx)
    assert ctx.callbacks == [(12000, "/oauth2callback")]
    assert (
        fake.token_requests("authorization_code")[-1].form["redirect_uri"]
        == "http://localhost:12000/oauth2callback"
    )
    assert file.name == "iflow-13800000000.json"
    assert file.data["email"] == "13800000000"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (OAuthReply(200, {"success": False, "data": {"apiKey": "sk"}}), "not successful"),
        (_userinfo(apiKey="", email="me@example.com"), "no apiKey"),
        (_userinfo(apiKey="sk-user"), "neither an email nor a phone"),
        (OAuthReply(500, {"success": False}), "answered 500"),
    ],
    ids=["success-false", "empty-api-key", "no-account", "server-error"],
)
async def test_bad_user_info_fails_the_login(
    fake: FakeOAuth, http: httpx.AsyncClient, reply: OAuthReply, message: str
) -> None:
    fake.script(USERINFO, reply)
    with pytest.raises(LoginError, match=message):
        await IFlowAccounts().login(LoginDouble(http, endpoints=_endpoints(fake)))


async def test_refused_authorization_fails_the_login(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.configure(authorize_error="access_denied")
    try:
        with pytest.raises(LoginError, match="access_denied"):
            await IFlowAccounts().login(LoginDouble(http, endpoints=_endpoints(fake)))
    finally:
        fake.configure(authorize_error="")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BXAuth=abc", "BXAuth=abc;"),
        ("foo=1;  BXAuth=abc;\n bar=2", "BXAuth=abc;"),
        ("  BXAuth=a b ; x=y", "BXAuth=a b;"),
    ],
    ids=["bare", "among-others", "whitespace"],
)
def test_normalize_cookie_keeps_only_bxauth(raw: str, expected: str) -> None:
    assert normalize_cookie(raw) == expected


@pytest.mark.parametrize("raw", ["", "foo=1; bar=2", "BXAuth=;"], ids=["empty", "missing", "blank"])
def test_cookie_without_bxauth_is_refused(raw: str) -> None:
    with pytest.raises(LoginError, match="BXAuth"):
        normalize_cookie(raw)


def _key_reply(name: str, key: str, expire: str, *, mask: str = "") -> OAuthReply:
    data = {"name": name, "apiKey": key, "apiKeyMask": mask, "expireTime": expire, "hasExpired": False}
    return OAuthReply(200, {"success": True, "data": data})


async def test_cookie_login_reads_and_renews_the_key(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    before = len(fake.requests_to(APIKEY))
    fake.script(
        APIKEY,
        _key_reply("my*key", "", "2026-01-01 10:00", mask="sk-****"),
        _key_reply("my*key", "sk-renewed", "2026-03-01 10:00"),
    )
    options = LoginOptions(cookie="theme=dark; BXAuth=secret-value; lang=zh")
    ctx = LoginDouble(http, options=options, endpoints=_endpoints(fake), clock=NOW)
    [file] = await IFlowAccounts().login(ctx)

    first, second = fake.requests_to(APIKEY)[before:]
    assert first.method == "GET" and second.method == "POST"
    for request in (first, second):
        assert request.headers["cookie"] == "BXAuth=secret-value;"
        assert request.headers["accept"] == "application/json, text/plain, */*"
        assert request.headers["accept-language"] == "zh-CN,zh;q=0.9,en;q=0.8"
        assert "Chrome/" in request.headers["user-agent"]
    assert first.headers["sec-fetch-mode"] == "cors"
    assert second.json == {"name": "my*key"}
    assert second.headers["origin"] == "https://platform.iflow.cn"
    assert second.headers["referer"] == "https://platform.iflow.cn/"

    assert file.name == "iflow-myxkey.json"
    assert file.data["api_key"] == "sk-renewed"
    assert file.data["expired"] == "2026-03-01 10:00"
    assert file.data["email"] == "my*key"
    assert file.data["cookie"] == "BXAuth=secret-value;"
    assert file.data["access_token"] == "" and file.data["refresh_token"] == ""
    assert file.data["type"] == "iflow"
    assert ctx.shown_urls == []


async def test_cookie_login_prompts_when_no_cookie_was_given(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    fake.script(
        APIKEY, _key_reply("k", "sk-1", "2026-01-01 10:00"), _key_reply("k", "sk-2", "2026-02-01 10:00")
    )
    ctx = LoginDouble(http, endpoints=_endpoints(fake), answers=["BXAuth=v"])
    [file] = await IFlowAccounts().login_cookie(ctx)
    assert ctx.questions == [COOKIE_QUESTION]
    assert file.name == "iflow-k.json"


async def test_cookie_login_fails_when_the_platform_refuses(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script(APIKEY, OAuthReply(200, {"success": False, "message": "login required"}))
    ctx = LoginDouble(http, options=LoginOptions(cookie="BXAuth=v"), endpoints=_endpoints(fake))
    with pytest.raises(LoginError, match="login required"):
        await IFlowAccounts().login(ctx)


def _oauth_file(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "access_token": "old-at",
        "refresh_token": "old-rt",
        "last_refresh": "2025-10-08T08:00:00Z",
        "expired": "2025-10-09T08:00:00Z",
        "api_key": "sk-old",
        "email": "me@example.com",
        "token_type": "bearer",
        "scope": "phone",
        "cookie": "",
        "type": "iflow",
    }
    data.update(changes)
    return data


async def test_oauth_refresh_renews_tokens_and_the_api_key(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script(USERINFO, _userinfo(apiKey="sk-new", email="me@example.com"))
    updated = await IFlowAccounts().refresh(_oauth_file(), refresh_context(http, _endpoints(fake), NOW))
    request = fake.token_requests("refresh_token")[-1]
    assert request.form == {
        "grant_type": "refresh_token",
        "refresh_token": "old-rt",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    expected_basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["authorization"] == expected_basic
    assert fake.requests_to(USERINFO)[-1].query == {"accessToken": updated["access_token"]}
    assert updated["api_key"] == "sk-new"
    assert updated["refresh_token"].startswith("rt-")
    assert parse_time(updated["expired"]) == NOW + 7200
    assert parse_time(updated["last_refresh"]) == NOW
    assert updated["email"] == "me@example.com"


async def test_revoked_oauth_refresh_is_permanent(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.revoke("old-rt")
    with pytest.raises(RefreshError) as caught:
        await IFlowAccounts().refresh(_oauth_file(), refresh_context(http, _endpoints(fake), NOW))
    assert caught.value.permanent is True


def _cookie_file(expired: str) -> dict[str, object]:
    return _oauth_file(access_token="", refresh_token="", cookie="BXAuth=v;", email="k", expired=expired)


async def test_cookie_key_far_from_expiry_is_left_alone(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    before = len(fake.requests_to(APIKEY))
    data = _cookie_file("2025-10-20 08:00")  # 10+ days after NOW
    assert await IFlowAccounts().refresh(data, refresh_context(http, _endpoints(fake), NOW)) == data
    assert len(fake.requests_to(APIKEY)) == before


async def test_cookie_key_near_expiry_is_renewed(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script(APIKEY, _key_reply("k", "sk-renewed", "2025-12-01 08:00"))
    data = _cookie_file("2025-10-10 08:00")  # about 24 h after NOW
    updated = await IFlowAccounts().refresh(data, refresh_context(http, _endpoints(fake), NOW))
    request = fake.requests_to(APIKEY)[-1]
    assert request.method == "POST" and request.json == {"name": "k"}
    assert request.headers["cookie"] == "BXAuth=v;"
    assert updated["api_key"] == "sk-renewed"
    assert updated["expired"] == "2025-12-01 08:00"
    assert updated["cookie"] == "BXAuth=v;" and updated["email"] == "k"


async def test_refused_cookie_is_permanent(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script(APIKEY, OAuthReply(401, {"success": False}))
    with pytest.raises(RefreshError) as caught:
        await IFlowAccounts().refresh(_cookie_file("bad"), refresh_context(http, _endpoints(fake), NOW))
    assert caught.value.permanent is True


def test_provider_is_registered_with_a_day_of_lead() -> None:
    load_account_providers()
    assert ACCOUNT_PROVIDERS["iflow"] is iflow_account.PROVIDER
    assert iflow_account.PROVIDER.refresh_lead == 24 * 3600


def test_credentials_carry_the_api_key() -> None:
    [credential] = IFlowAccounts().credentials("iflow-me.json", _oauth_file(base_url="http://127.0.0.1:5/v1"))
    assert (credential.provider, credential.provider_type, credential.kind) == ("iflow", "iflow", "oauth")
    assert credential.api_key == "sk-old"
    assert credential.base_url == "http://127.0.0.1:5/v1"
    assert credential.label == "me@example.com"


@pytest.mark.parametrize(
    ("new_cookie", "stored", "expected"),
    [
        ("BXAuth=v1;", {"iflow-a.json": {"cookie": "theme=x; BXAuth=v1;"}}, "iflow-a.json"),
        ("BXAuth=v1;", {"iflow-a.json": {"cookie": "BXAuth=v2;"}}, None),
        ("BXAuth=v1;", {"iflow-a.json": {"cookie": ""}}, None),
        ("", {"iflow-a.json": {"cookie": ""}}, None),
    ],
    ids=["same-cookie", "other-cookie", "oauth-file", "oauth-login"],
)
def test_a_second_file_for_one_cookie_is_a_duplicate(
    new_cookie: str, stored: dict[str, dict[str, object]], expected: str | None
) -> None:
    assert IFlowAccounts().duplicate_of({"cookie": new_cookie}, stored) == expected


class _ClosingDouble(LoginDouble):
    async def aclose(self) -> None:
        return None


async def test_the_login_runner_refuses_a_duplicate_cookie(
    fake: FakeOAuth, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    store = CredentialStore(tmp_path)
    store.write_json("iflow-old.json", {"type": "iflow", "email": "old", "cookie": "BXAuth=same;"})
    reply = _key_reply("k", "sk-1", "2026-01-01 10:00")
    fake.script(APIKEY, reply, reply)
    options = LoginOptions(cookie="BXAuth=same")
    ctx = _ClosingDouble(http, options=options, endpoints=_endpoints(fake))
    with pytest.raises(LoginError, match="already saved as iflow-old.json"):
        await run_login(IFlowAccounts(), ctx, store)  # type: ignore[arg-type]
    assert [f.name for f in store.list_files()] == ["iflow-old.json"]
    fake.script(APIKEY, reply, reply)
    ctx = _ClosingDouble(http, options=LoginOptions(cookie="BXAuth=other"), endpoints=_endpoints(fake))
    assert await run_login(IFlowAccounts(), ctx, store) == ["iflow-k.json"]  # type: ignore[arg-type]
