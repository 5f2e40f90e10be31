"""Gemini CLI accounts: a login driven like a person, project discovery, the file, credentials, refresh."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from server.auth.accounts import ACCOUNT_PROVIDERS, account_provider
from server.auth.base import LoginError, LoginOptions, RefreshError
from server.auth.store import CredentialStore
from server.auth.timing import parse_time
from server.jsontypes import JSONObject
from server.providers.gemini_cli_account import (
    ACCOUNT,
    CLIENT_ID,
    SCOPES,
    GeminiCliAccount,
    file_name,
)
from server.providers.gemini_cli_projects import Project, choose_projects, parse_answer
from tests.unit.providers.google_support import Fakes, PersonLogin, refresh_context, reset_fakes, serve_fakes

NOW = 1_750_000_000.0
METADATA = {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}


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


def account(sleeps: list[float] | None = None) -> GeminiCliAccount:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return GeminiCliAccount(sleep=sleep)


async def test_full_login_like_a_person(http: httpx.AsyncClient, fakes: Fakes, tmp_path: Path) -> None:
    fakes.google.configure(onboard_pending=1, service_state="DISABLED")
    person = PersonLogin(http, fakes, LoginOptions(project_id="p2"))
    sleeps: list[float] = []
    files = await account(sleeps).login(person)

    # the authorize URL a browser would open
    query = dict(parse_qsl(urlsplit(person.shown[0]).query))
    assert query == {
        "client_id": CLIENT_ID,
        "redirect_uri": "http://localhost:8085/oauth2callback",
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "state": query["state"],
        "access_type": "offline",
        "prompt": "consent",
    }
    assert len(query["state"]) == 32 and query["state"] != "state-token"  # Q4 fixed: random and checked
    assert person.waited == [(8085, "/oauth2callback", query["state"])]

    exchange = fakes.token_requests("authorization_code")[0]
    assert exchange.form["client_id"] == CLIENT_ID
    assert exchange.form["client_secret"].startswith("GOCSPX-")
    assert exchange.form["redirect_uri"] == "http://localhost:8085/oauth2callback"

    load = fakes.google.requests_to(":loadCodeAssist")[0]
    assert load.json == {
        "metadata": METADATA,
        "cloudaicompanionProject": "p2",
    }
    assert load.headers["client-metadata"] == ",".join(f"{k}={v}" for k, v in METADATA.items())
    assert load.headers["user-agent"] == "google-api-nodejs-client/9.15.1"
    assert load.headers["x-goog-api-client"] == "gl-node/22.17.0"
    onboards = fakes.google.requests_to(":onboardUser")
    assert [r.json["tierId"] for r in onboards if isinstance(r.json, dict)] == ["standard-tier"] * 2
    assert sleeps == [5.0]  # done:false once, polled again 5 s later
    assert fakes.google.enabled == ["p2"]  # service was DISABLED → :enable

    (written,) = files
    assert written.name == "gemini-person@example.com-p2.json"
    data = written.data
    assert {k: data[k] for k in ("project_id", "email", "auto", "checked", "type")} == {
        "project_id": "p2",
        "email": "person@example.com",
        "auto": False,
        "checked": True,
        "type": "gemini",
    }
    token = data["token"]
    assert isinstance(token, dict)
    assert token["access_token"].startswith("at-") and token["refresh_token"].startswith("rt-")
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert parse_time(token["expiry"]) == pytest.approx(NOW + 3600)
    assert token["token_uri"] == "https://oauth2.googleapis.com/token"
    assert token["client_id"] == CLIENT_ID and token["scopes"] == list(SCOPES)
    assert token["universe_domain"] == "googleapis.com"

    # what the runner does with it: 0600, and the file loads back as a gemini-cli credential
    store = CredentialStore(tmp_path)
    store.write_json(written.name, data)
    assert stat.S_IMODE((tmp_path / written.name).stat().st_mode) == 0o600
    (cred,) = ACCOUNT.credentials(written.name, store.load(written.name).data)
    assert (cred.provider, cred.kind, cred.label, cred.metadata["project_id"]) == (
        "gemini-cli",
        "oauth",
        "person@example.com",
        "p2",
    )


async def test_requested_project_is_kept_when_onboarding_names_another(
    http: httpx.AsyncClient, fakes: Fakes
) -> None:
    fakes.google.configure(onboard_project="other-project", service_state="ENABLED")
    files = await account().login(PersonLogin(http, fakes, LoginOptions(project_id="p1")))
    assert files[0].data["project_id"] == "p1"
    assert fakes.google.enabled == []  # already ENABLED: no :enable call
    assert not fakes.google.requests_to(":enable")


async def test_all_projects_make_one_multi_project_file(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.google.configure(onboard_pending=0)
    files = await account().login(PersonLogin(http, fakes, LoginOptions(project_id="ALL")))
    assert files[0].name == "gemini-person@example.com-all.json"
    assert files[0].data["project_id"] == "p1,p2"
    assert fakes.google.enabled == ["p1", "p2"]


async def test_prompt_when_no_project_was_given(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.google.configure(onboard_pending=0)
    person = PersonLogin(http, fakes, answers=["2"])
    files = await account().login(person)
    assert "Enter project ID [p1] or ALL:" in person.prompts[0] and "2. p2 (Project Two)" in person.prompts[0]
    assert files[0].data["project_id"] == "p2"


async def test_code_assist_picks_the_project_when_the_account_lists_none(
    http: httpx.AsyncClient, fakes: Fakes
) -> None:
    fakes.google.configure(projects=[], companion_project="auto-proj-1", onboard_pending=0)
    files = await account().login(PersonLogin(http, fakes))
    assert files[0].data["project_id"] == "auto-proj-1"
    assert files[0].name == "gemini-person@example.com-auto-proj-1.json"


@pytest.mark.parametrize(
    ("options", "person_changes", "message"),
    [
        ({"projects": [], "companion_project": None}, {}, "project selection required"),
        ({"enable_status": 403}, {"options": LoginOptions(project_id="p1")}, "could not enable"),
        ({}, {"options": LoginOptions(project_id="p1,nope")}, "unknown Google Cloud project"),
        ({}, {"options": LoginOptions(project_id="p1"), "tamper_state": "forged"}, "wrong state"),
    ],
    ids=["no-project", "enable-refused", "unknown-in-list", "state-mismatch"],
)
async def test_login_failures(
    http: httpx.AsyncClient,
    fakes: Fakes,
    options: JSONObject,
    person_changes: dict[str, object],
    message: str,
) -> None:
    fakes.google.configure(onboard_pending=0, **options)
    person = PersonLogin(http, fakes)
    for key, value in person_changes.items():
        setattr(person, key, value)
    with pytest.raises(LoginError, match=message):
        await account().login(person)


async def test_callback_error_fails_the_login(http: httpx.AsyncClient, fakes: Fakes) -> None:
    fakes.oauth.configure(authorize_error="access_denied")
    with pytest.raises(LoginError, match="access_denied"):
        await account().login(PersonLogin(http, fakes, LoginOptions(project_id="p1")))
    assert not fakes.token_requests()


PROJECTS = [Project("p1"), Project("p2"), Project("p3")]


@pytest.mark.parametrize(
    ("preset", "projects", "expected"),
    [
        ("p2", PROJECTS, ["p2"]),
        ("all", PROJECTS, ["p1", "p2", "p3"]),
        ("p3, p1", PROJECTS, ["p3", "p1"]),
        ("missing", PROJECTS, None),
        ("", PROJECTS, None),
        ("anything", [], ["anything"]),
        ("", [], [""]),
    ],
    ids=["listed", "all", "comma-list", "unlisted-asks", "none-asks", "no-list-preset", "no-list-no-preset"],
)
def test_choose_projects(preset: str, projects: list[Project], expected: list[str] | None) -> None:
    assert choose_projects(preset, projects) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("", ["p1"]), ("3", ["p3"]), ("p2", ["p2"]), ("ALL", ["p1", "p2", "p3"]), ("p1,p2", ["p1", "p2"])],
    ids=["default-first", "number", "id", "all", "list"],
)
def test_parse_answer(answer: str, expected: list[str]) -> None:
    assert parse_answer(answer, PROJECTS) == expected


def test_parse_answer_rejects_unknown() -> None:
    with pytest.raises(LoginError):
        parse_answer("9", PROJECTS)


@pytest.mark.parametrize(
    ("email", "projects", "expected"),
    [
        ("a@b.com", ["p1"], "gemini-a@b.com-p1.json"),
        ("a@b.com", ["p1", "p2"], "gemini-a@b.com-all.json"),
        ("a@b.com", ["all"], "gemini-a@b.com-all.json"),
    ],
    ids=["one", "many", "literal-all"],
)
def test_file_name(email: str, projects: list[str], expected: str) -> None:
    assert file_name(email, projects) == expected


def original_file(project: str = "p1", expiry: str = "2025-06-15T16:53:20.123456789+02:00") -> JSONObject:
    """A file as v6.6.0 writes it (Go oauth2 token with nanoseconds and a local offset)."""
    return {
        "token": {
            "access_token": "ya29.old",
            "token_type": "Bearer",
            "refresh_token": "1//refresh",
            "expiry": expiry,
            "token_uri": "https://oauth2.googleapis.com/token",
            "client_id": CLIENT_ID,
            "client_secret": "GOCSPX-secret",
            "scopes": list(SCOPES),
            "universe_domain": "googleapis.com",
        },
        "project_id": project,
        "email": "a@b.com",
        "auto": False,
        "checked": True,
        "type": "gemini",
    }


def test_registered_and_reads_original_files() -> None:
    assert account_provider("gemini") is ACCOUNT and ACCOUNT_PROVIDERS["gemini"] is ACCOUNT
    assert (ACCOUNT.provider_key, ACCOUNT.refresh_lead, ACCOUNT.request_lead) == ("gemini-cli", None, 60.0)
    data = original_file()
    assert ACCOUNT.expires_at(data) == pytest.approx(1_750_000_000.123456)
    (cred,) = ACCOUNT.credentials("a@b.com-p1.json", data)
    assert cred.id == "a@b.com-p1.json" and cred.api_key == "ya29.old"
    assert cred.metadata["project_id"] == "p1" and cred.provider_type == "gemini-cli"


def test_multi_project_file_gives_one_credential_per_project() -> None:
    data = {**original_file("p1, p2"), "proxy_url": "socks5://127.0.0.1:1080", "prefix": "team"}
    creds = ACCOUNT.credentials("gemini-a@b.com-all.json", data)
    assert [c.id for c in creds] == ["gemini-a@b.com-all.json::p1", "gemini-a@b.com-all.json::p2"]
    assert [c.label for c in creds] == ["a@b.com [p1]", "a@b.com [p2]"]
    assert [c.metadata["project_id"] for c in creds] == ["p1", "p2"]
    assert {c.api_key for c in creds} == {"ya29.old"}
    assert {(c.proxy_url, c.prefix) for c in creds} == {("socks5://127.0.0.1:1080", "team")}


async def test_refresh_keeps_every_key_and_updates_the_token(http: httpx.AsyncClient, fakes: Fakes) -> None:
    data = {**original_file(), "note": "mine"}
    fresh = await ACCOUNT.refresh(data, refresh_context(http, fakes, NOW))
    (grant,) = fakes.token_requests("refresh_token")
    assert grant.form == {
        "grant_type": "refresh_token",
        "refresh_token": "1//refresh",
        "client_id": CLIENT_ID,
        "client_secret": "GOCSPX-secret",
    }
    assert fresh["note"] == "mine" and fresh["project_id"] == "p1"
    token = fresh["token"]
    assert isinstance(token, dict)
    assert token["access_token"].startswith("at-")
    assert parse_time(token["expiry"]) == pytest.approx(NOW + 3600)
    assert token["client_id"] == CLIENT_ID and token["universe_domain"] == "googleapis.com"
    assert data["token"]["access_token"] == "ya29.old"  # type: ignore[index]


async def test_refresh_keeps_the_refresh_token_google_does_not_resend(
    http: httpx.AsyncClient, fakes: Fakes
) -> None:
    fakes.oauth.configure(rotate_refresh=False)
    fresh = await ACCOUNT.refresh(original_file(), refresh_context(http, fakes))
    assert fresh["token"]["refresh_token"] == "1//refresh"  # type: ignore[index]


@pytest.mark.parametrize(
    ("revoke", "status", "permanent"),
    [(True, None, True), (False, 503, False)],
    ids=["revoked-permanent", "server-error-transient"],
)
async def test_refresh_failures(
    http: httpx.AsyncClient, fakes: Fakes, revoke: bool, status: int | None, permanent: bool
) -> None:
    from tests.fakes.oauth_fake import OAuthReply

    data = original_file()
    data["token"] = {**data["token"], "refresh_token": "1//revoked"}  # type: ignore[dict-item]
    if revoke:
        fakes.oauth.revoke("1//revoked")  # the fake cannot un-revoke: a token no other test uses
    if status is not None:
        fakes.oauth.script("/token", OAuthReply(status, {"error": "backend_error"}))
    with pytest.raises(RefreshError) as caught:
        await ACCOUNT.refresh(data, refresh_context(http, fakes))
    assert caught.value.permanent is permanent
    assert "1//revoked" not in str(caught.value)
