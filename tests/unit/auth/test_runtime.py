"""AccountRuntime: auth-dir loaded into the live state, the token source, refresh states."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.auth.timing import format_rfc3339, parse_time
from tests.fakes.oauth_fake import FakeOAuth
from tests.unit.auth.accounts_double import TestAccounts, registered
from tests.unit.auth.original_files import BAD_FILES, EXPECTED, write_bad_files, write_original_files
from tests.unit.auth.runtime_support import StartRuntime, runtimes


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


@pytest.fixture
def double() -> Iterator[TestAccounts]:
    yield from registered()


@pytest.fixture
def auth_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "auths"
    directory.mkdir()
    return directory


@pytest.fixture
async def start(auth_dir: Path) -> AsyncIterator[StartRuntime]:
    async for run in runtimes(auth_dir):
        yield run


async def test_every_original_file_type_loads_and_bad_files_are_reported_not_deleted(
    start: Any, auth_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIPROXYAPI_ANTIGRAVITY_UPSTREAM_URL", "http://127.0.0.1:9")
    write_original_files(auth_dir)
    write_bad_files(auth_dir)
    before = snapshot(auth_dir)
    running = await start()
    assert {c.id: c.provider for c in running.runtime.credentials} == EXPECTED
    assert {p.name for p in running.runtime.problems} == set(BAD_FILES)
    for _ in range(100):  # Antigravity is routed once its prepare() (model list fetch) finished
        if "antigravity-ag_example_com.json" in running.ids():
            break
        await asyncio.sleep(0.02)
    assert running.ids() == set(EXPECTED)
    assert snapshot(auth_dir) == before
    assert running.service.accounts is running.runtime
    codex = next(c for c in running.runtime.credentials if c.provider == "codex")
    assert (codex.api_key, codex.metadata["account_id"], codex.label) == (
        "codex-access",
        "acct-123",
        "cx@example.com",
    )


async def test_per_file_keys_and_the_upstream_override(start: Any, auth_dir: Path) -> None:
    (auth_dir / "claude-a.json").write_text(
        json.dumps(
            {
                "type": "claude",
                "access_token": "a",
                "email": "a@x",
                "expired": "2099-01-01T00:00:00Z",
                "prefix": "/team/",
                "priority": 3,
                "proxy_url": "socks5://127.0.0.1:1080",
                "excluded_models": ["Claude-3-*"],
                "headers": {"X-Team": "blue", "": "dropped", "X-Bad": 1},
                "disabled": True,
            }
        ),
        encoding="utf-8",
    )
    running = await start({"oauth-endpoints": {"claude": {"upstream": "http://127.0.0.1:5/relay"}}})
    (credential,) = running.runtime.credentials
    assert credential.base_url == "http://127.0.0.1:5/relay"
    assert (credential.prefix, credential.priority, credential.proxy_url) == (
        "team",
        3,
        "socks5://127.0.0.1:1080",
    )
    assert credential.excluded_models == ("claude-3-*",)
    assert credential.headers == (("X-Team", "blue"),)
    assert credential.disabled is True
    assert credential.kind == "oauth"


async def test_the_token_source_refreshes_an_expired_token_once_for_concurrent_requests(
    start: Any, double: TestAccounts
) -> None:
    running = await start()
    running.write("test-a.json", {"type": "testacct", "access_token": "old", "expired": 1})
    running.runtime.reload()
    double.gate = asyncio.Event()
    picked = next(c for c in running.service.state.credentials if c.id == "test-a.json")
    source = running.service.state.token_source
    assert source is not None
    calls = [asyncio.ensure_future(source(picked)) for _ in range(4)]
    await asyncio.sleep(0.05)
    double.gate.set()
    fresh = await asyncio.gather(*calls)
    assert {c.api_key for c in fresh} == {"old+"}
    assert double.calls == 1
    state = running.runtime.refresh_states()["test-a.json"]
    assert (state.last_refresh, state.error) == (running.clock.now, "")


@pytest.mark.parametrize(
    ("expired_in", "request_lead", "refreshed"),
    [(100, 0.0, False), (-1, 0.0, True), (100, 300.0, True)],
    ids=["valid", "expired", "within-request-lead"],
)
async def test_the_token_source_uses_the_request_lead(
    start: Any, double: TestAccounts, expired_in: int, request_lead: float, refreshed: bool
) -> None:
    running = await start()
    double.request_lead = request_lead
    double.refresh_lead = None
    running.write(
        "test-a.json", {"type": "testacct", "access_token": "old", "expired": 2_000_000_000 + expired_in}
    )
    running.runtime.reload()
    credential = running.runtime.credentials[0]
    source = running.service.state.token_source
    assert source is not None
    assert (await source(credential)).api_key == ("old+" if refreshed else "old")
    assert double.calls == int(refreshed)


async def test_a_failed_refresh_is_visible_and_not_retried_per_request(
    start: Any, double: TestAccounts
) -> None:
    from server.auth.base import RefreshError

    running = await start()
    double.fail = RefreshError("the token refresh failed (HTTP 400, invalid_grant)", permanent=True)
    running.write("test-a.json", {"type": "testacct", "access_token": "old", "expired": 1})
    running.runtime.reload()
    source = running.service.state.token_source
    assert source is not None
    credential = running.runtime.credentials[0]
    assert (await source(credential)).api_key == "old"
    assert (await source(credential)).api_key == "old"
    assert double.calls == 1
    state = running.runtime.refresh_states()["test-a.json"]
    assert "invalid_grant" in state.error and state.permanent
    listed = {i.name: i for i in running.runtime.store.list_files()}
    assert listed["test-a.json"].status == "refresh_failed"


@pytest.mark.parametrize(
    ("name", "hours_left", "due"),
    [
        ("claude-a.json", 3, True),
        ("claude-a.json", 5, False),
        ("codex-a.json", 4 * 24, True),
        ("codex-a.json", 6 * 24, False),
    ],
    ids=["claude-3h", "claude-5h", "codex-4d", "codex-6d"],
)
async def test_the_loop_refreshes_by_each_providers_lead(
    start: Any, oauth: FakeOAuth, name: str, hours_left: int, due: bool
) -> None:
    kind = name.split("-", 1)[0]
    urls = {"token": oauth.url("/token")}
    running = await start({"oauth-endpoints": {"claude": urls, "codex": urls}})
    expired = format_rfc3339(running.clock.now + hours_left * 3600)
    running.write(name, {"type": kind, "access_token": "old", "refresh_token": "rt-old", "expired": expired})
    running.runtime.reload()
    assert running.runtime.refresher.tick() == ([name] if due else [])
    if not due:
        return
    assert await running.runtime.refresher.refresh(name)
    (call,) = oauth.token_requests("refresh_token")
    assert call.is_json is (kind == "claude")
    data = json.loads((running.runtime.store.directory / name).read_bytes())
    assert data["access_token"] == "at-1"
    assert parse_time(data["last_refresh"]) == running.clock.now
    assert parse_time(data["expired"]) == running.clock.now + 3600
    (credential,) = running.runtime.credentials
    assert credential.api_key == "at-1"
