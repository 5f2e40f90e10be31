"""How well requests went, for the Usage page: success-rate and latency chart lines, and timing texts.

Latency means come from the server's sums and counts (``/usage/series`` and ``/usage/summary``), so
buckets merge exactly. A bucket without requests (or without a timing) has no value: its chart point
is NaN, which the chart draws as a gap instead of a misleading 100 % or 0 ms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from gui.i18n import tr
from gui.models import UsagePoint, UsageSummary
from gui.widgets.chart import ChartSeries

__all__ = ["duration_text", "quality_series", "timing_text"]

_SUCCESS, _LATENCY, _TTFT = "#30a46c", "#8e4ec6", "#0ea5e9"


def duration_text(ms: float | None) -> str:
    """``850 ms``, ``1.2 s``; ``—`` when there is no measurement."""
    if ms is None:
        return "—"
    if ms < 1000:
        return tr("{ms} ms").format(ms=f"{ms:.0f}")
    return tr("{s} s").format(s=f"{ms / 1000:.1f}")


def timing_text(summary: UsageSummary) -> str:
    """The timing line of a period's card ("" when no request of the period has a timing)."""
    if not (summary.latency_count or summary.ttft_count):
        return ""
    return tr("Average latency {latency} · first token {ttft}").format(
        latency=duration_text(summary.avg_latency_ms), ttft=duration_text(summary.avg_ttft_ms)
    )


def _values(points: Sequence[UsagePoint], pick: Callable[[UsagePoint], float | None]) -> tuple[float, ...]:
    return tuple(math.nan if (value := pick(p)) is None else float(value) for p in points)


def _percent(point: UsagePoint) -> float | None:
    rate = point.success_rate
    return None if rate is None else 100 * rate


def quality_series(points: Sequence[UsagePoint]) -> tuple[list[ChartSeries], list[ChartSeries]]:
    """The success-rate line (percent) and the average latency / time-to-first-token lines (ms)."""
    success = [ChartSeries(tr("Succeeded"), _SUCCESS, _values(points, _percent), "%")]
    latency = [
        ChartSeries(tr("Average latency"), _LATENCY, _values(points, lambda p: p.avg_latency_ms), " ms"),
        ChartSeries(tr("Time to first token"), _TTFT, _values(points, lambda p: p.avg_ttft_ms), " ms"),
    ]
    return success, latency
