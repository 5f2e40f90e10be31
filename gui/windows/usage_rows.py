"""Rows of the Usage page's per-model table: totals per model summed from a ``group_by=model`` series."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gui.i18n import tr
from gui.models import UsageSeries

__all__ = ["ModelUsage", "model_usage"]


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """One row of the per-model table."""

    model: str
    requests: int
    failures: int
    input_tokens: int
    output_tokens: int

    @property
    def success(self) -> float:
        return 1.0 - self.failures / self.requests if self.requests else 1.0


def model_usage(series: Sequence[UsageSeries]) -> list[ModelUsage]:
    """Totals per model from a ``group_by=model`` series, most used first."""
    rows = [
        ModelUsage(
            line.label or line.group or tr("(unknown)"),
            sum(p.requests for p in line.points),
            sum(p.failures for p in line.points),
            sum(p.input_tokens for p in line.points),
            sum(p.output_tokens for p in line.points),
        )
        for line in series
    ]
    return sorted((r for r in rows if r.requests), key=lambda r: (-r.requests, r.model))
