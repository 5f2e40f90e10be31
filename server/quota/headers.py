"""Quota windows read from upstream response headers: Codex (ChatGPT) and Claude (subscription).

Pure functions of the headers and the current time. Header names are looked up in lower case, so
pass ``httpx.Headers`` (case-insensitive) or a dict with lower-case names. Anything missing or
unparsable is skipped; no headers of interest means ``[]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from server.quota.book import QuotaWindow, clamp_percent

__all__ = ["HEADER_PARSERS", "HeaderParser", "claude_windows", "codex_windows", "minutes_label"]

HeaderParser = Callable[[Mapping[str, str], float], list[QuotaWindow]]

_FIVE_HOURS = 300
_WEEK = 10080
_CLAUDE_KNOWN = {"5h": "5-hour", "7d": "Weekly"}
_CLAUDE_UTILIZATION = re.compile(r"^anthropic-ratelimit-unified-(?P<window>[a-z0-9_]+)-utilization$")


def _number(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def minutes_label(minutes: int) -> str:
    """A window length for people: ``90-minute``, ``5-hour``, ``Weekly``, ``3-day``."""
    if minutes == _WEEK:
        return "Weekly"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}-day"
    if minutes % 60 == 0:
        return f"{minutes // 60}-hour"
    return f"{minutes}-minute"


def codex_windows(headers: Mapping[str, str], now: float) -> list[QuotaWindow]:
    """``x-codex-{primary,secondary}-*``: used percent, window minutes, reset (at / after seconds)."""
    if "x-codex-primary-used-percent" not in headers and "x-codex-secondary-used-percent" not in headers:
        return []  # API keys: nothing to read (keeps the common case to two lookups)
    out: list[QuotaWindow] = []
    for slot in ("primary", "secondary"):
        used = _number(headers, f"x-codex-{slot}-used-percent")
        if used is None:
            continue
        minutes = _number(headers, f"x-codex-{slot}-window-minutes")
        reset_at = _number(headers, f"x-codex-{slot}-reset-at")
        reset_after = _number(headers, f"x-codex-{slot}-reset-after-seconds")
        if reset_at is not None and reset_at > 0:
            resets: float | None = reset_at
        elif reset_after is not None and reset_after >= 0:
            resets = now + reset_after
        else:
            resets = None
        whole = int(minutes) if minutes is not None and minutes > 0 else None
        if whole == _FIVE_HOURS:
            window, label = "5h", "5-hour"
        elif whole == _WEEK:
            window, label = "7d", "Weekly"
        else:
            window = slot
            label = minutes_label(whole) if whole is not None else slot.capitalize()
        out.append(QuotaWindow(window, label, clamp_percent(used), resets, now, "headers"))
    return out


def claude_windows(headers: Mapping[str, str], now: float) -> list[QuotaWindow]:
    """``anthropic-ratelimit-unified-<w>-utilization`` (a 0..1 fraction) and ``-<w>-reset`` (Unix s).

    ``5h`` and ``7d`` are the subscription's 5-hour and weekly windows; other window names the
    upstream sends (per model family weekly limits) are kept under their own name.
    """
    if (
        "anthropic-ratelimit-unified-status" not in headers
        and "anthropic-ratelimit-unified-5h-utilization" not in headers
    ):
        return []  # API keys: no subscription windows (keeps the common case to two lookups)
    names = {"5h", "7d"}
    for name in headers.keys():
        match = _CLAUDE_UTILIZATION.match(name.lower())
        if match is not None:
            names.add(match["window"])
    out: list[QuotaWindow] = []
    for window in sorted(names):
        fraction = _number(headers, f"anthropic-ratelimit-unified-{window}-utilization")
        if fraction is None:
            continue
        reset = _number(headers, f"anthropic-ratelimit-unified-{window}-reset")
        label = _CLAUDE_KNOWN.get(window) or _claude_label(window)
        resets = reset if reset is not None and reset > 0 else None
        out.append(QuotaWindow(window, label, clamp_percent(fraction * 100.0), resets, now, "headers"))
    return out


def _claude_label(window: str) -> str:
    """``7d_opus`` → ``Weekly (opus)``; anything else as sent."""
    base, _, family = window.partition("_")
    known = _CLAUDE_KNOWN.get(base)
    if known and family:
        return f"{known} ({family.replace('_', ' ')})"
    return window


HEADER_PARSERS: dict[str, HeaderParser] = {"codex": codex_windows, "claude": claude_windows}
"""Parsers by provider module name (``Provider.name``); other providers send nothing to read."""
