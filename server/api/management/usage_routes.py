"""Usage statistics: the original's ``/usage`` snapshot, ``/usage/export`` and ``/usage/import``, and this
port's ``/usage/series`` (graph points) and ``/usage/summary`` (totals by model, provider, account, key).

Latency and time to first token come as sums with the number of attempts that had one
(``latency_ms_sum`` / ``latency_count``, ``ttft_ms_sum`` / ``ttft_count``) and as their means
(``avg_latency_ms`` / ``avg_ttft_ms``, null when no attempt had one), in the totals, in each group
and in each series point; sums let a client merge buckets exactly.

Reads run off the event loop (SQLite); pending records are flushed first so an answer includes every
request finished before it was asked for.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import cast, get_args

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, route
from server.api.management.runtime import UsageLike, usage_of
from server.usage.queries import Bucket, GroupBy, GroupTotals, SeriesPoint, Totals
from server.usage.snapshot import SnapshotError, UnsupportedVersion, build_snapshot, export_snapshot
from server.usage.snapshot import import_snapshot as merge_snapshot

__all__ = ["usage_routes"]

_FLUSH_WAIT = 2.0
_BUCKETS: tuple[str, ...] = get_args(Bucket)
_GROUPS: tuple[str, ...] = get_args(GroupBy)
_DAY = 86400.0


def _usage(m: Management) -> UsageLike:
    usage = usage_of(m.service)
    if usage is None:
        raise ApiError(503, "usage statistics are not available in this build")
    return usage


async def _flushed(usage: UsageLike) -> None:
    await asyncio.to_thread(usage.recorder.flush, _FLUSH_WAIT)


async def get_usage(request: Request, m: Management) -> Response:
    usage = _usage(m)
    await _flushed(usage)
    snapshot = await asyncio.to_thread(build_snapshot, usage.store)
    return JSONResponse({"usage": snapshot, "failed_requests": snapshot["failure_count"]})


async def export_usage(request: Request, m: Management) -> Response:
    usage = _usage(m)
    await _flushed(usage)
    return JSONResponse(await asyncio.to_thread(export_snapshot, usage.store))


async def import_usage(request: Request, m: Management) -> Response:
    usage = _usage(m)
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "invalid json") from None
    await _flushed(usage)
    try:
        result = await asyncio.to_thread(merge_snapshot, usage.store, data)
    except UnsupportedVersion:
        raise ApiError(400, "unsupported version") from None
    except SnapshotError as exc:
        raise ApiError(
            400, str(exc) if str(exc).startswith("invalid json") else f"invalid json: {exc}"
        ) from None
    totals = await asyncio.to_thread(usage.queries.totals, 0.0, float(2**62))
    return JSONResponse(
        {
            "added": result.added,
            "skipped": result.skipped,
            "total_requests": totals.requests,
            "failed_requests": totals.failure,
        }
    )


def _number(request: Request, name: str, default: float) -> float:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ApiError(400, f"invalid {name}: expected Unix seconds, got {raw!r}") from None


def _window(request: Request, default_span: float) -> tuple[float, float]:
    until = _number(request, "until", time.time())
    since = _number(request, "since", until - default_span)
    if since >= until:
        raise ApiError(400, "invalid since: it must be earlier than until")
    return since, until


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if raw not in allowed:
        raise ApiError(400, f"invalid {name}: expected one of {', '.join(allowed)}")
    return raw


def _mean(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _timings(t: Totals | SeriesPoint) -> dict[str, int | float | None]:
    return {
        "latency_ms_sum": t.latency_ms_sum,
        "latency_count": t.latency_count,
        "avg_latency_ms": _mean(t.latency_ms_sum, t.latency_count),
        "ttft_ms_sum": t.ttft_ms_sum,
        "ttft_count": t.ttft_count,
        "avg_ttft_ms": _mean(t.ttft_ms_sum, t.ttft_count),
    }


def _totals(t: Totals) -> dict[str, int | float | None]:
    return {
        "requests": t.requests,
        "success": t.success,
        "failure": t.failure,
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
        "cached_tokens": t.cached_tokens,
        "reasoning_tokens": t.reasoning_tokens,
        "total_tokens": t.total_tokens,
        **_timings(t),
    }


def _groups(groups: list[GroupTotals]) -> list[dict[str, object]]:
    return [{"key": g.key, "label": g.label, **_totals(g.totals)} for g in groups]


async def usage_series(request: Request, m: Management) -> Response:
    bucket = _choice(request, "bucket", _BUCKETS, "hour")
    group_by = _choice(request, "group_by", _GROUPS, None)
    since, until = _window(request, _DAY)
    model = request.query_params.get("model") or None
    usage = _usage(m)
    await _flushed(usage)
    chosen_bucket, chosen_group = cast(Bucket, bucket), cast("GroupBy | None", group_by)
    points = await asyncio.to_thread(
        usage.queries.series, since, until, chosen_bucket, chosen_group, model=model
    )
    return JSONResponse(
        {
            "since": since,
            "until": until,
            "bucket": bucket,
            "group_by": group_by,
            "points": [
                {
                    "start": p.start,
                    "key": p.key,
                    "label": p.label,
                    "requests": p.requests,
                    "failures": p.failures,
                    "input_tokens": p.input_tokens,
                    "output_tokens": p.output_tokens,
                    "cached_tokens": p.cached_tokens,
                    "reasoning_tokens": p.reasoning_tokens,
                    "total_tokens": p.total_tokens,
                    **_timings(p),
                }
                for p in points
            ],
        }
    )


async def usage_summary(request: Request, m: Management) -> Response:
    since, until = _window(request, 30 * _DAY)
    usage = _usage(m)
    await _flushed(usage)
    queries = usage.queries

    def collect() -> dict[str, object]:
        return {
            "since": since,
            "until": until,
            "totals": _totals(queries.totals(since, until)),
            "by_model": _groups(queries.grouped(since, until, "model")),
            "by_provider": _groups(queries.grouped(since, until, "provider")),
            "by_credential": _groups(queries.grouped(since, until, "credential")),
            "by_client_key": _groups(queries.grouped(since, until, "client_key")),
        }

    return JSONResponse(await asyncio.to_thread(collect))


def usage_routes() -> list[BaseRoute]:
    return [
        route("/usage", get_usage, ["GET"]),
        route("/usage/export", export_usage, ["GET"]),
        route("/usage/import", import_usage, ["POST"]),
        route("/usage/series", usage_series, ["GET"]),
        route("/usage/summary", usage_summary, ["GET"]),
    ]
