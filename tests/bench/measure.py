"""Measurements shared by the phases: targets, alternating load rounds, streams, memory."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.bench.loadgen import LoadResult, Stream, load, request_bytes
from tests.bench.payloads import simple_body
from tests.bench.procs import CLIENT_KEY, Proc, cpu_ns, rss_kb

__all__ = ["Settings", "Target", "headers", "load_rounds", "streams"]


@dataclass(frozen=True, slots=True)
class Settings:
    """How long and how often: the full run and the smoke run differ only here."""

    seconds: float = 2.0
    rounds: int = 2
    concurrency: tuple[int, ...] = (1, 16, 64)
    streams: int = 30
    stream_lengths: tuple[int, ...] = (10, 100, 1000, 10000)
    body_sizes: tuple[int, ...] = (1024, 65536, 1048576, 5242880)
    pool_sizes: tuple[int, ...] = (1, 10, 100, 1000)
    usage_rows: tuple[int, ...] = (0, 10_000, 100_000, 1_000_000)
    memory_requests: int = 10_000
    startups: int = 3
    load_cpu: int | None = 1


@dataclass(slots=True)
class Target:
    """Something to send requests to: the mock itself, a floor passthrough or the proxy."""

    name: str
    kind: str  # direct, floor, proxy
    proc: Proc
    model: str
    path: str = "/v1/messages"
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proc.port}{self.path}"

    def body(self, *, stream: bool = False) -> bytes:
        return simple_body("claude", self.model, stream=stream)


def headers() -> dict[str, str]:
    """What the Anthropic SDK sends, more or less."""
    return {
        "Content-Type": "application/json",
        "x-api-key": CLIENT_KEY,
        "anthropic-version": "2023-06-01",
    }


def _summary(runs: list[LoadResult], cpu: list[float]) -> dict[str, float]:
    return {
        "cpu_us_per_req": statistics.median(cpu) if cpu else 0.0,
        "rps": statistics.median(r.rps for r in runs),
        "p50_ms": statistics.median(r.p50_ms for r in runs),
        "p90_ms": statistics.median(r.p90_ms for r in runs),
        "p99_ms": statistics.median(r.p99_ms for r in runs),
        "requests": sum(r.requests for r in runs),
        "errors": sum(r.errors for r in runs),
        "rounds": len(runs),
    }


def load_rounds(
    targets: list[Target],
    settings: Settings,
    concurrency: int,
    body_of: Callable[[Target], bytes],
    *,
    seconds: float | None = None,
) -> dict[str, dict[str, float]]:
    """``settings.rounds`` rounds; each round runs every target once, in turn (alternating)."""
    runs: dict[str, list[LoadResult]] = {t.name: [] for t in targets}
    cpu: dict[str, list[float]] = {t.name: [] for t in targets}
    for _ in range(settings.rounds):
        for target in targets:
            cpu_before = cpu_ns(target.proc.pid)
            result = load(
                target.url,
                body_of(target),
                headers(),
                concurrency=concurrency,
                seconds=seconds or settings.seconds,
                cpu=settings.load_cpu,
            )
            used = cpu_ns(target.proc.pid) - cpu_before
            if used > 0 and result.requests:
                cpu[target.name].append(used / result.requests / 1000)
            runs[target.name].append(result)
    return {name: _summary(results, cpu[name]) for name, results in runs.items()}


def streams(
    targets: list[Target], settings: Settings, count: int, upstream_chunks: int, *, rounds: int | None = None
) -> dict[str, dict[str, float]]:
    """``count`` sequential streams per target and round (alternating targets between rounds).

    ``ttfb_ms``: first body byte; ``chunks_per_s``: upstream deltas / whole stream time (medians);
    ``cpu_us_per_chunk``: the target process's CPU time per stream / upstream deltas.
    """
    ttfb: dict[str, list[float]] = {t.name: [] for t in targets}
    total: dict[str, list[float]] = {t.name: [] for t in targets}
    sizes: dict[str, int] = {}
    errors: dict[str, int] = {t.name: 0 for t in targets}
    cpu: dict[str, list[float]] = {t.name: [] for t in targets}
    for _ in range(rounds or settings.rounds):
        for target in targets:
            cpu_before = cpu_ns(target.proc.pid)
            client = Stream("127.0.0.1", target.proc.port)
            raw = request_bytes(
                "127.0.0.1", target.proc.port, target.path, target.body(stream=True), headers()
            )
            try:
                for _ in range(count):
                    result = client.request(raw)
                    errors[target.name] += result.status != 200
                    ttfb[target.name].append(result.ttfb)
                    total[target.name].append(result.total)
                    sizes[target.name] = result.body_bytes
            finally:
                client.close()
            cpu[target.name].append((cpu_ns(target.proc.pid) - cpu_before) / count / 1000)
    out: dict[str, dict[str, float]] = {}
    for target in targets:
        t = statistics.median(total[target.name])
        out[target.name] = {
            "ttfb_ms": statistics.median(ttfb[target.name]) * 1000,
            "stream_ms": t * 1000,
            "chunks_per_s": upstream_chunks / t if t > 0 else 0.0,
            "us_per_chunk": t / upstream_chunks * 1e6 if upstream_chunks else 0.0,
            "cpu_us_per_chunk": statistics.median(cpu[target.name]) / upstream_chunks
            if upstream_chunks
            else 0.0,
            "body_bytes": sizes.get(target.name, 0),
            "errors": errors[target.name],
            "streams": len(total[target.name]),
        }
    return out


def single_requests(target: Target, body: bytes, count: int) -> dict[str, float]:
    """``count`` sequential requests of ``body`` on one connection: median and best latency."""
    client = Stream("127.0.0.1", target.proc.port)
    raw = request_bytes("127.0.0.1", target.proc.port, target.path, body, headers())
    times: list[float] = []
    statuses: set[int] = set()
    try:
        for _ in range(count):
            result = client.request(raw)
            statuses.add(result.status)
            times.append(result.total)
    finally:
        client.close()
    return {
        "p50_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "requests": count,
        "errors": sum(1 for s in statuses if s != 200),
    }


def memory(proc: Proc) -> dict[str, float]:
    rss, peak = rss_kb(proc.pid)
    return {"rss_mb": rss / 1024, "peak_mb": peak / 1024}
