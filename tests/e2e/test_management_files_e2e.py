"""Auth files and OAuth logins over the management API (server.md §2.7, §3.4, §3.6; §8 items 29-31).

Skipped with a reason when the build has no accounts runtime (``service.accounts``): the endpoints
then answer 503 ``core auth manager unavailable``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, launcher, wait_for
from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


@pytest.fixture
def oauth() -> Iterator[FakeOAuth]:
    fake, thread = start_fake_oauth(token_extra={"account": {"email_address": "me@example.com"}})
    try:
        yield fake
    finally:
        thread.stop()


def _needs_accounts(server: Managed) -> None:
    with server.client() as client:
        answer = client.patch("/auth-files/status", json={"name": "probe.json", "disabled": True})
    if answer.status_code == 503:
        pytest.skip("this build has no accounts runtime (service.accounts): auth files are read-only")


def _claude_file(upstream: Upstream, email: str = "a@example.com") -> bytes:
    expiry = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    data = {
        "type": "claude",
        "email": email,
        "access_token": "sk-ant-oat-file",
        "refresh_token": "rt-file",
        "expired": expiry,
        "base_url": upstream.url,
    }
    return json.dumps(data).encode()


def _chat(server: Managed) -> httpx.Response:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(server.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=10)


def test_listing_and_download_work_from_disk(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start()
    server.auth_dir.mkdir(exist_ok=True)
    content = _claude_file(upstream)
    (server.auth_dir / "claude-a.json").write_bytes(content)
    with server.client() as client:
        files = client.get("/auth-files").json()["files"]
        download = client.get("/auth-files/download", params={"name": "claude-a.json"})
        escape = client.get("/auth-files/download", params={"name": "../x.json"})
        backslash = client.get("/auth-files/download", params={"name": "..\\x.json"})
        not_json = client.get("/auth-files/download", params={"name": "x.txt"})
        missing = client.get("/auth-files/download", params={"name": "nope.json"})
    assert [f["name"] for f in files] == ["claude-a.json"]
    assert files[0]["type"] == "claude" and files[0]["email"] == "a@example.com"
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-disposition"] == 'attachment; filename="claude-a.json"'
    assert (escape.status_code, escape.json()) == (400, {"error": "invalid name"})
    assert backslash.status_code == 400
    assert (not_json.status_code, not_json.json()) == (400, {"error": "name must end with .json"})
    assert (missing.status_code, missing.json()) == (404, {"error": "file not found"})


def test_upload_list_disable_delete(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        wrong_name = client.post("/auth-files", files={"file": ("notes.txt", b"{}", "text/plain")})
        no_file = client.post("/auth-files", files={"other": ("a.json", b"{}", "application/json")})
        not_a_credential = client.post("/auth-files", params={"name": "x.json"}, content=b"[1, 2]")
        uploaded = client.post("/auth-files", files={"file": ("claude-a.json", _claude_file(upstream))})
        raw = client.post(
            "/auth-files", params={"name": "claude-b.json"}, content=_claude_file(upstream, "b@e.com")
        )
        files = client.get("/auth-files").json()["files"]
    assert (wrong_name.status_code, wrong_name.json()) == (400, {"error": "file must be .json"})
    assert (no_file.status_code, no_file.json()) == (400, {"error": "file required"})
    assert not_a_credential.status_code == 400 and not_a_credential.json()["error"].startswith(
        "invalid auth file"
    )
    assert uploaded.json() == {"status": "ok"} and raw.json() == {"status": "ok"}
    assert not (server.auth_dir / "x.json").exists()
    assert [f["name"] for f in files] == ["claude-a.json", "claude-b.json"]
    entry = files[0]
    assert (entry["provider"], entry["type"], entry["status"], entry["disabled"]) == (
        "claude",
        "claude",
        "active",
        False,
    )
    assert entry["email"] == "a@example.com" and entry["expires_at"].endswith("Z")
    assert len(entry["auth_index"]) == 16 and entry["path"].endswith("claude-a.json")
    assert _chat(server).status_code == 200  # the uploaded accounts serve requests at once
    with server.client() as client:
        models = client.get("/auth-files/models", params={"name": "claude-a.json"}).json()["models"]
        none = client.get("/auth-files/models", params={"name": "absent.json"}).json()
    assert SONNET in [model["id"] for model in models] and none == {"models": []}
    with server.client() as client:
        accounts = {a["id"]: a for a in client.get("/accounts/state").json()["accounts"]}
    account = accounts["claude-a.json"]
    assert (account["kind"], account["provider"], account["label"]) == ("oauth", "claude", "a@example.com")
    assert account["refresh"]["expires_at"] > time.time() and account["refresh"]["error"] == ""

    with server.client() as client:
        for name in ("claude-a.json", "claude-b.json"):
            answer = client.patch("/auth-files/status", json={"name": name, "disabled": True})
            assert answer.json() == {"status": "ok", "disabled": True}
        listed = {f["name"]: f for f in client.get("/auth-files").json()["files"]}
    assert json.loads((server.auth_dir / "claude-a.json").read_text())["disabled"] is True
    assert listed["claude-a.json"]["disabled"] is True and listed["claude-a.json"]["status"] == "disabled"
    before = len(upstream.fake.requests)
    assert _chat(server).status_code >= 400
    assert len(upstream.fake.requests) == before  # disabled accounts are skipped by routing

    with server.client() as client:
        assert client.delete("/auth-files", params={"name": "claude-a.json"}).json() == {"status": "ok"}
        again = client.delete("/auth-files", params={"name": "claude-a.json"})
        bad = client.delete("/auth-files", params={"name": "../claude-b.json"})
        everything = client.delete("/auth-files", params={"all": "true"})
        assert client.get("/auth-files").json() == {"files": []}
    assert (again.status_code, again.json()) == (404, {"error": "file not found"})
    assert bad.status_code == 400
    assert everything.json() == {"status": "ok", "deleted": 1}


def test_disabled_state_survives_a_restart(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        client.post("/auth-files", files={"file": ("claude-a.json", _claude_file(upstream))})
        client.patch("/auth-files/status", json={"name": "claude-a.json", "disabled": True})
    server.controller.stop()
    server.controller.start()
    with server.client() as client:
        [entry] = client.get("/auth-files").json()["files"]
    assert entry["disabled"] is True


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("not json", 400, "invalid request body"),
        ({"disabled": True}, 400, "name is required"),
        ({"name": "a.json"}, 400, "disabled is required"),
        ({"name": "a.json", "disabled": "yes"}, 400, "disabled is required"),
        ({"name": "absent.json", "disabled": True}, 404, "auth file not found"),
    ],
    ids=["not-json", "no-name", "no-disabled", "string-disabled", "absent"],
)
def test_status_patch_errors(launch: Launcher, body: object, status: int, error: str) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        if isinstance(body, str):
            answer = client.patch("/auth-files/status", content=body.encode())
        else:
            answer = client.patch("/auth-files/status", json=body)
    assert (answer.status_code, answer.json()) == (status, {"error": error})


def test_vertex_import(launch: Launcher) -> None:
    server = launch.start()
    _needs_accounts(server)
    account = {
        "type": "service_account",
        "project_id": "my/proj",
        "client_email": "sa@x.iam",
        "private_key": "k",
    }
    with server.client() as client:
        answer = client.post(
            "/vertex/import",
            files={"file": ("sa.json", json.dumps(account).encode())},
            data={"location": "eu"},
        )
        no_project = client.post("/vertex/import", files={"file": ("sa.json", b'{"private_key": "k"}')})
        not_json = client.post("/vertex/import", files={"file": ("sa.json", b"nope")})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["project_id"], body["email"], body["location"]) == (
        "ok",
        "my/proj",
        "sa@x.iam",
        "eu",
    )
    stored = json.loads((server.auth_dir / "vertex-my_proj.json").read_text())
    assert stored["type"] == "vertex" and stored["service_account"] == account
    assert (no_project.status_code, no_project.json()) == (400, {"error": "project_id missing"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid json"})


# -- OAuth logins ---------------------------------------------------------------------------------------


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _status(client: httpx.Client, state: str) -> dict[str, str]:
    answer = client.get("/get-auth-status", params={"state": state})
    assert answer.status_code == 200
    result: dict[str, str] = answer.json()
    return result


def test_codex_login_error_through_the_main_port_callback(launch: Launcher, oauth: FakeOAuth) -> None:
    if not _port_free(1455):
        pytest.skip("port 1455 (the Codex callback port) is in use on this machine")
    server = launch.start({"oauth-endpoints": {"codex": {"authorize": oauth.url("/authorize")}}})
    _needs_accounts(server)
    with server.client() as client:
        started = client.get("/codex-auth-url", params={"is_webui": "true"}).json()
        assert started["status"] == "ok" and started["url"].startswith(oauth.url("/authorize"))
        state = started["state"]
        assert not _port_free(1455)  # the login listens on the provider's fixed callback port
        assert _status(client, state) == {"status": "wait"}
        page = httpx.get(server.url + "/codex/callback", params={"state": state, "error": "access_denied"})
        assert page.status_code == 200 and "Authentication failed" in page.text
        assert wait_for(lambda: _status(client, state)["status"] == "error")
        assert "access_denied" in _status(client, state)["error"]
        assert _status(client, "never-issued-state") == {"status": "ok"}
        assert _status(client, "") == {"status": "ok"}
        invalid = client.get("/get-auth-status", params={"state": "../etc"})
    assert (invalid.status_code, invalid.json()) == (400, {"status": "error", "error": "invalid state"})


def test_claude_login_completes_through_the_main_port_callback(launch: Launcher, oauth: FakeOAuth) -> None:
    if not _port_free(54545):
        pytest.skip("port 54545 (the Claude callback port) is in use on this machine")
    endpoints = {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}
    server = launch.start({"oauth-endpoints": {"claude": endpoints}})
    _needs_accounts(server)
    with server.client() as client:
        started = client.get("/anthropic-auth-url").json()
        state = started["state"]
        redirect = httpx.get(started["url"], follow_redirects=False)  # the provider's consent page
        query = {k: v[0] for k, v in parse_qs(urlsplit(redirect.headers["location"]).query).items()}
        page = httpx.get(server.url + "/anthropic/callback", params=query)
        assert page.status_code == 200 and "Authentication successful!" in page.text
        assert wait_for(lambda: _status(client, state)["status"] == "ok", timeout=10)
        names = [f["name"] for f in client.get("/auth-files").json()["files"]]
        late = httpx.get(server.url + "/anthropic/callback", params={"state": state, "code": "again"})
    assert names == ["claude-me@example.com.json"]
    assert late.status_code in (404, 409)


def test_oauth_callback_post_and_bad_callbacks(launch: Launcher, oauth: FakeOAuth) -> None:
    if not _port_free(54545):
        pytest.skip("port 54545 (the Claude callback port) is in use on this machine")
    server = launch.start({"oauth-endpoints": {"claude": {"authorize": oauth.url("/authorize")}}})
    _needs_accounts(server)
    with server.client() as client:
        state = client.get("/anthropic-auth-url").json()["state"]
        bad_provider = client.post("/oauth-callback", json={"provider": "nope", "state": state, "code": "c"})
        no_code = client.post("/oauth-callback", json={"provider": "claude", "state": state})
        unknown = client.post(
            "/oauth-callback", json={"provider": "claude", "state": "unknown-1", "code": "c"}
        )
        pasted = f"http://localhost:54545/callback?state={state}&error=denied_by_user"
        answer = client.post("/oauth-callback", json={"provider": "anthropic", "redirect_url": pasted})
        assert wait_for(lambda: _status(client, state)["status"] == "error")
    bad_state = httpx.get(server.url + "/google/callback", params={"state": "a/b", "code": "c"})
    assert bad_provider.status_code == 400 and no_code.status_code == 400
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"status": "error", "error": "unknown or expired state"},
    )
    assert answer.json() == {"status": "ok"}
    assert bad_state.status_code == 400 and "invalid state" in bad_state.text


def test_qwen_device_code_is_surfaced(launch: Launcher, oauth: FakeOAuth) -> None:
    endpoints = {"device": oauth.url("/device/code"), "token": oauth.url("/token")}
    oauth.device_outcomes(*["authorization_pending"] * 50)
    server = launch.start({"oauth-endpoints": {"qwen": endpoints}})
    _needs_accounts(server)
    with server.client() as client:
        started = client.get("/qwen-auth-url").json()
        assert started["status"] == "ok" and started["user_code"] == "ABCD-1234"
        assert started["url"] and started["verification_url"]
        assert _status(client, started["state"]) == {"status": "wait"}
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("path", "port"),
    [("gemini-cli", 8085), ("antigravity", 51121), ("iflow", 11451), ("anthropic", 54545), ("codex", 1455)],
)
def test_every_browser_login_starter_answers_a_url_and_state(launch: Launcher, path: str, port: int) -> None:
    if not _port_free(port):
        pytest.skip(f"port {port} (the {path} callback port) is in use on this machine")
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        answer = client.get(f"/{path}-auth-url", params={"is_webui": "true"})
        assert answer.status_code == 200
        started = answer.json()
        assert started["status"] == "ok" and started["url"].startswith("https://") and started["state"]
        assert _status(client, started["state"]) == {"status": "wait"}


def test_iflow_cookie_login_needs_a_cookie(launch: Launcher) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        answer = client.post("/iflow-auth-url", json={})
    assert (answer.status_code, answer.json()) == (400, {"status": "error", "error": "cookie is required"})
