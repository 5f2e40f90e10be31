"""Kill the crash driver with SIGKILL at random moments and check every file after each kill.

``python -m tests.hardening.crash_soak --kills 100 [--seed S] [--max-delay 0.4] [--dir D]`` runs the full
soak and prints a summary (exit status 1 on any violation); the CI test runs ``soak()`` with fewer kills.

After every kill: config.yaml parses, loads, and is the last version the driver reported saved or the
one it was saving; every account file parses, is a Claude credential and holds the last reported token
or a newer one; temp files of killed writers are gone once the next driver started; the usage database
passes ``PRAGMA integrity_check`` and holds every row the driver reported committed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from server.config.load import parse_config
from tests.hardening.crash_driver import ACCOUNTS, config_key, prepare

__all__ = ["SoakResult", "soak"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SoakResult:
    kills: int = 0
    problems: list[str] = field(default_factory=list)
    config_saves: int = 0
    refreshes: int = 0
    usage_rows: int = 0
    stray_temp_files: int = 0
    temp_files_after_kills: int = 0
    """Temp files a kill left behind (swept by the next start): shows kills landed inside saves."""
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"kills survived: {self.kills - len({p.split(':')[0] for p in self.problems})}/{self.kills}; "
            f"reported before the kills: {self.config_saves} config saves, {self.refreshes} refresh "
            f"write-backs, {self.usage_rows} usage rows; temp files left at the end: "
            f"{self.stray_temp_files} (kills left {self.temp_files_after_kills}, swept); "
            f"problems: {len(self.problems)}; {self.seconds:.1f} s"
        )


@dataclass
class _Known:
    config: str = "k-initial"
    tokens: dict[str, str] = field(
        default_factory=lambda: {n: f"initial-{i}" for i, n in enumerate(ACCOUNTS)}
    )
    usage: set[str] = field(default_factory=set)
    dead_pids: set[int] = field(default_factory=set)


def _temp_files(workdir: Path) -> list[Path]:
    return [p for d in (workdir, workdir / "auths") for p in d.iterdir() if p.name.endswith(".tmp")]


def _token_number(token: str) -> int:
    return int(token[3:]) if token.startswith("at-") and token[3:].isdigit() else -1


def _check(workdir: Path, run: int, lines: list[list[str]], known: _Known) -> list[str]:
    """Problems found after the kill of ``run`` (``known`` is updated to what is on disk now)."""
    problems: list[str] = []
    saved = [int(w[2]) for w in lines if w[0] == "config"]
    # config.yaml: the last reported save, or the save after it that was in flight
    last = config_key(run, saved[-1]) if saved else known.config
    allowed = {last, config_key(run, saved[-1] + 1 if saved else 0)}
    try:
        document = yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8"))
        parse_config(document)
        current = document["api-keys"][0]
        if current not in allowed:
            problems.append(f"config.yaml holds {current!r}, expected one of {sorted(allowed)}")
        known.config = current
    except Exception as exc:
        problems.append(f"config.yaml unreadable: {type(exc).__name__}: {exc}")
    # account files: the last reported token or a newer one
    for name in ACCOUNTS:
        reported = [w[3] for w in lines if w[0] == "cred" and w[2] == name]
        try:
            data = json.loads((workdir / "auths" / name).read_bytes())
            token = data["access_token"]
            ok = data["type"] == "claude" and isinstance(data["refresh_token"], str)
            if reported:
                ok = ok and _token_number(token) >= _token_number(reported[-1])
            else:
                ok = ok and (token == known.tokens[name] or _token_number(token) > 0)
            if not ok:
                problems.append(
                    f"{name} holds {token!r}, last reported {reported[-1:] or known.tokens[name]}"
                )
            known.tokens[name] = token
        except Exception as exc:
            problems.append(f"{name} unreadable: {type(exc).__name__}: {exc}")
    # usage: integrity and every committed row
    for words in lines:
        if words[0] == "usage":
            known.usage.update(f"r{run}-{i}" for i in range(int(words[2]), int(words[3]) + 1))
    try:
        conn = sqlite3.connect(workdir / "usage.db")
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                problems.append(f"usage.db integrity_check: {check}")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            # killed before the first start created the schema: fine while nothing was committed
            query = "SELECT model FROM attempts" if "attempts" in tables else "SELECT 1 WHERE 0"
            models = {row[0] for row in conn.execute(query)}
        finally:
            conn.close()
        missing = known.usage - models
        if missing:
            problems.append(f"usage.db lost {len(missing)} committed rows, e.g. {sorted(missing)[:3]}")
    except sqlite3.Error as exc:
        problems.append(f"usage.db unusable: {exc}")
    return problems


def _read_report(workdir: Path, offset: int) -> tuple[list[list[str]], int]:
    raw = (workdir / "report.log").read_bytes() if (workdir / "report.log").exists() else b""
    text = raw[offset:].decode()
    return [line.split() for line in text.splitlines()], len(raw)


def _wait_ready(workdir: Path, run: int, offset: int, timeout: float = 20.0) -> None:
    """Until run ``run`` is ready and its first config save is done: on a loaded machine the first save
    can take longer than the kill delay, and a kill must land while every kind of write is going on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines, _ = _read_report(workdir, offset)
        if ["ready", str(run)] in lines and ["config", str(run), "0"] in lines:
            return
        time.sleep(0.005)
    raise TimeoutError(f"driver run {run} did not get ready")


def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)
    raise TimeoutError(f"driver {pid} did not die")


def soak(workdir: Path, kills: int, *, seed: int = 0, max_delay: float = 0.4) -> SoakResult:
    """Run ``kills`` drivers, each killed with SIGKILL ``0..max_delay`` seconds after it got ready."""
    rng = random.Random(seed)
    prepare(workdir)
    result = SoakResult()
    known = _Known()
    started = time.monotonic()
    zygote = subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.crash_driver", "--zygote", str(workdir)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        assert zygote.stdout.readline().strip() == "zygote"
        offset = 0
        for run in range(kills + 1):
            zygote.stdin.write(f"run {run}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            _wait_ready(workdir, run, offset)
            stale = [
                p.name for p in _temp_files(workdir) if int(p.name.rsplit(".", 3)[-3]) in known.dead_pids
            ]
            if stale:
                result.problems.append(f"run {run}: temp files of killed drivers not swept: {stale}")
            if run == kills:  # the last driver only shows that the previous one's leftovers were swept
                os.kill(pid, signal.SIGKILL)
                _wait_dead(pid)
                break
            time.sleep(rng.uniform(0, max_delay))
            os.kill(pid, signal.SIGKILL)
            _wait_dead(pid)
            known.dead_pids.add(pid)
            result.kills += 1
            result.temp_files_after_kills += len(_temp_files(workdir))
            lines, offset = _read_report(workdir, offset)
            result.config_saves += sum(w[0] == "config" for w in lines)
            result.refreshes += sum(w[0] == "cred" for w in lines)
            result.usage_rows += sum(int(w[3]) - int(w[2]) + 1 for w in lines if w[0] == "usage")
            result.problems.extend(f"kill {run}: {p}" for p in _check(workdir, run, lines, known))
    finally:
        zygote.stdin.close()
        zygote.wait(10)
        zygote.stdout.close()
    result.stray_temp_files = sum(
        int(p.name.rsplit(".", 3)[-3]) in known.dead_pids for p in _temp_files(workdir)
    )
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--max-delay", type=float, default=0.4)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a new temp dir)")
    args = parser.parse_args(argv)
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="crash-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result = soak(workdir, args.kills, seed=args.seed, max_delay=args.max_delay)
    print(f"seed {args.seed}, work dir {workdir}")
    print(result.summary())
    for problem in result.problems:
        print("  " + problem)
    return 1 if result.problems or result.stray_temp_files else 0


if __name__ == "__main__":
    sys.exit(main())
