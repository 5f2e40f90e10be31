"""The management additions of issue #5 over real HTTP: ``/api-call``, ``/model-definitions/{channel}``,
``/management.html``, and account quota (headers of Codex / Claude answers, Antigravity and Gemini CLI
fetches, ``/accounts/quota/refresh``, the ``accounts`` event)."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, isolated_env
from tests.fakes.oauth_fake import FakeOAuth, make_id_token

pytestmark = pytest.mark.timeout(30)

SONNET = "claude-sonnet-4-5-20250929"
CLAUDE_FILE = "claude-me@example.com.json"
CODEX_FILE = "codex-me@example.com.json"
STALE_TOKEN = "sk-ant-oat-stale-token"
QUOTA_HEADERS = {
    "x-codex-primary-used-percent": "12",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-after-seconds": "3600",
    "x-codex-secondary-used-percent": "34",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": "1900000000",
    "anthropic-ratelimit-unified-status": "allowed",
    "anthropic-ratelimit-unified-5h-utilization": "0.56",
    "anthropic-ratelimit-unified-5h-reset": "1800000000",
    "anthropic-ratelimit-unified-7d-utilization": "0.78",
    "anthropic-ratelimit-unified-7d-reset": "1900000000",
}


@pytest.fixture(scope="module")
def accounts_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("extra")
    with isolated_env(root):
        yield root


@pytest.fixture(scope="module")
def server(accounts_root: Path, upstream_server: Upstream, oauth_server: FakeOAuth) -> Iterator[Managed]:
    """One server with a Claude account whose token is expired (refreshed on use) and a Codex account."""
    auth_dir = accounts_root / "auths"
    auth_dir.mkdir(parents=True, exist_ok=True)
    claude = {
        "access_token": STALE_TOKEN,
        "refresh_token": "r-claude",
        "email": "me@example.com",
        "type": "claude",
        "expired": "2001-01-01T00:00:00Z",
    }
    codex = {
        "id_token": make_id_token({"email": "me@example.com"}),
        "access_token": "codex-token",
        "refresh_token": "r-codex",
        "account_id": "acct-1",
        "email": "me@example.com",
        "type": "codex",
        "expired": "2099-01-01T00:00:00Z",
    }
    (auth_dir / CLAUDE_FILE).write_text(json.dumps(claude), encoding="utf-8")
    (auth_dir / CODEX_FILE).write_text(json.dumps(codex), encoding="utf-8")
    urls = {"token": oauth_server.url("/token"), "upstream": upstream_server.url}
    running = Launcher(accounts_root)
    try:
        yield running.start({"oauth-endpoints": {"claude": urls, "codex": urls}})
    finally:
        running.close()


def _index(name: str) -> str:
    return hashlib.sha256(f"file:{name}".encode()).hexdigest()[:16]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- /api-call --------------------------------------------------------------------------------------


def test_api_call_sends_with_the_fresh_token_and_answers_status_headers_body(
    server: Managed, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with server.client() as client:
        listed = {f["name"]: f["auth_index"] for f in client.get("/auth-files").json()["files"]}
        assert listed[CLAUDE_FILE] == _index(CLAUDE_FILE)
        body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
        answer = client.post(
            "/api-call",
            json={
                "auth_index": listed[CLAUDE_FILE],
                "method": "post",
                "url": upstream.url + "/v1/messages",
                "header": {"Authorization": "Bearer $TOKEN$", "X-Extra": "kept"},
                "data": json.dumps(body),
            },
        )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status_code"] == 200
    assert result["header"]["Content-Type"] == ["application/json"]
    assert json.loads(result["body"])["content"][0]["text"] == "Hello from claude fake"
    (sent,) = upstream.fake.requests
    token = sent.headers["authorization"].removeprefix("Bearer ")
    assert token.startswith("at-") and token != STALE_TOKEN  # refreshed before the call
    assert sent.headers["x-extra"] == "kept" and sent.json == body
    assert any(r.name.startswith("server.") for r in caplog.records)  # the server's logs are seen here
    assert token not in caplog.text


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"method": "GET", "url": "http://127.0.0.1/x"}, 400, '"auth_index"'),
        ({"auth_index": "abc", "method": "GET"}, 400, '"url"'),
        ({"auth_index": "abc", "method": "FETCH", "url": "http://127.0.0.1/x"}, 400, '"method"'),
        ({"auth_index": "abc", "url": "ftp://127.0.0.1/x"}, 400, '"url"'),
        ({"auth_index": "abc", "url": "http://127.0.0.1/x", "header": {"a": 1}}, 400, '"header"'),
        ({"auth_index": "0123456789abcdef", "url": "http://127.0.0.1/x"}, 404, "auth_index"),
    ],
    ids=["no auth_index", "no url", "bad method", "bad scheme", "bad header", "unknown auth_index"],
)
def test_api_call_rejects_bad_bodies_naming_the_field(
    server: Managed, body: dict[str, Any], status: int, needle: str
) -> None:
    with server.client() as client:
        answer = client.post("/api-call", json=body)
    assert answer.status_code == status and needle in answer.json()["error"]


def test_api_call_upstream_failure_is_a_502(server: Managed) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/quota"
    with server.client() as client:
        answer = client.post("/api-call", json={"auth_index": CODEX_FILE, "method": "GET", "url": url})
    assert answer.status_code == 502 and answer.json()["error"] == "request_failed"


# -- /model-definitions ------------------------------------------------------------------------------


def test_model_definitions_per_channel(server: Managed) -> None:
    with server.client() as client:
        claude = client.get("/model-definitions/claude").json()
        cli = client.get("/model-definitions/Gemini-CLI").json()
        antigravity = client.get("/model-definitions/antigravity").json()
        unknown = client.get("/model-definitions/nope")
    assert claude["channel"] == "claude"
    sonnet = next(m for m in claude["models"] if m["id"] == SONNET)
    assert sonnet["owned_by"] == "anthropic" and sonnet["display_name"] and sonnet["object"] == "model"
    assert cli["channel"] == "gemini-cli" and any(m["id"] == "gemini-2.5-pro" for m in cli["models"])
    assert antigravity["models"] and all(m["owned_by"] == "antigravity" for m in antigravity["models"])
    assert unknown.status_code == 404 and "claude" in unknown.json()["channels"]


# -- /management.html ---------------------------------------------------------------------------------


def test_control_panel_is_served_from_the_static_dir(
    server: Managed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MANAGEMENT_STATIC_PATH", raising=False)
    monkeypatch.delenv("WRITABLE_PATH", raising=False)
    static = server.path.parent / "static"
    missing = httpx.get(server.url + "/management.html")
    assert missing.status_code == 404
    assert "Cli-Proxy-API-Management-Center" in missing.text and str(static) in missing.text
    static.mkdir(exist_ok=True)
    (static / "management.html").write_text("<html>config dir panel</html>", encoding="utf-8")
    served = httpx.get(server.url + "/management.html")
    assert served.status_code == 200 and served.text == "<html>config dir panel</html>"
    assert served.headers["content-type"].startswith("text/html")
    (tmp_path / "management.html").write_text("<html>env panel</html>", encoding="utf-8")
    monkeypatch.setenv("MANAGEMENT_STATIC_PATH", str(tmp_path))
    assert httpx.get(server.url + "/management.html").text == "<html>env panel</html>"
    monkeypatch.setenv("MANAGEMENT_STATIC_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("WRITABLE_PATH", str(tmp_path))
    assert httpx.get(server.url + "/management.html").status_code == 404  # the env dir wins, no fallback


def test_control_panel_can_be_disabled(launch_one: Launcher, tmp_path: Path) -> None:
    managed = launch_one.start({"remote-management": {"secret-key": "k", "disable-control-panel": True}})
    static = managed.path.parent / "static"
    static.mkdir()
    (static / "management.html").write_text("<html></html>", encoding="utf-8")
    answer = httpx.get(managed.url + "/management.html")
    assert answer.status_code == 404 and "disabled" in answer.text


@pytest.fixture
def launch_one(tmp_path: Path) -> Iterator[Launcher]:
    running = Launcher(tmp_path)
    try:
        yield running
    finally:
        running.close()


# -- quota from response headers -----------------------------------------------------------------------


def _state(client: httpx.Client) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in client.get("/accounts/state").json()["accounts"]}


def _event(lines: Iterator[str], wanted: str, limit: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == wanted:
            data: dict[str, Any] = json.loads(line.removeprefix("data: "))
            return data
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no {wanted} event")


def test_codex_and_claude_answers_feed_the_quota(server: Managed, upstream: Upstream) -> None:
    upstream.fake.configure(response_headers=QUOTA_HEADERS)
    headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
    with server.client(timeout=5.0) as stream_client, server.client() as client:
        with stream_client.stream("GET", "/events", params={"kinds": "accounts"}) as stream:
            lines = stream.iter_lines()
            _event(lines, "hello")
            chat = {"model": "gpt-5-codex", "messages": [{"role": "user", "content": "hi"}]}
            assert (
                httpx.post(server.url + "/v1/chat/completions", json=chat, headers=headers).status_code == 200
            )
            assert _event(lines, "accounts") == {
                "credential": CODEX_FILE,
                "reason": "quota",
                "time": pytest.approx(time.time(), abs=5),
            }
            message = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
            assert httpx.post(server.url + "/v1/messages", json=message, headers=headers).status_code == 200
            assert _event(lines, "accounts")["credential"] == CLAUDE_FILE
        accounts = _state(client)
    now = time.time()
    codex = {w["window"]: w for w in accounts[CODEX_FILE]["quota"]}
    assert {k: (w["label"], w["used_percent"], w["source"]) for k, w in codex.items()} == {
        "5h": ("5-hour", 12, "headers"),
        "7d": ("Weekly", 34, "headers"),
    }
    assert now + 3500 < codex["5h"]["resets_at"] <= now + 3600 and codex["7d"]["resets_at"] == 1900000000
    assert abs(codex["5h"]["updated_at"] - now) < 10
    claude = [(w["window"], w["used_percent"], w["resets_at"]) for w in accounts[CLAUDE_FILE]["quota"]]
    assert claude == [("5h", 56, 1800000000), ("7d", 78, 1900000000)]


def test_quota_refresh_of_accounts_without_a_fetch_answers_them_as_they_are(server: Managed) -> None:
    with server.client() as client:
        one = client.post("/accounts/quota/refresh", json={"id": CODEX_FILE})
        every = client.post("/accounts/quota/refresh", json={})
        unknown = client.post("/accounts/quota/refresh", json={"id": "nope.json"})
        bad = client.post("/accounts/quota/refresh", json=["x"])
    assert one.status_code == 200 and [a["id"] for a in one.json()["accounts"]] == [CODEX_FILE]
    assert every.json() == {"accounts": []}  # nothing here supports an active fetch
    assert unknown.status_code == 404 and bad.status_code == 400
