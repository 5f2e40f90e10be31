"""One usage record: what a single upstream attempt cost and how it ended."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["UsageRecord", "UsageSink"]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Published after every upstream attempt, successful or not.

    ``client_key`` is the raw key that authenticated the request ("" on an open proxy); sinks must
    never persist it. ``route`` is ``"<METHOD> <route pattern>"`` (the usage bucket when there is no
    client key), ``source`` the account / credential shown per detail (never an upstream key), and
    ``auth_index`` the original's credential index (first 16 hex of SHA-256 over ``file:<name>``,
    ``api_key:<key>`` or ``id:<id>``; derived from ``credential_id`` when empty).
    """

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
    ttft_ms: int = 0
    route: str = ""
    source: str = ""
    auth_index: str = ""


UsageSink = Callable[[UsageRecord], None]
"""Receives every record on the server loop; must not block."""
