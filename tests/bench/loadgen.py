"""Load generation for the benchmark: ``wrk`` runs (non-stream load), and a raw-socket HTTP/1.1 client
for single requests and streams (time to first byte, stream duration).

``wrk`` (Debian's package, C, epoll) drives the concurrency runs; when it is missing (a bare CI
machine), ``python_load`` does the same job with asyncio raw sockets in the calling process: good
enough for the smoke mode, not for figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LoadResult", "StreamResult", "Stream", "has_wrk", "load", "request_bytes"]

_LUA = """
wrk.method = "POST"
{headers}
local f = io.open("{body}", "rb")
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  io.write(string.format('JSON:{{"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One fixed-duration run at a fixed concurrency."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def has_wrk() -> bool:
    """wrk is installed and not turned off (``BENCH_LOADGEN=python`` forces the fallback)."""
    return os.environ.get("BENCH_LOADGEN") != "python" and shutil.which("wrk") is not None


def load(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    concurrency: int,
    seconds: float,
    cpu: int | None = None,
) -> LoadResult:
    """POST ``body`` to ``url`` from ``concurrency`` keep-alive connections for ``seconds``."""
    if not has_wrk():
        return asyncio.run(python_load(url, body, headers, concurrency=concurrency, seconds=seconds))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        body_path = Path(tmp) / "body.json"
        body_path.write_bytes(body)
        lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA.format(headers=lines, body=body_path), encoding="utf-8")
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "-s", str(script), url]
        command[4:4] = ["--timeout", "30s"]
        if cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(cpu), *command]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("JSON:")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    data = json.loads(line[5:])
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"] + data["status_errors"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def python_load(
    url: str, body: bytes, headers: dict[str, str], *, concurrency: int, seconds: float
) -> LoadResult:
    """The fallback load generator: ``concurrency`` asyncio connections, latencies of every request."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    raw = request_bytes(host, int(port), "/" + path, body, headers)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(raw)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                errors += status >= 400
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(len(latencies), elapsed, errors, pct(0.5), pct(0.9), pct(0.99))


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status
    at = lowered.find(b"content-length:")
    length = int(lowered[at + 15 : lowered.find(b"\r\n", at)]) if at >= 0 else 0
    await reader.readexactly(length)
    return status


@dataclass(frozen=True, slots=True)
class StreamResult:
    """One request on a kept-alive socket: first body byte and last byte, seconds after sending."""

    status: int
    ttfb: float
    total: float
    body_bytes: int


class Stream:
    """A blocking keep-alive HTTP/1.1 client that times one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._sock: socket.socket | None = None

    def _connect(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port))
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(self, raw: bytes) -> StreamResult:
        sock = self._connect()
        recv = sock.recv
        started = time.perf_counter()
        sock.sendall(raw)
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = recv(262144)
            if not data:
                self.close()
                raise ConnectionError("closed before the response head")
            buf += data
        head, _, first = buf.partition(b"\r\n\r\n")
        while not first:
            first = recv(262144)
        ttfb = time.perf_counter() - started
        status = int(head.split(b" ", 2)[1])
        lowered = head.lower()
        received = len(first)
        if b"transfer-encoding: chunked" in lowered:
            tail = first[-7:]
            while not (tail.endswith(b"\r\n0\r\n\r\n") or tail == b"0\r\n\r\n"):
                data = recv(262144)
                if not data:
                    self.close()
                    raise ConnectionError("closed inside a chunked body")
                received += len(data)
                tail = (tail + data)[-7:]
        else:
            at = lowered.find(b"content-length:")
            length = int(
                lowered[at + 15 : lowered.find(b"\r\n", at) if lowered.find(b"\r\n", at) > 0 else None]
            )
            while received < length:
                data = recv(262144)
                if not data:
                    self.close()
                    raise ConnectionError("closed inside the body")
                received += len(data)
        total = time.perf_counter() - started
        if b"connection: close" in lowered:
            self.close()
        return StreamResult(status, ttfb, total, received)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def cpu_count() -> int:
    return os.cpu_count() or 1
