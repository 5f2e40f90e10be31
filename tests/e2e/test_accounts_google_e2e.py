"""Gemini CLI account files in auth-dir serve OpenAI-SDK and google-genai requests through the real server.

The Code Assist upstream is ``tests.fakes.google_fake.GoogleFake`` (``{"response": …}`` envelopes) and
Google's token endpoint is ``FakeOAuth``; both are reached through the ``oauth-endpoints`` config.
"""

from __future__ import annotations

import io
import json
import socket
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest
from google import genai

from server.auth.base import LoginOptions
from server.auth.login import cli_login
from server.config.schema import Config
from server.providers.gemini_cli_account import CLIENT_ID, SCOPES
from server.providers.google_oauth import rfc3339
from tests.e2e.conftest import Proxy, ProxyFactory
from tests.fakes import Fail, Recorded
from tests.fakes.google_fake import GoogleFake, start_google_fake
from tests.fakes.oauth_fake import FakeOAuth, browse, start_fake_oauth

pytestmark = pytest.mark.timeout(30)


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
    return servers


def gemini_file(
    token: str, project: str, *, expires_in: float = 3600.0, refresh: str = "1//rt"
) -> dict[str, object]:
    """A Gemini CLI file as the original writes it."""
    return {
        "token": {
            "access_token": token,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expiry": rfc3339(time.time() + expires_in),
            "token_uri": "https://oauth2.googleapis.com/token",
            "client_id": CLIENT_ID,
            "client_secret": "GOCSPX-e2e",
            "scopes": list(SCOPES),
            "universe_domain": "googleapis.com",
        },
        "project_id": project,
        "email": "person@example.com",
        "auto": False,
        "checked": True,
        "type": "gemini",
    }


def start(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google, files: dict[str, dict[str, object]]
) -> Proxy:
    auth_dir = tmp_path / "auths"
    auth_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (auth_dir / name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    endpoints = {"upstream": google.fake.url(), "token": google.idp.url("/token")}
    return start_proxy(
        {"oauth-endpoints": {"gemini-cli": endpoints}, "request-retry": 1, "max-retry-interval": 5}
    )


def sent(google: Google) -> list[Recorded]:
    return google.fake.upstream.requests


def test_openai_sdk_chat_through_a_gemini_cli_account(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    proxy = start(
        start_proxy, tmp_path, google, {"gemini-person@example.com-p1.json": gemini_file("ya29.a", "p1")}
    )
    with httpx.Client() as http:
        listed = http.get(f"{proxy.url}/v1/models", headers={"Authorization": f"Bearer {proxy.key}"}).json()
    assert {"gemini-2.5-pro", "gemini-3-pro-preview"} <= {m["id"] for m in listed["data"]}

    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    answer = sdk.chat.completions.create(
        model="gemini-2.5-pro",
        messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    )
    assert answer.choices[0].message.content == "Hello from gemini-cli fake"
    (call,) = sent(google)
    assert call.path == "/v1internal:generateContent"
    assert call.headers["authorization"] == "Bearer ya29.a"
    assert call.headers["user-agent"].startswith("GeminiCLI/0.31.0/gemini-2.5-pro (")
    assert call.headers["x-goog-api-client"] == "google-genai-sdk/1.41.0 gl-node/v22.19.0"
    assert isinstance(call.json, dict) and set(call.json) == {"model", "project", "request"}
    assert (call.json["model"], call.json["project"]) == ("gemini-2.5-pro", "p1")
    assert call.json["request"]["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert proxy.key not in json.dumps(call.headers)

    stream = sdk.chat.completions.create(
        model="gemini-2.5-flash", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert (
        "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Hello from gemini-cli fake"
    )
    assert sent(google)[-1].path == "/v1internal:streamGenerateContent"
    assert sent(google)[-1].query == {"alt": "sse"}


def test_google_genai_sees_no_envelope(start_proxy: ProxyFactory, tmp_path: Path, google: Google) -> None:
    proxy = start(
        start_proxy, tmp_path, google, {"gemini-person@example.com-p1.json": gemini_file("ya29.g", "p1")}
    )
    sdk = genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url})
    answer = sdk.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert answer.text == "Hello from gemini-cli fake"
    assert answer.usage_metadata is not None and answer.usage_metadata.prompt_token_count is not None
    streamed = "".join(
        c.text or "" for c in sdk.models.generate_content_stream(model="gemini-2.5-pro", contents="hi")
    )
    assert streamed == "Hello from gemini-cli fake"
    counted = sdk.models.count_tokens(model="gemini-2.5-pro", contents="how many?")
    assert counted.total_tokens is not None
    paths = [r.path for r in sent(google)]
    assert paths == [
        "/v1internal:generateContent",
        "/v1internal:streamGenerateContent",
        "/v1internal:countTokens",
    ]
    count = sent(google)[-1].json
    assert isinstance(count, dict) and set(count) == {"request"}


def test_expired_token_is_refreshed_and_written_back(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    name = "gemini-person@example.com-p1.json"
    proxy = start(start_proxy, tmp_path, google, {name: gemini_file("ya29.expired", "p1", expires_in=-60)})
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    sdk.chat.completions.create(model="gemini-2.5-pro", messages=[{"role": "user", "content": "hi"}])
    grants = [r for r in google.idp.token_requests("refresh_token") if r.form.get("refresh_token") == "1//rt"]
    assert (
        grants
        and grants[-1].form["client_id"] == CLIENT_ID
        and grants[-1].form["client_secret"] == "GOCSPX-e2e"
    )
    new_token = sent(google)[-1].headers["authorization"].removeprefix("Bearer ")
    assert new_token.startswith("at-")
    stored = json.loads((tmp_path / "auths" / name).read_text())
    assert stored["token"]["access_token"] == new_token and stored["project_id"] == "p1"


def test_quota_on_one_project_moves_to_the_other(
    start_proxy: ProxyFactory, tmp_path: Path, google: Google
) -> None:
    proxy = start(
        start_proxy, tmp_path, google, {"gemini-person@example.com-all.json": gemini_file("ya29.m", "p1,p2")}
    )
    google.fake.upstream.script("ya29.m", Fail(429, retry_after=30))
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    answer = sdk.chat.completions.create(model="gemini-2.5-pro", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "Hello from gemini-cli fake"
    projects = [r.json["project"] for r in sent(google) if isinstance(r.json, dict)]
    assert projects == ["p1", "p2"]
    sdk.chat.completions.create(model="gemini-2.5-pro", messages=[{"role": "user", "content": "again"}])
    assert [r.json["project"] for r in sent(google) if isinstance(r.json, dict)][-1] == "p2"


@pytest.mark.parametrize(
    ("file_type", "expected_name", "fields"),
    [
        (
            "gemini",
            "gemini-person@example.com-p2.json",
            {"project_id": "p2", "checked": True, "type": "gemini"},
        ),
        ("antigravity", "antigravity-person@example.com.json", {"project_id": "ag-1", "type": "antigravity"}),
    ],
    ids=["gemini-cli", "antigravity"],
)
def test_cli_login_with_the_real_callback_server(
    tmp_path: Path, google: Google, file_type: str, expected_name: str, fields: dict[str, object]
) -> None:
    google.fake.configure(onboard_pending=0, companion_project="ag-1")
    google.idp.configure(userinfo={"email": "person@example.com"})
    provider_key = "gemini-cli" if file_type == "gemini" else file_type
    endpoints = {
        "authorize": google.idp.url("/authorize"),
        "token": google.idp.url("/token"),
        "userinfo": google.idp.url("/userinfo"),
        "projects": google.fake.url("/v1/projects"),
        "code-assist": google.fake.url(),
        "service-usage": google.fake.url(),
    }
    config = Config(auth_dir=str(tmp_path / "auths"), oauth_endpoints={provider_key: endpoints})
    opened: list[str] = []

    def browser(url: str) -> bool:  # a person's browser: follows the redirect to the loopback callback
        opened.append(url)
        return browse(url).status_code == 200

    out = io.StringIO()
    port = free_port()
    code = cli_login(
        file_type,
        config,
        LoginOptions(project_id="p2", callback_port=port),
        out=out,
        err=out,
        stdin=io.StringIO(""),
        open_browser=browser,
    )
    assert code == 0, out.getvalue()
    assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2F" in opened[0]
    path = tmp_path / "auths" / expected_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert {k: data[k] for k in fields} == fields
    assert data["email"] == "person@example.com"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
