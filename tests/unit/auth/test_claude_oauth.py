"""Claude accounts: authorize URL, JSON exchange with state, code#state, file fields, JSON refresh."""

from __future__ import annotations

import httpx
import pytest

from server.auth.base import LoginError, LoginOptions, RefreshContext, RefreshError
from server.auth.endpoints import Endpoints
from server.auth.pkce import challenge_for
from server.auth.timing import parse_time
from server.providers.claude_oauth import CLIENT_ID, PROVIDER, SCOPE
from tests.fakes.oauth_fake import FakeOAuth, OAuthReply
from tests.unit.auth.login_double import BrowserContext

NOW = 1_765_443_600.0
ACCOUNT = {"account": {"uuid": "acc-1", "email_address": "me@example.com"}, "organization": {"uuid": "o"}}


def endpoints(oauth: FakeOAuth) -> Endpoints:
    return Endpoints(
        {"claude": {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}}, environ={}
    )


async def test_login_writes_the_original_file(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(token_extra=ACCOUNT, expires_in=28800)
    ctx = BrowserContext(http, endpoints(oauth), now=NOW)
    (file,) = await PROVIDER.login(ctx)
    query = ctx.query
    assert set(query) == {
        "code",
        "client_id",
        "response_type",
        "redirect_uri",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "state",
    }
    assert (query["code"], query["client_id"], query["response_type"]) == ("true", CLIENT_ID, "code")
    assert (query["redirect_uri"], query["scope"]) == ("http://localhost:54545/callback", SCOPE)
    assert query["code_challenge_method"] == "S256"
    assert ctx.shown[0][1] == 54545
    assert ctx.waited[0][:3] == (54545, "/callback", query["state"])
    (exchange,) = oauth.token_requests()
    assert exchange.is_json
    body = exchange.json
    assert isinstance(body, dict)
    assert set(body) == {"code", "state", "grant_type", "client_id", "redirect_uri", "code_verifier"}
    assert (body["grant_type"], body["state"], body["client_id"]) == (
        "authorization_code",
        query["state"],
        CLIENT_ID,
    )
    assert challenge_for(str(body["code_verifier"])) == query["code_challenge"]
    assert len(str(body["code_verifier"])) == 128
    assert file.name == "claude-me@example.com.json"
    assert list(file.data) == [
        "id_token",
        "access_token",
        "refresh_token",
        "last_refresh",
        "email",
        "type",
        "expired",
    ]
    assert (file.data["id_token"], file.data["email"], file.data["type"]) == ("", "me@example.com", "claude")
    assert str(file.data["access_token"]).startswith("at-")
    assert parse_time(file.data["last_refresh"]) == NOW
    assert parse_time(file.data["expired"]) == NOW + 28800


async def test_a_code_with_hash_sends_its_own_state(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(token_extra=ACCOUNT, code_suffix="#xyz")
    await PROVIDER.login(BrowserContext(http, endpoints(oauth)))
    body = oauth.token_requests()[0].json
    assert isinstance(body, dict)
    assert (body["code"], body["state"]) == ("code-1", "xyz")


async def test_the_callback_port_can_be_changed(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(token_extra=ACCOUNT)
    ctx = BrowserContext(http, endpoints(oauth), options=LoginOptions(callback_port=40001))
    await PROVIDER.login(ctx)
    assert ctx.query["redirect_uri"] == "http://localhost:40001/callback"
    assert ctx.shown[0][1] == 40001


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"token_extra": {"account": {"email_address": ""}}}, "no email"),
        ({"authorize_state": "forged"}, "state mismatch"),
        ({"authorize_error": "access_denied"}, "access_denied"),
    ],
    ids=["no-email", "state-mismatch", "denied"],
)
async def test_failed_logins(
    oauth: FakeOAuth, http: httpx.AsyncClient, setup: dict[str, object], message: str
) -> None:
    oauth.configure(**setup)
    with pytest.raises(LoginError, match=message):
        await PROVIDER.login(BrowserContext(http, endpoints(oauth)))


async def test_a_refused_exchange_names_the_error_without_the_body(
    oauth: FakeOAuth, http: httpx.AsyncClient
) -> None:
    oauth.script(
        "/token", OAuthReply(400, {"error": "invalid_grant", "error_description": "bad code", "x": "SECRET"})
    )
    with pytest.raises(LoginError) as caught:
        await PROVIDER.login(BrowserContext(http, endpoints(oauth)))
    assert str(caught.value) == "the token exchange failed (HTTP 400, invalid_grant: bad code)"


async def test_refresh_sends_json_and_keeps_every_key(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.configure(token_extra={"account": {"email_address": ""}}, expires_in=3600)
    stored = {
        "id_token": "",
        "access_token": "old",
        "refresh_token": "rt-old",
        "email": "me@x",
        "type": "claude",
    }
    ctx = RefreshContext(http=http, endpoint=endpoints(oauth), now=lambda: NOW)
    fresh = await PROVIDER.refresh({**stored, "note": "mine"}, ctx)
    (call,) = oauth.token_requests("refresh_token")
    assert call.is_json and call.json == {
        "client_id": CLIENT_ID,
        "grant_type": "refresh_token",
        "refresh_token": "rt-old",
    }
    assert fresh["email"] == "me@x" and fresh["note"] == "mine" and fresh["id_token"] == ""
    assert str(fresh["access_token"]).startswith("at-") and str(fresh["refresh_token"]).startswith("rt-")
    assert parse_time(fresh["expired"]) == NOW + 3600
    assert parse_time(fresh["last_refresh"]) == NOW


async def test_a_revoked_refresh_token_is_permanent(oauth: FakeOAuth, http: httpx.AsyncClient) -> None:
    oauth.revoke("rt-old")
    ctx = RefreshContext(http=http, endpoint=endpoints(oauth), now=lambda: NOW)
    with pytest.raises(RefreshError) as caught:
        await PROVIDER.refresh({"refresh_token": "rt-old", "type": "claude"}, ctx)
    assert caught.value.permanent
    assert "invalid_grant" in str(caught.value) and "rt-old" not in str(caught.value)


def test_credentials_of_a_file() -> None:
    (credential,) = PROVIDER.credentials(
        "claude-me@example.com.json", {"type": "claude", "access_token": "tok", "email": "me@example.com"}
    )
    assert (credential.id, credential.provider, credential.provider_type) == (
        "claude-me@example.com.json",
        "claude",
        "claude",
    )
    assert (credential.kind, credential.api_key, credential.label) == ("oauth", "tok", "me@example.com")
    assert PROVIDER.refresh_lead == 4 * 3600
