"""Antigravity account files through the real server: the model list from fetchAvailableModels, the
fifty-minute refresh rule and the request envelope.

``tests.fakes.google_fake.GoogleFake`` plays the Antigravity backend (fetchAvailableModels, generate)
and ``FakeOAuth`` Google's token endpoint; both are reached through the ``oauth-endpoints`` config.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from server.auth.timing import format_rfc3339
from tests.e2e.conftest import Proxy, ProxyFactory
from tests.fakes.google_fake import GoogleFake, start_google_fake
from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth

pytestmark = pytest.mark.timeout(30)

FETCHED = {"gemini-2.5-flash", "gemini-3-pro-preview", "gemini-claude-sonnet-4-5-thinking"}
"""What the fake's default fetchAvailableModels answer lists to clients (upstream names mapped,
``gemini-3-pro-low`` and ``chat_20706`` hidden)."""


@dataclass
class Google:
    fake: GoogleFake
    idp: FakeOAuth


@pytest.fixture(scope="module")
def servers() -> Iterator[Google]:
    fake, fake_server = start_google_fake()
    idp, idp_server = start_fake_oauth()
    try:
        yield Google(fake, idp)
    finally:
        fake_server.stop()
        idp_server.stop()


@pytest.fixture
def google(servers: Google) -> Google:
    servers.fake.reset()
    servers.idp.reset()
    return servers


def antigravity_file(token: str, *, expires_in: float, **extra: object) -> dict[str, object]:
    """An Antigravity file as the original writes it."""
    now = time.time()
    return {
        "access_token": token,
        "email": "person@example.com",
        "expired": format_rfc3339(now + expires_in),
        "expires_in": 3599,
        "project_id": "ag-proj",
        "refresh_token": "1//ag-rt",
        "timestamp": int((now + expires_in - 3599) * 1000),
        "type": "antigravity",
        **extra,
    }


def start(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google, files: dict[str, dict[str, object]]
) -> Proxy:
    auth_dir = tmp_path / "auths"
    auth_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (auth_dir / name).write_text(json.dumps(data), encoding="utf-8")
    endpoints = {"upstream": google.fake.url(), "token": google.idp.url("/token")}
    return start_proxy({"oauth-endpoints": {"antigravity": endpoints}})


def listed_models(proxy: Proxy, *, expect: str, seconds: float = 10.0) -> set[str]:
    """``/v1/models`` ids once ``expect`` is listed (the model fetch runs in the background)."""
    deadline = time.monotonic() + seconds
    with httpx.Client(headers={"Authorization": f"Bearer {proxy.key}"}) as http:
        while True:
            ids = {m["id"] for m in http.get(f"{proxy.url}/v1/models").json()["data"]}
            if expect in ids or time.monotonic() > deadline:
                return ids
            time.sleep(0.02)


def test_models_come_from_fetch_available_models_and_the_fifty_minute_rule(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    name = "antigravity-person@example.com.json"
    proxy = start(start_proxy, tmp_path, google, {name: antigravity_file("ya29.ag", expires_in=40 * 60)})
    ids = listed_models(proxy, expect="gemini-3-pro-preview")
    assert FETCHED <= ids and not {"gemini-3-pro-low", "chat_20706", "gemini-3-pro-high"} & ids
    (fetch,) = google.fake.requests_to(":fetchAvailableModels")
    assert (fetch.method, fetch.path, fetch.json) == ("POST", "/v1internal:fetchAvailableModels", {})
    assert fetch.headers["user-agent"] == "antigravity/1.11.5 windows/amd64"
    token = fetch.headers["authorization"].removeprefix("Bearer ")
    assert token.startswith("at-")  # 40 minutes left: refreshed before the fetch, as before a request
    (grant,) = google.idp.token_requests("refresh_token")
    assert grant.form["refresh_token"] == "1//ag-rt"

    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    answer = sdk.chat.completions.create(
        model="gemini-3-pro-preview",
        messages=[{"role": "user", "content": "hi"}],
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
        tool_choice="none",
    )
    assert answer.choices[0].message.content == "Hello from gemini-cli fake"
    (call,) = google.fake.upstream.requests
    assert call.path == "/v1internal:generateContent"
    assert call.headers["user-agent"] == "antigravity/1.11.5 windows/amd64"
    assert call.headers["authorization"] == f"Bearer {token}"
    body = call.json
    assert isinstance(body, dict)
    assert (body["model"], body["userAgent"], body["project"]) == (
        "gemini-3-pro-high",
        "antigravity",
        "ag-proj",
    )
    assert body["requestId"].startswith("agent-") and body["request"]["sessionId"].startswith("-")
    assert "safetySettings" not in body["request"]
    assert body["request"]["toolConfig"]["functionCallingConfig"]["mode"] == "NONE"
    stored = json.loads((tmp_path / "auths" / name).read_text())
    assert stored["access_token"] == token and stored["refresh_token"]
    assert len(google.idp.token_requests("refresh_token")) == 1  # written back: no refresh per request


def test_an_account_whose_model_fetch_fails_serves_no_models(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    google.fake.configure(fail_prefixes=("/broken",))
    files = {
        "antigravity-a.json": antigravity_file(
            "ya29.bad", expires_in=7200, base_url=google.fake.url("/broken")
        ),
        "antigravity-b.json": antigravity_file("ya29.good", expires_in=7200),
    }
    proxy = start(start_proxy, tmp_path, google, files)
    assert FETCHED <= listed_models(proxy, expect="gemini-3-pro-preview")
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    for _ in range(3):
        sdk.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}])
    assert {r.headers["authorization"] for r in google.fake.upstream.requests} == {"Bearer ya29.good"}
    broken = [r.path for r in google.fake.requests if r.path.startswith("/broken")]
    assert broken == ["/broken/v1internal:fetchAvailableModels"]  # never asked to generate


def test_no_account_lists_models_when_every_fetch_fails(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    google.fake.configure(models_status=500)
    proxy = start(
        start_proxy, tmp_path, google, {"antigravity-a.json": antigravity_file("ya29.a", expires_in=7200)}
    )
    deadline = time.monotonic() + 10
    while not google.fake.requests_to(":fetchAvailableModels"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.1)
    assert not FETCHED & listed_models(proxy, expect="gemini-3-pro-preview", seconds=0)
    reply = httpx.post(
        f"{proxy.url}/v1/chat/completions",
        json={"model": "gemini-3-pro-preview", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {proxy.key}"},
    )
    assert reply.status_code == 404 and "unknown provider for model" in reply.text
    assert google.fake.upstream.requests == []
