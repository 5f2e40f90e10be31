"""When a credential file's token expires and when it is due for a refresh (providers.md §1.3); pure.

Expiry keys (first match wins, then the same keys inside a nested ``token`` object): ``expired``,
``expire``, ``expires_at``, ``expiresAt``, ``expiry``, ``expires``. Accepted values: RFC 3339 (with or
without fractions), ``YYYY-MM-DD HH:MM:SS``, ``YYYY-MM-DD HH:MM`` (UTC), or a Unix time (numbers above
10^12 are milliseconds).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Protocol

from server.jsontypes import JSON, JSONObject

__all__ = [
    "EXPIRY_KEYS",
    "LAST_REFRESH_KEYS",
    "ExpiryReader",
    "expires_at",
    "format_rfc3339",
    "last_refresh_of",
    "parse_duration",
    "parse_time",
    "refresh_due",
    "refresh_interval_of",
]

EXPIRY_KEYS = ("expired", "expire", "expires_at", "expiresAt", "expiry", "expires")
LAST_REFRESH_KEYS = ("last_refresh", "lastRefresh", "last_refreshed_at", "lastRefreshedAt")
_INTERVAL_KEYS = ("refresh_interval_seconds", "refreshIntervalSeconds", "refresh_interval", "refreshInterval")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class ExpiryReader(Protocol):
    def expires_at(self, data: JSONObject) -> float | None: ...


def parse_time(value: JSON) -> float | None:
    """Unix seconds of a timestamp in any accepted form; ``None`` when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _unix(float(value)) if value > 0 else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return _unix(float(text))
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _unix(number: float) -> float:
    return number / 1000.0 if number > 1e12 else number


def _first_time(data: JSONObject, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if key in data:
            found = parse_time(data[key])
            if found is not None:
                return found
    return None


def expires_at(data: JSONObject, provider: object = None) -> float | None:
    """The token expiry of a file: the provider's own reading when it has one, else §1.3's keys."""
    reader = getattr(provider, "expires_at", None)
    if callable(reader):
        value = reader(data)
        return float(value) if isinstance(value, int | float) else None
    found = _first_time(data, EXPIRY_KEYS)
    token = data.get("token")
    if found is None and isinstance(token, dict):
        found = _first_time(token, EXPIRY_KEYS)
    return found


def last_refresh_of(data: JSONObject) -> float | None:
    return _first_time(data, LAST_REFRESH_KEYS)


def parse_duration(value: JSON) -> float | None:
    """Seconds of a number, a digit string, or a Go duration such as ``1h30m`` / ``90s``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = 0.0
        position = 0
        for match in _DURATION_PART.finditer(text):
            if match.start() != position:
                return None
            number += float(match[1]) * _UNITS[match[2]]
            position = match.end()
        if position != len(text) or not text:
            return None
    return number if number > 0 else None


def refresh_interval_of(data: JSONObject) -> float | None:
    for key in _INTERVAL_KEYS:
        if key in data:
            found = parse_duration(data[key])
            if found is not None:
                return found
    return None


def refresh_due(data: JSONObject, *, lead: float | None, now: float, expiry: float | None) -> bool:
    """Whether the background loop should refresh this file now (§1.3's rule).

    A file's own ``refresh_interval_seconds`` wins: refresh when expiry is within it or the last
    refresh is that old. Otherwise the provider's ``lead``: with an expiry, when it is within the
    lead; without one, when the last refresh is a lead old; with neither, now. ``lead=None``
    means the provider has no background refresh.
    """
    interval = refresh_interval_of(data)
    last = last_refresh_of(data)
    if interval is not None:
        if expiry is None and last is None:
            return True
        return (expiry is not None and expiry - now <= interval) or (
            last is not None and now - last >= interval
        )
    if lead is None:
        return False
    if expiry is not None:
        return expiry - now <= lead
    if last is not None:
        return now - last >= lead
    return True


def format_rfc3339(timestamp: float) -> str:
    """RFC 3339 in local time with its offset, whole seconds (the original's ``expired`` format)."""
    return datetime.fromtimestamp(int(timestamp), UTC).astimezone().isoformat()
