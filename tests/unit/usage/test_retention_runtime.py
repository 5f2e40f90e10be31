"""UsageRuntime applies ``usage-retention-days``: at start, on a config change, on its timer; stop waits."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from server.config import parse_config
from server.service import ProxyService
from server.usage.runtime import UsageRuntime
from server.usage.store import Attempt, UsageStore

_DAY = 86400.0


def _attempt(age_days: float) -> Attempt:
    ts = time.time() - age_days * _DAY
    return Attempt(ts_ns=int(ts * 1e9), api="POST /v1/messages", model="m", latency_ms=50)


def _seed(path: Path, *ages: float) -> None:
    with UsageStore(path) as store:
        store.insert([_attempt(age) for age in ages])


_WAIT = 5.0


async def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _WAIT
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {_WAIT}s: {what}")
        await asyncio.sleep(0.01)


async def _started(path: Path, days: int, **kwargs: float) -> tuple[ProxyService, UsageRuntime]:
    service = ProxyService(parse_config({"usage-retention-days": days}))
    runtime = UsageRuntime(path, flush_interval=0.05, **kwargs)
    await runtime.start(service)
    return service, runtime


@pytest.mark.parametrize(("days", "left"), [(0, 3), (10, 2), (1, 1)], ids=["keep", "10-days", "1-day"])
async def test_start_applies_the_configured_retention(tmp_path: Path, days: int, left: int) -> None:
    path = tmp_path / "usage.sqlite3"
    _seed(path, 40, 5, 0.01)
    _, runtime = await _started(path, days)
    try:
        await _until(lambda: runtime.retention_passes >= 1, "the first pass")
        assert runtime.store.count() == left
        assert runtime.queries.totals(0, 4e9).requests == left  # the rollups agree with the rows
    finally:
        await runtime.stop()


async def test_a_config_change_prunes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    _seed(path, 40, 20, 0.01)
    service, runtime = await _started(path, 0)
    try:
        await _until(lambda: runtime.retention_passes >= 1, "the first pass")
        assert runtime.store.count() == 3
        service.apply_config(dataclasses.replace(service.config, debug=True))  # another key: no pass
        service.apply_config(dataclasses.replace(service.config, usage_retention_days=30))
        await _until(lambda: runtime.store.count() == 2, "the 40-day-old row is deleted")
        service.apply_config(dataclasses.replace(service.config, usage_retention_days=7))
        await _until(lambda: runtime.store.count() == 1, "the 20-day-old row is deleted")
        assert runtime.retention_passes == 3
    finally:
        await runtime.stop()


async def test_a_change_from_another_thread_wakes_the_pass(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    _seed(path, 40, 0.01)
    service, runtime = await _started(path, 0)
    try:
        await _until(lambda: runtime.retention_passes >= 1, "the first pass")
        changed = dataclasses.replace(service.config, usage_retention_days=3)
        await asyncio.to_thread(service.apply_config, changed)
        await _until(lambda: runtime.store.count() == 1, "the old row is deleted")
    finally:
        await runtime.stop()


async def test_the_timer_repeats_the_pass(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    _, runtime = await _started(path, 2, retention_interval=0.05)
    try:
        await _until(lambda: runtime.retention_passes >= 1, "the first pass")
        runtime.store.insert([_attempt(3)])  # old data arriving later (e.g. an import)
        await _until(lambda: runtime.store.count() == 0, "the next timed pass deletes it")
        assert runtime.retention_passes >= 2
    finally:
        await runtime.stop()


async def test_stop_returns_promptly_while_the_timer_waits(tmp_path: Path) -> None:
    _, runtime = await _started(tmp_path / "usage.sqlite3", 5)
    await _until(lambda: runtime.retention_passes >= 1, "the first pass")
    started = time.monotonic()
    await asyncio.wait_for(runtime.stop(), 5)
    assert time.monotonic() - started < 2
