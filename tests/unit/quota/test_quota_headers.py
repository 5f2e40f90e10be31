"""Quota windows from Codex and Claude response headers (pure parsers, table-driven)."""

from __future__ import annotations

import httpx
import pytest

from server.quota.book import QuotaWindow
from server.quota.headers import HEADER_PARSERS, claude_windows, codex_windows, minutes_label

NOW = 1_700_000_000.0


def _w(window: str, label: str, used: float, resets: float | None) -> QuotaWindow:
    return QuotaWindow(window, label, used, resets, NOW, "headers")


CODEX_CASES = [
    pytest.param({}, [], id="no headers"),
    pytest.param(
        {
            "x-codex-primary-used-percent": "12.5",
            "x-codex-primary-window-minutes": "300",
            "x-codex-primary-reset-after-seconds": "600",
            "x-codex-secondary-used-percent": "40",
            "x-codex-secondary-window-minutes": "10080",
            "x-codex-secondary-reset-at": "1700500000",
        },
        [_w("5h", "5-hour", 12.5, NOW + 600), _w("7d", "Weekly", 40.0, 1_700_500_000.0)],
        id="5h and weekly",
    ),
    pytest.param(
        {
            "x-codex-primary-used-percent": "7",
            "x-codex-primary-reset-at": "1700000100",
            "x-codex-primary-reset-after-seconds": "5",
        },
        [_w("primary", "Primary", 7.0, 1_700_000_100.0)],
        id="reset-at wins, no minutes",
    ),
    pytest.param(
        {"x-codex-secondary-used-percent": "150", "x-codex-secondary-window-minutes": "1440"},
        [_w("secondary", "1-day", 100.0, None)],
        id="clamped, label from minutes",
    ),
    pytest.param(
        {
            "x-codex-primary-used-percent": "n/a",
            "x-codex-secondary-used-percent": "-3",
            "x-codex-secondary-window-minutes": "90",
        },
        [_w("secondary", "90-minute", 0.0, None)],
        id="garbage skipped, negative clamped",
    ),
]


@pytest.mark.parametrize(("headers", "expected"), CODEX_CASES)
def test_codex_windows(headers: dict[str, str], expected: list[QuotaWindow]) -> None:
    assert codex_windows(headers, NOW) == expected


CLAUDE_CASES = [
    pytest.param({"anthropic-ratelimit-requests-limit": "50"}, [], id="api key: nothing"),
    pytest.param(
        {
            "anthropic-ratelimit-unified-status": "allowed",
            "anthropic-ratelimit-unified-5h-utilization": "0.25",
            "anthropic-ratelimit-unified-5h-reset": "1700003600",
            "anthropic-ratelimit-unified-7d-utilization": "0.9",
            "anthropic-ratelimit-unified-7d-reset": "1700600000",
        },
        [_w("5h", "5-hour", 25.0, 1_700_003_600.0), _w("7d", "Weekly", 90.0, 1_700_600_000.0)],
        id="5h and weekly",
    ),
    pytest.param(
        {
            "anthropic-ratelimit-unified-status": "rejected",
            "anthropic-ratelimit-unified-7d_opus-utilization": "1.2",
        },
        [_w("7d_opus", "Weekly (opus)", 100.0, None)],
        id="other window kept, clamped",
    ),
    pytest.param(
        {"anthropic-ratelimit-unified-5h-utilization": "0.5", "anthropic-ratelimit-unified-5h-reset": "0"},
        [_w("5h", "5-hour", 50.0, None)],
        id="no status header, zero reset",
    ),
]


@pytest.mark.parametrize(("headers", "expected"), CLAUDE_CASES)
def test_claude_windows(headers: dict[str, str], expected: list[QuotaWindow]) -> None:
    assert claude_windows(headers, NOW) == expected


def test_httpx_headers_are_read_case_insensitively() -> None:
    headers = httpx.Headers(
        {"Anthropic-Ratelimit-Unified-Status": "allowed", "Anthropic-Ratelimit-Unified-5h-Utilization": "0.1"}
    )
    assert [w.window for w in claude_windows(headers, NOW)] == ["5h"]
    codex = httpx.Headers({"X-Codex-Primary-Used-Percent": "3", "X-Codex-Primary-Window-Minutes": "300"})
    assert [(w.window, w.used_percent) for w in codex_windows(codex, NOW)] == [("5h", 3.0)]


@pytest.mark.parametrize(
    ("minutes", "label"), [(300, "5-hour"), (10080, "Weekly"), (2880, "2-day"), (45, "45-minute")]
)
def test_minutes_label(minutes: int, label: str) -> None:
    assert minutes_label(minutes) == label


def test_only_codex_and_claude_have_header_parsers() -> None:
    assert set(HEADER_PARSERS) == {"codex", "claude"}
