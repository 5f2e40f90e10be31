"""How cost grows: stream length, request body size, credential pool size, usage store size."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench.loadgen import load
from tests.bench.measure import Settings, Target, headers, single_requests, streams
from tests.bench.payloads import image_body, simple_body
from tests.bench.procs import CLAUDE_MODEL, mock_config, proxy_config, start_proxy

__all__ = ["body_growth", "pool_growth", "stream_growth", "usage_growth"]


def stream_growth(targets: list[Target], settings: Settings, mock_port: int) -> dict[str, dict[str, object]]:
    """Per stream length: stream time and µs per upstream chunk for every target."""
    out: dict[str, dict[str, object]] = {}
    for chunks in settings.stream_lengths:
        mock_config(mock_port, chunks=chunks)
        count = max(2, min(settings.streams, 20_000 // chunks))
        out[str(chunks)] = dict(streams(targets, settings, count, chunks, rounds=1))
    mock_config(mock_port, chunks=500)
    return out


def body_growth(targets: list[Target], settings: Settings) -> dict[str, dict[str, object]]:
    """Per request body size (an Anthropic request carrying one base64 image): c=1 latency."""
    out: dict[str, dict[str, object]] = {}
    for size in settings.body_sizes:
        count = max(5, min(40, 50_000_000 // size))
        row: dict[str, object] = {}
        for target in targets:
            body = image_body(target.model, size)
            single_requests(target, body, 1)  # connection and first-use warm-up
            result = single_requests(target, body, count)
            result["mb_per_s"] = len(body) / (result["p50_ms"] / 1000) / 1e6 if result["p50_ms"] else 0.0
            row[target.name] = result
        out[str(size)] = row
    return out


def pool_growth(
    settings: Settings, upstream: str, port: int, scratch: Path, cpu: int | None
) -> dict[str, object]:
    """Per number of Claude keys in the pool: start-up, c=1 latency, c=16 rate, and the routing
    decision alone (``CredentialPool.pick`` timed in this process on the same config)."""
    out: dict[str, object] = {}
    for keys in settings.pool_sizes:
        config = proxy_config(upstream, port, scratch, claude_keys=keys)
        proc = start_proxy(f"proxy-pool-{keys}", config, port, cpu=cpu, scratch=scratch)
        try:
            target = Target(f"pool-{keys}", "proxy", proc, CLAUDE_MODEL)
            body = simple_body("claude", CLAUDE_MODEL)
            load(target.url, body, headers(), concurrency=16, seconds=1, cpu=settings.load_cpu)
            c1 = load(
                target.url, body, headers(), concurrency=1, seconds=settings.seconds, cpu=settings.load_cpu
            )
            c16 = load(
                target.url, body, headers(), concurrency=16, seconds=settings.seconds, cpu=settings.load_cpu
            )
            out[str(keys)] = {
                "startup_s": proc.ready_after,
                "c1_p50_ms": c1.p50_ms,
                "c1_rps": c1.rps,
                "c16_rps": c16.rps,
                "errors": c1.errors + c16.errors,
                "pick_us": _pick_cost(config),
            }
        finally:
            proc.stop()
    return out


def _pick_cost(config_path: Path) -> float:
    """Median µs of one routing decision (pick + record_success) with this config's pool."""
    from server.config import load_config
    from server.state import ProxyState

    state = ProxyState(load_config(config_path))
    pool = state.pool
    now = time.monotonic()
    samples = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(200):
            candidate = pool.pick(CLAUDE_MODEL, frozenset(), now)
            pool.record_success(candidate)
        samples.append((time.perf_counter() - started) / 200 * 1e6)
    return statistics.median(samples)


def usage_growth(settings: Settings) -> dict[str, object]:
    """Per number of stored attempts: the 30-day summary (totals + the four groupings, what the
    management API's usage summary runs), a 30-day daily series and a 7-day hourly series, through
    server.usage.queries; ``*_raw_ms`` is the same on raw rows only (``rollups=False``), timed
    alternately with the first of three rollup rounds; ``*_cpu_ms`` is the CPU time of this thread
    (SQLite runs in it), which a busy machine distorts less than the wall time."""
    from server.usage.queries import UsageQueries
    from server.usage.store import Attempt, UsageStore, insert_into

    def _timed(timings: dict[str, list[float]], name: str, started: float, cpu: float) -> None:
        timings.setdefault(f"{name}_ms", []).append(time.perf_counter() - started)
        timings.setdefault(f"{name}_cpu_ms", []).append(time.thread_time() - cpu)

    out: dict[str, object] = {}
    rng = random.Random(3)
    now = time.time()
    models = ["claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "gpt-mock", "claude-haiku-4-5"]
    providers = ["claude", "codex", "gemini", "mock"]
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as tmp:
        store = UsageStore(Path(tmp) / "usage.sqlite3")
        queries = UsageQueries(store)
        raw_queries = UsageQueries(store, rollups=False)
        stored = 0
        try:
            for rows in settings.usage_rows:
                insert_started = time.perf_counter()
                while stored < rows:
                    batch = min(50_000, rows - stored)
                    attempts = [
                        Attempt(
                            ts_ns=int((now - rng.random() * 60 * 86400) * 1e9),
                            api=f"sk-{i % 5}...abcd",
                            model=models[i % 5],
                            client_key_id=f"{i % 5:08x}",
                            provider=providers[i % 4],
                            credential_id=f"cred-{i % 20}",
                            credential_label=f"key {i % 20}",
                            input_tokens=100 + i % 50,
                            output_tokens=20 + i % 30,
                            total_tokens=120 + i % 80,
                            status=200 if i % 50 else 429,
                            failed=i % 50 == 0,
                            latency_ms=200 + i % 700,
                        )
                        for i in range(stored, stored + batch)
                    ]
                    with store.write() as conn:
                        insert_into(conn, attempts)
                    stored += batch
                insert_s = time.perf_counter() - insert_started
                since, until = now - 30 * 86400, now + 1
                timings: dict[str, list[float]] = {}
                for round_ in range(3):
                    # the raw path (seconds at 1 M rows) once, alternated with the first rollup round
                    for suffix, q in (("", queries), ("_raw", raw_queries))[: 2 if round_ == 0 else 1]:
                        started, cpu = time.perf_counter(), time.thread_time()
                        q.totals(since, until)
                        for by in ("model", "provider", "credential", "client_key"):
                            q.grouped(since, until, by)
                        _timed(timings, f"summary{suffix}", started, cpu)
                        started, cpu = time.perf_counter(), time.thread_time()
                        q.series(since, until, "day")
                        _timed(timings, f"series_day{suffix}", started, cpu)
                        started, cpu = time.perf_counter(), time.thread_time()
                        q.series(now - 7 * 86400, until, "hour")
                        _timed(timings, f"series_7d_hour{suffix}", started, cpu)
                result: dict[str, float] = {k: statistics.median(v) * 1000 for k, v in timings.items()}
                result["insert_s"] = insert_s
                out[str(rows)] = result
        finally:
            store.close()
    return out
