"""Rollups of ``attempts``: per quarter hour, hour and day; the granule of a row; keeping them in step.

``usage_hourly`` holds one row per UTC hour and (model, provider, credential id and label, client
key id, api bucket, status class) with the request count, the failures, the five token sums and the
latency / time-to-first-token sums together with the number of rows that had one (> 0), so averages
can be derived. ``usage_daily`` is the same per UTC day (window totals and groupings read whole
days from it) and ``usage_quarterly`` per 15 minutes (series in a zone whose bucket boundaries cut
UTC hours, UTC+05:30, +05:45, -03:30, ..., read the cut hours from it). All always equal the
aggregate of the stored ``attempts``: ``add_to_rollups`` folds each inserted batch in within the
inserting transaction, the schema migration builds them from the existing rows in its own
transaction, and ``prune_before`` deletes from all tables together.

The granule of a row is ``floor(ts / granule)`` computed exactly on the stored float ``ts`` (the
value the range queries compare), in Python and in SQL alike, so a row never counts on both sides of
a boundary: a range query may take whole hours from here and the partial edges from ``attempts``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.usage.store import Attempt

__all__ = [
    "DAILY",
    "DAY",
    "DIMENSIONS",
    "HOUR",
    "HOURLY",
    "QUARTER",
    "QUARTERLY",
    "TABLES",
    "MIGRATION",
    "RAW_SUMS",
    "SUMS",
    "add_to_rollups",
    "floor_sql",
    "hour_of",
    "prune_before",
    "status_class",
]

QUARTER = 900
HOUR = 3600
DAY = 86400
QUARTERLY = "usage_quarterly"
HOURLY = "usage_hourly"
DAILY = "usage_daily"
TABLES = {QUARTERLY: QUARTER, HOURLY: HOUR, DAILY: DAY}
"""Rollup table -> its granule in seconds (the ``start`` column is a multiple of it), finest first."""

DIMENSIONS = ("model", "provider", "credential_id", "credential_label", "client_key_id", "api")
"""The text columns a rollup row is keyed by (besides the hour and the status class)."""

SUMS = (
    "requests",
    "failures",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "total_tokens",
    "latency_ms",
    "latency_count",
    "ttft_ms",
    "ttft_count",
)
"""The summed columns of ``usage_hourly``, in the order every aggregate reports them."""

RAW_SUMS = (
    "COUNT(*)",
    "SUM(failed)",
    "SUM(input_tokens)",
    "SUM(output_tokens)",
    "SUM(cached_tokens)",
    "SUM(reasoning_tokens)",
    "SUM(total_tokens)",
    "SUM(latency_ms)",
    "SUM(latency_ms > 0)",
    "SUM(ttft_ms)",
    "SUM(ttft_ms > 0)",
)
"""The same sums computed over ``attempts`` rows."""

_KEY = ("start", *DIMENSIONS, "status_class")
_STATUS_CLASS_SQL = "CASE WHEN status >= 0 AND status < 1000 THEN status / 100 ELSE 0 END"


def floor_sql(column: str, granule: int) -> str:
    """SQL for ``floor(column / granule)`` that is exact on a REAL column (no CAST rounding surprise).

    The float quotient may round up to the next integer just below a boundary, and CAST truncates
    towards zero; both are corrected against the column itself.
    """
    q = f"({column} / {granule}.0)"
    t = f"CAST({q} AS INTEGER)"
    f = f"({t} - ({t} > {q}))"
    return f"({f} - ({f} * {granule} > {column}))"


def hour_of(ts: float, granule: int = HOUR) -> int:
    """Unix seconds of the UTC hour (or other granule) holding ``ts``: exact, the same as ``floor_sql``."""
    return int(ts // granule) * granule


def status_class(status: int) -> int:
    """2 for 2xx, 4 for 4xx, ...; 0 for no or a nonsensical status."""
    return status // 100 if 0 <= status < 1000 else 0


def _table(name: str) -> str:
    return f"""CREATE TABLE {name} (
    start INTEGER NOT NULL,
    {", ".join(f"{d} TEXT NOT NULL" for d in DIMENSIONS)},
    status_class INTEGER NOT NULL,
    {", ".join(f"{s} INTEGER NOT NULL" for s in SUMS)},
    PRIMARY KEY ({", ".join(_KEY)})
) WITHOUT ROWID"""


def _build(name: str, where: str = "") -> str:
    """INSERT ... SELECT of the aggregates of ``attempts`` rows (matching ``where``) into ``name``."""
    granule = TABLES[name]
    return (
        f"INSERT INTO {name} ({', '.join((*_KEY, *SUMS))})"
        f" SELECT {floor_sql('ts', granule)} * {granule} AS g, {', '.join(DIMENSIONS)},"
        f" {_STATUS_CLASS_SQL} AS sc, {', '.join(RAW_SUMS)} FROM attempts{where}"
        f" GROUP BY g, {', '.join(DIMENSIONS)}, sc"
    )


def _coarsen(name: str, source: str) -> str:
    """INSERT ... SELECT of the rows of the finer rollup table ``source`` summed into ``name``."""
    granule = TABLES[name]
    return (
        f"INSERT INTO {name} ({', '.join((*_KEY, *SUMS))})"
        f" SELECT {floor_sql('start', granule)} * {granule} AS g, {', '.join(DIMENSIONS)}, status_class,"
        f" {', '.join(f'SUM({s})' for s in SUMS)} FROM {source}"
        f" GROUP BY g, {', '.join(DIMENSIONS)}, status_class"
    )


MIGRATION: tuple[str, ...] = (
    *(_table(name) for name in TABLES),
    _build(QUARTERLY),
    _coarsen(HOURLY, QUARTERLY),
    _coarsen(DAILY, HOURLY),
)
"""Schema 1 -> 2: the rollup tables, filled from the rows already stored (one pass over them)."""


def _upsert(name: str) -> str:
    return (
        f"INSERT INTO {name} ({', '.join((*_KEY, *SUMS))})"
        f" VALUES ({', '.join('?' * (len(_KEY) + len(SUMS)))})"
        f" ON CONFLICT ({', '.join(_KEY)})"
        f" DO UPDATE SET {', '.join(f'{s} = {s} + excluded.{s}' for s in SUMS)}"
    )


_UPSERTS = {name: _upsert(name) for name in TABLES}
_Key = tuple[int, str, str, str, str, str, str, int]  # granule start, DIMENSIONS, status class


def add_to_rollups(conn: sqlite3.Connection, attempts: Sequence[Attempt]) -> None:
    """Fold ``attempts`` (just inserted into ``attempts`` in the same transaction) into the rollups."""
    quarters: dict[_Key, list[int]] = {}
    for a in attempts:
        key = (
            hour_of(a.ts, QUARTER),
            a.model,
            a.provider,
            a.credential_id,
            a.credential_label,
            a.client_key_id,
            a.api,
            status_class(a.status),
        )
        s = quarters.get(key)
        if s is None:
            s = quarters[key] = [0] * len(SUMS)
        s[0] += 1
        s[1] += 1 if a.failed else 0
        s[2] += a.input_tokens
        s[3] += a.output_tokens
        s[4] += a.cached_tokens
        s[5] += a.reasoning_tokens
        s[6] += a.total_tokens
        s[7] += a.latency_ms
        s[8] += 1 if a.latency_ms > 0 else 0
        s[9] += a.ttft_ms
        s[10] += 1 if a.ttft_ms > 0 else 0
    hours = _coarser(quarters, HOUR)  # an hour is the sum of its quarters, a day of its hours
    days = _coarser(hours, DAY)
    for name, acc in ((QUARTERLY, quarters), (HOURLY, hours), (DAILY, days)):
        conn.executemany(_UPSERTS[name], [(*key, *sums) for key, sums in acc.items()])


def _coarser(fine: dict[_Key, list[int]], granule: int) -> dict[_Key, list[int]]:
    out: dict[_Key, list[int]] = {}
    for key, sums in fine.items():
        coarse = (hour_of(key[0], granule), *key[1:])
        acc = out.get(coarse)
        if acc is None:
            out[coarse] = list(sums)
        else:
            for i, v in enumerate(sums):
                acc[i] += v
    return out


def prune_before(conn: sqlite3.Connection, cutoff: float) -> int:
    """Delete attempts with ``ts < cutoff`` and their rollups (inside the caller's transaction).

    Granules wholly before the cutoff are dropped; the one holding it is rebuilt from the rows that
    remain in it, so the rollups stay exactly the aggregate of ``attempts``. Returns the rows deleted.
    """
    deleted = conn.execute("DELETE FROM attempts WHERE ts < ?", (cutoff,)).rowcount
    if deleted:
        for name, granule in TABLES.items():
            edge = hour_of(cutoff, granule)
            conn.execute(f"DELETE FROM {name} WHERE start <= ?", (edge,))
            conn.execute(_build(name, " WHERE ts >= ? AND ts < ?"), (float(edge), float(edge + granule)))
    return deleted
