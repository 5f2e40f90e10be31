"""Retry hints: how long an upstream asked us to wait, read from its error headers and body.

Pure: the current time is passed in (Unix seconds). Every function answers seconds > 0 or None.
Body hints are only read from 429 answers; a ``Retry-After`` header counts on any status.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "anthropic_hint",
    "codex_hint",
    "google_hint",
    "parse_go_duration",
    "parse_retry_after",
    "retry_after_hint",
]

_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|h|m|s)")
_DURATION_FULL = re.compile(r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|h|m|s))+")
_AFTER_TEXT = re.compile(
    r"after\s+(?:(\d+(?:\.\d+)?)\s*(?:seconds|second|secs|sec|s)\b|"
    r"((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|h|m|s))+))",
    re.IGNORECASE,
)


def parse_go_duration(text: str) -> float | None:
    """Seconds in a Go/protobuf duration (``"0.847s"``, ``"373.8ms"``, ``"1m30s"``), else None."""
    text = text.strip()
    if not text or not _DURATION_FULL.fullmatch(text):
        return None
    return sum(float(num) * _UNIT_SECONDS[unit] for num, unit in _DURATION.findall(text))


def parse_retry_after(value: str, now: float) -> float | None:
    """An HTTP ``Retry-After`` value: delta seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        return _positive(float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _positive(when.timestamp() - now)


def retry_after_hint(headers: Mapping[str, str], now: float) -> float | None:
    """The ``Retry-After`` header, if present and readable."""
    value = _header(headers, "retry-after")
    return parse_retry_after(value, now) if value else None


def google_hint(status: int, body: bytes, headers: Mapping[str, str], now: float) -> float | None:
    """Google errors: ``RetryInfo.retryDelay``, then ``ErrorInfo.metadata.quotaResetDelay``, then
    "after N s" in ``error.message`` (providers.md §2.6), then ``Retry-After``."""
    if status == 429:
        error = _error_object(body)
        if error is not None:
            hint = _google_body_hint(error)
            if hint is not None:
                return hint
    return retry_after_hint(headers, now)


def _google_body_hint(error: dict[str, Any]) -> float | None:
    details = error.get("details")
    details = details if isinstance(details, list) else []
    for kind, field in ((_RETRY_INFO, "retryDelay"), (_ERROR_INFO, "quotaResetDelay")):
        for item in details:
            if not isinstance(item, dict) or item.get("@type") != kind:
                continue
            holder = item if kind == _RETRY_INFO else item.get("metadata")
            value = holder.get(field) if isinstance(holder, dict) else None
            seconds = parse_go_duration(value) if isinstance(value, str) else None
            if seconds is not None and seconds > 0:
                return seconds
    message = error.get("message")
    if isinstance(message, str):
        match = _AFTER_TEXT.search(message)
        if match:
            plain, duration = match.groups()
            seconds = float(plain) if plain else parse_go_duration(duration or "")
            return _positive(seconds)
    return None


def codex_hint(status: int, body: bytes, headers: Mapping[str, str], now: float) -> float | None:
    """Codex ``usage_limit_reached``: ``resets_at`` (Unix seconds) − now if still ahead, else
    ``resets_in_seconds`` (providers.md §4.6); then ``Retry-After``."""
    if status == 429:
        error = _error_object(body)
        if error is not None and error.get("type") == "usage_limit_reached":
            resets_at = _number(error.get("resets_at"))
            if resets_at is not None and resets_at > now:
                return resets_at - now
            hint = _positive(_number(error.get("resets_in_seconds")))
            if hint is not None:
                return hint
    return retry_after_hint(headers, now)


def anthropic_hint(status: int, body: bytes, headers: Mapping[str, str], now: float) -> float | None:
    """Anthropic: ``retry-after``, else on 429 the ``anthropic-ratelimit-*-reset`` headers.

    Resets are RFC 3339 times (the unified limits may send Unix seconds). The latest reset of an
    exhausted limit (``*-remaining: 0`` or ``*-status: rejected``) wins; when none is marked
    exhausted, the earliest future reset is used.
    """
    hint = retry_after_hint(headers, now)
    if hint is not None or status != 429:
        return hint
    exhausted: list[float] = []
    others: list[float] = []
    for name, value in headers.items():
        lowered = name.lower()
        if not (lowered.startswith("anthropic-ratelimit-") and lowered.endswith("-reset")):
            continue
        seconds = _reset_seconds(value, now)
        if seconds is None:
            continue
        stem = lowered[: -len("-reset")]
        remaining = _header(headers, f"{stem}-remaining")
        state = _header(headers, f"{stem}-status")
        is_out = remaining.strip() == "0" or state.strip().lower() == "rejected"
        (exhausted if is_out else others).append(seconds)
    if exhausted:
        return max(exhausted)
    return min(others) if others else None


def _reset_seconds(value: str, now: float) -> float | None:
    value = value.strip()
    number = _number_text(value)
    if number is not None:
        return _positive(number - now)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return _positive(when.timestamp() - now)


def _error_object(body: bytes) -> dict[str, Any] | None:
    """The ``error`` object of a JSON error body (Google sometimes wraps it in a list)."""
    if not body or b"error" not in body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(data, list) and data:
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is not None:
        return value
    for key, val in headers.items():
        if key.lower() == name:
            return val
    return ""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return _number_text(value) if isinstance(value, str) else None


def _number_text(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _positive(seconds: float | None) -> float | None:
    return seconds if seconds is not None and seconds > 0 and math.isfinite(seconds) else None
