"""The original's usage snapshot JSON: built from the store, exported, and imported with dedup.

Shape (server.md §4.2): global counters, ``requests_by_day`` / ``requests_by_hour`` /
``tokens_by_day`` / ``tokens_by_hour`` (local time, hours folded into ``"00"``-``"23"``) and
``apis[bucket].models[model].details[]``. The api bucket is the masked client key (the original
shows it in plain text; this port never stores it), the route, the provider or ``unknown``.

Details carry, besides the original's five fields, this port's extra attempt fields (provider,
upstream model, credential, key id, status, stream, latencies). The original's importer ignores
unknown fields; ours reads them back, so an export round-trips every column.

Import (§4.3) reads only the details and recomputes everything else. A detail is skipped when an
identical one exists already or came earlier in the same import: api bucket + model + timestamp
(UTC nanoseconds) + source + auth_index (numeric or string, compared as a string) + failed + the
five token counts after total normalisation. A bucket holding a plain client key is masked first.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from server.jsontypes import JSON, JSONObject
from server.usage.store import (
    Attempt,
    UsageStore,
    client_key_id,
    insert_into,
    mask_key,
    normalise_total,
)

__all__ = [
    "ImportResult",
    "SnapshotError",
    "UnsupportedVersion",
    "build_snapshot",
    "export_snapshot",
    "format_timestamp",
    "import_snapshot",
    "parse_timestamp",
]

EXPORT_VERSION = 1
_ACCEPTED_VERSIONS = (0, 1)
_NS = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_GO_ZERO_NS = (date(1, 1, 1).toordinal() - _EPOCH_DAY) * 86400 * _NS
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)
_ROUTE = re.compile(r"^[A-Z]+ /")
_TOKENS = ("input_tokens", "output_tokens", "reasoning_tokens", "cached_tokens", "total_tokens")


class SnapshotError(ValueError):
    """The import body is not a usage snapshot (the API answers 400)."""


class UnsupportedVersion(SnapshotError):
    """The import envelope's ``version`` is not 0 or 1 (the API answers 400 ``unsupported version``)."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    skipped: int


def format_timestamp(ts_ns: int, tz: tzinfo | None = None) -> str:
    """Go's RFC3339Nano: fraction without trailing zeros, ``Z`` for a zero offset; local when tz is None."""
    secs, ns = divmod(ts_ns, _NS)
    return _format(_local(secs, tz), ns)


def _local(secs: int, tz: tzinfo | None) -> datetime:
    """The instant in ``tz`` (None: the system zone); UTC where the platform cannot convert it."""
    utc = _EPOCH + timedelta(seconds=secs)
    try:
        return utc.astimezone(tz) if tz is not None else utc.astimezone()
    except (OverflowError, OSError, ValueError):  # e.g. pre-1970 local time on Windows
        return utc


def _format(dt: datetime, ns: int) -> str:
    text = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    if ns:
        text += "." + f"{ns:09d}".rstrip("0")
    offset = dt.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_timestamp(text: str) -> int:
    """Unix nanoseconds of an RFC3339 timestamp (up to 9 fraction digits kept); ValueError if malformed."""
    m = _RFC3339.match(text.strip())
    if m is None:
        raise ValueError("not an RFC3339 timestamp")
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    datetime(y, mo, d, h, mi, s)  # validates the calendar fields
    frac = int((m.group(7) or "0")[:9].ljust(9, "0"))
    offset = 0 if m.group(9) is None else (int(m.group(10)) * 60 + int(m.group(11))) * 60
    if m.group(9) == "-":
        offset = -offset
    seconds = (date(y, mo, d).toordinal() - _EPOCH_DAY) * 86400 + h * 3600 + mi * 60 + s - offset
    return seconds * _NS + frac


_SELECT = (
    "SELECT ts_ns, api, model, source, auth_index, input_tokens, output_tokens, reasoning_tokens,"
    " cached_tokens, total_tokens, failed, provider, upstream_model, credential_id, credential_label,"
    " client_key_id, status, stream, latency_ms, ttft_ms FROM attempts ORDER BY id"
)


def build_snapshot(store: UsageStore, *, tz: tzinfo | None = None, extended: bool = True) -> JSONObject:
    """The ``usage`` object of ``GET /usage``; ``extended`` adds this port's extra detail fields."""
    total = failure = tokens = 0
    by_day: dict[str, int] = {}
    by_hour: dict[str, int] = {}
    tokens_day: dict[str, int] = {}
    tokens_hour: dict[str, int] = {}
    apis: dict[str, JSONObject] = {}
    with store.read() as conn:
        for row in conn.execute(_SELECT):
            ts_ns, api, model, source, auth_index, inp, out, reasoning, cached, tot, failed = row[:11]
            secs, ns = divmod(ts_ns, _NS)
            dt = _local(secs, tz)
            day, hour = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}", f"{dt.hour:02d}"
            total += 1
            failure += 1 if failed else 0
            tokens += tot
            by_day[day] = by_day.get(day, 0) + 1
            by_hour[hour] = by_hour.get(hour, 0) + 1
            tokens_day[day] = tokens_day.get(day, 0) + tot
            tokens_hour[hour] = tokens_hour.get(hour, 0) + tot
            detail: JSONObject = {
                "timestamp": _format(dt, ns),
                "source": source,
                "auth_index": auth_index,
                "tokens": dict(zip(_TOKENS, (inp, out, reasoning, cached, tot), strict=True)),
                "failed": bool(failed),
            }
            if extended:
                detail.update(_extended(row[11:]))
            api_entry = apis.setdefault(api, {"total_requests": 0, "total_tokens": 0, "models": {}})
            api_entry["total_requests"] += 1
            api_entry["total_tokens"] += tot
            model_entry = api_entry["models"].setdefault(
                model, {"total_requests": 0, "total_tokens": 0, "details": []}
            )
            model_entry["total_requests"] += 1
            model_entry["total_tokens"] += tot
            model_entry["details"].append(detail)
    return {
        "total_requests": total,
        "success_count": total - failure,
        "failure_count": failure,
        "total_tokens": tokens,
        "apis": apis,
        "requests_by_day": by_day,
        "requests_by_hour": by_hour,
        "tokens_by_day": tokens_day,
        "tokens_by_hour": tokens_hour,
    }


def _extended(values: tuple[object, ...]) -> JSONObject:
    provider, upstream, cred_id, cred_label, key_id, status, stream, latency, ttft = values
    return {
        "provider": provider,
        "upstream_model": upstream,
        "credential_id": cred_id,
        "credential_label": cred_label,
        "client_key_id": key_id,
        "status": status,
        "stream": bool(stream),
        "latency_ms": latency,
        "ttft_ms": ttft,
    }


def export_snapshot(store: UsageStore, *, now: float | None = None, tz: tzinfo | None = None) -> JSONObject:
    """The body of ``GET /usage/export``: version 1, the UTC export time and the snapshot."""
    now_ns = round((time.time() if now is None else now) * 1_000_000) * 1000
    return {
        "version": EXPORT_VERSION,
        "exported_at": format_timestamp(now_ns, UTC),
        "usage": build_snapshot(store, tz=tz),
    }


_EXISTS = (
    "SELECT 1 FROM attempts WHERE ts = ? AND ts_ns = ? AND api = ? AND model = ? AND source = ?"
    " AND auth_index = ? AND failed = ? AND input_tokens = ? AND output_tokens = ?"
    " AND reasoning_tokens = ? AND cached_tokens = ? AND total_tokens = ? LIMIT 1"
)


def import_snapshot(store: UsageStore, data: JSON, *, now: float | None = None) -> ImportResult:
    """Merge the details of an export envelope into ``store`` in one transaction.

    Raises UnsupportedVersion for a version other than 0/1 and SnapshotError for a body that is not
    a snapshot (nothing is imported then). Details with a zero timestamp get ``now``.
    """
    if not isinstance(data, dict):
        raise SnapshotError("invalid json: the body must be an object")
    version = data.get("version")
    version = 0 if version is None else version  # Go decodes a missing or null version as 0
    if isinstance(version, bool) or not isinstance(version, int) or version not in _ACCEPTED_VERSIONS:
        shown = version if isinstance(version, int) else type(version).__name__
        raise UnsupportedVersion(f"unsupported version {shown} (expected 0 or 1)")
    now_ns = round((time.time() if now is None else now) * 1_000_000) * 1000
    attempts = list(_attempts(data.get("usage"), now_ns))
    added = skipped = 0
    fresh: list[Attempt] = []
    seen: set[tuple[object, ...]] = set()
    with store.write() as conn:
        for attempt in attempts:
            identity = _identity(attempt)
            if identity in seen or _exists(conn, attempt, identity):
                skipped += 1
                continue
            seen.add(identity)
            fresh.append(attempt)
            added += 1
        insert_into(conn, fresh)
    return ImportResult(added, skipped)


def _identity(a: Attempt) -> tuple[object, ...]:
    tokens = (a.input_tokens, a.output_tokens, a.reasoning_tokens, a.cached_tokens, a.total_tokens)
    return (a.ts_ns, a.api, a.model, a.source, a.auth_index, int(a.failed), *tokens)


def _exists(conn: sqlite3.Connection, a: Attempt, identity: tuple[object, ...]) -> bool:
    return conn.execute(_EXISTS, (a.ts, *identity)).fetchone() is not None


def _attempts(usage: JSON, now_ns: int) -> list[Attempt]:
    if usage is None:
        return []
    apis = _object(usage, "usage").get("apis")
    out: list[Attempt] = []
    # bucket names may be plain client keys: paths name them by position, never by value
    for i, (name, api) in enumerate(_object(apis, "usage.apis").items() if apis is not None else ()):
        bucket = str(name).strip()
        if not bucket:
            continue
        models = _object(api, f"usage.apis[#{i}]").get("models")
        for model_name, model in _object(models, f"usage.apis[#{i}].models").items() if models else ():
            model_key = str(model_name).strip() or "unknown"
            where = f"usage.apis[#{i}].models[{model_key!r}]"
            details = _object(model, where).get("details")
            if details is None:
                continue
            if not isinstance(details, list):
                raise SnapshotError(f"invalid json: {where}.details must be a list")
            for j, detail in enumerate(details):
                out.append(
                    _attempt(bucket, model_key, _object(detail, f"{where}.details[{j}]"), now_ns, where)
                )
    return out


def _attempt(bucket: str, model: str, d: JSONObject, now_ns: int, where: str) -> Attempt:
    tokens_raw = d.get("tokens")
    tokens = _object(tokens_raw, f"{where}.tokens") if tokens_raw is not None else {}
    inp, out, reasoning, cached, total = (_int(tokens.get(k), f"{where}.tokens.{k}") for k in _TOKENS)
    total = normalise_total(inp, out, reasoning, cached, total)
    stamp = d.get("timestamp")
    if stamp is not None and not isinstance(stamp, str):
        raise SnapshotError(f"invalid json: {where}.timestamp must be a string")
    try:
        ts_ns = parse_timestamp(stamp) if stamp else _GO_ZERO_NS
    except ValueError as exc:
        raise SnapshotError(f"invalid json: {where}.timestamp is not RFC3339") from exc
    if ts_ns == _GO_ZERO_NS:
        ts_ns = now_ns
    failed = d.get("failed")
    if failed is not None and not isinstance(failed, bool):
        raise SnapshotError(f"invalid json: {where}.failed must be a boolean")
    key_id = d.get("client_key_id")
    is_route = bool(_ROUTE.match(bucket)) or bucket == "unknown"
    if isinstance(key_id, str):  # written by this port: the bucket is already the masked key
        is_key = bool(key_id)
    else:
        is_key = not is_route
        key_id = client_key_id(bucket) if is_key else ""
    api = mask_key(bucket) if is_key else bucket
    auth_index = _auth_index(d.get("auth_index"), where)
    return Attempt(
        ts_ns=ts_ns,
        api=api,
        model=model,
        client_key_id=key_id,
        client_key_masked=api if is_key else "",
        provider=_opt_str(d, "provider"),
        credential_id=_opt_str(d, "credential_id") or auth_index,
        credential_label=_opt_str(d, "credential_label") or _str(d.get("source"), f"{where}.source"),
        auth_index=auth_index,
        source=_str(d.get("source"), f"{where}.source"),
        upstream_model=_opt_str(d, "upstream_model"),
        input_tokens=inp,
        output_tokens=out,
        cached_tokens=cached,
        reasoning_tokens=reasoning,
        total_tokens=total,
        status=_opt_int(d, "status"),
        failed=bool(failed),
        stream=d.get("stream") is True,
        latency_ms=_opt_int(d, "latency_ms"),
        ttft_ms=_opt_int(d, "ttft_ms"),
    )


def _object(value: JSON, where: str) -> JSONObject:
    if not isinstance(value, dict):
        raise SnapshotError(f"invalid json: {where} must be an object")
    return value


def _int(value: JSON, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SnapshotError(f"invalid json: {where} must be an integer")
    return value


def _str(value: JSON, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SnapshotError(f"invalid json: {where} must be a string")
    return value


def _auth_index(value: JSON, where: str) -> str:
    """v6.6.0 wrote a number, v6.6.56+ a hex string; both are kept as a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _str(value, f"{where}.auth_index")


def _opt_str(d: JSONObject, name: str) -> str:
    value = d.get(name)
    return value if isinstance(value, str) else ""


def _opt_int(d: JSONObject, name: str) -> int:
    value = d.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
