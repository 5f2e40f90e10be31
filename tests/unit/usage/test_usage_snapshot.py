"""Snapshot JSON: the GET /usage shape, export envelope, import with the original's dedup rules."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from server.usage.queries import UsageQueries
from server.usage.record import UsageRecord
from server.usage.recorder import attempt_from_record
from server.usage.snapshot import (
    ImportResult,
    SnapshotError,
    UnsupportedVersion,
    build_snapshot,
    export_snapshot,
    format_timestamp,
    import_snapshot,
    parse_timestamp,
)
from server.usage.store import UsageStore, client_key_id

IST = timezone(timedelta(hours=5, minutes=30))
T0 = 1_735_787_045.0  # 2025-01-02T03:04:05Z
ALL = (0.0, float("inf"))
EMPTY_MAPS = ("apis", "requests_by_day", "requests_by_hour", "tokens_by_day", "tokens_by_hour")

MakeRecord = Callable[..., UsageRecord]  # the make_record fixture (conftest.py)


def _fill(store: UsageStore, make_record: MakeRecord) -> int:
    records = [
        make_record(timestamp=T0 + 0.5, input_tokens=10, output_tokens=5, reasoning_tokens=2),
        make_record(timestamp=T0 + 1.25, status=500, input_tokens=0, output_tokens=0),  # failover: A fails
        make_record(timestamp=T0 + 1.5, credential_id="cred-b", credential_label="b@example.com"),  # B works
        make_record(timestamp=T0 + 3600, requested_model="gpt-5", provider="codex", stream=True, ttft_ms=80),
        make_record(timestamp=T0 + 86400, client_key="", route="POST /v1/chat/completions", cached_tokens=4),
        make_record(
            timestamp=T0 + 90000, client_key="", route="", provider="gemini", source="me@example.com"
        ),
    ]
    store.insert([attempt_from_record(r) for r in records])
    return len(records)


def _aggregates(store: UsageStore) -> list[object]:
    q = UsageQueries(store, tz=UTC)
    out: list[object] = [q.totals(*ALL), q.series(*ALL, "hour")]
    out += [q.grouped(*ALL, by) for by in ("model", "credential", "client_key", "provider")]
    return out


def test_empty_snapshot_has_every_map(store: UsageStore) -> None:
    snap = build_snapshot(store)
    assert {k: snap[k] for k in EMPTY_MAPS} == dict.fromkeys(EMPTY_MAPS, {})
    assert (snap["total_requests"], snap["success_count"], snap["failure_count"], snap["total_tokens"]) == (
        0,
    ) * 4


def test_one_request_in_the_original_shape(store: UsageStore, make_record: MakeRecord, raw_key: str) -> None:
    store.insert([attempt_from_record(make_record(timestamp=T0 + 0.25, cached_tokens=3, auth_index="ab12"))])
    snap = build_snapshot(store, tz=IST, extended=False)
    assert snap == {
        "total_requests": 1,
        "success_count": 1,
        "failure_count": 0,
        "total_tokens": 30,
        "apis": {
            "sk-r...cdef": {
                "total_requests": 1,
                "total_tokens": 30,
                "models": {
                    "claude-sonnet-4": {
                        "total_requests": 1,
                        "total_tokens": 30,
                        "details": [
                            {
                                "timestamp": "2025-01-02T08:34:05.25+05:30",
                                "source": "claude key …wxyz",
                                "auth_index": "ab12",
                                "tokens": {
                                    "input_tokens": 10,
                                    "output_tokens": 20,
                                    "reasoning_tokens": 0,
                                    "cached_tokens": 3,
                                    "total_tokens": 30,
                                },
                                "failed": False,
                            }
                        ],
                    }
                },
            }
        },
        "requests_by_day": {"2025-01-02": 1},
        "requests_by_hour": {"08": 1},
        "tokens_by_day": {"2025-01-02": 30},
        "tokens_by_hour": {"08": 30},
    }
    assert raw_key not in json.dumps(snap)


def test_extended_details_carry_the_port_fields(
    store: UsageStore, make_record: MakeRecord, raw_key: str
) -> None:
    rec = make_record(timestamp=T0, status=429, stream=True, latency_ms=900, ttft_ms=70, client_key=raw_key)
    store.insert([attempt_from_record(rec)])
    (detail,) = build_snapshot(store, tz=UTC)["apis"]["sk-r...cdef"]["models"]["claude-sonnet-4"]["details"]
    assert detail["failed"] is True
    assert {k: detail[k] for k in ("provider", "upstream_model", "credential_id", "client_key_id")} == {
        "provider": "claude",
        "upstream_model": "claude-sonnet-4-20250514",
        "credential_id": "claude:apikey:abc123",
        "client_key_id": client_key_id(raw_key),
    }
    assert (detail["status"], detail["stream"], detail["latency_ms"], detail["ttft_ms"]) == (
        429,
        True,
        900,
        70,
    )


def test_export_envelope(store: UsageStore, make_record: MakeRecord) -> None:
    _fill(store, make_record)
    env = export_snapshot(store, now=T0, tz=UTC)
    assert (env["version"], env["exported_at"]) == (1, "2025-01-02T03:04:05Z")
    assert env["usage"] == build_snapshot(store, tz=UTC)
    assert (env["usage"]["total_requests"], env["usage"]["failure_count"]) == (6, 1)


def test_export_import_round_trip_then_dedup(
    tmp_path: Path, store: UsageStore, make_record: MakeRecord, raw_key: str
) -> None:
    n = _fill(store, make_record)
    body = json.loads(json.dumps(export_snapshot(store, tz=IST)))
    with UsageStore(tmp_path / "other.sqlite3") as other:
        assert import_snapshot(other, body) == ImportResult(added=n, skipped=0)
        assert build_snapshot(other, tz=IST) == build_snapshot(store, tz=IST)
        assert _aggregates(other) == _aggregates(store)
        assert import_snapshot(other, body) == ImportResult(added=0, skipped=n)
        assert other.count() == n
    assert import_snapshot(store, body) == ImportResult(added=0, skipped=n)  # into the source itself
    assert raw_key.encode() not in (tmp_path / "other.sqlite3").read_bytes()


def _detail(stamp: str, auth_index: object, *, failed: bool = False, **tokens: int) -> dict[str, Any]:
    counts = {
        "input_tokens": 10,
        "output_tokens": 5,
        "reasoning_tokens": 2,
        "cached_tokens": 1,
        "total_tokens": 0,
    }
    counts.update(tokens)
    return {
        "timestamp": stamp,
        "source": "acct@example.com",
        "auth_index": auth_index,
        "tokens": counts,
        "failed": failed,
    }


def _original(raw_key: str) -> dict[str, Any]:
    """An export as the Go server writes it; counters and day maps are wrong on purpose (ignored)."""
    return {
        "version": 1,
        "exported_at": "2025-01-02T03:04:05Z",
        "usage": {
            "total_requests": 999,
            "success_count": 999,
            "failure_count": 0,
            "total_tokens": 1,
            "requests_by_day": {"1999-01-01": 5},
            "requests_by_hour": {"07": 5},
            "tokens_by_day": {},
            "tokens_by_hour": {},
            "apis": {
                raw_key: {
                    "total_requests": 3,
                    "total_tokens": 0,
                    "models": {
                        "gpt-5": {
                            "total_requests": 3,
                            "total_tokens": 0,
                            "details": [
                                _detail("2025-01-02T11:04:05.123456789+08:00", 3),  # v6.6.0 numeric index
                                _detail("2025-01-02T03:04:05.123456789Z", "3"),  # same detail, string index
                                _detail(
                                    "2025-01-02T03:05:00Z", "a1b2c3d4e5f60718", failed=True, total_tokens=0
                                ),
                            ],
                        },
                        " ": {"details": [_detail("2025-01-02T03:06:00Z", "a1b2c3d4e5f60718")]},
                    },
                },
                "POST /v1/chat/completions": {
                    "models": {"claude-sonnet-4": {"details": [_detail("0001-01-01T00:00:00Z", 0)]}}
                },
                "  ": {"models": {"x": {"details": [_detail("2025-01-02T03:07:00Z", 1)]}}},
            },
        },
    }


def test_import_of_an_original_snapshot(store: UsageStore, db_path: Path, raw_key: str) -> None:
    body = _original(raw_key)
    assert import_snapshot(store, copy.deepcopy(body), now=T0) == ImportResult(added=4, skipped=1)
    snap = build_snapshot(store, tz=UTC, extended=False)
    assert (snap["total_requests"], snap["success_count"], snap["failure_count"]) == (4, 3, 1)
    assert snap["total_tokens"] == 4 * 17  # totals normalised: input + output + reasoning
    assert snap["requests_by_day"] == {"2025-01-02": 4}
    assert snap["requests_by_hour"] == {"03": 4}
    masked = "sk-r...cdef"
    assert set(snap["apis"]) == {masked, "POST /v1/chat/completions"}
    assert set(snap["apis"][masked]["models"]) == {"gpt-5", "unknown"}
    gpt = snap["apis"][masked]["models"]["gpt-5"]["details"]
    assert [(d["timestamp"], d["auth_index"], d["failed"]) for d in gpt] == [
        ("2025-01-02T03:04:05.123456789Z", "3", False),
        ("2025-01-02T03:05:00Z", "a1b2c3d4e5f60718", True),
    ]
    (zero,) = snap["apis"]["POST /v1/chat/completions"]["models"]["claude-sonnet-4"]["details"]
    assert (zero["timestamp"], zero["auth_index"]) == ("2025-01-02T03:04:05Z", "0")  # zero time became now
    by_key = {g.label: g.key for g in UsageQueries(store).grouped(*ALL, "client_key")}
    assert by_key[masked] == client_key_id(raw_key)  # same id as live records of that key

    assert import_snapshot(store, body, now=T0) == ImportResult(added=0, skipped=5)
    store.close()
    for path in db_path.parent.iterdir():
        assert raw_key.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize(
    "version", [2, -1, "1", True, 1.5, [1]], ids=["two", "negative", "string", "bool", "float", "list"]
)
def test_unknown_versions_are_rejected(store: UsageStore, raw_key: str, version: object) -> None:
    body = _original(raw_key)
    body["version"] = version
    with pytest.raises(UnsupportedVersion, match="unsupported version") as info:
        import_snapshot(store, body)
    assert isinstance(info.value, ValueError)
    assert store.count() == 0


@pytest.mark.parametrize("version", [0, None, "missing"], ids=["zero", "null", "missing"])
def test_version_zero_is_accepted(store: UsageStore, raw_key: str, version: object) -> None:
    body = _original(raw_key)
    if version == "missing":
        del body["version"]
    else:
        body["version"] = version
    assert import_snapshot(store, body, now=T0).added == 4


def _break(path: tuple[object, ...], value: object) -> Any:
    """Set ``value`` at ``path`` (``"<key>"`` stands for the raw client key bucket)."""

    def apply(body: dict[str, Any], key: str) -> dict[str, Any]:
        target: Any = body
        for step in path[:-1]:
            target = target[key if step == "<key>" else step]
        target[path[-1]] = value
        return body

    return apply


_GPT = ("usage", "apis", "<key>", "models", "gpt-5")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda body, key: [body], "body must be an object"),
        (_break(("usage",), "nope"), "usage must be an object"),
        (_break(("usage", "apis"), []), "usage.apis must be an object"),
        (_break((*_GPT, "details"), {}), "details must be a list"),
        (
            _break((*_GPT, "details", 2, "tokens", "input_tokens"), "5"),
            "tokens.input_tokens must be an integer",
        ),
        (_break((*_GPT, "details", 2, "timestamp"), "yesterday"), "timestamp is not RFC3339"),
        (_break((*_GPT, "details", 2, "timestamp"), "2025-02-30T00:00:00Z"), "timestamp is not RFC3339"),
        (_break((*_GPT, "details", 2, "failed"), "yes"), "failed must be a boolean"),
        (_break((*_GPT, "details", 2, "auth_index"), [1]), "auth_index must be a string"),
    ],
    ids=["not-object", "usage", "apis", "details", "tokens", "timestamp", "bad-date", "failed", "auth-index"],
)
def test_malformed_bodies_import_nothing(store: UsageStore, raw_key: str, mutate: Any, message: str) -> None:
    with pytest.raises(SnapshotError, match=message) as info:
        import_snapshot(store, mutate(_original(raw_key), raw_key))
    assert raw_key not in str(info.value)
    assert store.count() == 0


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2025-01-02T03:04:05Z", 1_735_787_045 * 10**9),
        ("2025-01-02T03:04:05.5Z", 1_735_787_045 * 10**9 + 500_000_000),
        ("2025-01-02T03:04:05.123456789Z", 1_735_787_045 * 10**9 + 123_456_789),
        ("2025-01-02T03:04:05.1234567891Z", 1_735_787_045 * 10**9 + 123_456_789),
        ("2025-01-02T08:34:05+05:30", 1_735_787_045 * 10**9),
        ("2025-01-01T19:04:05-08:00", 1_735_787_045 * 10**9),
        ("1969-12-31T23:59:59Z", -(10**9)),
    ],
    ids=["seconds", "tenths", "nanos", "too-many-digits", "plus-offset", "minus-offset", "before-1970"],
)
def test_parse_timestamp(text: str, ns: int) -> None:
    assert parse_timestamp(text) == ns


@pytest.mark.parametrize(
    ("ns", "tz", "text"),
    [
        (1_735_787_045 * 10**9, UTC, "2025-01-02T03:04:05Z"),
        (1_735_787_045 * 10**9 + 120_000_000, UTC, "2025-01-02T03:04:05.12Z"),
        (1_735_787_045 * 10**9 + 1, IST, "2025-01-02T08:34:05.000000001+05:30"),
        (1_735_787_045 * 10**9, timezone(timedelta(hours=-8)), "2025-01-01T19:04:05-08:00"),
    ],
    ids=["utc", "trailing-zeros-trimmed", "nanos-with-offset", "negative-offset"],
)
def test_format_timestamp(ns: int, tz: timezone, text: str) -> None:
    assert format_timestamp(ns, tz) == text
    assert parse_timestamp(text) == ns
