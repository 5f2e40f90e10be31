"""UsageQueries: totals, groups and time series over a window, local buckets, retention."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from server.usage.queries import SeriesPoint, Totals, UsageQueries
from server.usage.store import Attempt, UsageStore

DAY = 86400.0
NOW = 1_735_689_600.0  # 2025-01-01T00:00:00Z
IST = timezone(timedelta(hours=5, minutes=30))


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def row(ts: float, **fields: object) -> Attempt:
    values: dict[str, object] = {"api": "sk-a...zzzz", "model": "m", "total_tokens": 1}
    values.update(fields)
    return Attempt(ts_ns=round(ts * 1_000_000) * 1000, **values)  # type: ignore[arg-type]


def test_empty_store_gives_zeros(store: UsageStore) -> None:
    q = UsageQueries(store)
    assert q.totals(0, NOW) == Totals()
    assert q.grouped(0, NOW, "model") == []
    assert q.series(0, NOW, "hour") == []


def test_thirty_day_aggregates_over_100k_rows(store: UsageStore) -> None:
    rng = random.Random(20250101)
    models = ["gpt-5", "claude-sonnet-4", "gemini-2.5-pro", "qwen3-coder"]
    providers = ["codex", "claude", "gemini", "qwen"]
    rows: list[Attempt] = []
    for _ in range(100_000):
        k = rng.randrange(4)
        rows.append(
            row(
                NOW - rng.random() * 60 * DAY,
                model=models[k],
                provider=providers[k],
                failed=rng.random() < 0.1,
                input_tokens=rng.randrange(5000),
                output_tokens=rng.randrange(2000),
                cached_tokens=rng.randrange(100),
                reasoning_tokens=rng.randrange(300),
                total_tokens=rng.randrange(8000),
            )
        )
    store.insert(rows)
    since = NOW - 30 * DAY
    window = [r for r in rows if since <= r.ts < NOW]
    q = UsageQueries(store, tz=UTC)

    t = q.totals(since, NOW)
    failures = sum(r.failed for r in window)
    assert (t.requests, t.success, t.failure) == (len(window), len(window) - failures, failures)
    for kind in ("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "total_tokens"):
        assert getattr(t, kind) == sum(getattr(r, kind) for r in window), kind

    expected_models = Counter(r.model for r in window)
    assert {g.key: g.totals.requests for g in q.grouped(since, NOW, "model")} == expected_models
    by_provider = {g.key: g.totals.total_tokens for g in q.grouped(since, NOW, "provider")}
    assert by_provider == {p: sum(r.total_tokens for r in window if r.provider == p) for p in providers}

    days = q.series(since, NOW, "day")
    assert len(days) == 30
    assert sum(p.requests for p in days) == len(window)
    assert sum(p.total_tokens for p in days) == t.total_tokens
    first = [r for r in window if r.ts < since + DAY]
    assert (days[0].start, days[0].requests, days[0].failures) == (
        since,
        len(first),
        sum(r.failed for r in first),
    )

    only = q.totals(since, NOW, model="gpt-5")
    assert only.requests == expected_models["gpt-5"]


def test_window_is_half_open(store: UsageStore) -> None:
    store.insert([row(100.0), row(150.0), row(200.0)])
    q = UsageQueries(store)
    assert q.totals(100.0, 200.0).requests == 2
    assert q.totals(100.0, 200.000001).requests == 3
    assert q.totals(100.000001, 200.0).requests == 1


@pytest.mark.parametrize(
    ("tz", "bucket", "times", "expected"),
    [
        (
            UTC,
            "minute",
            ["2024-01-01T00:10:05", "2024-01-01T00:10:59", "2024-01-01T00:11:00"],
            [("2024-01-01T00:10:00", 2), ("2024-01-01T00:11:00", 1)],
        ),
        (
            IST,  # local 05:40 and 06:05: one UTC hour, two local hours
            "hour",
            ["2024-01-01T00:10:00", "2024-01-01T00:35:00"],
            [("2023-12-31T23:30:00", 1), ("2024-01-01T00:30:00", 1)],
        ),
        (
            IST,  # local 23:50 on Jan 1 and 00:10 on Jan 2
            "day",
            ["2024-01-01T18:20:00", "2024-01-01T18:40:00"],
            [("2023-12-31T18:30:00", 1), ("2024-01-01T18:30:00", 1)],
        ),
        (
            timezone(timedelta(hours=-8)),
            "hour",
            ["2024-06-01T07:59:59", "2024-06-01T08:00:00", "2024-06-01T08:59:00"],
            [("2024-06-01T07:00:00", 1), ("2024-06-01T08:00:00", 2)],
        ),
    ],
    ids=["utc-minutes", "half-hour-offset-hours", "half-hour-offset-days", "negative-offset-hours"],
)
def test_series_buckets_follow_local_time(
    store: UsageStore, tz: tzinfo, bucket: str, times: list[str], expected: list[tuple[str, int]]
) -> None:
    store.insert([row(utc(t), total_tokens=10) for t in times])
    points = UsageQueries(store, tz=tz).series(0, 2e9, bucket)  # type: ignore[arg-type]
    assert [(p.start, p.requests, p.total_tokens) for p in points] == [
        (utc(start), n, 10 * n) for start, n in expected
    ]


def test_day_buckets_across_a_dst_change(store: UsageStore) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database")
    # 2024-03-31 has 23 hours in Berlin: midnight is 23:00Z the day before, the next one 22:00Z
    store.insert([row(utc("2024-03-31T21:30:00")), row(utc("2024-03-31T22:30:00"))])
    points = UsageQueries(store, tz=berlin).series(0, 2e9, "day")
    assert [p.start for p in points] == [utc("2024-03-30T23:00:00"), utc("2024-03-31T22:00:00")]


def test_series_grouped_by_model_and_filtered(store: UsageStore) -> None:
    t0 = utc("2024-01-01T10:00:00")
    store.insert(
        [
            row(t0 + 1, model="a", failed=True, input_tokens=5, total_tokens=5),
            row(t0 + 2, model="b", total_tokens=7),
            row(t0 + 3, model="a", total_tokens=3),
            row(t0 + 3600, model="a", total_tokens=1),
        ]
    )
    q = UsageQueries(store, tz=UTC)
    assert q.series(t0, t0 + 7200, "hour", "model") == [
        SeriesPoint(t0, "a", "a", 2, 1, 5, 0, 0, 0, 8),
        SeriesPoint(t0, "b", "b", 1, 0, 0, 0, 0, 0, 7),
        SeriesPoint(t0 + 3600, "a", "a", 1, 0, 0, 0, 0, 0, 1),
    ]
    assert [(p.start, p.requests) for p in q.series(t0, t0 + 7200, "hour", model="b")] == [(t0, 1)]


def test_local_time_is_the_default_zone(store: UsageStore) -> None:
    store.insert([row(utc("2024-01-01T10:00:30"))])
    (point,) = UsageQueries(store).series(0, 2e9, "day")
    assert (
        point.start
        == datetime(*datetime.fromtimestamp(utc("2024-01-01T10:00:30")).timetuple()[:3]).timestamp()
    )


def test_grouped_by_credential_and_client_key(store: UsageStore) -> None:
    store.insert(
        [
            row(1.0, credential_id="c1", credential_label="claude key …aaaa", client_key_id="0badf00d"),
            row(2.0, credential_id="c1", credential_label="claude key …aaaa", client_key_id="0badf00d"),
            row(3.0, credential_id="c2", credential_label="acct@example.com", api="POST /v1/messages"),
            row(
                4.0, credential_id="c2", credential_label="acct@example.com", api="POST /v1/chat/completions"
            ),
        ]
    )
    q = UsageQueries(store)
    creds = [(g.key, g.label, g.totals.requests) for g in q.grouped(0, 10, "credential")]
    assert creds == [("c1", "claude key …aaaa", 2), ("c2", "acct@example.com", 2)]
    keys = [(g.key, g.label, g.totals.requests) for g in q.grouped(0, 10, "client_key")]
    assert keys == [
        ("0badf00d", "sk-a...zzzz", 2),
        ("POST /v1/chat/completions", "POST /v1/chat/completions", 1),
        ("POST /v1/messages", "POST /v1/messages", 1),
    ]


def test_retention_deletes_only_old_rows(store: UsageStore) -> None:
    store.insert([row(NOW - 40 * DAY), row(NOW - 31 * DAY), row(NOW - 29 * DAY), row(NOW - 1)])
    q = UsageQueries(store)
    assert q.retention(30, now=NOW) == 2
    assert q.retention(30, now=NOW) == 0
    assert q.totals(0, NOW).requests == 2
    with pytest.raises(ValueError):
        q.retention(-1, now=NOW)
