"""Thinking levels, budgets, clamping against model ranges, and model-name suffixes (§4.17)."""

from __future__ import annotations

import pytest

from server.formats.ir import Reasoning
from server.formats.thinking import (
    EFFORT_BUDGETS,
    budget_for,
    clamp_budget,
    effort_for,
    split_model_suffix,
)
from server.modelinfo import ModelInfo, ThinkingRange

# ranges from the v6.6.0 registry (anchor-data/v6.6.0-model-registry.json)
PRO = ModelInfo(
    "gemini-2.5-pro", thinking=ThinkingRange(128, 32768, zero_allowed=False, dynamic_allowed=True)
)
FLASH = ModelInfo(
    "gemini-2.5-flash", thinking=ThinkingRange(0, 24576, zero_allowed=True, dynamic_allowed=True)
)
STATIC = ModelInfo("static", thinking=ThinkingRange(1024, 32000, zero_allowed=False, dynamic_allowed=False))
STATIC_ZERO = ModelInfo("static-zero", thinking=ThinkingRange(0, 0, zero_allowed=True))
NO_THINKING = ModelInfo("gpt-4o")


def test_effort_table_is_the_canonical_one() -> None:
    assert EFFORT_BUDGETS == {
        "none": 0,
        "auto": -1,
        "minimal": 512,
        "low": 1024,
        "medium": 8192,
        "high": 24576,
        "xhigh": 32768,
        "max": 128000,
    }


CLAMP = [
    (8192, None, 8192),
    (99999, NO_THINKING, 99999),
    (-1, STATIC_ZERO, -1),
    (-1, PRO, -1),
    (-1, STATIC, (1024 + 32000) // 2),
    (0, FLASH, 0),
    (0, PRO, 128),
    (0, STATIC, 1024),
    (24576, FLASH, 24576),
    (32768, FLASH, 24576),
    (64, PRO, 128),
    (5000, PRO, 5000),
]
CLAMP_IDS = [
    "unknown-model-unchanged",
    "model-without-range-unchanged",
    "range-max-zero-unchanged",
    "dynamic-allowed-stays",
    "dynamic-not-allowed-midpoint",
    "zero-allowed-stays",
    "zero-not-allowed-becomes-min",
    "zero-not-allowed-static",
    "at-max",
    "over-max-clamped",
    "under-min-raised",
    "inside-range",
]


@pytest.mark.parametrize(("budget", "info", "expected"), CLAMP, ids=CLAMP_IDS)
def test_clamp_budget(budget: int, info: ModelInfo | None, expected: int) -> None:
    assert clamp_budget(budget, info) == expected


BUDGET_FOR = [
    (Reasoning(effort="high"), None, 24576),
    (Reasoning(effort="HIGH"), None, 24576),
    (Reasoning(effort="minimal"), None, 512),
    (Reasoning(effort="auto"), None, -1),
    (Reasoning(effort="none"), None, 0),
    (Reasoning(effort="max"), None, 128000),
    (Reasoning(effort="adaptive"), None, None),
    (Reasoning(), None, None),
    (Reasoning(effort="low", budget=3000), None, 3000),
    (Reasoning(effort="high"), FLASH, 24576),
    (Reasoning(effort="xhigh"), FLASH, 24576),
    (Reasoning(effort="none"), PRO, 128),
    (Reasoning(effort="auto"), STATIC, 16512),
    (Reasoning(budget=-1), FLASH, -1),
]
BUDGET_FOR_IDS = [
    "effort-high",
    "effort-case-insensitive",
    "effort-minimal",
    "effort-auto-dynamic",
    "effort-none-zero",
    "effort-max",
    "unknown-effort-unspecified",
    "nothing-unspecified",
    "budget-wins-over-effort",
    "high-fits-flash",
    "xhigh-clamped-to-flash-max",
    "none-on-pro-becomes-min-128",
    "auto-without-dynamic-midpoint",
    "dynamic-budget-kept",
]


@pytest.mark.parametrize(("reasoning", "info", "expected"), BUDGET_FOR, ids=BUDGET_FOR_IDS)
def test_budget_for(reasoning: Reasoning, info: ModelInfo | None, expected: int | None) -> None:
    assert budget_for(reasoning, info) == expected


EFFORT_FOR = [
    (Reasoning(effort="Medium"), "medium"),
    (Reasoning(effort="high", budget=100), "high"),
    (Reasoning(), None),
    (Reasoning(include_thoughts=True), None),
    (Reasoning(budget=-1), "auto"),
    (Reasoning(budget=0), "none"),
    (Reasoning(budget=1), "minimal"),
    (Reasoning(budget=512), "minimal"),
    (Reasoning(budget=513), "low"),
    (Reasoning(budget=1024), "low"),
    (Reasoning(budget=1025), "medium"),
    (Reasoning(budget=8192), "medium"),
    (Reasoning(budget=8193), "high"),
    (Reasoning(budget=24576), "high"),
    (Reasoning(budget=24577), "xhigh"),
    (Reasoning(budget=128000), "xhigh"),
]
EFFORT_FOR_IDS = [
    "effort-lowercased",
    "effort-wins-over-budget",
    "nothing",
    "include-thoughts-only",
    "dynamic-auto",
    "zero-none",
    "1-minimal",
    "512-minimal",
    "513-low",
    "1024-low",
    "1025-medium",
    "8192-medium",
    "8193-high",
    "24576-high",
    "24577-xhigh",
    "128000-xhigh",
]


@pytest.mark.parametrize(("reasoning", "expected"), EFFORT_FOR, ids=EFFORT_FOR_IDS)
def test_effort_for(reasoning: Reasoning, expected: str | None) -> None:
    assert effort_for(reasoning) == expected


KNOWN = {"gemini-claude-sonnet-4-5-thinking", "claude-sonnet-4-5-thinking"}
SUFFIXES = [
    ("gemini-2.5-pro", None, ("gemini-2.5-pro", None)),
    ("gemini-2.5-pro(8192)", None, ("gemini-2.5-pro", Reasoning(budget=8192))),
    ("gemini-2.5-pro(0)", None, ("gemini-2.5-pro", Reasoning(budget=0))),
    ("gemini-2.5-pro(-1)", None, ("gemini-2.5-pro", Reasoning(budget=-1))),
    ("claude-sonnet-4-5(high)", None, ("claude-sonnet-4-5", Reasoning(effort="high"))),
    ("claude-sonnet-4-5(HIGH)", None, ("claude-sonnet-4-5", Reasoning(effort="high"))),
    ("gpt-5(none)", None, ("gpt-5", Reasoning(effort="none"))),
    ("gpt-5(auto)", None, ("gpt-5", Reasoning(effort="auto"))),
    ("gpt-5(bogus)", None, ("gpt-5(bogus)", None)),
    ("gpt-5(-5)", None, ("gpt-5(-5)", None)),
    ("(8192)", None, ("(8192)", None)),
    ("gemini-2.5-flash-thinking-4096", None, ("gemini-2.5-flash", Reasoning(budget=4096))),
    ("gemini-2.5-flash-thinking-high", None, ("gemini-2.5-flash", Reasoning(effort="high"))),
    ("gemini-2.5-flash-Thinking-Low", None, ("gemini-2.5-flash", Reasoning(effort="low"))),
    ("gemini-2.5-flash-thinking-auto", None, ("gemini-2.5-flash", Reasoning(effort="auto"))),
    ("gemini-2.5-flash-thinking-bogus", None, ("gemini-2.5-flash-thinking-bogus", None)),
    ("claude-sonnet-4-5-thinking", None, ("claude-sonnet-4-5", Reasoning(effort="medium"))),
    (
        "gemini-2.5-flash-nothinking",
        None,
        ("gemini-2.5-flash", Reasoning(budget=0, include_thoughts=False)),
    ),
    ("gemini-2.5-flash-reasoning", None, ("gemini-2.5-flash", Reasoning(budget=-1, include_thoughts=True))),
    ("gemini-claude-sonnet-4-5-thinking", KNOWN, ("gemini-claude-sonnet-4-5-thinking", None)),
    ("Gemini-Claude-Sonnet-4-5-Thinking", KNOWN, ("Gemini-Claude-Sonnet-4-5-Thinking", None)),
    (
        "gemini-claude-sonnet-4-5-thinking(8192)",
        KNOWN,
        ("gemini-claude-sonnet-4-5-thinking", Reasoning(budget=8192)),
    ),
    ("other-thinking", KNOWN, ("other", Reasoning(effort="medium"))),
]
SUFFIX_IDS = [
    "no-suffix",
    "paren-budget",
    "paren-zero",
    "paren-dynamic",
    "paren-level",
    "paren-level-upper",
    "paren-none",
    "paren-auto",
    "paren-unknown-value-kept",
    "paren-negative-other-than-dynamic-kept",
    "paren-without-base-kept",
    "dash-budget",
    "dash-level",
    "dash-level-mixed-case",
    "dash-auto",
    "dash-unknown-level-kept",
    "bare-thinking-medium",
    "nothinking",
    "reasoning",
    "known-id-ending-in-thinking-kept",
    "known-id-any-case",
    "known-id-with-paren-suffix",
    "unknown-id-still-split",
]


@pytest.mark.parametrize(("model", "known", "expected"), SUFFIXES, ids=SUFFIX_IDS)
def test_split_model_suffix(
    model: str, known: set[str] | None, expected: tuple[str, Reasoning | None]
) -> None:
    assert split_model_suffix(model, known) == expected
