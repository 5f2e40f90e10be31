"""Qwen accounts: the device flow against the fake IdP, the stored file, refresh and its timing."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from server.auth.accounts import ACCOUNT_PROVIDERS, load_account_providers
from server.auth.base import LoginError, RefreshError
from server.auth.timing import parse_time
from server.providers import qwen_account
from server.providers.qwen_account import CLIENT_ID, DEVICE_GRANT, SCOPE, QwenAccounts
from tests.fakes.oauth_fake import FakeOAuth, OAuthReply, start_fake_oauth
from tests.fakes.qwen_iflow_fake import LoginDouble, refresh_context

NOW = 1_760_000_000.0


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeOAuth]:
    fake, server = start_fake_oauth()
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def fake(idp: FakeOAuth) -> FakeOAuth:
    idp.configure(token_extra={"resource_url": "portal.qwen.ai"}, refresh_extra=None, expires_in=3600)
    idp.revoke_all(False)
    return idp


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def _endpoints(fake: FakeOAuth) -> dict[tuple[str, str], str]:
    return {("qwen", "device"): fake.url("/device/code"), ("qwen", "token"): fake.url("/token")}


class _Sleeps:
    def __init__(self) -> None:
        self.intervals: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.intervals.append(seconds)


async def test_device_flow_polls_until_tokens_and_names_the_file_by_alias(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    before = len(fake.token_requests(DEVICE_GRANT))
    fake.device_outcomes("authorization_pending", "authorization_pending")
    sleeps = _Sleeps()
    ctx = LoginDouble(http, endpoints=_endpoints(fake), answers=["me@example.com"], clock=NOW)
    files = await QwenAccounts(sleep=sleeps).login(ctx)

    start = fake.requests_to("/device/code")[-1].form
    assert start["client_id"] == CLIENT_ID
    assert start["scope"] == SCOPE
    assert start["code_challenge_method"] == "S256"
    polls = fake.token_requests(DEVICE_GRANT)[before:]
    assert len(polls) == 3
    verifier = polls[0].form["code_verifier"]
    assert len(verifier) == 43
    digest = hashlib.sha256(verifier.encode()).digest()
    assert start["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert {p.form["code_verifier"] for p in polls} == {verifier}
    assert {p.form["device_code"] for p in polls} == {p.form["device_code"] for p in polls[:1]}
    assert all(p.form["client_id"] == CLIENT_ID for p in polls)
    assert sleeps.intervals == [5.0, 5.0, 5.0]

    assert ctx.device_codes == [(fake.url("/device?user_code=ABCD-1234"), "ABCD-1234")]
    assert ctx.questions == [qwen_account.ALIAS_QUESTION]
    [file] = files
    assert file.name == "qwen-me@example.com.json"
    assert set(file.data) == {
        "access_token",
        "refresh_token",
        "last_refresh",
        "resource_url",
        "email",
        "type",
        "expired",
    }
    assert file.data["type"] == "qwen"
    assert file.data["email"] == "me@example.com"
    assert file.data["resource_url"] == "portal.qwen.ai"
    assert file.data["access_token"].startswith("at-")
    assert file.data["refresh_token"].startswith("rt-")
    assert parse_time(file.data["expired"]) == NOW + 3600
    assert parse_time(file.data["last_refresh"]) == NOW


async def test_slow_down_lengthens_the_interval_up_to_ten_seconds(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    fake.device_outcomes("slow_down", "slow_down", "slow_down")
    sleeps = _Sleeps()
    ctx = LoginDouble(http, endpoints=_endpoints(fake), answers=["alias"])
    [file] = await QwenAccounts(sleep=sleeps).login(ctx)
    assert sleeps.intervals == [5.0, 7.5, 10.0, 10.0]
    assert file.name == "qwen-alias.json"


@pytest.mark.parametrize(
    ("outcome", "message"),
    [("expired_token", "expired"), ("access_denied", "denied"), ("invalid_request", "invalid_request")],
    ids=["expired", "denied", "other"],
)
async def test_terminal_poll_errors_fail_the_login(
    fake: FakeOAuth, http: httpx.AsyncClient, outcome: str, message: str
) -> None:
    fake.device_outcomes("authorization_pending", outcome)
    ctx = LoginDouble(http, endpoints=_endpoints(fake), answers=["alias"])
    with pytest.raises(LoginError, match=message):
        await QwenAccounts(sleep=_Sleeps()).login(ctx)
    assert ctx.questions == []


async def test_polling_gives_up_after_max_polls(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.device_outcomes(*["authorization_pending"] * 3)
    ctx = LoginDouble(http, endpoints=_endpoints(fake))
    with pytest.raises(LoginError, match="timed out"):
        await QwenAccounts(sleep=_Sleeps(), max_polls=3).login(ctx)


async def test_without_an_alias_the_file_is_named_by_time(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    ctx = LoginDouble(http, endpoints=_endpoints(fake), answers=["   "], clock=NOW)
    [file] = await QwenAccounts(sleep=_Sleeps()).login(ctx)
    assert file.name == f"qwen-{int(NOW)}.json"
    assert file.data["email"] == ""


async def test_device_start_without_device_code_fails(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script("/device/code", OAuthReply(200, {"user_code": "X"}))
    ctx = LoginDouble(http, endpoints=_endpoints(fake))
    with pytest.raises(LoginError, match="device login"):
        await QwenAccounts(sleep=_Sleeps()).login(ctx)


def _stored(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "access_token": "old-at",
        "refresh_token": "old-rt",
        "last_refresh": "2025-10-09T08:00:00Z",
        "resource_url": "portal.qwen.ai",
        "email": "me@example.com",
        "type": "qwen",
        "expired": "2025-10-09T14:00:00Z",
        "proxy_url": "socks5://127.0.0.1:1080",
    }
    data.update(changes)
    return data


async def test_refresh_writes_back_new_tokens_and_keeps_other_keys(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    fake.configure(refresh_extra={"resource_url": "other.qwen.ai"})
    before = len(fake.token_requests("refresh_token"))
    ctx = refresh_context(http, _endpoints(fake), NOW)
    updated = await QwenAccounts().refresh(_stored(), ctx)
    [request] = fake.token_requests("refresh_token")[before:]
    assert request.form == {"grant_type": "refresh_token", "refresh_token": "old-rt", "client_id": CLIENT_ID}
    assert request.headers["accept"] == "application/json"
    assert updated["access_token"].startswith("at-")
    assert updated["refresh_token"].startswith("rt-")
    assert updated["resource_url"] == "other.qwen.ai"
    assert parse_time(updated["expired"]) == NOW + 3600
    assert parse_time(updated["last_refresh"]) == NOW
    assert updated["proxy_url"] == "socks5://127.0.0.1:1080"
    assert updated["email"] == "me@example.com"


async def test_revoked_refresh_token_is_a_permanent_failure(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.revoke("old-rt")
    with pytest.raises(RefreshError) as caught:
        await QwenAccounts().refresh(_stored(), refresh_context(http, _endpoints(fake), NOW))
    assert caught.value.permanent is True
    assert "old-rt" not in str(caught.value)


async def test_server_error_is_a_temporary_failure(fake: FakeOAuth, http: httpx.AsyncClient) -> None:
    fake.script("/token", OAuthReply(503, {"error": "unavailable"}))
    with pytest.raises(RefreshError) as caught:
        await QwenAccounts().refresh(_stored(), refresh_context(http, _endpoints(fake), NOW))
    assert caught.value.permanent is False


async def test_file_without_refresh_token_cannot_refresh(http: httpx.AsyncClient) -> None:
    with pytest.raises(RefreshError) as caught:
        await QwenAccounts().refresh(_stored(refresh_token=""), refresh_context(http, {}, NOW))
    assert caught.value.permanent is True


MIN = 60.0


@pytest.mark.parametrize(
    ("issued_ago", "lifetime", "due"),
    [
        (10 * MIN, 6 * 60 * MIN, False),  # long-lived, far from expiry
        (6 * 60 * MIN - 19 * MIN, 6 * 60 * MIN, True),  # inside the 20-minute lead
        (1 * MIN, 10 * MIN, False),  # short-lived and young: no storm
        (5 * MIN, 10 * MIN, True),  # short-lived, half its life gone
        (11 * MIN, 10 * MIN, True),  # expired
    ],
    ids=["far", "within-lead", "short-young", "short-half", "expired"],
)
def test_refresh_due_uses_twenty_minutes_or_half_the_lifetime(
    issued_ago: float, lifetime: float, due: bool
) -> None:
    issued = NOW - issued_ago
    data = _stored(last_refresh=issued, expired=issued + lifetime)
    assert QwenAccounts().refresh_due(data, NOW) is due


async def test_young_short_lived_token_is_not_refreshed_again(
    fake: FakeOAuth, http: httpx.AsyncClient
) -> None:
    before = len(fake.requests_to("/token"))
    data = _stored(last_refresh=NOW - 60, expired=NOW + 9 * 60)
    assert await QwenAccounts().refresh(data, refresh_context(http, _endpoints(fake), NOW)) is data
    assert len(fake.requests_to("/token")) == before


def test_lead_is_twenty_minutes_and_the_provider_is_registered() -> None:
    load_account_providers()
    provider = ACCOUNT_PROVIDERS["qwen"]
    assert provider is qwen_account.PROVIDER
    assert provider.refresh_lead == 20 * 60
    assert provider.provider_key == "qwen"


def test_credentials_of_a_file() -> None:
    [credential] = QwenAccounts().credentials("qwen-me.json", _stored(prefix="team", priority=3))
    assert (credential.id, credential.provider, credential.provider_type) == ("qwen-me.json", "qwen", "qwen")
    assert credential.kind == "oauth"
    assert credential.label == "me@example.com"
    assert credential.proxy_url == "socks5://127.0.0.1:1080"
    assert (credential.prefix, credential.priority) == ("team", 3)
    assert credential.metadata["access_token"] == "old-at"
