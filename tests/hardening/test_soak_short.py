"""The load/soak script in a short mode: it runs, holds the load with 0 errors and measures the proxy.

The full run (200 streams for 60 s) is ``python -m tests.hardening.soak``; its figures are in
docs/security.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_short_soak_holds_the_load_without_errors_or_fd_growth() -> None:
    command = [sys.executable, "-m", "tests.hardening.soak", "--concurrency", "50", "--duration", "3"]
    done = subprocess.run(
        [*command, "--warmup", "1", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=80
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["ok"] > 50
    assert summary["usage_rows"] >= summary["ok"]
    assert summary["fd_growth"] <= 5
    if sys.platform.startswith("linux"):
        assert "RSS peak (VmHWM)" in done.stdout and "n/a" not in done.stdout


def test_proc_stats_reads_this_process() -> None:
    import os

    from tests.hardening.soak import proc_stats

    stats = proc_stats(os.getpid())
    if not sys.platform.startswith("linux"):
        assert stats is None
        return
    assert stats is not None
    assert 0 < stats.rss_kb <= stats.hwm_kb
    with open(__file__, "rb"):
        assert proc_stats(os.getpid()).fds == stats.fds + 1  # type: ignore[union-attr]
