"""Refresher: single flight, write-back keeping every key, failures kept and retried after 5 minutes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.auth.base import RefreshContext, RefreshError
from server.auth.endpoints import Endpoints
from server.auth.refresh import RETRY_AFTER, Refresher
from server.auth.store import CredentialStore, StoredFile
from server.tasks import TaskGroup
from tests.unit.auth.accounts_double import Clock, TestAccounts, registered

NAME = "test-a.json"


@pytest.fixture
def double() -> Iterator[TestAccounts]:
    yield from registered()


class Harness:
    def __init__(self, directory: Path, clock: Clock) -> None:
        self.store = CredentialStore(directory)
        self.clock = clock
        self.tasks = TaskGroup()
        self.reloads: list[str] = []
        self.files: dict[str, StoredFile] = {}
        self.http = httpx.AsyncClient()
        self.refresher = Refresher(
            store=self.store,
            files=lambda: self.files,
            context=lambda file: RefreshContext(http=self.http, endpoint=Endpoints(), now=clock),
            on_refreshed=self.reloaded,
            spawn=self.spawn,
            clock=clock,
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro, name=name)

    def reloaded(self, name: str) -> None:
        self.reloads.append(name)
        self.load()

    def write(self, data: dict[str, Any], name: str = NAME) -> None:
        self.store.write_json(name, {"type": "testacct", **data})
        self.load()

    def load(self) -> None:
        files, _ = self.store.scan()
        self.files = {f.name: f for f in files}
        self.refresher.sync(self.files)

    def data(self, name: str = NAME) -> dict[str, Any]:
        return dict(json.loads((self.store.directory / name).read_bytes()))


@pytest.fixture
async def harness(tmp_path: Path, double: TestAccounts) -> AsyncIterator[Harness]:
    h = Harness(tmp_path, Clock())
    yield h
    await h.tasks.aclose()
    await h.http.aclose()


async def test_concurrent_refreshes_make_one_call(harness: Harness, double: TestAccounts) -> None:
    harness.write({"access_token": "t", "expired": int(harness.clock.now)})
    double.gate = asyncio.Event()
    waiters = [asyncio.ensure_future(harness.refresher.refresh(NAME)) for _ in range(5)]
    await asyncio.sleep(0.05)
    double.gate.set()
    assert await asyncio.gather(*waiters) == [True] * 5
    assert double.calls == 1
    assert harness.reloads == [NAME]


async def test_success_writes_back_every_original_key(harness: Harness, double: TestAccounts) -> None:
    harness.write({"access_token": "t", "email": "a@b", "custom": {"x": 1}, "disabled": False})
    assert await harness.refresher.refresh(NAME) is True
    now = harness.clock.now
    assert harness.data() == {
        "type": "testacct",
        "access_token": "t+",
        "email": "a@b",
        "custom": {"x": 1},
        "disabled": False,
        "expired": int(now + 7200),
    }
    state = harness.refresher.state(NAME)
    assert (state.last_refresh, state.expires_at, state.error) == (now, now + 7200, "")


async def test_a_failure_is_kept_and_retried_after_five_minutes(
    harness: Harness, double: TestAccounts
) -> None:
    harness.write({"access_token": "t", "expired": int(harness.clock.now + 60)})
    double.fail = RefreshError("the token refresh failed (HTTP 500, server_error)")
    assert await harness.refresher.refresh(NAME) is False
    state = harness.refresher.state(NAME)
    assert state.error == "the token refresh failed (HTTP 500, server_error)"
    assert state.next_try_after == harness.clock.now + RETRY_AFTER
    assert harness.refresher.backing_off(NAME)
    assert harness.refresher.tick() == []
    harness.clock.now += RETRY_AFTER - 1
    assert harness.refresher.tick() == []
    harness.clock.now += 1
    double.fail = None
    assert harness.refresher.tick() == [NAME]
    assert await harness.refresher.refresh(NAME) is True  # joins the refresh the loop started
    assert harness.refresher.state(NAME).error == ""
    assert harness.data()["access_token"] == "t+"


async def test_a_revoked_token_waits_until_the_file_changes(harness: Harness, double: TestAccounts) -> None:
    harness.write({"access_token": "t", "expired": int(harness.clock.now)})
    double.fail = RefreshError("the token refresh failed (HTTP 400, invalid_grant)", permanent=True)
    assert await harness.refresher.refresh(NAME) is False
    state = harness.refresher.state(NAME)
    assert state.permanent and "invalid_grant" in state.error
    harness.clock.now += 10 * RETRY_AFTER
    assert harness.refresher.tick() == []
    harness.write({"access_token": "new-login", "expired": int(harness.clock.now)})
    assert harness.refresher.state(NAME).error == ""
    double.fail = None
    assert harness.refresher.tick() == [NAME]


async def test_network_failures_name_the_host_only(harness: Harness, double: TestAccounts) -> None:
    harness.write({"access_token": "t"})
    request = httpx.Request("POST", "https://auth.example.com/token?refresh_token=SECRET")
    double.fail = httpx.ConnectError("boom SECRET", request=request)
    await harness.refresher.refresh(NAME)
    error = harness.refresher.state(NAME).error
    assert error == "ConnectError talking to auth.example.com"


@pytest.mark.parametrize(
    ("data", "lead", "due"),
    [
        ({"expired": 1_000_000 + 3000}, 3600.0, True),
        ({"expired": 1_000_000 + 4000}, 3600.0, False),
        ({"expired": 1_000_000 + 10, "disabled": True}, 3600.0, False),
        ({"expired": 1_000_000 - 10}, None, False),
        ({}, 3600.0, True),
    ],
    ids=["within-lead", "outside-lead", "disabled", "no-background-refresh", "no-expiry"],
)
async def test_the_loop_starts_what_is_due(
    harness: Harness, double: TestAccounts, data: dict[str, Any], lead: float | None, due: bool
) -> None:
    double.refresh_lead = lead
    harness.write({"access_token": "t", **data})
    assert harness.refresher.tick() == ([NAME] if due else [])


async def test_no_refresh_storm_after_a_success(harness: Harness, double: TestAccounts) -> None:
    double.lifetime = 600.0  # shorter than the 1 h lead: due again at once by the plain rule
    harness.write({"access_token": "t", "expired": int(harness.clock.now)})
    assert await harness.refresher.refresh(NAME)
    assert harness.refresher.tick() == []
    harness.clock.now += 61
    assert harness.refresher.tick() == [NAME]


async def test_a_provider_rule_replaces_the_lead(harness: Harness, double: TestAccounts) -> None:
    seen: list[float] = []

    def refresh_due(data: dict[str, Any], now: float) -> bool:
        seen.append(now)
        return False

    double.refresh_due = refresh_due  # type: ignore[attr-defined]
    harness.write({"access_token": "t", "expired": int(harness.clock.now - 5)})
    assert harness.refresher.tick() == []
    assert seen == [harness.clock.now]
