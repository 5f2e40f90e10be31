"""Antigravity accounts: login like a person, the flat file, refresh (5 min lead, < 50 min per request)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from server.auth.accounts import account_provider
from server.auth.base import LoginOptions, RefreshError
from server.auth.store import CredentialStore
from server.auth.timing import parse_time
from server.jsontypes import JSONObject
from server.providers.antigravity import PROVIDER
from server.providers.antigravity_account import ACCOUNT, CLIENT_ID, SCOPES, AntigravityAccount, file_name
from server.providers.base import UpstreamCall
from server.providers.google_oauth import rfc3339
from tests.unit.providers.google_support import (
    Accounts,
    Fakes,
    PersonLogin,
    refresh_context,
    reset_fakes,
    serve_fakes,
)

NOW = 1_750_000_000.0
SETUP_METADATA = {"ideType": "ANTIGRAVITY", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}


@pytest.fixture(scope="module")
def servers() -> Iterator[Fakes]:
    yield from serve_fakes()


@pytest.fixture
def fakes(servers: Fakes) -> Fakes:
    return reset_fakes(servers)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def account(sleeps: list[float]) -> AntigravityAccount:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return AntigravityAccount(sleep=sleep)


async def test_full_login_like_a_person(http: httpx.AsyncClient, fakes: Fakes, tmp_path: Path) -> None:
    fakes.google.configure(companion_project="proj-42")
    person = PersonLogin(http, fakes)
    (written,) = await account([]).login(person)

    url = urlsplit(person.shown[0])
    query = dict(parse_qsl(url.query))
    assert query == {
        "access_type": "offline",
        "client_id": CLIENT_ID,
        "prompt": "consent",
        "redirect_uri": "http://localhost:51121/oauth-callback",
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "state": query["state"],
    }
    assert len(query["state"]) == 32 and person.waited == [(51121, "/oauth-callback", query["state"])]
    exchange = fakes.token_requests("authorization_code")[0].form
    assert exchange["client_secret"].startswith("GOCSPX-") and exchange["grant_type"] == "authorization_code"

    (load,) = fakes.google.requests_to(":loadCodeAssist")
    assert load.json == {"metadata": SETUP_METADATA}
    assert load.headers["user-agent"] == "google-api-nodejs-client/9.15.1"
    assert load.headers["x-goog-api-client"] == "google-cloud-sdk vscode_cloudshelleditor/0.1"
    assert load.headers["client-metadata"] == (
        '{"ideType":"IDE_UNSPECIFIED","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}'
    )
    assert not fakes.google.requests_to(":onboardUser")

    assert written.name == "antigravity-person@example.com.json"
    data = written.data
    assert list(data) == sorted(data)  # a plain map, keys alphabetical like the original
    assert set(data) == {
        "access_token",
        "email",
        "expired",
        "expires_in",
        "project_id",
        "refresh_token",
        "timestamp",
        "type",
    }
    assert (data["type"], data["email"], data["project_id"]) == (
        "antigravity",
        "person@example.com",
        "proj-42",
    )
    assert data["expires_in"] == 3600 and data["timestamp"] == int(NOW * 1000)
    assert parse_time(data["expired"]) == NOW + 3600

    store = CredentialStore(tmp_path)
    store.write_json(written.name, data)
    assert stat.S_IMODE((tmp_path / written.name).stat().st_mode) == 0o600
    (cred,) = ACCOUNT.credentials(written.name, store.load(written.name).data)
    assert (cred.provider, cred.kind, cred.api_key, cred.label) == (
        "antigravity",
        "oauth",
        data["access_token"],
        "person@example.com",
    )


async def test_account_without_project_is_onboarded(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.google.configure(companion_project=None, onboard_pending=1, onboard_project="ag-new")
    sleeps: list[float] = []
    (written,) = await account(sleeps).login(PersonLogin(http, fakes))
    assert written.data["project_id"] == "ag-new"
    bodies = [r.json for r in fakes.google.requests_to(":onboardUser")]
    assert bodies == [{"tierId": "standard-tier", "metadata": SETUP_METADATA}] * 2
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    ("google", "oauth", "name", "project"),
    [
        ({"companion_project": None, "onboard_pending": 9}, {}, "antigravity-person@example.com.json", None),
        ({"companion_project": "p"}, {"userinfo": {}}, "antigravity.json", "p"),
    ],
    ids=["onboarding-never-finishes", "no-email"],
)
async def test_login_tolerates_missing_details(
    http: httpx.AsyncClient,
    fakes: Fakes,
    google: JSONObject,
    oauth: JSONObject,
    name: str,
    project: str | None,
) -> None:
    fakes.google.configure(**google)
    fakes.oauth.configure(**oauth)
    (written,) = await account([]).login(PersonLogin(http, fakes, LoginOptions(callback_port=5999)))
    assert written.name == name
    assert written.data.get("project_id") == project
    (exchange,) = fakes.token_requests("authorization_code")
    assert exchange.form["redirect_uri"] == "http://localhost:5999/oauth-callback"


@pytest.mark.parametrize(
    ("email", "expected"),
    [("a@b.com", "antigravity-a@b.com.json"), ("", "antigravity.json")],
    ids=["email", "none"],
)
def test_file_name(email: str, expected: str) -> None:
    assert file_name(email) == expected


def stored(expires_in_from_now: float, **extra: object) -> JSONObject:
    """A file as v6.6.0 writes it."""
    issued = NOW + expires_in_from_now - 3599
    return {
        "access_token": "ya29.old",
        "expired": rfc3339(issued + 3599, fraction=False),
        "expires_in": 3599,
        "refresh_token": "1//ag-refresh",
        "timestamp": int(issued * 1000),
        "type": "antigravity",
        "email": "a@b.com",
        **extra,
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"expired": "2025-06-15T17:06:40+02:00"}, 1_750_000_000.0),
        ({"timestamp": 1_749_996_401_000, "expires_in": 3599}, 1_750_000_000.0),
        ({}, None),
    ],
    ids=["expired", "timestamp-plus-lifetime", "unknown"],
)
def test_expires_at(data: JSONObject, expected: float | None) -> None:
    assert ACCOUNT.expires_at(data) == expected


def test_registered_with_leads() -> None:
    assert account_provider("antigravity") is ACCOUNT
    assert (ACCOUNT.provider_key, ACCOUNT.refresh_lead, ACCOUNT.request_lead) == (
        "antigravity",
        300.0,
        3000.0,
    )


async def test_refresh_writes_back_the_original_fields(http: httpx.AsyncClient, fakes: Fakes) -> None:
    data = stored(600, project_id="proj-1", user_agent="antigravity/9.9 test", note="kept")
    fresh = await ACCOUNT.refresh(data, refresh_context(http, fakes, NOW))
    (grant,) = fakes.token_requests("refresh_token")
    assert grant.form == {
        "grant_type": "refresh_token",
        "refresh_token": "1//ag-refresh",
        "client_id": CLIENT_ID,
        "client_secret": grant.form["client_secret"],
    }
    assert grant.headers["user-agent"] == "antigravity/9.9 test"
    assert grant.headers["content-type"] == "application/x-www-form-urlencoded"
    assert fresh["access_token"].startswith("at-") and fresh["refresh_token"].startswith("rt-")
    assert fresh["timestamp"] == int(NOW * 1000) and fresh["expires_in"] == 3600
    assert parse_time(fresh["expired"]) == NOW + 3600
    assert (fresh["note"], fresh["project_id"], fresh["type"]) == ("kept", "proj-1", "antigravity")
    assert not fakes.google.requests_to(":loadCodeAssist")


async def test_refresh_fills_a_missing_project(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.google.configure(companion_project="found-later")
    fakes.oauth.configure(rotate_refresh=False)
    fresh = await ACCOUNT.refresh(stored(60), refresh_context(http, fakes, NOW))
    assert fresh["project_id"] == "found-later" and fresh["refresh_token"] == "1//ag-refresh"


async def test_revoked_refresh_token_is_permanent(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.oauth.revoke("1//ag-revoked")  # the fake cannot un-revoke: a token no other test uses
    with pytest.raises(RefreshError) as caught:
        await ACCOUNT.refresh(stored(60, refresh_token="1//ag-revoked"), refresh_context(http, fakes, NOW))
    assert caught.value.permanent


@dataclass
class Clock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("left", "refreshed"),
    [(2999, True), (3001, False), (-5, True)],
    ids=["under-50-min", "over-50-min", "expired"],
)
async def test_token_refreshed_before_a_request_under_fifty_minutes(
    http: httpx.AsyncClient, fakes: Fakes, tmp_path: Path, left: float, refreshed: bool
) -> None:
    accounts = Accounts(tmp_path, http, fakes, Clock())
    accounts.write("antigravity-a@b.com.json", stored(left, project_id="p"))
    cred = accounts.credential("antigravity-a@b.com.json")
    used = await asyncio.gather(*(accounts.source(cred) for _ in range(4)))
    assert len(fakes.token_requests("refresh_token")) == (1 if refreshed else 0)
    tokens = {c.api_key for c in used}
    assert len(tokens) == 1 and next(iter(tokens)).startswith("at-" if refreshed else "ya29.old")
    request = PROVIDER.build_request(
        used[0], UpstreamCall("gemini-2.5-flash", {"contents": []}, stream=False)
    )
    assert request.headers["Authorization"] == f"Bearer {used[0].api_key}"
    if refreshed:  # written back, so the next request does not refresh again (quirk Q6 fixed)
        again = await accounts.source(accounts.credential("antigravity-a@b.com.json"))
        assert again.api_key == used[0].api_key and len(fakes.token_requests("refresh_token")) == 1


@pytest.mark.parametrize(
    ("left", "due"),
    [(299, True), (301, False)],
    ids=["within-5-min", "outside"],
)
async def test_background_refresh_five_minutes_ahead(
    http: httpx.AsyncClient, fakes: Fakes, tmp_path: Path, left: float, due: bool
) -> None:
    accounts = Accounts(tmp_path, http, fakes, Clock())
    accounts.write("antigravity-a@b.com.json", stored(left))
    assert accounts.refresher.due(accounts.files["antigravity-a@b.com.json"], NOW) is due


async def test_prepare_fetches_the_model_list(http: httpx.AsyncClient, fakes: Fakes) -> None:
    (cred,) = ACCOUNT.credentials(
        "antigravity-a@b.com.json", {**stored(3000), "base_url": fakes.google.url()}
    )
    ready = await ACCOUNT.prepare(cred, refresh_context(http, fakes))
    assert "gemini-3-pro-preview" in {m.id for m in PROVIDER.models(ready)}
