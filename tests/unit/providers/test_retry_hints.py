"""Every retry-hint form the upstreams use."""

from __future__ import annotations

import json

import pytest

from server.jsontypes import JSON
from server.providers.retry_hints import (
    anthropic_hint,
    codex_hint,
    google_hint,
    parse_go_duration,
    parse_retry_after,
    retry_after_hint,
)

NOW = 1735689600.0  # 2025-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0.847655010s", 0.847655010),
        ("2s", 2.0),
        ("373.8ms", 0.3738),
        ("1m30s", 90.0),
        ("1h0m0s", 3600.0),
        ("500us", 0.0005),
        ("", None),
        ("12", None),
        ("soon", None),
    ],
    ids=["fraction-s", "whole-s", "ms", "m-s", "h-m-s", "us", "empty", "no-unit", "garbage"],
)
def test_parse_go_duration(text: str, seconds: float | None) -> None:
    assert parse_go_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("1.5", 1.5),
        ("Wed, 01 Jan 2025 00:01:00 GMT", 60.0),
        ("Tue, 31 Dec 2024 23:59:00 GMT", None),
        ("0", None),
        ("-3", None),
        ("inf", None),
        ("later", None),
    ],
    ids=["seconds", "fractional", "http-date", "date-in-past", "zero", "negative", "infinite", "garbage"],
)
def test_parse_retry_after(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_retry_after_header_any_case() -> None:
    assert retry_after_hint({"Retry-After": "5"}, NOW) == 5.0
    assert retry_after_hint({"retry-after": "5"}, NOW) == 5.0
    assert retry_after_hint({}, NOW) is None


def _google(details: list[JSON], message: str = "Resource exhausted") -> bytes:
    return json.dumps(
        {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED", "details": details}}
    ).encode()


RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.847s"}
ERROR_INFO = {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    "reason": "RATE_LIMIT_EXCEEDED",
    "metadata": {"quotaResetDelay": "373.8ms"},
}


@pytest.mark.parametrize(
    ("status", "body", "headers", "seconds"),
    [
        (429, _google([RETRY_INFO]), {}, 0.847),
        (429, _google([ERROR_INFO, RETRY_INFO]), {}, 0.847),
        (429, _google([ERROR_INFO]), {}, 0.3738),
        (429, _google([], "Quota exceeded. Your quota will reset after 39s."), {}, 39.0),
        (429, _google([], "Please retry after 12 seconds"), {}, 12.0),
        (429, _google([], "retry after 1m30s"), {}, 90.0),
        (429, b"[" + _google([RETRY_INFO]) + b"]", {}, 0.847),
        (429, _google([]), {"Retry-After": "4"}, 4.0),
        (429, b"not json", {}, None),
        (503, _google([RETRY_INFO]), {}, None),
        (503, b"", {"retry-after": "9"}, 9.0),
    ],
    ids=[
        "retry-info",
        "retry-info-before-error-info",
        "quota-reset-delay",
        "after-n-s-text",
        "after-n-seconds-text",
        "after-go-duration-text",
        "array-wrapped",
        "header-fallback",
        "unreadable-body",
        "body-ignored-unless-429",
        "header-on-503",
    ],
)
def test_google_hint(status: int, body: bytes, headers: dict[str, str], seconds: float | None) -> None:
    result = google_hint(status, body, headers, NOW)
    assert result == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize(
    ("error", "headers", "seconds"),
    [
        ({"type": "usage_limit_reached", "resets_at": NOW + 300}, {}, 300.0),
        ({"type": "usage_limit_reached", "resets_at": NOW - 5, "resets_in_seconds": 60}, {}, 60.0),
        ({"type": "usage_limit_reached", "resets_in_seconds": "42"}, {}, 42.0),
        ({"type": "usage_limit_reached"}, {"Retry-After": "3"}, 3.0),
        ({"type": "rate_limit_exceeded", "resets_in_seconds": 60}, {}, None),
    ],
    ids=["resets-at", "resets-in-seconds-when-past", "string-seconds", "header-fallback", "other-type"],
)
def test_codex_hint(error: dict[str, JSON], headers: dict[str, str], seconds: float | None) -> None:
    assert codex_hint(429, json.dumps({"error": error}).encode(), headers, NOW) == seconds


@pytest.mark.parametrize(
    ("status", "headers", "seconds"),
    [
        (429, {"retry-after": "20"}, 20.0),
        (429, {"retry-after": "20", "anthropic-ratelimit-tokens-reset": "2025-01-01T00:05:00Z"}, 20.0),
        (429, {"anthropic-ratelimit-requests-reset": "2025-01-01T00:00:30Z"}, 30.0),
        (
            429,
            {
                "anthropic-ratelimit-requests-remaining": "10",
                "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:05Z",
                "anthropic-ratelimit-tokens-remaining": "0",
                "anthropic-ratelimit-tokens-reset": "2025-01-01T00:01:00.500+00:00",
            },
            60.5,
        ),
        (
            429,
            {
                "anthropic-ratelimit-input-tokens-reset": "2025-01-01T00:00:10Z",
                "anthropic-ratelimit-output-tokens-reset": "2025-01-01T00:00:40Z",
            },
            10.0,
        ),
        (
            429,
            {
                "anthropic-ratelimit-unified-status": "rejected",
                "anthropic-ratelimit-unified-reset": str(int(NOW + 3600)),
            },
            3600.0,
        ),
        (429, {"anthropic-ratelimit-requests-reset": "2024-12-31T23:00:00Z"}, None),
        (200, {"anthropic-ratelimit-requests-reset": "2025-01-01T00:00:30Z"}, None),
        (529, {"Retry-After": "2"}, 2.0),
    ],
    ids=[
        "retry-after",
        "retry-after-wins",
        "reset-rfc3339",
        "exhausted-limit-wins",
        "earliest-when-none-marked",
        "unified-unix-seconds",
        "reset-in-past",
        "not-rate-limited",
        "overloaded-with-retry-after",
    ],
)
def test_anthropic_hint(status: int, headers: dict[str, str], seconds: float | None) -> None:
    result = anthropic_hint(status, b"{}", headers, NOW)
    assert result == (pytest.approx(seconds) if seconds is not None else None)
