"""Reasoning effort levels, token budgets, and model-name thinking suffixes (translation.md §4.17)."""

from __future__ import annotations

import re

from server.formats.ir import Reasoning
from server.modelinfo import ModelInfo

__all__ = [
    "EFFORT_BUDGETS",
    "FROM_MODEL_SUFFIX",
    "budget_for",
    "clamp_budget",
    "effort_for",
    "split_model_suffix",
]

EFFORT_BUDGETS: dict[str, int] = {
    "none": 0,
    "auto": -1,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 128000,
}

FROM_MODEL_SUFFIX = "proxy:reasoning_from_model_suffix"
"""``Request.extras`` flag: ``Request.reasoning`` came from a model-name suffix, not from the body.
Such reasoning only reaches models known to think (providers.md §1.6); no builder writes the flag."""

_LEVELS = ("minimal", "low", "medium", "high", "xhigh", "auto", "none", "max")
_PAREN = re.compile(r"^(?P<base>.+)\((?P<value>-?\d+|[a-z]+)\)$", re.IGNORECASE)
_DASH_BUDGET = re.compile(r"^(?P<base>.+)-thinking-(?P<value>\d+)$", re.IGNORECASE)
_DASH_LEVEL = re.compile(r"^(?P<base>.+)-thinking-(?P<value>[a-z]+)$", re.IGNORECASE)


def budget_for(reasoning: Reasoning, info: ModelInfo | None = None) -> int | None:
    """The token budget ``reasoning`` asks for, normalised to the model's range (None = unspecified)."""
    if reasoning.budget is not None:
        budget = reasoning.budget
    elif reasoning.effort is not None and reasoning.effort.lower() in EFFORT_BUDGETS:
        budget = EFFORT_BUDGETS[reasoning.effort.lower()]
    else:
        return None
    return clamp_budget(budget, info)


def clamp_budget(budget: int, info: ModelInfo | None) -> int:
    """Normalise a budget against the model's thinking range; unknown models keep it unchanged.

    -1 (dynamic) stays when allowed, else the range's midpoint; 0 stays when allowed, else the
    minimum; anything else is clamped into [min, max].
    """
    rng = info.thinking if info is not None else None
    if rng is None or rng.max <= 0:
        return budget
    if budget == -1:
        if rng.dynamic_allowed:
            return -1
        mid = (rng.min + rng.max) // 2
        return 0 if mid <= 0 and rng.zero_allowed else max(mid, rng.min)
    if budget == 0:
        return 0 if rng.zero_allowed else rng.min
    return min(max(budget, rng.min), rng.max)


def effort_for(reasoning: Reasoning) -> str | None:
    """The effort level for targets that take levels only (OpenAI ``reasoning_effort``, Codex)."""
    if reasoning.effort is not None:
        return reasoning.effort.lower()
    budget = reasoning.budget
    if budget is None:
        return None
    if budget < 0:
        return "auto"
    if budget == 0:
        return "none"
    for level in ("minimal", "low", "medium", "high"):
        if budget <= EFFORT_BUDGETS[level]:
            return level
    return "xhigh"


def split_model_suffix(model: str, known: set[str] | None = None) -> tuple[str, Reasoning | None]:
    """Split a thinking suffix off a model name: ``m(8192)``, ``m(high)``, ``m-thinking-N``,
    ``m-thinking-<level>``, ``m-thinking``, ``m-reasoning``, ``m-nothinking``.

    When ``known`` (lower-cased served ids) contains the whole name, it is a real model id and is
    returned unchanged (the original broke ids such as ``gemini-claude-sonnet-4-5-thinking``).
    """
    if known is not None and model.lower() in known:
        return model, None
    if (match := _PAREN.match(model)) and (reasoning := _from_value(match["value"])) is not None:
        return match["base"], reasoning
    if match := _DASH_BUDGET.match(model):
        return match["base"], Reasoning(budget=int(match["value"]))
    if (match := _DASH_LEVEL.match(model)) and match["value"].lower() in _LEVELS:
        return match["base"], Reasoning(effort=match["value"].lower())
    lowered = model.lower()
    if lowered.endswith("-nothinking"):
        return model[: -len("-nothinking")], Reasoning(budget=0, include_thoughts=False)
    if lowered.endswith("-reasoning"):
        return model[: -len("-reasoning")], Reasoning(budget=-1, include_thoughts=True)
    if lowered.endswith("-thinking"):
        return model[: -len("-thinking")], Reasoning(effort="medium")
    return model, None


def _from_value(value: str) -> Reasoning | None:
    if value.lstrip("-").isdigit():
        budget = int(value)
        return Reasoning(budget=budget) if budget >= -1 else None  # -1 is the only negative (dynamic)
    if value.lower() in _LEVELS:
        return Reasoning(effort=value.lower())
    return None
