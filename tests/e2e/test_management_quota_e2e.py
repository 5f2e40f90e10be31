"""Active quota fetches over real HTTP: Antigravity (fetchAvailableModels ``quotaInfo``) and Gemini CLI
(``retrieveUserQuota`` buckets) through ``POST /accounts/quota/refresh``, shown in ``/accounts/state``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from server.auth.timing import format_rfc3339
from tests.e2e.management_support import Launcher, Managed, isolated_env
from tests.fakes.google_fake import DEFAULT_MODELS, GoogleFake, start_google_fake
from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth

pytestmark = pytest.mark.timeout(30)

AG_FILE = "antigravity-person@example.com.json"
CLI_FILE = "gemini-person@example.com-p1.json"
RESET = "2030-01-01T00:00:00Z"
RESET_UNIX = 1893456000.0


@pytest.fixture(scope="module")
def google() -> Iterator[tuple[GoogleFake, FakeOAuth]]:
    fake, fake_server = start_google_fake()
    idp, idp_server = start_fake_oauth()
    try:
        yield fake, idp
    finally:
        fake_server.stop()
        idp_server.stop()


def _files(now: float) -> dict[str, dict[str, Any]]:
    antigravity = {
        "access_token": "ya29.ag-token",
        "refresh_token": "1//ag-rt",
        "email": "person@example.com",
        "expired": format_rfc3339(now + 7200),
        "expires_in": 3599,
        "timestamp": int((now + 7200 - 3599) * 1000),
        "project_id": "ag-proj",
        "type": "antigravity",
    }
    cli = {
        "token": {
            "access_token": "ya29.cli-token",
            "token_type": "Bearer",
            "refresh_token": "1//cli-rt",
            "expiry": format_rfc3339(now + 7200),
        },
        "project_id": "p1",
        "email": "person@example.com",
        "auto": False,
        "checked": True,
        "type": "gemini",
    }
    return {AG_FILE: antigravity, CLI_FILE: cli}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, google: tuple[GoogleFake, FakeOAuth]
) -> Iterator[Managed]:
    fake, idp = google
    models = dict(DEFAULT_MODELS)
    models["gemini-2.5-flash"] = {
        "displayName": "Gemini 2.5 Flash",
        "quotaInfo": {"remainingFraction": 0.25, "resetTime": RESET},
    }
    models["claude-sonnet-4-5-thinking"] = {"quotaInfo": {"resetTime": RESET}}  # used up: no fraction
    buckets = [
        {"modelId": "gemini-2.5-pro", "remainingFraction": 0.6, "resetTime": RESET, "tokenType": "REQUESTS"},
        {"modelId": "gemini-2.5-flash", "remainingFraction": 1.0, "resetTime": RESET},
    ]
    fake.configure(models=models, quota_buckets=buckets)
    root = tmp_path_factory.mktemp("quota")
    auth_dir = root / "auths"
    auth_dir.mkdir()
    for name, data in _files(time.time()).items():
        (auth_dir / name).write_text(json.dumps(data), encoding="utf-8")
    urls = {"upstream": fake.url(), "token": idp.url("/token")}
    with isolated_env(root):
        running = Launcher(root)
        try:
            yield running.start({"oauth-endpoints": {"antigravity": urls, "gemini-cli": urls}})
        finally:
            running.close()


def _windows(account: dict[str, Any]) -> dict[str, tuple[str, float, float | None, str]]:
    return {
        w["window"]: (w["label"], w["used_percent"], w["resets_at"], w["source"]) for w in account["quota"]
    }


def test_refresh_fetches_antigravity_and_gemini_cli_quota(
    server: Managed, google: tuple[GoogleFake, FakeOAuth]
) -> None:
    fake, _ = google
    with server.client() as client:
        before = {a["id"]: a["quota"] for a in client.get("/accounts/state").json()["accounts"]}
        answer = client.post("/accounts/quota/refresh", json={})
        state = {a["id"]: a for a in client.get("/accounts/state").json()["accounts"]}
    assert before == {AG_FILE: [], CLI_FILE: []}
    assert answer.status_code == 200, answer.text
    refreshed = {a["id"]: a for a in answer.json()["accounts"]}
    assert set(refreshed) == {AG_FILE, CLI_FILE}
    assert _windows(refreshed[AG_FILE]) == {
        "claude-sonnet-4-5-thinking": ("claude-sonnet-4-5-thinking", 100, RESET_UNIX, "fetch"),
        "gemini-2.5-flash": ("Gemini 2.5 Flash", 75, RESET_UNIX, "fetch"),
    }
    assert _windows(refreshed[CLI_FILE]) == {
        "gemini-2.5-flash": ("gemini-2.5-flash", 0, RESET_UNIX, "fetch"),
        "gemini-2.5-pro": ("gemini-2.5-pro", 40, RESET_UNIX, "fetch"),
    }
    assert state[AG_FILE]["quota"] == refreshed[AG_FILE]["quota"] and state[CLI_FILE]["quota_error"] == ""
    (quota_call,) = fake.requests_to(":retrieveUserQuota")
    assert quota_call.json == {"project": "p1"}
    assert quota_call.headers["authorization"] == "Bearer ya29.cli-token"
    fetches = fake.requests_to(":fetchAvailableModels")  # the model list at start, then the quota
    assert len(fetches) >= 2 and fetches[-1].headers["authorization"] == "Bearer ya29.ag-token"


def test_refresh_of_one_account_and_a_failing_fetch(
    server: Managed, google: tuple[GoogleFake, FakeOAuth]
) -> None:
    fake, _ = google
    fake.configure(models_status=500)
    try:
        with server.client() as client:
            answer = client.post("/accounts/quota/refresh", json={"id": AG_FILE})
    finally:
        fake.configure(models_status=200)
    (account,) = answer.json()["accounts"]
    assert account["id"] == AG_FILE and "HTTP 500" in account["quota_error"]
