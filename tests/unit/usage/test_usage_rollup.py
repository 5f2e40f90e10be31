"""Rollups: exact granule of a row, rollup answers equal raw answers, migration, retention, import."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.usage.queries import GroupBy, Totals, UsageQueries
from server.usage.rollup import HOUR, TABLES, floor_sql, hour_of, status_class
from server.usage.snapshot import export_snapshot, import_snapshot
from server.usage.store import _MIGRATIONS, Attempt, UsageStore

REPO = Path(__file__).resolve().parents[3]
NS = 1_000_000_000
BASE = int(datetime(2024, 3, 30, 12, tzinfo=UTC).timestamp())  # Berlin's DST change is inside the window
SPAN = 3 * 86400
GROUPS: tuple[GroupBy, ...] = ("model", "provider", "credential", "client_key")


def _zones() -> list[tzinfo]:
    zones: list[tzinfo] = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-3.5))]
    zones.append(timezone(timedelta(hours=5, minutes=45)))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zones.append(ZoneInfo("Europe/Berlin"))
    except ZoneInfoNotFoundError:  # no tz database on this machine
        pass
    return zones


ZONES = _zones()


def rollup_rows(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8").fetchall()


def rebuilt_rows(conn: sqlite3.Connection, granule: int) -> list[tuple[object, ...]]:
    """What a rollup table must hold: a from-scratch aggregate of ``attempts`` (in Python)."""
    acc: dict[tuple[object, ...], list[int]] = {}
    cols = "ts, model, provider, credential_id, credential_label, client_key_id, api, status, failed,"
    cols += " input_tokens, output_tokens, cached_tokens, reasoning_tokens, total_tokens, latency_ms, ttft_ms"
    for ts, *dims, status, failed, i, o, c, r, t, lat, ttft in conn.execute(f"SELECT {cols} FROM attempts"):
        s = acc.setdefault((hour_of(ts, granule), *dims, status_class(status)), [0] * 11)
        for n, v in enumerate((1, failed, i, o, c, r, t, lat, lat > 0, ttft, ttft > 0)):
            s[n] += int(v)
    return sorted((*k, *v) for k, v in acc.items())


def assert_consistent(store: UsageStore) -> None:
    with store.read() as conn:
        for table, granule in TABLES.items():
            assert rollup_rows(conn, table) == rebuilt_rows(conn, granule), table


@given(st.one_of(st.floats(-4e9, 4e9), st.integers(-(10**6), 10**6).map(lambda h: h * 3600.0)))
@settings(max_examples=300, deadline=None)
def test_granule_of_a_row_is_an_exact_floor_in_python_and_sql(value: float) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        for ts in (value, math.nextafter(value, -math.inf), math.nextafter(value, math.inf)):
            for granule in TABLES.values():
                start = hour_of(ts, granule)
                assert start <= ts < start + granule
                sql = f"SELECT {floor_sql('?1', granule)} * {granule}"
                assert conn.execute(sql, (ts,)).fetchone()[0] == start, (ts, granule)
    finally:
        conn.close()


def _timestamp_ns() -> st.SearchStrategy[int]:
    anywhere = st.integers(0, SPAN * NS)
    near_hour = st.tuples(st.integers(0, SPAN // HOUR), st.integers(-1000, 1000)).map(
        lambda t: t[0] * HOUR * NS + t[1]
    )
    return st.one_of(anywhere, near_hour).map(lambda off: BASE * NS + off)


ATTEMPTS = st.builds(
    Attempt,
    ts_ns=_timestamp_ns(),
    api=st.sampled_from(["sk-a...aaaa", "sk-b...bbbb", "POST /v1/messages"]),
    model=st.sampled_from(["m1", "m2", "m3"]),
    client_key_id=st.sampled_from(["", "0badf00d", "12345678"]),
    provider=st.sampled_from(["claude", "codex"]),
    credential_id=st.sampled_from(["c1", "c2"]),
    credential_label=st.sampled_from(["label a", "label b", "ü label"]),
    input_tokens=st.integers(0, 1000),
    output_tokens=st.integers(0, 1000),
    cached_tokens=st.integers(0, 50),
    reasoning_tokens=st.integers(0, 50),
    total_tokens=st.integers(0, 3000),
    status=st.sampled_from([0, 200, 429, 500]),
    failed=st.booleans(),
    latency_ms=st.sampled_from([0, 5, 1234]),
    ttft_ms=st.sampled_from([0, 7]),
)
BOUND = st.one_of(
    st.floats(BASE - HOUR, BASE + SPAN + HOUR),
    st.tuples(st.integers(0, SPAN // HOUR), st.sampled_from([0.0, -1e-6, -5e-7, 5e-7, 1e-6, 0.5])).map(
        lambda t: BASE + t[0] * HOUR + t[1]
    ),
)


@given(
    batches=st.lists(st.lists(ATTEMPTS, max_size=40), min_size=1, max_size=3),
    bounds=st.tuples(BOUND, BOUND),
    tz=st.sampled_from(ZONES),
    group=st.sampled_from([None, *GROUPS]),
    model=st.sampled_from([None, "m1"]),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rollup_answers_equal_raw_answers(
    batches: list[list[Attempt]],
    bounds: tuple[float, float],
    tz: tzinfo,
    group: GroupBy | None,
    model: str | None,
) -> None:
    since, until = sorted(bounds)
    with tempfile.TemporaryDirectory() as tmp, UsageStore(Path(tmp) / "u.sqlite3") as store:
        for batch in batches:
            store.insert(batch)
        assert_consistent(store)
        fast, raw = UsageQueries(store, tz=tz), UsageQueries(store, tz=tz, rollups=False)
        assert fast.totals(since, until) == raw.totals(since, until)
        assert fast.totals(since, until, model=model) == raw.totals(since, until, model=model)
        by = group or "model"
        assert fast.grouped(since, until, by) == raw.grouped(since, until, by)
        for bucket in ("hour", "day"):
            assert fast.series(since, until, bucket, group, model=model) == raw.series(
                since, until, bucket, group, model=model
            )
        everything = [a for b in batches for a in b if since <= a.ts < until]
        assert fast.totals(since, until).requests == len(everything)


def _row(ts: float, **fields: object) -> Attempt:
    values: dict[str, object] = {"api": "sk-a...zzzz", "model": "m", "total_tokens": 1}
    values.update(fields)
    return Attempt(ts_ns=round(ts * 1_000_000) * 1000, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (BASE + 1, BASE + 5 * HOUR - 1, 3),  # rows just outside both edges of a partial hour
        (BASE + 0.5, BASE + 5 * HOUR - 0.5, 5),  # the window bounds equal the edge rows
        (BASE, BASE + 5 * HOUR, 7),  # whole hours only
        (BASE - 1e-6, BASE + 5 * HOUR + 1e-6, 8),
        (BASE + 1, BASE + 2 * HOUR, 2),  # too short for rollups
    ],
    ids=["inside-edges", "on-edge-rows", "aligned", "just-wider", "short"],
)
def test_partial_edge_hours_come_from_raw_rows(
    store: UsageStore, since: float, until: float, expected: int
) -> None:
    offsets = [0, 0.5, 1, HOUR, 3 * HOUR, 5 * HOUR - 1, 5 * HOUR - 0.5, 5 * HOUR]
    store.insert([_row(BASE + off) for off in offsets])
    for q in (UsageQueries(store, tz=UTC), UsageQueries(store, tz=UTC, rollups=False)):
        assert q.totals(since, until).requests == expected
        assert sum(p.requests for p in q.series(since, until, "hour")) == expected


def test_totals_carry_latency_sums_for_exact_means(store: UsageStore) -> None:
    rows = [_row(BASE + i * 600, latency_ms=100 * i, ttft_ms=10 if i % 2 else 0) for i in range(30)]
    store.insert(rows)
    for q in (UsageQueries(store), UsageQueries(store, rollups=False)):
        t = q.totals(BASE, BASE + 86400)
        assert (t.latency_ms_sum, t.latency_count, t.ttft_ms_sum, t.ttft_count) == (43500, 29, 150, 15)
        assert t.avg_latency_ms == 1500.0 and t.avg_ttft_ms == 10.0
    assert Totals().avg_latency_ms is None


def _v1_database(path: Path, rows: list[Attempt]) -> None:
    """A database as schema 1 left it (no rollups), holding ``rows``."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in _MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO attempts (ts, ts_ns, api, model, provider, status, failed, total_tokens, latency_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.ts, r.ts_ns, r.api, r.model, r.provider, r.status, r.failed, r.total_tokens, r.latency_ms)
                for r in rows
            ],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def _old_rows(n: int) -> list[Attempt]:
    return [
        _row(
            BASE + i * 97.3,
            model=f"m{i % 3}",
            provider="p",
            status=500 if i % 7 == 0 else 200,
            failed=i % 7 == 0,
            total_tokens=i,
            latency_ms=i % 5,
        )
        for i in range(n)
    ]


def test_migration_builds_rollups_from_existing_rows(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    rows = _old_rows(3000)
    _v1_database(db_path, rows)
    with UsageStore(db_path) as store:
        assert store.version == 2 and store.count() == 3000
        assert_consistent(store)
        with store.read() as conn:
            assert conn.execute("SELECT SUM(requests) FROM usage_hourly").fetchone()[0] == 3000
        t = UsageQueries(store).totals(0, 4e9)
        assert (t.requests, t.failure, t.total_tokens) == (3000, 429, sum(range(3000)))


_KILLED_MIGRATION = """
import os, sys
from pathlib import Path
from server.usage import store as s
s._MIGRATIONS = (s._MIGRATIONS[0], (*s._MIGRATIONS[1], "SELECT usage_test_die()"))
connect = s.UsageStore._connect
def _connect(self):
    conn = connect(self)
    conn.create_function("usage_test_die", 0, lambda: os._exit(9))
    return conn
s.UsageStore._connect = _connect
s.UsageStore(Path(sys.argv[1]))
"""


def test_a_killed_migration_leaves_the_old_schema(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    _v1_database(db_path, _old_rows(2000))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_MIGRATION, str(db_path)], cwd=REPO, env=env, timeout=60, check=False
    )
    assert done.returncode == 9  # died inside the migration transaction, after building the rollups
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "usage_hourly" not in names
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2000
    finally:
        conn.close()
    with UsageStore(db_path) as store:  # the next start migrates normally
        assert store.version == 2
        assert_consistent(store)


def test_a_failing_migration_rolls_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from server.usage import store as store_module

    db_path.parent.mkdir(parents=True)
    _v1_database(db_path, _old_rows(10))
    broken = (_MIGRATIONS[0], (*_MIGRATIONS[1], "SELECT no_such_function()"))
    monkeypatch.setattr(store_module, "_MIGRATIONS", broken)
    with pytest.raises(Exception, match="no_such_function"):
        UsageStore(db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "usage_hourly" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


@pytest.mark.parametrize("cutoff_offset", [0, 1800, 1800.5, 3599.999], ids=["on-hour", "mid", "frac", "end"])
def test_retention_prunes_rows_and_rollups_together(store: UsageStore, cutoff_offset: float) -> None:
    rows = [_row(BASE + i * 300.25, total_tokens=i) for i in range(600)]
    store.insert(rows)
    now = BASE + 10 * HOUR + cutoff_offset + 86400
    cutoff = now - 86400
    q, raw = UsageQueries(store), UsageQueries(store, rollups=False)
    assert q.retention(1, now=now) == sum(1 for r in rows if r.ts < cutoff)
    assert_consistent(store)
    assert q.totals(0, 4e9) == raw.totals(0, 4e9)
    assert q.totals(0, 4e9).requests == sum(1 for r in rows if r.ts >= cutoff)
    assert q.retention(1, now=now) == 0


def test_import_maintains_rollups_and_round_trips(store: UsageStore, tmp_path: Path) -> None:
    store.insert(_old_rows(500))
    exported = export_snapshot(store, tz=UTC)
    with UsageStore(tmp_path / "other.sqlite3") as other:
        assert import_snapshot(other, exported).added == 500
        assert import_snapshot(other, exported).added == 0  # duplicates: rollups must not grow either
        assert_consistent(other)
        assert UsageQueries(other).totals(0, 4e9) == UsageQueries(store).totals(0, 4e9)
        by_model = UsageQueries(other).grouped(0, 4e9, "model")
        assert by_model == UsageQueries(store).grouped(0, 4e9, "model")
