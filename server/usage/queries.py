"""Aggregates over the usage database for the management API and the GUI graphs.

Every query covers the window ``[since, until)`` in Unix seconds. A window spanning at least
``_MIN_ROLLUP_HOURS`` whole UTC hours reads those hours from the rollups (server.usage.rollup; totals
and groupings take whole UTC days from the daily ones) and only the partial hours at its edges from
``attempts`` (on the ``ts`` index, ``(model, ts)`` when filtered by model); the answer is exactly
the one the raw rows give, which ``rollups=False`` computes from them alone. Group labels are the
greatest label of the group (``MAX``) either way.

Time series are summed into UTC granules fine enough for every real UTC offset (1 minute for minute
buckets, 15 minutes otherwise) and folded into local buckets here, so day and hour buckets follow
the zone's DST rules. A rollup hour is used as one granule when its four quarters fall into the same
local bucket; an hour a bucket boundary cuts (e.g. every hour for hour buckets at UTC+05:30) is read
from the quarter-hour rollups instead. Minute series always read raw rows.

Latency and time to first token are reported as sums with the number of attempts that had one
(> 0), so means are exact; no percentiles are computed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

from server.usage.rollup import (
    DAILY,
    DAY,
    HOUR,
    HOURLY,
    QUARTER,
    QUARTERLY,
    RAW_SUMS,
    SUMS,
    floor_sql,
    hour_of,
    prune_before,
)
from server.usage.store import UsageStore

__all__ = ["Bucket", "GroupBy", "GroupTotals", "SeriesPoint", "Totals", "UsageQueries"]

GroupBy = Literal["model", "credential", "client_key", "provider"]
Bucket = Literal["minute", "hour", "day"]


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts, token sums and latency sums (with how many attempts had one) of a set of attempts."""

    requests: int = 0
    success: int = 0
    failure: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    latency_ms_sum: int = 0
    latency_count: int = 0
    ttft_ms_sum: int = 0
    ttft_count: int = 0

    @property
    def avg_latency_ms(self) -> float | None:
        return self.latency_ms_sum / self.latency_count if self.latency_count else None

    @property
    def avg_ttft_ms(self) -> float | None:
        return self.ttft_ms_sum / self.ttft_count if self.ttft_count else None


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
    latency_ms_sum: int = 0
    latency_count: int = 0
    ttft_ms_sum: int = 0
    ttft_count: int = 0

    @property
    def avg_latency_ms(self) -> float | None:
        return self.latency_ms_sum / self.latency_count if self.latency_count else None


_GROUPS: dict[GroupBy, tuple[str, str]] = {  # group key expression, label expression
    "model": ("model", "MAX(model)"),
    "provider": ("provider", "MAX(provider)"),
    "credential": ("credential_id", "MAX(credential_label)"),
    "client_key": ("CASE WHEN client_key_id != '' THEN client_key_id ELSE api END", "MAX(api)"),
}

_GRANULE: dict[Bucket, int] = {"minute": 60, "hour": 900, "day": 900}
_MIN_ROLLUP_HOURS = 3
"""Shorter windows read raw rows only (at most a few hours of them)."""
_FAR = 2.0**60
_RAW_SUMS = ", ".join(f"COALESCE({s}, 0)" for s in RAW_SUMS)
_ROLLUP_SUMS = ", ".join(f"COALESCE(SUM({s}), 0)" for s in SUMS)

_Range = tuple[float, float]
_Slot = tuple[float, str | None]  # bucket start (0 when not a series), group key
_Acc = dict[_Slot, tuple[list[str | None], list[int]]]


def _sql(table: str, granule: int | None, key_sql: str, label_sql: str, model: str | None) -> str:
    """One aggregate over ``attempts`` or a rollup table: ``g`` (granule start or NULL), ``k``, label,
    then the sums; parameters: [model,] window start, window end."""
    if table != "attempts":
        column, sums, g_sql = "start", _ROLLUP_SUMS, "start"
    else:
        column, sums = "ts", _RAW_SUMS
        g_sql = f"{floor_sql('ts', granule)} * {granule}" if granule else "NULL"
    if granule is None:
        g_sql = "NULL"
    where = ("model = ? AND " if model is not None else "") + f"{column} >= ? AND {column} < ?"
    groups = [name for name, expr in (("g", g_sql), ("k", key_sql)) if expr != "NULL"]
    group = f" GROUP BY {', '.join(groups)}" if groups else ""
    return f"SELECT {g_sql} AS g, {key_sql} AS k, {label_sql}, {sums} FROM {table} WHERE {where}{group}"


def _add(acc: _Acc, start: float, key: str | None, label: str | None, values: Sequence[int]) -> None:
    slot = (start, None if key is None else str(key))
    entry = acc.get(slot)
    if entry is None:
        acc[slot] = ([label], [int(v) for v in values])
        return
    best, sums = entry
    if label is not None and (best[0] is None or label > best[0]):
        best[0] = label
    for i, v in enumerate(values):
        sums[i] += int(v)


def _totals(v: list[int]) -> Totals:
    requests, failed = v[0], v[1]
    return Totals(requests, requests - failed, failed, *v[2:])


def _hour_ranges(hours: list[int]) -> list[tuple[int, int]]:
    """Sorted hour starts merged into contiguous ``[start, end)`` ranges."""
    out: list[tuple[int, int]] = []
    for h in hours:
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + HOUR)
        else:
            out.append((h, h + HOUR))
    return out


class UsageQueries:
    """Read-only aggregates over ``store``; ``tz`` is the zone of hour/day buckets (None: local).

    ``rollups=False`` reads raw rows only (the reference the rollup answers equal).
    """

    def __init__(self, store: UsageStore, *, tz: tzinfo | None = None, rollups: bool = True) -> None:
        self._store = store
        self._tz = tz
        self._rollups = rollups

    def _plan(self, since: float, until: float) -> tuple[list[_Range], tuple[int, int] | None]:
        """The raw-row ranges and the whole-hour rollup range that together cover ``[since, until)``."""
        if not self._rollups or not since < until:  # also catches NaN
            return [(since, until)], None
        lo, hi = max(since, -_FAR), min(until, _FAR)
        first, last = hour_of(lo), hour_of(hi)
        if first < lo:
            first += HOUR
        if last - first < _MIN_ROLLUP_HOURS * HOUR:
            return [(since, until)], None
        return [(since, float(first)), (float(last), until)], (first, last)

    def _collect(self, since: float, until: float, key_sql: str, label_sql: str, model: str | None) -> _Acc:
        """Sums and label per group key over the window (edges raw, whole hours and days from rollups)."""
        raw, hours = self._plan(since, until)
        pieces: list[tuple[str, int, int]] = []
        if hours is not None:  # whole UTC days from the daily rollups, the hours around them hourly
            first, last = hours
            day_first, day_last = hour_of(first, DAY), hour_of(last, DAY)
            if day_first < first:
                day_first += DAY
            if day_first < day_last:
                pieces = [(HOURLY, first, day_first), (DAILY, day_first, day_last), (HOURLY, day_last, last)]
            else:
                pieces = [(HOURLY, first, last)]
        acc: _Acc = {}
        with self._store.read() as conn:
            for table, start, end in pieces:
                if start < end:
                    sql = _sql(table, None, key_sql, label_sql, model)
                    for _, k, label, *values in conn.execute(sql, self._params(model, (start, end))):
                        _add(acc, 0.0, k, label, values)
            sql = _sql("attempts", None, key_sql, label_sql, model)
            for window in raw:
                for _, k, label, *values in conn.execute(sql, self._params(model, window)):
                    _add(acc, 0.0, k, label, values)
        return acc

    @staticmethod
    def _params(model: str | None, window: tuple[float, float] | tuple[int, int]) -> list[object]:
        return [model, *window] if model is not None else list(window)

    def totals(self, since: float, until: float, *, model: str | None = None) -> Totals:
        """Requests, successes, failures, tokens by kind and latency sums in the window."""
        acc = self._collect(since, until, "NULL", "NULL", model)
        entry = acc.get((0.0, None))
        return _totals(entry[1]) if entry else Totals()

    def grouped(self, since: float, until: float, by: GroupBy) -> list[GroupTotals]:
        """Totals per group, most requests first."""
        key_sql, label_sql = _GROUPS[by]
        acc = self._collect(since, until, key_sql, label_sql, None)
        groups = [GroupTotals(str(k), str(label[0]), _totals(v)) for (_, k), (label, v) in acc.items()]
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
        key_sql, label_sql = ("NULL", "NULL") if group_by is None else _GROUPS[group_by]
        raw, hours = self._plan(since, until) if bucket != "minute" else ([(since, until)], None)
        starts: dict[int, float] = {}

        def start_of(g: int) -> float:
            start = starts.get(g)
            if start is None:
                start = starts[g] = self._bucket_start(g, bucket)
            return start

        acc: _Acc = {}
        with self._store.read() as conn:
            if hours is not None:
                split: list[int] = []
                sql = _sql(HOURLY, HOUR, key_sql, label_sql, model)
                for g, k, label, *values in conn.execute(sql, self._params(model, hours)):
                    start = start_of(int(g))
                    if start != start_of(int(g) + HOUR - granule):
                        split.append(int(g))
                    else:
                        _add(acc, start, k, label, values)
                sql = _sql(QUARTERLY, QUARTER, key_sql, label_sql, model)
                for first, last in _hour_ranges(sorted(set(split))):  # quarters never straddle a bucket
                    for g, k, label, *values in conn.execute(sql, self._params(model, (first, last))):
                        _add(acc, start_of(int(g)), k, label, values)
            sql = _sql("attempts", granule, key_sql, label_sql, model)
            for window in raw:
                for g, k, label, *values in conn.execute(sql, self._params(model, window)):
                    _add(acc, start_of(int(g)), k, label, values)
        points = [SeriesPoint(start, k, label[0], *v) for (start, k), (label, v) in acc.items()]
        points.sort(key=lambda p: (p.start, p.key or ""))
        return points

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
        """Delete attempts older than ``days`` days before ``now`` and their share of the rollups.

        Returns how many attempts were deleted.
        """
        if days < 0:
            raise ValueError(f"retention days must be >= 0, not {days}")
        cutoff = (time.time() if now is None else now) - days * 86400
        with self._store.write() as conn:
            return prune_before(conn, cutoff)
