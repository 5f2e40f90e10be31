"""UsageRuntime as a service component: opens the store, follows the config switch, survives a bad file."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from server.config import parse_config
from server.service import ProxyService
from server.usage.record import UsageRecord
from server.usage.runtime import UsageRuntime, open_store
from server.usage.store import UsageStoreError


def _record(model: str = "m") -> UsageRecord:
    return UsageRecord(
        timestamp=time.time(),
        client_key="client-key-0001",
        provider="claude",
        credential_id="cred",
        credential_label="claude key …0001",
        requested_model=model,
        upstream_model=model,
        status=200,
        failed=False,
        stream=False,
        latency_ms=5,
        input_tokens=3,
        output_tokens=4,
    )


@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "disabled"])
async def test_start_registers_the_sink_and_follows_the_switch(tmp_path: Path, enabled: bool) -> None:
    service = ProxyService(parse_config({"usage-statistics-enabled": enabled}))
    runtime = UsageRuntime(tmp_path / "usage.sqlite3", flush_interval=0.05)
    await runtime.start(service)
    try:
        assert getattr(service, "usage", None) is runtime
        sinks = service.pipeline._sinks  # the pipeline's private list: the only way to see registration
        assert runtime.recorder.record in sinks
        runtime.recorder.record(_record())
        assert runtime.flush(5) and runtime.store.count() == (1 if enabled else 0)

        service.apply_config(dataclasses.replace(service.config, usage_statistics_enabled=not enabled))
        assert runtime.recorder.enabled is (not enabled)
        runtime.recorder.record(_record())
        assert runtime.flush(5) and runtime.store.count() == 1
    finally:
        await runtime.stop()


async def test_stop_flushes_and_the_data_is_there_next_time(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    first = UsageRuntime(path, flush_interval=60)
    await first.start(ProxyService(parse_config({})))
    for _ in range(3):
        first.recorder.record(_record())
    await first.stop()
    second = UsageRuntime(path)
    await second.start(ProxyService(parse_config({})))
    try:
        assert second.queries.totals(0, 4e9).requests == 3
    finally:
        await second.stop()


def test_a_broken_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = open_store(path)
    try:
        assert store.count() == 0
    finally:
        store.close()
    aside = [p.name for p in tmp_path.iterdir() if ".broken-" in p.name]
    assert len(aside) == 1 and aside[0].startswith("usage.sqlite3.broken-")


def test_a_newer_schema_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(UsageStoreError, match="schema version"):
        open_store(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usage.sqlite3"]
