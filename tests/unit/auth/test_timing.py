"""Expiry reading and the refresh-due rule of providers.md §1.3."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.auth.timing import (
    expires_at,
    format_rfc3339,
    last_refresh_of,
    parse_duration,
    parse_time,
    refresh_due,
)
from server.jsontypes import JSON, JSONObject

T = datetime(2025, 12, 11, 10, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-11T10:00:00Z", T),
        ("2025-12-11T18:00:00+08:00", T),
        ("2025-12-11T10:00:00.123456789Z", T + 0.123456),
        ("2025-12-11 10:00:00", T),
        ("2025-12-11 10:00", T),
        (int(T), T),
        (int(T * 1000), T),
        (str(int(T)), T),
        ("soon", None),
        ("", None),
        (None, None),
        (True, None),
        (0, None),
    ],
    ids=[
        "rfc3339",
        "offset",
        "nanoseconds",
        "space-seconds",
        "space-minutes",
        "unix",
        "unix-ms",
        "unix-text",
        "garbage",
        "empty",
        "null",
        "bool",
        "zero",
    ],
)
def test_parse_time(value: JSON, expected: float | None) -> None:
    found = parse_time(value)
    assert found == pytest.approx(expected) if expected is not None else found is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"expired": "2025-12-11T10:00:00Z"}, T),
        ({"expire": int(T)}, T),
        ({"expires_at": "bad", "expiresAt": int(T * 1000)}, T),
        ({"token": {"expiry": "2025-12-11T10:00:00Z"}}, T),
        ({"expiry": int(T), "token": {"expiry": 1}}, T),
        ({"email": "x"}, None),
    ],
    ids=["expired", "expire", "first-valid-key", "nested-token", "top-level-first", "none"],
)
def test_expires_at(data: JSONObject, expected: float | None) -> None:
    assert expires_at(data) == expected


def test_a_provider_reading_wins() -> None:
    class Reader:
        def expires_at(self, data: JSONObject) -> float | None:
            return 42.0

    assert expires_at({"expired": "2025-12-11T10:00:00Z"}, Reader()) == 42.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90.0), ("90", 90.0), ("90s", 90.0), ("1h30m", 5400.0), ("1.5h", 5400.0), ("300ms", 0.3)]
    + [("1x", None), ("", None), (-5, None), ("h", None)],
    ids=[
        "int",
        "text",
        "go-s",
        "go-hm",
        "go-fraction",
        "go-ms",
        "bad-unit",
        "empty",
        "negative",
        "no-number",
    ],
)
def test_parse_duration(value: JSON, seconds: float | None) -> None:
    assert parse_duration(value) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("data", "lead", "expiry", "due"),
    [
        ({}, 4 * HOUR, T + 3 * HOUR, True),
        ({}, 4 * HOUR, T + 5 * HOUR, False),
        ({}, 4 * HOUR, T - 1, True),
        ({"last_refresh": T - 5 * HOUR}, 4 * HOUR, None, True),
        ({"last_refresh": T - 1 * HOUR}, 4 * HOUR, None, False),
        ({}, 4 * HOUR, None, True),
        ({}, None, T - 1, False),
        ({"refresh_interval_seconds": 600}, None, T + 300, True),
        ({"refresh_interval_seconds": "10m", "lastRefresh": T - 700}, None, T + HOUR, True),
        ({"refreshInterval": 600, "last_refresh": T - 60}, 4 * HOUR, T + HOUR, False),
    ],
    ids=[
        "within-lead",
        "outside-lead",
        "expired",
        "old-last-refresh",
        "recent-last-refresh",
        "nothing-known",
        "no-background-refresh",
        "interval-expiry",
        "interval-last-refresh",
        "interval-overrides-lead",
    ],
)
def test_refresh_due(data: JSONObject, lead: float | None, expiry: float | None, due: bool) -> None:
    assert refresh_due(data, lead=lead, now=T, expiry=expiry) is due


def test_format_round_trips() -> None:
    text = format_rfc3339(T + 0.9)
    assert parse_time(text) == T
    assert last_refresh_of({"last_refresh": text}) == T
