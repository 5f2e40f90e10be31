"""Quota windows from Antigravity's fetchAvailableModels and Gemini CLI's retrieveUserQuota answers."""

from __future__ import annotations

from typing import Any

import pytest

from server.quota.book import QuotaWindow
from server.quota.fetch import antigravity_windows, gemini_cli_windows

NOW = 1_700_000_000.0
RESET = "2023-11-14T23:13:20Z"  # 1_700_003_600


def _w(window: str, label: str, used: float, resets: float | None) -> QuotaWindow:
    return QuotaWindow(window, label, used, resets, NOW, "fetch")


ANTIGRAVITY_CASES = [
    pytest.param(None, [], id="not an object"),
    pytest.param({"models": []}, [], id="models not a map"),
    pytest.param(
        {
            "models": {
                "gemini-2.5-flash": {
                    "displayName": "Gemini 2.5 Flash",
                    "quotaInfo": {"remainingFraction": 0.75, "resetTime": RESET},
                },
                "claude-sonnet-4-5-thinking": {"quotaInfo": {"resetTime": RESET}},
                "gemini-3-pro-high": {"displayName": "no quota info"},
                "chat_20706": {"quotaInfo": {"remainingFraction": 1}},
                "gemini-3-pro-low": {"quotaInfo": {"remainingFraction": "bad"}},
            }
        },
        [
            _w("claude-sonnet-4-5-thinking", "claude-sonnet-4-5-thinking", 100.0, 1_700_003_600.0),
            _w("gemini-2.5-flash", "Gemini 2.5 Flash", 25.0, 1_700_003_600.0),
        ],
        id="fraction, missing fraction = used up, hidden and bad skipped",
    ),
]


@pytest.mark.parametrize(("answer", "expected"), ANTIGRAVITY_CASES)
def test_antigravity_windows(answer: Any, expected: list[QuotaWindow]) -> None:
    assert antigravity_windows(answer, NOW) == expected


GEMINI_CASES = [
    pytest.param({}, [], id="no buckets"),
    pytest.param(
        {
            "buckets": [
                {
                    "modelId": "gemini-2.5-pro",
                    "remainingFraction": 0.4,
                    "resetTime": RESET,
                    "tokenType": "REQUESTS",
                },
                {"modelId": "gemini-2.5-pro", "remainingFraction": 0.9, "tokenType": "INPUT_TOKENS"},
                {"modelId": "gemini-2.5-flash", "remainingFraction": 1.0, "resetTime": RESET},
                {"modelId": "", "remainingFraction": 0.5},
                "junk",
                {"modelId": "gemini-x", "remainingFraction": 2.0},
            ]
        },
        [
            _w("gemini-2.5-flash", "gemini-2.5-flash", 0.0, 1_700_003_600.0),
            _w("gemini-2.5-pro", "gemini-2.5-pro", 60.0, 1_700_003_600.0),
        ],
        id="most used bucket per model, junk skipped",
    ),
]


@pytest.mark.parametrize(("answer", "expected"), GEMINI_CASES)
def test_gemini_cli_windows(answer: Any, expected: list[QuotaWindow]) -> None:
    assert gemini_cli_windows(answer, NOW) == expected
