"""The benchmark: the proxy against the floor, side by side, in one bounded run.

    bash tests/bench/setup.sh            # once: wrk (Debian) and aiohttp into tests/bench/.deps
    .venv/bin/python tests/bench/run.py  # ~6 minutes; --smoke: ~1 minute, proves it works

Targets, measured in alternating rounds: ``direct`` (the mock upstream: the physical floor),
``httpx`` / ``httpx-ours`` / ``httpx-aiohttp`` / ``aiohttp`` (minimal Starlette byte passthroughs:
httpx's own pool, the httpx API over the proxy's production transport ``server.transport`` — the
best-transport floor the ratios are taken against —, the httpx API over an aiohttp pool, and a plain
aiohttp client for reference),
``proxy-pass`` (the proxy, Anthropic client → Claude key), ``proxy-trans`` (Anthropic client →
OpenAI-compatible upstream, translated both ways) and ``proxy-pass-asyncio`` (passthrough without
uvloop, the Windows path). The proxy runs as ``cliproxyapi -config …`` with usage statistics and
logging to file on. Writes ``results/bench-<time>.md`` and ``.json`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import growth
from tests.bench.loadgen import has_wrk, load
from tests.bench.measure import Settings, Target, headers, load_rounds, memory, streams
from tests.bench.payloads import claude_code_body, simple_body
from tests.bench.procs import (
    BENCH,
    CLAUDE_MODEL,
    COMPAT_MODEL,
    Proc,
    free_port,
    load_average,
    mock_config,
    proxy_config,
    rss_kb,
    start_module,
    start_proxy,
)
from tests.bench.report import FLOOR, PASS, PASS_ASYNCIO, TRANS, markdown

__all__ = ["SMOKE", "main", "run"]

SMOKE = Settings(
    seconds=1,
    rounds=1,
    concurrency=(1, 16),
    streams=3,
    stream_lengths=(10, 100),
    body_sizes=(1024, 65536),
    pool_sizes=(1, 10),
    usage_rows=(0, 1000),
    memory_requests=300,
    startups=1,
)


def _has_aiohttp(deps: Path) -> bool:
    env = dict(os.environ, PYTHONPATH=str(deps))
    probe = subprocess.run(
        [sys.executable, "-c", "import aiohttp"], env=env, capture_output=True, check=False
    )
    return probe.returncode == 0


def run(
    settings: Settings, *, mode: str, growth_phases: bool = True, compare: Path | None = None
) -> dict[str, Any]:
    started = time.perf_counter()
    two = (os.cpu_count() or 1) >= 2
    target_cpu = 0 if two else None
    load_cpu = settings.load_cpu if two else None
    settings = dataclasses.replace(settings, load_cpu=load_cpu)
    deps = BENCH / ".deps"
    scratch = Path(tempfile.mkdtemp(prefix="cliproxy-bench-"))
    procs: list[Proc] = []
    r: dict[str, Any] = {
        "meta": {
            "mode": mode,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": settings.seconds,
            "rounds": settings.rounds,
            "target_cpu": target_cpu,
            "load_cpu": load_cpu,
            "loadgen": "wrk" if has_wrk() else "python (wrk missing: figures are not meaningful)",
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average_start": load_average(),
            "compare": str(compare) if compare else None,
        }
    }
    try:

        def bench_proc(name: str, module: str, *args: str, cpu: int | None) -> Proc:
            proc = start_module(
                name, module, list(args), port=free_port(), cpu=cpu, scratch=scratch, deps=deps
            )
            procs.append(proc)
            return proc

        mock = bench_proc("mock", "tests.bench.mock_upstream", cpu=load_cpu)
        upstream = f"http://127.0.0.1:{mock.port}"
        targets = [Target("direct", "mock", mock, CLAUDE_MODEL)]
        floors: list[tuple[str, str, tuple[str, ...]]] = [
            ("httpx", "tests.bench.pt_httpx", ("--transport", "default")),
            ("httpx-ours", "tests.bench.pt_httpx", ("--transport", "ours")),
        ]
        if _has_aiohttp(deps):
            floors += [
                ("httpx-aiohttp", "tests.bench.pt_httpx", ("--transport", "aiohttp")),
                ("aiohttp", "tests.bench.pt_aiohttp", ()),
            ]
        for name, module, args in floors:
            proc = bench_proc(name, module, "--upstream", upstream, *args, cpu=target_cpu)
            targets.append(Target(name, "floor", proc, CLAUDE_MODEL))

        # the proxy: start-up measured over a few starts, the last one kept running
        port = free_port()
        config = proxy_config(upstream, port, scratch)
        runs, cpu_runs = [], []
        for i in range(settings.startups):
            proxy = start_proxy("proxy", config, port, cpu=target_cpu, scratch=scratch)
            runs.append(proxy.ready_after)
            cpu_runs.append(proxy.ready_cpu)
            if i + 1 < settings.startups:
                proxy.stop()
        procs.append(proxy)
        time.sleep(1.0)
        r["memory"] = {"idle": memory(proxy)}
        aport = free_port()
        proxy_asyncio = start_proxy(
            "proxy-asyncio",
            proxy_config(upstream, aport, scratch),
            aport,
            cpu=target_cpu,
            scratch=scratch,
            asyncio_only=True,
        )
        procs.append(proxy_asyncio)
        r["startup"] = {
            "runs_s": runs,
            "median_s": sorted(runs)[len(runs) // 2],
            "cpu_s": cpu_runs,
            "asyncio_s": proxy_asyncio.ready_after,
        }
        targets += [
            Target(PASS, "proxy", proxy, CLAUDE_MODEL),
            Target(TRANS, "proxy", proxy, COMPAT_MODEL),
            Target(PASS_ASYNCIO, "proxy", proxy_asyncio, CLAUDE_MODEL),
        ]
        if compare is not None:
            bport = free_port()
            before = start_proxy(
                "proxy-before",
                proxy_config(upstream, bport, scratch),
                bport,
                cpu=target_cpu,
                scratch=scratch,
                code_from=compare,
            )
            procs.append(before)
            targets += [
                Target(PASS + "@before", "proxy", before, CLAUDE_MODEL),
                Target(TRANS + "@before", "proxy", before, COMPAT_MODEL),
            ]
        r["targets"] = {t.name: t.kind for t in targets}
        print(f"targets up after {time.perf_counter() - started:.1f}s: {', '.join(r['targets'])}", flush=True)

        for target in targets:  # warm-up: connections, imports, first-use caches
            load(target.url, target.body(), headers(), concurrency=16, seconds=1, cpu=load_cpu)

        def simple(target: Target) -> bytes:
            return simple_body("claude", target.model)

        # High concurrency comes last: httpx keeps the connections a burst opened for 60 s, and its
        # pool's cost grows with their number, so it would slow every later phase down.
        low = [c for c in settings.concurrency if c <= 16]
        high = [c for c in settings.concurrency if c > 16]
        r["nonstream"] = {}
        for c in low:
            r["nonstream"][str(c)] = load_rounds(targets, settings, c, simple)
            print(f"non-stream c={c} done ({time.perf_counter() - started:.0f}s)", flush=True)
        direct_p50 = r["nonstream"]["1"]["direct"]["p50_ms"]
        r["added_p50_c1_ms"] = {n: v["p50_ms"] - direct_p50 for n, v in r["nonstream"]["1"].items()}

        big = {t.model: claude_code_body(t.model) for t in targets}
        r["meta"]["claude_code_body_bytes"] = len(big[CLAUDE_MODEL])
        r["claude_code_body"] = load_rounds(targets, settings, 16, lambda t: big[t.model])
        print(f"53 KB bodies done ({time.perf_counter() - started:.0f}s)", flush=True)

        r["stream"] = streams(targets, settings, settings.streams, 500)
        # time to first byte on its own: the first of 3 deltas comes 2 ms after the head, as from a model
        mock_config(mock.port, chunks=3, delay_ms=2)
        r["first_byte"] = streams(targets, settings, settings.streams, 3)
        mock_config(mock.port, chunks=500, delay_ms=0)
        direct_ttfb = r["first_byte"]["direct"]["ttfb_ms"]
        r["ttfb_overhead_ms"] = {n: v["ttfb_ms"] - direct_ttfb for n, v in r["first_byte"].items()}
        print(f"streams done ({time.perf_counter() - started:.0f}s)", flush=True)

        r["memory"]["after_load"] = memory(proxy)
        r["memory"]["run"] = _memory_run(proxy, settings)

        chosen = [t for t in targets if t.name in ("direct", FLOOR, PASS, TRANS)]
        if growth_phases:
            r["stream_growth"] = growth.stream_growth(chosen, settings, mock.port)
            print(f"stream growth done ({time.perf_counter() - started:.0f}s)", flush=True)
            r["body_growth"] = growth.body_growth(chosen, settings)
            print(f"body growth done ({time.perf_counter() - started:.0f}s)", flush=True)

        for c in high:
            r["nonstream"][str(c)] = load_rounds(targets, settings, c, simple)
            print(f"non-stream c={c} done ({time.perf_counter() - started:.0f}s)", flush=True)
        if high:
            once = dataclasses.replace(settings, rounds=1)
            r["after_burst"] = load_rounds(targets, once, 16, simple)
        r["memory"]["final"] = memory(proxy)

        if growth_phases:
            r["pool_growth"] = growth.pool_growth(settings, upstream, free_port(), scratch, target_cpu)
            print(f"pool growth done ({time.perf_counter() - started:.0f}s)", flush=True)
            r["usage_growth"] = growth.usage_growth(settings)
            print(f"usage growth done ({time.perf_counter() - started:.0f}s)", flush=True)
    finally:
        for proc in reversed(procs):
            proc.stop()
        r.setdefault("meta", {})["elapsed_s"] = time.perf_counter() - started
        r["meta"]["load_average_end"] = load_average()
        if os.environ.get("BENCH_KEEP_SCRATCH"):
            print(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return r


def _memory_run(proxy: Proc, settings: Settings) -> dict[str, float]:
    """RSS before and after at least ``memory_requests`` more requests (c=16, passthrough)."""
    target = Target("memory", "proxy", proxy, CLAUDE_MODEL)
    before = rss_kb(proxy.pid)[0] / 1024
    done = 0
    while done < settings.memory_requests:
        result = load(target.url, target.body(), headers(), concurrency=16, seconds=2, cpu=settings.load_cpu)
        done += result.requests
        if result.requests == 0:
            break
    after = rss_kb(proxy.pid)[0] / 1024
    return {"requests": done, "before_mb": before, "after_mb": after, "growth_mb": after - before}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the proxy against the floor.")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one round: proves the benchmark works"
    )
    parser.add_argument("--seconds", type=int, help="seconds per load cell (default 2)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per cell (default 2)")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth tables")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="also run the proxy from DIR/server (e.g. a copy of the code before a change), side by side",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="where the .md and .json go")
    args = parser.parse_args(argv)
    settings = SMOKE if args.smoke else Settings()
    overrides = {k: v for k, v in (("seconds", args.seconds), ("rounds", args.rounds)) if v}
    if overrides:
        settings = dataclasses.replace(settings, **overrides)
    mode = "smoke" if args.smoke else "full"
    compare = args.compare.resolve() if args.compare else None
    if compare is not None and not (compare / "server" / "__init__.py").is_file():
        parser.error(f"--compare: {compare}/server is not a copy of the server package")
    results = run(settings, mode=mode, growth_phases=not args.no_growth, compare=compare)
    text = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "bench-" + time.strftime("%Y%m%d-%H%M%S") + ("-smoke" if args.smoke else "")
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / f"{stem}.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written: {args.out / stem}.md and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
