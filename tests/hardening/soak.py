"""Load and soak: many concurrent streaming requests through the real ``cliproxyapi`` process.

``python -m tests.hardening.soak [--concurrency 200] [--duration 60] [--chunks 20] [--delay 0.02]``

Three processes: this one (the clients), the proxy started as a user starts it (``cliproxyapi -config
FILE``, usage statistics and file logging on, per-user dirs in a temp dir) and a fake OpenAI-compatible
upstream (``--serve-upstream``). Each client streams chat completions back to back until the time is
up; an error is any non-200 answer, a transport error or a stream that does not end with ``[DONE]``.
The proxy is measured from /proc: VmRSS and open fds before the load, after warm-up (a short burst at
the same concurrency, then idle), during the load (RSS sampled every 0.5 s), VmHWM (peak) and after it.
Prints a table; the exit status is 1 on any error, when the fds after the load exceed those after
warm-up by more than ``--fd-slack`` or the RSS grew by more than ``--rss-slack-mb`` after warm-up, or
when a stream is missing from the usage database (Linux only: elsewhere memory and fds are not measured).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

__all__ = ["LoadResult", "ProcStats", "cpu_seconds", "main", "proc_stats"]

ROOT = Path(__file__).resolve().parents[2]
CLIENT_KEY = "sk-soak-client"
UPSTREAM_KEY = "sk-soak-upstream"
MODEL = "soak-model"


@dataclass(frozen=True, slots=True)
class ProcStats:
    rss_kb: int
    hwm_kb: int
    fds: int


def proc_stats(pid: int) -> ProcStats | None:
    """VmRSS, VmHWM (kB) and the number of open fds of ``pid`` from /proc; None off Linux."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    values: dict[str, int] = {}
    for line in status.read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return ProcStats(values.get("VmRSS", 0), values.get("VmHWM", 0), len(os.listdir(f"/proc/{pid}/fd")))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` from /proc (0 off Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    ok: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    rss_peak_sampled: int = 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_upstream(chunks: int, delay: float) -> None:
    """The fake upstream in this process (until stdin closes); prints its URL."""
    import threading

    from tests.fakes import start_fake_upstream

    fake, server = start_fake_upstream(chunks=chunks, delay=delay, text="x" * 200)
    print(server.url, flush=True)

    def forget() -> None:  # the fake records every request; the soak does not need them
        while True:
            time.sleep(1)
            fake.clear()

    threading.Thread(target=forget, daemon=True).start()
    sys.stdin.read()
    server.stop()


def _proxy_command(config: Path) -> list[str]:
    script = Path(sys.executable).with_name("cliproxyapi")
    if script.exists():
        return [str(script), "-config", str(config)]
    return [sys.executable, "-m", "server", "-config", str(config)]


@contextlib.contextmanager
def _processes(
    workdir: Path, chunks: int, delay: float
) -> Iterator[tuple[str, subprocess.Popen[bytes], int]]:
    upstream = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.soak", "--serve-upstream", str(chunks), str(delay)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert upstream.stdout is not None and upstream.stdin is not None
    proxy: subprocess.Popen[bytes] | None = None
    try:
        upstream_url = upstream.stdout.readline().decode().strip()
        port = _free_port()
        document = {
            "host": "127.0.0.1",
            "port": port,
            "auth-dir": str(workdir / "auths"),
            "api-keys": [CLIENT_KEY],
            "request-retry": 0,
            "usage-statistics-enabled": True,
            "logging-to-file": True,
            "openai-compatibility": [
                {
                    "name": "soak",
                    "base-url": upstream_url + "/v1",
                    "api-key-entries": [{"api-key": UPSTREAM_KEY}],
                    "models": [{"name": "upstream-model", "alias": MODEL}],
                }
            ],
        }
        config = workdir / "config.yaml"
        config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        env = {
            **os.environ,
            "HOME": str(workdir / "home"),
            "CLIPROXYAPI_CONFIG_DIR": str(workdir / "config"),
            "CLIPROXYAPI_DATA_DIR": str(workdir / "data"),
            "CLIPROXYAPI_LOG_DIR": str(workdir / "logs"),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env.pop(name, None)
        proxy = subprocess.Popen(
            _proxy_command(config), cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proxy.poll() is not None:
                raise RuntimeError("the proxy did not start")
            time.sleep(0.1)
        yield url, proxy, upstream.pid
    finally:
        if proxy is not None:
            proxy.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            try:
                proxy.wait(15)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()
        upstream.stdin.close()
        upstream.wait(10)
        upstream.stdout.close()


async def _load(url: str, concurrency: int, duration: float, pid: int | None) -> LoadResult:
    result = LoadResult()
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "soak"}]}
    headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
    stop_at = time.monotonic() + duration
    # the client drops idle connections before uvicorn does (5 s): no race on a connection being closed
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            stage, lines = "before the answer", 0
            try:
                async with http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as reply:
                    stage, last = f"after status {reply.status_code}", ""
                    async for line in reply.aiter_lines():
                        if line.strip():
                            last, lines = line.strip(), lines + 1
                    if reply.status_code == 200 and last == "data: [DONE]":
                        result.ok += 1
                        continue
                    result.samples.append(f"{reply.status_code}: {last[:200]}")
            except httpx.HTTPError as exc:
                result.samples.append(f"{type(exc).__name__} {stage}, {lines} lines read: {exc!r}")
            result.errors += 1

    async def sample() -> None:
        while time.monotonic() < stop_at and pid is not None:
            stats = proc_stats(pid)
            if stats is not None:
                result.rss_peak_sampled = max(result.rss_peak_sampled, stats.rss_kb)
            await asyncio.sleep(0.5)

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, trust_env=False) as http:
        await asyncio.gather(sample(), *(client(http) for _ in range(concurrency)))
    return result


def _settled_stats(pid: int, target_fds: int | None, wait: float = 5.0) -> ProcStats | None:
    """Stats once the fds dropped to ``target_fds`` (sockets take a moment to close) or ``wait`` passed."""
    deadline = time.monotonic() + wait
    stats = proc_stats(pid)
    while (
        stats is not None
        and target_fds is not None
        and stats.fds > target_fds
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
        stats = proc_stats(pid)
    return stats


def _mb(kb: int | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        with _processes(workdir, args.chunks, args.delay) as (url, proxy, upstream_pid):
            before = proc_stats(proxy.pid)
            warm = asyncio.run(_load(url, args.concurrency, args.warmup, None))
            time.sleep(1.0)
            warmed = proc_stats(proxy.pid)
            started, cpu_before = time.monotonic(), _cpu_now(proxy.pid, upstream_pid)
            load = asyncio.run(_load(url, args.concurrency, args.duration, proxy.pid))
            elapsed = time.monotonic() - started
            cpu = [
                end - begin for end, begin in zip(_cpu_now(proxy.pid, upstream_pid), cpu_before, strict=True)
            ]
            after = _settled_stats(proxy.pid, warmed.fds if warmed else None)
            alive = proxy.poll() is None
        log_files = (
            sorted(p.name for p in (workdir / "logs").glob("*")) if (workdir / "logs").exists() else []
        )
        usage_rows = _usage_rows(workdir / "data" / "usage.sqlite3")
    finally:
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    fd_growth = (after.fds - warmed.fds) if after and warmed else 0
    rows = [
        (
            "concurrency / duration",
            f"{args.concurrency} streams / {elapsed:.1f} s (+{args.warmup:.0f} s warm-up)",
        ),
        ("requests ok / errors", f"{load.ok + warm.ok} / {load.errors + warm.errors}"),
        ("throughput", f"{load.ok / elapsed:.0f} streams/s" if elapsed else "n/a"),
        ("RSS before load", _mb(before.rss_kb if before else None)),
        ("RSS after warm-up", _mb(warmed.rss_kb if warmed else None)),
        ("RSS peak (VmHWM)", _mb(after.hwm_kb if after else None)),
        ("RSS peak sampled in load", _mb(load.rss_peak_sampled or None)),
        ("RSS after load", _mb(after.rss_kb if after else None)),
        ("fds before / warm-up / after", f"{_fds(before)} / {_fds(warmed)} / {_fds(after)}"),
        ("CPU s in load: proxy / upstream / clients", " / ".join(f"{c:.1f}" for c in cpu)),
        ("proxy alive at the end", str(alive)),
        ("usage rows / log files", f"{usage_rows} / {', '.join(log_files) or 'none'}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for sample in (warm.samples + load.samples)[:5]:
        print("error sample:", sample)
    if args.json:
        summary = {"ok": load.ok + warm.ok, "errors": load.errors + warm.errors, "fd_growth": fd_growth}
        print(json.dumps({**summary, "usage_rows": usage_rows}))
    failed = load.errors + warm.errors > 0 or fd_growth > args.fd_slack or not alive or load.ok == 0
    failed = failed or usage_rows < load.ok + warm.ok  # every stream is recorded once the proxy stopped
    rss_growth_kb = (after.rss_kb - warmed.rss_kb) if after and warmed else 0
    failed = failed or rss_growth_kb > args.rss_slack_mb * 1024  # memory flat after warm-up
    return 1 if failed else 0


def _usage_rows(path: Path) -> int:
    import sqlite3

    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    finally:
        conn.close()


def _cpu_now(proxy: int, upstream: int) -> tuple[float, float, float]:
    return cpu_seconds(proxy), cpu_seconds(upstream), cpu_seconds(os.getpid())


def _fds(stats: ProcStats | None) -> str:
    return "n/a" if stats is None else str(stats.fds)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-upstream"]:
        _serve_upstream(int(argv[1]), float(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description="Load and soak the proxy (see the module docstring).")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between upstream stream events")
    parser.add_argument("--fd-slack", type=int, default=5)
    parser.add_argument("--rss-slack-mb", type=float, default=32.0, help="allowed RSS growth after warm-up")
    parser.add_argument("--json", action="store_true", help="also print a JSON summary line")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (config, logs, usage db)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
