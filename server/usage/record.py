"""One usage record: what a single upstream attempt cost and how it ended."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["UsageRecord", "UsageSink"]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Published after every upstream attempt, successful or not."""

    timestamp: float
    client_key: str
    provider: str
    credential_id: str
    credential_label: str
    requested_model: str
    upstream_model: str
    status: int
    failed: bool
    stream: bool
    latency_ms: int
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    total_tokens: int = 0


UsageSink = Callable[[UsageRecord], None]
"""Receives every record on the server loop; must not block."""
