"""Codex accounts: authorize URL (conformance 1–4), form exchange, id_token claims, file names, refresh."""

from __future__ import annotations

import re

import httpx
import pytest

from server.auth.base import LoginError, RefreshContext, RefreshError
from server.auth.endpoints import Endpoints
from server.auth.pkce import challenge_for
from server.auth.timing import parse_time
from server.jsontypes import JSONObject
from server.providers.codex_oauth import AUTH_CLAIM, CLIENT_ID, PROVIDER, CodexAccounts, codex_file_name
from tests.fakes.oauth_fake import FakeOAuth, OAuthReply, make_id_token
from tests.unit.auth.login_double import BrowserContext

NOW = 1_765_443_600.0


def claims(email: str = "me@example.com", account: str = "acct-9", plan: str = "plus") -> JSONObject:
    auth: JSONObject = {"chatgpt_account_id": account}
    if plan:
        auth["chatgpt_plan_type"] = plan
    out: JSONObject = {AUTH_CLAIM: auth}
    if email:
        out["email"] = email
    return out


def endpoints(oauth: FakeOAuth) -> Endpoints:
    return Endpoints(
        {"codex": {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}}, environ={}
    )


async def test_login(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(id_token_claims=claims(), expires_in=864000)
    ctx = BrowserContext(http, endpoints(oauth), now=NOW)
    (file,) = await PROVIDER.login(ctx)
    query = ctx.query
    assert query == {
        "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
        "response_type": "code",
        "redirect_uri": "http://localhost:1455/auth/callback",
        "scope": "openid email profile offline_access",
        "state": query["state"],
        "code_challenge": query["code_challenge"],
        "code_challenge_method": "S256",
        "prompt": "login",
        "id_token_add_organizations": "true",
        "codex_cli_simplified_flow": "true",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", query["state"])
    (exchange,) = oauth.token_requests()
    assert exchange.headers["content-type"] == "application/x-www-form-urlencoded"
    assert set(exchange.form) == {"grant_type", "client_id", "code", "redirect_uri", "code_verifier"}
    assert (exchange.form["grant_type"], exchange.form["client_id"]) == ("authorization_code", CLIENT_ID)
    assert len(exchange.form["code_verifier"]) == 128
    assert challenge_for(exchange.form["code_verifier"]) == query["code_challenge"]
    assert file.name == "codex-me@example.com-plus.json"
    assert list(file.data) == [
        "id_token",
        "access_token",
        "refresh_token",
        "account_id",
        "last_refresh",
        "email",
        "type",
        "expired",
    ]
    assert (file.data["account_id"], file.data["email"], file.data["type"]) == (
        "acct-9",
        "me@example.com",
        "codex",
    )
    assert parse_time(file.data["expired"]) == NOW + 864000


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"id_token_claims": claims(email="")}, "no email"),
        ({"id_token_claims": claims(), "authorize_state": "forged"}, "state mismatch"),
        ({"id_token_claims": claims(), "authorize_state": ""}, "no_state"),
    ],
    ids=["no-email", "state-mismatch", "no-state"],
)
async def test_failed_logins(
    oauth: FakeOAuth, http: httpx.AsyncClient, setup: dict[str, object], message: str
) -> None:
    oauth.configure(**setup)
    with pytest.raises(LoginError, match=message):
        await PROVIDER.login(BrowserContext(http, endpoints(oauth)))


@pytest.mark.parametrize(
    ("email", "plan", "account", "name"),
    [
        ("a@b.c", "", "acct", "codex-a@b.c.json"),
        ("a@b.c", "Plus", "acct", "codex-a@b.c-plus.json"),
        ("a@b.c", "pro lite", "acct", "codex-a@b.c-pro-lite.json"),
        ("a@b.c", "team", "acct-1", "codex-ba36a4ed-a@b.c-team.json"),
    ],
    ids=["no-plan", "plan", "plan-sanitised", "team"],
)
def test_file_names(email: str, plan: str, account: str, name: str) -> None:
    assert codex_file_name(email, plan, account) == name


async def test_refresh_form_and_write_back(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(id_token_claims=claims(email="", account="acct-new"), expires_in=600)
    stored: JSONObject = {
        "access_token": "old",
        "refresh_token": "rt-old",
        "email": "keep@x",
        "type": "codex",
    }
    ctx = RefreshContext(http=http, endpoint=endpoints(oauth), now=lambda: NOW)
    fresh = await PROVIDER.refresh({**stored, "account_id": "acct-old", "extra": 1}, ctx)
    (call,) = oauth.token_requests("refresh_token")
    assert call.form == {
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": "rt-old",
        "scope": "openid profile email",
    }
    assert (fresh["email"], fresh["account_id"], fresh["extra"]) == ("keep@x", "acct-new", 1)
    assert str(fresh["id_token"]).count(".") == 2
    assert parse_time(fresh["expired"]) == NOW + 600


class NoSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_transient_failures_are_retried_twice(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    sleeps = NoSleep()
    accounts = CodexAccounts(sleep=sleeps)
    oauth.script("/token", OAuthReply(500, {"error": "server_error"}), OAuthReply(503, "down"))
    ctx = RefreshContext(http=http, endpoint=endpoints(oauth), now=lambda: NOW)
    fresh = await accounts.refresh({"refresh_token": "rt", "type": "codex"}, ctx)
    assert str(fresh["access_token"]).startswith("at-")
    assert sleeps.waits == [1.0, 2.0]
    assert len(oauth.token_requests()) == 3


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        (OAuthReply(400, {"error": "invalid_grant"}), True),
        (OAuthReply(401, {"error": {"code": "refresh_token_reused", "message": "already used"}}), True),
        (OAuthReply(400, {"error": "invalid_request"}), False),
    ],
    ids=["invalid-grant", "reused", "other-4xx"],
)
async def test_client_errors_are_not_retried(
    oauth: FakeOAuth, http: httpx.AsyncClient, reply: OAuthReply, permanent: bool
) -> None:
    sleeps = NoSleep()
    oauth.always("/token", reply)
    ctx = RefreshContext(http=http, endpoint=endpoints(oauth), now=lambda: NOW)
    with pytest.raises(RefreshError) as caught:
        await CodexAccounts(sleep=sleeps).refresh({"refresh_token": "rt", "type": "codex"}, ctx)
    assert caught.value.permanent is permanent
    assert sleeps.waits == []


async def test_an_unreachable_endpoint_after_three_tries(http: httpx.AsyncClient) -> None:
    sleeps = NoSleep()
    ctx = RefreshContext(http=http, endpoint=lambda p, n, d: "http://127.0.0.1:9/token", now=lambda: NOW)
    with pytest.raises(RefreshError, match="could not be reached"):
        await CodexAccounts(sleep=sleeps).refresh({"refresh_token": "rt", "type": "codex"}, ctx)
    assert sleeps.waits == [1.0, 2.0]


def test_credentials_take_the_account_id_from_the_token_when_the_file_lacks_it() -> None:
    data: JSONObject = {"type": "codex", "access_token": "tok", "id_token": make_id_token(claims())}
    (credential,) = PROVIDER.credentials("codex-me@example.com-plus.json", data)
    assert (credential.kind, credential.api_key, credential.label) == ("oauth", "tok", "me@example.com")
    assert credential.metadata["account_id"] == "acct-9"
    assert PROVIDER.refresh_lead == 5 * 86400
