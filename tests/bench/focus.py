"""A focused A/B run: the proxy (and optionally a copy of older code) on a few cells, or a profile.

    .venv/bin/python tests/bench/focus.py [--compare DIR] [--rounds 3] [--seconds 2]
    .venv/bin/python tests/bench/focus.py --profile pass|trans|stream|trans-stream [--big] [--out FILE.svg]

Alternates the targets within each round and prints CPU µs per request / per upstream chunk (the
least noisy figure on a shared machine) next to req/s. ``--profile`` runs py-spy (tests/bench/.deps)
on the proxy while wrk loads it at c=16 (or while 500-chunk streams run) and writes a flame graph
plus the top functions by own time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.loadgen import load
from tests.bench.measure import Settings, Target, headers, load_rounds, streams
from tests.bench.payloads import claude_code_body, simple_body
from tests.bench.procs import (
    BENCH,
    CLAUDE_MODEL,
    COMPAT_MODEL,
    Proc,
    free_port,
    load_average,
    proxy_config,
    start_module,
    start_proxy,
)

__all__ = ["main"]


def _targets(scratch: Path, upstream: str, compare: Path | None, procs: list[Proc]) -> list[Target]:
    targets: list[Target] = []
    for name, code in (("now", None), ("before", compare)):
        if name == "before" and code is None:
            continue
        port = free_port()
        proxy = start_proxy(
            f"proxy-{name}",
            proxy_config(upstream, port, scratch),
            port,
            cpu=0,
            scratch=scratch,
            code_from=code,
        )
        procs.append(proxy)
        targets += [
            Target(f"pass@{name}", "proxy", proxy, CLAUDE_MODEL),
            Target(f"trans@{name}", "proxy", proxy, COMPAT_MODEL),
        ]
    return targets


def _profile(target: Target, what: str, out: Path, settings: Settings, body: bytes) -> None:
    spy = BENCH / ".deps" / "bin" / "py-spy"
    env = dict(os.environ, PYTHONPATH=str(BENCH / ".deps"))
    record = [str(spy), "record", "-p", str(target.proc.pid), "-r", "250", "-d", "8", "--gil"]
    flame = subprocess.Popen([*record, "-o", str(out)], env=env)
    raw = subprocess.Popen(
        [*record, "-f", "raw", "-o", str(out.with_suffix(".txt"))], env=env, stdout=subprocess.DEVNULL
    )
    time.sleep(0.5)
    stop = time.monotonic() + 8
    if what.endswith("stream"):
        while time.monotonic() < stop:
            streams([target], settings, 5, 500, rounds=1)
    else:
        load(target.url, body, headers(), concurrency=16, seconds=8, cpu=settings.load_cpu)
    flame.wait()
    raw.wait()
    _top(out.with_suffix(".txt"))


def _top(raw: Path, limit: int = 30) -> None:
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        samples += n
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + n
    print(f"{samples} samples; own time:")
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:limit]:
        print(f"  {100 * n / samples:5.1f}%  {frame}")
    print("inclusive:")
    for frame, n in sorted(total.items(), key=lambda kv: -kv[1])[:limit]:
        print(f"  {100 * n / samples:5.1f}%  {frame}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, help="a folder with an older copy of the server package")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--profile", choices=("pass", "trans", "stream", "trans-stream"))
    parser.add_argument("--big", action="store_true", help="profile with ~53 KB Claude Code bodies")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "proxy-profile.svg")
    args = parser.parse_args(argv)
    settings = Settings(seconds=args.seconds, rounds=args.rounds)
    scratch = Path(tempfile.mkdtemp(prefix="cliproxy-focus-"))
    procs: list[Proc] = []
    try:
        mock = start_module(
            "mock", "tests.bench.mock_upstream", [], port=free_port(), cpu=1, scratch=scratch, deps=None
        )
        procs.append(mock)
        upstream = f"http://127.0.0.1:{mock.port}"
        targets = _targets(scratch, upstream, None if args.profile else args.compare, procs)
        for target in targets:
            load(target.url, target.body(), headers(), concurrency=16, seconds=1, cpu=1)
        print(f"load average {load_average():.1f}")
        if args.profile:
            target = targets[1] if args.profile.startswith("trans") else targets[0]
            body = claude_code_body(target.model) if args.big else target.body()
            _profile(target, args.profile, args.out, settings, body)
            return 0
        big = {t.model: claude_code_body(t.model) for t in targets}
        cells = {
            "c1": load_rounds(targets, settings, 1, lambda t: simple_body("claude", t.model)),
            "c16": load_rounds(targets, settings, 16, lambda t: simple_body("claude", t.model)),
            "53KB c16": load_rounds(targets, settings, 16, lambda t: big[t.model]),
        }
        chunked = streams(targets, settings, 10, 500)
        print(
            f"{'target':14} "
            + " ".join(f"{c + ' rps':>14} {'µs/req':>7}" for c in cells)
            + "  chunks/s µs/chunk"
        )
        for t in targets:
            row = " ".join(
                f"{cells[c][t.name]['rps']:14.0f} {cells[c][t.name]['cpu_us_per_req']:7.0f}" for c in cells
            )
            s = chunked[t.name]
            print(f"{t.name:14} {row}  {s['chunks_per_s']:8.0f} {s['cpu_us_per_chunk']:8.1f}")
        print(f"load average {load_average():.1f}")
    finally:
        for proc in reversed(procs):
            proc.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    threading.excepthook = lambda args: None
    raise SystemExit(main())
