"""Claude and Codex accounts end to end: login as a person would, refresh, requests, failover, CLI.

A fake OAuth server plays claude.ai / auth.openai.com and the shared fake upstream plays the APIs;
both are reached through the overridable URLs (config ``oauth-endpoints`` and environment).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from server.auth.base import LoginOptions
from server.auth.login import cli_login
from server.auth.timing import parse_time
from server.config.load import parse_config
from server.runner import ServerOptions
from server.service import ProxyService
from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.fakes import Fail
from tests.fakes.oauth_fake import FakeOAuth, browse, make_id_token
from tests.unit.auth.original_files import BAD_FILES, write_bad_files, write_original_files

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-1-20250805"
CLAIMS = {
    "email": "me@example.com",
    "https://api.openai.com/auth": {"chatgpt_account_id": "acct-9", "chatgpt_plan_type": "plus"},
}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def oauth(oauth_server: FakeOAuth) -> FakeOAuth:
    oauth_server.reset()
    oauth_server.configure(
        token_extra={"account": {"email_address": "me@example.com"}},
        id_token_claims=CLAIMS,
        expires_in=10 * 86400,  # beyond both providers' refresh leads: no refresh unless a test wants one
    )
    return oauth_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def endpoints(oauth: FakeOAuth, upstream: Upstream) -> dict[str, dict[str, str]]:
    urls = {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}
    return {"claude": {**urls, "upstream": upstream.url}, "codex": {**urls, "upstream": upstream.url}}


def login_in_thread(file_type: str, auth_dir: Path, oauth: FakeOAuth, upstream: Upstream) -> tuple[int, str]:
    """Run the CLI login while this thread plays the browser; (exit code, printed output)."""
    import io
    import threading

    config = parse_config({"auth-dir": str(auth_dir), "oauth-endpoints": endpoints(oauth, upstream)})
    out, err = io.StringIO(), io.StringIO()
    options = LoginOptions(no_browser=True, callback_port=free_port())
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(
            cli_login(file_type, config, options, out=out, err=err, stdin=io.StringIO())
        )
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not any(line.strip().startswith(oauth.url("/authorize")) for line in out.getvalue().splitlines()):
        assert time.monotonic() < deadline and thread.is_alive(), out.getvalue() + err.getvalue()
        time.sleep(0.01)
    url = next(line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("http://"))
    browse(url)
    thread.join(10)
    return codes[0], out.getvalue() + err.getvalue()


def start_with_service(start_proxy: ProxyFactory, settings: dict[str, Any]) -> tuple[Proxy, ProxyService]:
    services: list[ProxyService] = []
    options = ServerOptions(configure_app=lambda app: services.append(app.state.service))
    proxy = start_proxy(settings, options=options)
    return proxy, services[0]


def account(auth_dir: Path, name: str, **fields: Any) -> None:
    auth_dir.mkdir(parents=True, exist_ok=True)
    (auth_dir / name).write_text(json.dumps(fields), encoding="utf-8")


def claude_file(token: str, expired: str = "2099-01-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "id_token": "",
        "access_token": token,
        "refresh_token": f"r-{token}",
        "email": f"{token}@x",
        "type": "claude",
        "expired": expired,
        "last_refresh": "2025-12-11T10:00:00Z",
        **extra,
    }


def codex_file(token: str) -> dict[str, Any]:
    return {
        "id_token": make_id_token(CLAIMS),
        "access_token": token,
        "refresh_token": f"r-{token}",
        "account_id": token,
        "email": f"{token}@x",
        "type": "codex",
        "expired": "2099-01-01T00:00:00Z",
    }


def messages(proxy: Proxy, model: str = SONNET) -> httpx.Response:
    body = {
        "model": model,
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "hi"}],
    }
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=20)


def test_claude_login_as_a_person_then_requests_carry_the_claude_code_shape(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    auth_dir = tmp_path / "auths"
    code, output = login_in_thread("claude", auth_dir, oauth, upstream)
    assert code == 0, output
    saved = auth_dir / "claude-me@example.com.json"
    data = json.loads(saved.read_bytes())
    assert set(data) == {
        "id_token",
        "access_token",
        "refresh_token",
        "last_refresh",
        "email",
        "type",
        "expired",
    }
    if sys.platform != "win32":
        assert saved.stat().st_mode & 0o777 == 0o600
    proxy = start_proxy({"oauth-endpoints": endpoints(oauth, upstream)})
    reply = messages(proxy)
    assert reply.status_code == 200, reply.text
    (sent,) = upstream.fake.requests
    assert sent.path == "/v1/messages" and sent.query == {"beta": "true"}
    assert sent.headers["authorization"] == f"Bearer {data['access_token']}"
    assert "oauth-2025-04-20" in sent.headers["anthropic-beta"].split(",")
    assert sent.headers["anthropic-beta"].startswith("claude-code-20250219,oauth-2025-04-20")
    assert (sent.headers["x-app"], sent.headers["user-agent"]) == ("cli", "claude-cli/1.0.83 (external, cli)")
    assert isinstance(sent.json, dict)
    system = sent.json["system"]
    assert system[0] == {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."}
    assert system[1]["text"] == "Be brief."


def test_a_non_stream_openai_chat_through_a_claude_account_streams_upstream(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    account(tmp_path / "auths", "claude-tok@x.json", **claude_file("tok"))
    proxy = start_proxy({"oauth-endpoints": endpoints(oauth, upstream)})
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    answer = sdk.chat.completions.create(model=SONNET, messages=[{"role": "user", "content": "hi"}])
    assert answer.object == "chat.completion"
    assert answer.choices[0].message.content and answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.completion_tokens > 0
    (sent,) = upstream.fake.requests
    assert isinstance(sent.json, dict) and sent.json["stream"] is True
    assert sent.headers["accept"] == "text/event-stream"
    reply = messages(proxy)  # an Anthropic-format client's non-stream request stays non-stream
    assert reply.status_code == 200 and reply.json()["type"] == "message"
    assert isinstance(upstream.fake.requests[1].json, dict) and "stream" not in upstream.fake.requests[1].json


def test_codex_login_as_a_person_then_a_chat_request_goes_to_the_chatgpt_backend(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    auth_dir = tmp_path / "auths"
    code, output = login_in_thread("codex", auth_dir, oauth, upstream)
    assert code == 0, output
    data = json.loads((auth_dir / "codex-me@example.com-plus.json").read_bytes())
    assert (data["account_id"], data["email"], data["type"]) == ("acct-9", "me@example.com", "codex")
    proxy = start_proxy({"oauth-endpoints": endpoints(oauth, upstream)})
    body = {"model": "gpt-5-codex", "messages": [{"role": "user", "content": "hi"}]}
    reply = httpx.post(
        f"{proxy.url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {CLIENT_KEY}"}
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"]
    (sent,) = upstream.fake.requests
    assert sent.path == "/responses"
    headers = sent.headers
    assert (headers["originator"], headers["chatgpt-account-id"]) == ("codex_cli_rs", "acct-9")
    assert (headers["openai-beta"], headers["version"]) == ("responses=experimental", "0.21.0")
    assert headers["user-agent"].startswith("codex_cli_rs/")
    assert headers["authorization"] == f"Bearer {data['access_token']}"
    assert isinstance(sent.json, dict)
    assert (sent.json["stream"], sent.json["store"]) == (True, False)


@pytest.mark.parametrize("file_type", ["claude", "codex"])
def test_a_state_mismatch_writes_no_file(
    oauth: FakeOAuth, upstream: Upstream, tmp_path: Path, file_type: str
) -> None:
    oauth.configure(authorize_state="forged")
    code, output = login_in_thread(file_type, tmp_path / "auths", oauth, upstream)
    assert code == 1
    assert "state mismatch" in output
    assert not list((tmp_path / "auths").glob("*.json"))
    assert oauth.token_requests() == []


def test_concurrent_requests_during_a_refresh_make_one_refresh_call(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    oauth.configure(token_delay=0.5, expires_in=28800)
    account(
        tmp_path / "auths", "claude-old@x.json", **claude_file("old", "2020-01-01T00:00:00Z", note="mine")
    )
    proxy = start_proxy({"oauth-endpoints": endpoints(oauth, upstream)})

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=20) as client:
            body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
            send = [
                client.post(f"{proxy.url}/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY})
                for _ in range(4)
            ]
            return list(await asyncio.gather(*send))

    replies = asyncio.run(burst())
    assert [r.status_code for r in replies] == [200] * 4
    (refresh,) = oauth.token_requests("refresh_token")
    assert refresh.is_json and refresh.json == {
        "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        "grant_type": "refresh_token",
        "refresh_token": "r-old",
    }
    assert {r.api_key for r in upstream.fake.requests} == {"at-1"}
    data = json.loads((tmp_path / "auths" / "claude-old@x.json").read_bytes())
    assert (data["access_token"], data["refresh_token"], data["note"]) == ("at-1", "rt-1", "mine")
    expired = parse_time(data["expired"])
    assert expired is not None and expired > time.time() + 28000


@pytest.mark.parametrize("provider", ["claude", "codex"])
def test_a_429_with_a_hint_cools_that_account_for_that_model_and_fails_over(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path, provider: str
) -> None:
    auth_dir = tmp_path / "auths"
    for token in ("tok-a", "tok-b"):
        if provider == "claude":
            account(auth_dir, f"claude-{token}.json", **claude_file(token))
        else:
            account(auth_dir, f"codex-{token}.json", **codex_file(token))
    upstream.fake.always("tok-a", Fail(429, retry_after=120))
    proxy = start_proxy({"oauth-endpoints": endpoints(oauth, upstream)})
    first, second = (SONNET, OPUS) if provider == "claude" else ("gpt-5-codex", "gpt-5")

    def ask(model: str) -> httpx.Response:
        if provider == "claude":
            return messages(proxy, model)
        body = {"model": model, "input": "hi"}
        return httpx.post(
            f"{proxy.url}/v1/responses", json=body, headers={"authorization": f"Bearer {CLIENT_KEY}"}
        )

    for _ in range(3):
        assert ask(first).status_code == 200
    assert len(upstream.fake.requests_for("tok-a")) == 1  # cooled after its 429: skipped afterwards
    assert len(upstream.fake.requests_for("tok-b")) == 3
    for _ in range(2):
        assert ask(second).status_code == 200
    assert len(upstream.fake.requests_for("tok-a")) == 2  # another model still tries it


def test_a_revoked_refresh_token_marks_the_credential_and_the_proxy_keeps_serving(
    oauth: FakeOAuth, upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    oauth.revoke_all()
    account(tmp_path / "auths", "claude-old@x.json", **claude_file("old", "2020-01-01T00:00:00Z"))
    proxy, service = start_with_service(start_proxy, {"oauth-endpoints": endpoints(oauth, upstream)})
    accounts = service.accounts
    assert accounts is not None
    deadline = time.monotonic() + 10
    while not (state := accounts.refresh_states()["claude-old@x.json"]).error:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert "invalid_grant" in state.error and state.permanent
    assert messages(proxy).status_code == 200
    assert upstream.fake.requests[0].api_key == "old"
    assert len(oauth.token_requests("refresh_token")) == 1
    listed = {info.name: info for info in accounts.store.list_files()}
    assert listed["claude-old@x.json"].status == "refresh_failed"


def test_a_directory_of_original_files_loads_and_bad_files_stay(
    upstream: Upstream, start_proxy: ProxyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIPROXYAPI_ANTIGRAVITY_UPSTREAM_URL", "http://127.0.0.1:9")
    auth_dir = tmp_path / "auths"
    write_original_files(auth_dir)
    write_bad_files(auth_dir)
    before = {p.name: p.read_bytes() for p in auth_dir.iterdir()}
    proxy, service = start_with_service(start_proxy, {})
    listed = httpx.get(f"{proxy.url}/v1/models", headers={"authorization": f"Bearer {CLIENT_KEY}"}).json()
    ids = {m["id"] for m in listed["data"]}
    assert {SONNET, "gpt-5-codex"} <= ids
    assert service.accounts is not None
    problems = {p.name for p in service.accounts.problems}
    assert problems == set(BAD_FILES)
    assert {p.name: p.read_bytes() for p in auth_dir.iterdir()} == before


def test_the_cli_flags_claude_login_no_browser_print_the_url(oauth: FakeOAuth, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"auth-dir": str(tmp_path / "auths"), "port": 0}), encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "CLIPROXYAPI_CLAUDE_AUTHORIZE_URL": oauth.url("/authorize"),
        "CLIPROXYAPI_CLAUDE_TOKEN_URL": oauth.url("/token"),
    }
    argv = [sys.executable, "-m", "server", "-claude-login", "-no-browser", "-config", str(config)]
    argv += ["-oauth-callback-port", str(port)]
    with subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            lines: list[str] = []
            while not (line := process.stdout.readline()).strip().startswith("http://"):
                assert line, "".join(lines) + process.stderr.read()
                lines.append(line)
            url = line.strip()
            assert url.startswith(oauth.url("/authorize?"))
            assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2Fcallback" in url
            assert browse(url).status_code == 200
            assert process.wait(15) == 0, process.stderr.read()
            out = "".join(lines) + line + process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert f"ssh -L {port}:127.0.0.1:{port}" in out
    assert "Claude login successful." in out
    assert (tmp_path / "auths" / "claude-me@example.com.json").is_file()
