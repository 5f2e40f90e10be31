"""ManagementClient against the real server (ServerController on a loopback port, local management key):
every method returns the parsed gui.models values, and failures become readable ManagementErrors."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from gui.client import ManagementClient, ManagementError
from gui.models import Alias, Exclusion, LoginStart
from server.runner import ServerController, ServerOptions
from tests.fakes import FakeUpstream, ServerThread, start_fake_upstream
from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth

LOCAL_KEY = "gui-local-key-for-tests"
CLIENT_KEY = "sk-gui-client-key"
SONNET = "claude-sonnet-4-5-20250929"
CONFIG = """# my settings
host: "127.0.0.1"
port: 0  # any free port
api-keys:
  - "{client_key}"
auth-dir: "{auth_dir}"
usage-statistics-enabled: true
logging-to-file: true
request-retry: 0
claude-api-key:
  - api-key: "sk-ant-test-1"
    base-url: "{upstream}"
oauth-endpoints:
  qwen:
    device: "{oauth}/device/code"
    token: "{oauth}/token"
"""
CLAUDE_FILE = {
    "type": "claude",
    "email": "ada@example.com",
    "access_token": "sk-ant-oat-test",
    "refresh_token": "sk-ant-ort-test",
    "expired": "2099-01-01T00:00:00Z",
    "last_refresh": "2025-10-01T10:00:00Z",
}


@dataclass
class Running:
    controller: ServerController
    config_path: Path
    auth_dir: Path
    upstream: FakeUpstream
    oauth: FakeOAuth

    @property
    def url(self) -> str:
        return self.controller.url


@dataclass
class Fakes:
    upstream: FakeUpstream
    upstream_url: str
    oauth: FakeOAuth


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    upstream, up_thread = start_fake_upstream()
    oauth, oauth_thread = start_fake_oauth()
    threads: list[ServerThread] = [up_thread, oauth_thread]
    try:
        yield Fakes(upstream, up_thread.url, oauth)
    finally:
        for thread in threads:
            thread.stop()


@pytest.fixture
def server(tmp_path: Path, fakes: Fakes) -> Iterator[Running]:
    upstream, oauth = fakes.upstream, fakes.oauth
    upstream.reset()
    oauth.reset()
    auth_dir = tmp_path / "auths"
    auth_dir.mkdir()
    (auth_dir / "claude-ada@example.com.json").write_text(json.dumps(CLAUDE_FILE), encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(
        CONFIG.format(
            client_key=CLIENT_KEY, auth_dir=auth_dir, upstream=fakes.upstream_url, oauth=oauth.url()
        ),
        encoding="utf-8",
    )
    controller = ServerController(config_path=path, options=ServerOptions(local_management_key=LOCAL_KEY))
    controller.start()
    try:
        yield Running(controller, path, auth_dir, upstream, oauth)
    finally:
        controller.stop()


@pytest.fixture
async def client(server: Running) -> AsyncIterator[ManagementClient]:
    made = ManagementClient(server.url, LOCAL_KEY)
    yield made
    await made.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_accounts(client: ManagementClient, count: int) -> None:
    for _ in range(200):
        if len(await client.accounts()) == count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} accounts")


async def test_status_is_a_real_health_probe(client: ManagementClient, server: Running) -> None:
    running = await client.status()
    assert (running.state, running.url, running.error) == ("running", server.url, "")
    gone = ManagementClient(f"http://127.0.0.1:{_free_port()}", LOCAL_KEY)
    unreachable = await gone.status()
    assert unreachable.state == "unreachable" and "Cannot reach" in unreachable.error
    await gone.aclose()


async def test_accounts_merge_files_and_credential_state(client: ManagementClient) -> None:
    await _wait_accounts(client, 2)
    accounts = {a.kind: a for a in await client.accounts()}
    oauth, key = accounts["oauth"], accounts["apikey"]
    assert (oauth.id, oauth.file_name, oauth.provider) == (
        "claude-ada@example.com.json",
        "claude-ada@example.com.json",
        "claude",
    )
    assert (oauth.email, oauth.label, oauth.status, oauth.disabled) == (
        "ada@example.com",
        "ada@example.com",
        "ready",
        False,
    )
    assert oauth.expires_at is not None and oauth.expires_at > 4_000_000_000
    assert (oauth.cooling_until, oauth.last_error, oauth.priority) == (None, "", 0)
    assert (key.provider, key.file_name, key.status, key.email) == ("claude", "", "ready", "")
    assert "sk-ant" not in repr(accounts) and LOCAL_KEY not in repr(client)


async def test_disable_enable_and_delete_an_account(client: ManagementClient, server: Running) -> None:
    await _wait_accounts(client, 2)
    name = "claude-ada@example.com.json"
    await client.set_account_disabled(name, True)
    disabled = next(a for a in await client.accounts() if a.file_name == name)
    assert (disabled.status, disabled.disabled) == ("disabled", True)
    await client.set_account_disabled(name, False)
    enabled = next(a for a in await client.accounts() if a.file_name == name)
    assert (enabled.status, enabled.disabled) == ("ready", False)
    await client.delete_account(name)
    assert [a.kind for a in await client.accounts()] == ["apikey"]
    assert not (server.auth_dir / name).exists()
    with pytest.raises(ManagementError) as missing:
        await client.delete_account(name)
    assert (missing.value.status, missing.value.message) == (404, "File not found")


async def test_reset_cooldown_and_account_test(client: ManagementClient) -> None:
    await _wait_accounts(client, 2)
    key = next(a for a in await client.accounts() if a.kind == "apikey")
    assert await client.reset_cooldown(key.id) == 0
    result = await client.test_account(key.id, SONNET)
    assert result.ok is True and result.error == "" and result.model == SONNET
    assert (
        result.ttft_ms is not None and result.latency_ms is not None and result.latency_ms >= result.ttft_ms
    )
    with pytest.raises(ManagementError) as unknown:
        await client.reset_cooldown("no-such-credential")
    assert unknown.value.status == 404 and "credential not found" in unknown.value.message.lower()


async def test_login_start_and_status(client: ManagementClient, server: Running) -> None:
    server.oauth.device_outcomes(*["authorization_pending"] * 50)
    started = await client.start_login("qwen")
    assert isinstance(started, LoginStart)
    assert started.user_code == "ABCD-1234" and started.verification_url and started.url and started.state
    assert (await client.login_status(started.state)).status == "wait"
    with pytest.raises(ManagementError, match="not supported"):
        await client.start_login("myspace")


async def test_aliases_and_exclusions_round_trip(client: ManagementClient) -> None:
    assert await client.aliases() == [] and await client.exclusions() == []
    aliases = [Alias("claude", SONNET, "sonnet"), Alias("codex", "gpt-5", "g5", True)]
    exclusions = [Exclusion("gemini-cli", "gemini-1.5-*"), Exclusion("claude", "*-haiku-*")]
    await client.set_aliases(aliases)
    await client.set_exclusions(exclusions)
    assert sorted(await client.aliases(), key=lambda a: a.channel) == aliases
    assert sorted(await client.exclusions(), key=lambda e: e.channel) == sorted(
        exclusions, key=lambda e: e.channel
    )
    await client.set_aliases([])
    assert await client.aliases() == []


async def test_models_are_what_a_client_sees(client: ManagementClient) -> None:
    await _wait_accounts(client, 2)
    models = await client.models()
    assert SONNET in models and len(models) == len(set(models))


async def test_usage_series_and_summary_after_a_request(client: ManagementClient, server: Running) -> None:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(server.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY})
    assert answer.status_code == 200
    now = time.time()
    summary = await client.usage_summary(now - 3600, now + 60)
    assert summary.requests >= 1 and summary.failures == 0
    assert summary.by_model and summary.by_model[0][0] == SONNET
    series = await client.usage_series(now - 3600, now + 60, "minute")
    [line] = series
    assert line.bucket == "minute" and sum(p.requests for p in line.points) == summary.requests
    grouped = await client.usage_series(now - 3600, now + 60, "hour", "model")
    assert [s.group for s in grouped] == [SONNET]


async def test_logs_tail(client: ManagementClient) -> None:
    lines, latest = await client.logs(None, 200)
    assert lines and latest > 0
    assert any("API server started" in line.text for line in lines)
    assert {line.level for line in lines} <= {"debug", "info", "warn", "error", ""}
    newer, latest_again = await client.logs(latest, 200)
    assert latest_again >= latest
    assert all(line.text not in {old.text for old in lines} for line in newer)


async def test_settings_read_and_update(client: ManagementClient, server: Running) -> None:
    settings = await client.settings()
    assert settings.get("host") == "127.0.0.1" and settings.get("port") == 0
    assert settings.get("request-retry") == 0 and settings.get("routing/strategy") == "round-robin"
    assert settings.get("usage-statistics-enabled") is True
    assert await client.update_setting("request-retry", 2) is False
    assert await client.update_setting("routing/strategy", "fill-first") is False
    port = _free_port()
    assert await client.update_setting("port", port) is True  # needs a restart
    again = await client.settings()
    assert (again.get("request-retry"), again.get("routing/strategy"), again.get("port")) == (
        2,
        "fill-first",
        port,
    )
    text = server.config_path.read_text(encoding="utf-8")
    assert text.startswith("# my settings") and f"port: {port}" in text  # a text edit: comments stay
    assert yaml.safe_load(text)["port"] == port
    with pytest.raises(ManagementError) as bad:
        await client.update_setting("routing/strategy", "random")
    assert bad.value.status == 400 and "round-robin" in bad.value.message


async def test_api_keys(client: ManagementClient) -> None:
    assert await client.api_keys() == [CLIENT_KEY]
    await client.set_api_keys([CLIENT_KEY, "sk-second"])
    assert await client.api_keys() == [CLIENT_KEY, "sk-second"]
    await client.set_api_keys([])
    assert await client.api_keys() == []


async def test_events_stream(client: ManagementClient) -> None:
    stream = client.events()
    first = await asyncio.wait_for(anext(stream), 5)
    assert first[0] == "hello" and "version" in first[1]
    await client.update_setting("request-retry", 1)
    kinds = []
    while "config.changed" not in kinds:
        kind, _data = await asyncio.wait_for(anext(stream), 5)
        kinds.append(kind)
    await stream.aclose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("key", "status", "words"),
    [("wrong-key", 401, "did not accept"), ("", 401, "did not accept")],
    ids=["wrong key", "no key"],
)
async def test_refused_keys_are_readable_errors(server: Running, key: str, status: int, words: str) -> None:
    client = ManagementClient(server.url, key)
    with pytest.raises(ManagementError) as refused:
        await client.api_keys()
    assert refused.value.status == status and words in refused.value.message
    assert LOCAL_KEY not in refused.value.message
    await client.aclose()


async def test_unreachable_proxy_is_a_readable_error() -> None:
    client = ManagementClient(f"http://127.0.0.1:{_free_port()}", LOCAL_KEY)
    with pytest.raises(ManagementError) as gone:
        await client.accounts()
    assert gone.value.status == 0 and "Cannot reach the proxy" in gone.value.message
    await client.aclose()
