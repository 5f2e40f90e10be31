"""The benchmark's markdown report: the headline table (ratios against the floor), the budget, growth."""

from __future__ import annotations

from typing import Any

__all__ = ["PEERS", "budget", "markdown"]

PEERS = {
    "claude-code-router (passthrough)": {"c16": 1015, "chunks_per_s": 86_900},
    "claude-code-router (translated)": {"c16": 832, "chunks_per_s": 24_800},
    "LiteLLM (passthrough)": {"c16": 71, "chunks_per_s": 1_700},
}
"""Figures measured earlier on this machine (issue 9); not re-measured by this benchmark."""

FLOOR = "httpx-ours"
"""The best-transport floor: the httpx API over the proxy's own transport (``server.transport``)."""
PASS, TRANS, PASS_ASYNCIO = "proxy-pass", "proxy-trans", "proxy-pass-asyncio"


def _f(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}".replace(",", " ")
    return str(value)


def _get(data: dict[str, Any], *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def budget(r: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(what, budget, measured, met) rows."""
    rows: list[tuple[str, str, str, bool | None]] = []

    def add(what: str, limit: str, value: Any, ok: bool | None, digits: int = 0) -> None:
        rows.append((what, limit, _f(value, digits), ok if value is not None else None))

    ns = r.get("nonstream", {})
    pass16 = _get(ns, "16", PASS, "rps")
    floor16 = _get(ns, "16", FLOOR, "rps")
    add("passthrough req/s c=16", "≥ 2 000", pass16, pass16 is not None and pass16 >= 2000)
    if pass16 is not None and floor16:
        add(
            "passthrough / best-transport floor, c=16", "≥ 0.70", pass16 / floor16, pass16 / floor16 >= 0.7, 2
        )
    added = r.get("added_p50_c1_ms", {}).get(PASS)
    add("passthrough added p50 c=1 (ms)", "≤ 1", added, added is not None and added <= 1, 2)
    p99 = _get(ns, "64", PASS, "p99_ms")
    add("passthrough p99 c=64 (ms)", "≤ 100", p99, p99 is not None and p99 <= 100, 1)
    st = r.get("stream", {})
    cps = _get(st, PASS, "chunks_per_s")
    add("passthrough 500-chunk stream chunks/s", "≥ 50 000", cps, cps is not None and cps >= 50_000)
    ttfb = r.get("ttfb_overhead_ms", {}).get(PASS)
    add("passthrough TTFB overhead (ms)", "≤ 2", ttfb, ttfb is not None and ttfb <= 2, 2)
    t16 = _get(ns, "16", TRANS, "rps")
    add("translated req/s c=16", "≥ 1 000", t16, t16 is not None and t16 >= 1000)
    tcps = _get(st, TRANS, "chunks_per_s")
    add("translated chunks/s", "≥ 25 000", tcps, tcps is not None and tcps >= 25_000)
    cc = r.get("claude_code_body", {})
    ccp, cct = _get(cc, PASS, "rps"), _get(cc, TRANS, "rps")
    add("53 KB body: passthrough req/s c=16", "≥ 1 000", ccp, ccp is not None and ccp >= 1000)
    add("53 KB body: translated req/s c=16", "≥ 500", cct, cct is not None and cct >= 500)
    mem = r.get("memory", {})
    idle = _get(mem, "idle", "rss_mb")
    add("idle RSS (MB)", "≤ 60", idle, idle is not None and idle <= 60, 1)
    grow = _get(mem, "run", "growth_mb")
    add(f"RSS growth over {_f(_get(mem, 'run', 'requests'))} requests (MB)", "≈ 0", grow, None, 1)
    start = _get(r, "startup", "median_s")
    add("start-up to first 200 on /v1/models (s)", "≤ 1", start, start is not None and start <= 1, 2)
    usage = r.get("usage_growth", {})
    if usage:
        last = max(usage, key=int)
        ms = usage[last]["summary_ms"]
        add(f"30-day usage summary over {_f(int(last))} rows (ms)", "≤ 200", ms, ms <= 200, 1)
    a16 = _get(ns, "16", PASS_ASYNCIO, "rps")
    if a16 and pass16:
        add("pure asyncio / uvloop req/s c=16", "≥ 0.67", a16 / pass16, a16 / pass16 >= 1 / 1.5, 2)
    return rows


def markdown(r: dict[str, Any]) -> str:
    out: list[str] = []
    meta = r.get("meta", {})
    out.append(f"# Benchmark {meta.get('started', '')}\n")
    out.append(
        f"{meta.get('mode', '')} run, {meta.get('rounds')} alternating rounds of {meta.get('seconds')} s "
        f"per cell; targets on CPU {meta.get('target_cpu')}, mock and load generator ({meta.get('loadgen')}) "
        f"on CPU {meta.get('load_cpu')}; total {_f(meta.get('elapsed_s'), 0)} s; load average "
        f"{_f(meta.get('load_average_start'), 1)} at the start, {_f(meta.get('load_average_end'), 1)} "
        "at the end (above ~0.5, other work shared the CPUs: rates and latencies suffer, CPU µs per "
        "request much less).\n"
    )
    ns = r.get("nonstream", {})
    names = list(r.get("targets", {}))
    conc = sorted(ns, key=int)
    floor16 = _get(ns, "16", FLOOR, "rps")
    head = ["target"] + [f"req/s c{c}" for c in conc] + [f"p50/p99 ms c{c}" for c in conc]
    head += ["× floor c16", "CPU µs/req c16", "added p50 c1 ms", "chunks/s (500)", "CPU µs/chunk"]
    head += ["TTFB ms", "TTFB +ms", "53 KB req/s c16"]
    out.append("## Non-stream and stream, side by side\n")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for name in names:
        row = [f"{name} ({r['targets'][name]})"]
        row += [_f(_get(ns, c, name, "rps")) for c in conc]
        row += [f"{_f(_get(ns, c, name, 'p50_ms'), 2)} / {_f(_get(ns, c, name, 'p99_ms'), 1)}" for c in conc]
        v16 = _get(ns, "16", name, "rps")
        row.append(_f(v16 / floor16, 2) if v16 and floor16 else "–")
        row.append(_f(_get(ns, "16", name, "cpu_us_per_req")))
        row.append(_f(r.get("added_p50_c1_ms", {}).get(name), 2))
        row.append(_f(_get(r, "stream", name, "chunks_per_s")))
        row.append(_f(_get(r, "stream", name, "cpu_us_per_chunk"), 1))
        row.append(_f(_get(r, "first_byte", name, "ttfb_ms"), 2))
        row.append(_f(r.get("ttfb_overhead_ms", {}).get(name), 2))
        row.append(_f(_get(r, "claude_code_body", name, "rps")))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append(
        "direct = the mock upstream itself (the physical floor; it shows the mock is not the bottleneck). "
        "× floor = req/s over the best-transport passthrough (`httpx-ours`: httpx over the production "
        "transport; `aiohttp` = a plain aiohttp client, for reference). CPU µs = the target process's "
        "CPU time (all threads) per request or per upstream chunk. TTFB: first body byte of a stream whose "
        "first delta comes 2 ms after the head. Errors: "
        + ", ".join(
            f"{n} {_f(_get(ns, c, n, 'errors'))}" for c in conc for n in names if _get(ns, c, n, "errors")
        )
        + (" none" if not any(_get(ns, c, n, "errors") for c in conc for n in names) else "")
        + ".\n"
    )
    pass16 = _get(ns, "16", PASS, "rps")
    if pass16:
        peers = ", ".join(f"{k}: {pass16 / v['c16']:.1f}×" for k, v in PEERS.items())
        out.append(f"Passthrough c16 against the peers measured in issue 9 (not re-run here): {peers}.\n")
    burst = r.get("after_burst", {})
    if burst:
        out.append("## c=16 again, right after the c=64 phase (connections a burst opened stay pooled)\n")
        out.append("| target | req/s c16 before | req/s c16 after the burst | CPU µs/req before | after |")
        out.append("|---|---|---|---|---|")
        for name in names:
            out.append(
                f"| {name} | {_f(_get(ns, '16', name, 'rps'))} | {_f(_get(burst, name, 'rps'))} | "
                f"{_f(_get(ns, '16', name, 'cpu_us_per_req'))} | {_f(_get(burst, name, 'cpu_us_per_req'))} |"
            )
        out.append("")
    out.append("## Budget\n")
    out.append("| what | budget | measured | met |")
    out.append("|---|---|---|---|")
    for what, limit, value, ok in budget(r):
        out.append(f"| {what} | {limit} | {value} | {'yes' if ok else 'no' if ok is not None else '–'} |")
    out.append("")
    mem, start = r.get("memory", {}), r.get("startup", {})
    out.append("## Memory and start-up (proxy, uvloop)\n")
    out.append(
        f"idle RSS {_f(_get(mem, 'idle', 'rss_mb'), 1)} MB; after the load phases "
        f"{_f(_get(mem, 'after_load', 'rss_mb'), 1)} MB; {_f(_get(mem, 'run', 'requests'))}-request run "
        f"{_f(_get(mem, 'run', 'before_mb'), 1)} → {_f(_get(mem, 'run', 'after_mb'), 1)} MB; "
        f"peak (VmHWM, at the end: 5 MB bodies, c=64) {_f(_get(mem, 'final', 'peak_mb'), 1)} MB. "
        f"Start-up to the first 200 on /v1/models: {', '.join(_f(s, 2) for s in start.get('runs_s', []))} s "
        f"(median {_f(start.get('median_s'), 2)} s; asyncio loop {_f(start.get('asyncio_s'), 2)} s); "
        f"CPU time used by then: {', '.join(_f(s, 2) for s in start.get('cpu_s', []))} s (the wall time "
        "minus waiting for a CPU other work held).\n"
    )
    out += _growth(r)
    return "\n".join(out) + "\n"


def _growth(r: dict[str, Any]) -> list[str]:
    out: list[str] = []
    sg = r.get("stream_growth", {})
    if sg:
        names = list(next(iter(sg.values())))
        out.append("## Growth: stream length (µs per upstream chunk, stream ms in brackets)\n")
        out.append("| chunks | " + " | ".join(names) + " |")
        out.append("|---|" + "---|" * len(names))
        for chunks, row in sg.items():
            cells = [f"{_f(row[n]['us_per_chunk'], 1)} ({_f(row[n]['stream_ms'], 1)})" for n in names]
            out.append(f"| {_f(int(chunks))} | " + " | ".join(cells) + " |")
        out.append("")
    bg = r.get("body_growth", {})
    if bg:
        names = list(next(iter(bg.values())))
        out.append("## Growth: request body (one base64 image), c=1 p50 ms (MB/s in brackets)\n")
        out.append("| body | " + " | ".join(names) + " |")
        out.append("|---|" + "---|" * len(names))
        for size, row in bg.items():
            cells = [f"{_f(row[n]['p50_ms'], 2)} ({_f(row[n]['mb_per_s'], 0)})" for n in names]
            out.append(f"| {_f(int(size) / 1024)} KB | " + " | ".join(cells) + " |")
        out.append("")
    pg = r.get("pool_growth", {})
    if pg:
        out.append("## Growth: Claude keys in the pool (proxy passthrough)\n")
        out.append("| keys | start-up s | p50 ms c1 | req/s c1 | req/s c16 | routing decision µs |")
        out.append("|---|---|---|---|---|---|")
        for keys, row in pg.items():
            out.append(
                f"| {_f(int(keys))} | {_f(row['startup_s'], 2)} | {_f(row['c1_p50_ms'], 2)} | "
                f"{_f(row['c1_rps'])} | {_f(row['c16_rps'])} | {_f(row['pick_us'], 1)} |"
            )
        out.append("")
    ug = r.get("usage_growth", {})
    if ug:
        out.append("## Growth: usage store rows (server/usage/queries.py)\n")
        out.append("| rows | 30-day summary ms (totals + 4 groupings) | 30-day daily series ms | insert s |")
        out.append("|---|---|---|---|")
        for rows, row in ug.items():
            out.append(
                f"| {_f(int(rows))} | {_f(row['summary_ms'], 1)} | {_f(row['series_day_ms'], 1)} | "
                f"{_f(row['insert_s'], 1)} |"
            )
        out.append("")
    return out
