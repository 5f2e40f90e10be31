"""AccountRuntime ``prepare`` hooks (Antigravity's model list): run in the background with a fresh token
before first routing, cached per file content, refreshed after a change while the last result serves,
retried 5 minutes after a failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from server.auth.base import RefreshContext
from server.config.load import parse_config
from server.credential import Credential, ModelMapping
from tests.unit.auth.accounts_double import TestAccounts, registered
from tests.unit.auth.runtime_support import StartRuntime, runtimes, wait_until

MODEL = ModelMapping("claude-sonnet-4-5-20250929")
LATER = 2_100_000_000  # an expiry far after the runtime's fake clock


@dataclass
class Hook:
    """A ``prepare`` hook: records the token it ran with; each run waits for ``gate``; ``fail`` raises."""

    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    fail: bool = False

    async def __call__(self, credential: Credential, ctx: RefreshContext) -> Credential:
        self.calls.append(credential.api_key)
        await self.gate.wait()
        if self.fail:
            raise RuntimeError("fetch failed")
        metadata = {**credential.metadata, "prepared_with": credential.api_key}
        return replace(credential, models=(MODEL,), metadata=metadata)


@pytest.fixture
def double() -> Iterator[TestAccounts]:
    yield from registered()


@pytest.fixture
def hook(double: TestAccounts) -> Hook:
    hook = Hook()
    double.prepare = hook  # type: ignore[attr-defined]
    double.refresh_lead = None  # no background refreshes: only what the tests cause
    return hook


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[StartRuntime]:
    (tmp_path / "auths").mkdir()
    async for run in runtimes(tmp_path / "auths"):
        yield run


async def test_prepare_runs_with_a_fresh_token_before_the_credential_is_routed(
    start: StartRuntime, hook: Hook, double: TestAccounts
) -> None:
    running = await start()
    running.write("test-a.json", {"type": "testacct", "access_token": "old", "expired": 1})
    running.runtime.reload()
    await wait_until(lambda: hook.calls == ["old+"])  # the expired token was refreshed first
    assert double.calls == 1 and running.ids() == set()  # not routed while prepare runs
    hook.gate.set()
    await wait_until(lambda: running.ids() == {"test-a.json"})
    live = running.live("test-a.json")
    assert (live.api_key, live.models, live.metadata["prepared_with"]) == ("old+", (MODEL,), "old+")


async def test_the_result_is_kept_per_file_content_and_serves_until_the_next_one(
    start: StartRuntime, hook: Hook
) -> None:
    running = await start()
    hook.gate.set()
    running.write("test-a.json", {"type": "testacct", "access_token": "one", "expired": LATER})
    running.runtime.reload()
    await wait_until(lambda: running.ids() == {"test-a.json"})
    running.runtime.reload()  # same content (e.g. another file changed): no new fetch
    running.write("test-b.json", {"type": "testacct", "access_token": "b", "expired": LATER})
    running.runtime.reload()
    await wait_until(lambda: running.ids() == {"test-a.json", "test-b.json"})
    assert sorted(hook.calls) == ["b", "one"]

    hook.gate.clear()
    running.write("test-a.json", {"type": "testacct", "access_token": "two", "expired": LATER})
    running.runtime.reload()
    await wait_until(lambda: hook.calls[-1] == "two")
    live = running.live("test-a.json")  # new token at once, the last models meanwhile
    assert (live.api_key, live.models, live.metadata["prepared_with"]) == ("two", (MODEL,), "one")
    hook.gate.set()
    await wait_until(lambda: running.live("test-a.json").metadata["prepared_with"] == "two")
    assert len(hook.calls) == 3


@pytest.mark.parametrize(
    ("settings", "disabled"),
    [({"oauth-endpoints": {"claude": {"upstream": "http://127.0.0.1:5/other"}}}, False), ({}, True)],
    ids=["new-base-url-prepares-again", "disabled-is-not-prepared"],
)
async def test_endpoint_changes_and_disabled_files(
    start: StartRuntime, hook: Hook, settings: dict[str, object], disabled: bool
) -> None:
    running = await start()
    hook.gate.set()
    running.write(
        "test-a.json", {"type": "testacct", "access_token": "a", "expired": LATER, "disabled": disabled}
    )
    running.runtime.reload()
    if disabled:
        await asyncio.sleep(0.05)
        assert hook.calls == [] and running.live("test-a.json").disabled
        return
    await wait_until(lambda: hook.calls == ["a"])
    endpoints = parse_config(settings).oauth_endpoints
    running.service.apply_config(replace(running.service.config, oauth_endpoints=endpoints))
    await wait_until(lambda: len(hook.calls) == 2)
    assert running.live("test-a.json").base_url == "http://127.0.0.1:5/other"


async def test_a_failed_prepare_routes_no_models_and_is_tried_again_after_five_minutes(
    start: StartRuntime, hook: Hook
) -> None:
    waits: list[float] = []
    again = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if seconds == 300.0:
            await again.wait()
        else:
            await asyncio.Event().wait()

    running = await start(sleep=sleep)
    hook.fail = True
    hook.gate.set()
    running.write("test-a.json", {"type": "testacct", "access_token": "a", "expired": LATER})
    running.runtime.reload()
    await wait_until(lambda: running.ids() == {"test-a.json"})
    assert running.live("test-a.json").models == ()
    await wait_until(lambda: 300.0 in waits)
    running.runtime.reload()  # the same content: a failure is not retried on every reload
    await asyncio.sleep(0.02)
    assert hook.calls == ["a"]
    hook.fail = False
    again.set()
    await wait_until(lambda: running.live("test-a.json").models == (MODEL,))
    assert hook.calls == ["a", "a"]
