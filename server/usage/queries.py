"""Aggregates over the usage database for the management API and the GUI graphs.

Every query covers the window ``[since, until)`` in Unix seconds and runs on the ``ts`` index
(``(model, ts)`` when filtered by model). Time series are summed by SQLite into UTC granules fine
enough for every real UTC offset (1 minute for minute buckets, 15 minutes otherwise) and folded
into local buckets here, so day and hour buckets follow the zone's DST rules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

from server.usage.store import UsageStore

__all__ = ["Bucket", "GroupBy", "GroupTotals", "SeriesPoint", "Totals", "UsageQueries"]

GroupBy = Literal["model", "credential", "client_key", "provider"]
Bucket = Literal["minute", "hour", "day"]


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts and token sums of a set of attempts."""

    requests: int = 0
    success: int = 0
    failure: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """Totals of one group: ``key`` identifies it, ``label`` is what to show.

    model / provider: both are the name. credential: the credential id and its label. client_key:
    the key id (or the api bucket when there was no key, e.g. ``"POST /v1/messages"``) and the
    masked key (or that bucket).
    """

    key: str
    label: str
    totals: Totals


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One bucket of a time series (``key``/``label`` are None when not grouped)."""

    start: float
    key: str | None
    label: str | None
    requests: int
    failures: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    total_tokens: int


_SUMS = (
    "COUNT(*), COALESCE(SUM(failed), 0), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),"
    " COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(total_tokens), 0)"
)

_GROUPS: dict[GroupBy, tuple[str, str]] = {  # group key expression, label expression
    "model": ("model", "MAX(model)"),
    "provider": ("provider", "MAX(provider)"),
    "credential": ("credential_id", "MAX(credential_label)"),
    "client_key": ("CASE WHEN client_key_id != '' THEN client_key_id ELSE api END", "MAX(api)"),
}

_GRANULE: dict[Bucket, int] = {"minute": 60, "hour": 900, "day": 900}


def _totals(row: tuple[int, ...]) -> Totals:
    requests, failed, inp, out, cached, reasoning, total = (int(v) for v in row)
    return Totals(requests, requests - failed, failed, inp, out, cached, reasoning, total)


class UsageQueries:
    """Read-only aggregates over ``store``; ``tz`` is the zone of hour/day buckets (None: local)."""

    def __init__(self, store: UsageStore, *, tz: tzinfo | None = None) -> None:
        self._store = store
        self._tz = tz

    @staticmethod
    def _where(since: float, until: float, model: str | None) -> tuple[str, list[object]]:
        params: list[object] = [float(since), float(until)]
        if model is None:
            return "ts >= ? AND ts < ?", params
        return "model = ? AND ts >= ? AND ts < ?", [model, *params]

    def totals(self, since: float, until: float, *, model: str | None = None) -> Totals:
        """Requests, successes, failures and tokens by kind in the window."""
        where, params = self._where(since, until, model)
        with self._store.read() as conn:
            row = conn.execute(f"SELECT {_SUMS} FROM attempts WHERE {where}", params).fetchone()
        return _totals(row)

    def grouped(self, since: float, until: float, by: GroupBy) -> list[GroupTotals]:
        """Totals per group, most requests first."""
        key_sql, label_sql = _GROUPS[by]
        where, params = self._where(since, until, None)
        sql = f"SELECT {key_sql} AS k, {label_sql}, {_SUMS} FROM attempts WHERE {where} GROUP BY k"
        with self._store.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        groups = [GroupTotals(str(r[0]), str(r[1]), _totals(r[2:])) for r in rows]
        groups.sort(key=lambda g: (-g.totals.requests, g.key))
        return groups

    def series(
        self,
        since: float,
        until: float,
        bucket: Bucket,
        group_by: GroupBy | None = None,
        *,
        model: str | None = None,
    ) -> list[SeriesPoint]:
        """Points of the buckets that have data, ordered by start then key.

        ``start`` is the Unix time at which the local minute / hour / day began.
        """
        granule = _GRANULE[bucket]
        where, params = self._where(since, until, model)
        if group_by is None:
            key_sql, label_sql, group = "NULL", "NULL", "g"
        else:
            key_sql, label_sql = _GROUPS[group_by]
            group = "g, k"
        sql = (
            f"SELECT CAST(ts / {granule} AS INTEGER) AS g, {key_sql} AS k, {label_sql}, {_SUMS}"
            f" FROM attempts WHERE {where} GROUP BY {group}"
        )
        with self._store.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        starts: dict[int, float] = {}
        sums: dict[tuple[float, str | None], list[int]] = {}
        labels: dict[tuple[float, str | None], str | None] = {}
        for g, key, label, *values in rows:
            start = starts.get(g)
            if start is None:
                start = starts[g] = self._bucket_start(int(g) * granule, bucket)
            slot = (start, None if key is None else str(key))
            acc = sums.setdefault(slot, [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += int(v)
            labels[slot] = None if label is None else str(label)
        return [
            SeriesPoint(start, key, labels[(start, key)], acc[0], acc[1], *acc[2:])
            for (start, key), acc in sorted(sums.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        ]

    def _bucket_start(self, granule_start: int, bucket: Bucket) -> float:
        if bucket == "minute":
            return float(granule_start)  # every zone in use is offset by whole minutes
        # naive local datetimes go through mktime, which applies the DST rule of the bucket start
        try:
            dt = datetime.fromtimestamp(granule_start, self._tz)
        except (OverflowError, OSError, ValueError):  # e.g. pre-1970 local time on Windows
            dt = datetime.fromtimestamp(granule_start, UTC)
        dt = dt.replace(minute=0, second=0, microsecond=0)
        if bucket == "day":
            dt = dt.replace(hour=0)
        return dt.timestamp()

    def retention(self, days: float, *, now: float | None = None) -> int:
        """Delete attempts older than ``days`` days before ``now``; returns how many were deleted."""
        if days < 0:
            raise ValueError(f"retention days must be >= 0, not {days}")
        cutoff = (time.time() if now is None else now) - days * 86400
        with self._store.write() as conn:
            return conn.execute("DELETE FROM attempts WHERE ts < ?", (cutoff,)).rowcount
