"""Processes under test: the mock upstream, the floor passthroughs and the proxy, pinned to cores.

The proxy is started the way a user runs it: the ``cliproxyapi`` console script with a config file
(usage statistics on, logging to file on, as the generated default config has them), its data and
log directories in a scratch folder. ``asyncio_only`` starts the same CLI with uvloop made
unimportable, which is the Windows path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "CLIENT_KEY",
    "Proc",
    "cpu_ns",
    "free_port",
    "load_average",
    "proxy_config",
    "rss_kb",
    "start_module",
    "start_proxy",
]

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
CLIENT_KEY = "bench-client-key-0001"
CLAUDE_MODEL = "claude-sonnet-4-5-20250929"
COMPAT_MODEL = "gpt-mock"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(slots=True)
class Proc:
    name: str
    port: int
    popen: subprocess.Popen[bytes]
    started: float = 0.0
    ready_after: float = 0.0
    ready_cpu: float = 0.0
    """CPU seconds the process used until ``ready_after`` (less noisy than the wall time)."""
    log: Path | None = None
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def rss_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of ``pid`` in KiB, from /proc (0, 0 where there is no /proc)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_ns(pid: int) -> int:
    """CPU time used so far by every thread of ``pid``, in ns (/proc/<pid>/task/*/schedstat; 0 elsewhere)."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def load_average() -> float:
    """The 1-minute load average (0.0 where unknown): other work on the machine skews figures."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _pinned(command: list[str], cpu: int | None) -> list[str]:
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return command
    return ["taskset", "-c", str(cpu), *command]


def _bench_env(deps: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT)] + ([str(deps)] if deps is not None and deps.is_dir() else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def start_module(
    name: str, module: str, args: list[str], *, port: int, cpu: int | None, scratch: Path, deps: Path | None
) -> Proc:
    """A bench-side server (mock or passthrough): ``python -m <module> --port <port> <args>``."""
    log = scratch / f"{name}.log"
    command = _pinned([sys.executable, "-m", module, "--port", str(port), *args], cpu)
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command, cwd=ROOT, env=_bench_env(deps), stdout=out, stderr=subprocess.STDOUT
        )
    proc = Proc(name, port, popen, started=time.perf_counter(), log=log)
    _wait_listening(proc)
    return proc


def proxy_config(upstream: str, port: int, scratch: Path, *, claude_keys: int = 1) -> Path:
    """A config like a user's: client key, a Claude key and an OpenAI-compatible service (plus
    Gemini and Codex keys, so every family is wired), all pointing at the mock."""
    document = {
        "host": "127.0.0.1",
        "port": port,
        "api-keys": [CLIENT_KEY],
        "auth-dir": str(scratch / "auths"),
        "usage-statistics-enabled": True,
        "logging-to-file": True,
        "claude-api-key": [
            {"api-key": f"sk-ant-bench-{i:08d}-0000000000", "base-url": upstream} for i in range(claude_keys)
        ],
        "gemini-api-key": [{"api-key": "AIza-bench-000000000000000000000000000", "base-url": upstream}],
        "codex-api-key": [{"api-key": "sk-codex-bench-0000000000000000", "base-url": upstream}],
        "openai-compatibility": [
            {
                "name": "mock",
                "base-url": upstream + "/v1",
                "api-key-entries": [{"api-key": "sk-mock-bench-0000000000000000"}],
                "models": [{"name": "mock-model", "alias": COMPAT_MODEL}],
            }
        ],
    }
    (scratch / "auths").mkdir(parents=True, exist_ok=True)
    path = scratch / f"config-{port}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def start_proxy(
    name: str,
    config: Path,
    port: int,
    *,
    cpu: int | None,
    scratch: Path,
    asyncio_only: bool = False,
    code_from: Path | None = None,
) -> Proc:
    """The proxy as a user starts it; ``ready_after`` is the time to the first 200 on /v1/models.

    ``code_from``: a folder holding another copy of the ``server`` package (e.g. the code before a
    change), run instead of the installed one for side-by-side comparisons.
    """
    home = scratch / name
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "CLIPROXYAPI_DATA_DIR": str(home / "data"),
            "CLIPROXYAPI_LOG_DIR": str(home / "logs"),
            "CLIPROXYAPI_CONFIG_DIR": str(home / "config"),
        }
    )
    env.pop("PYTHONPATH", None)
    if code_from is not None:
        env["PYTHONPATH"] = str(code_from)
    script = Path(sys.executable).with_name("cliproxyapi")
    if asyncio_only or code_from is not None or not script.exists():
        code = "import sys; sys.modules['uvloop'] = None; " if asyncio_only else "import sys; "
        code += "from server.cli import main; sys.exit(main(sys.argv[1:]))"
        command = [sys.executable, "-c", code, "-config", str(config)]
    else:
        command = [str(script), "-config", str(config)]
    log = home / "stderr.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        popen = subprocess.Popen(
            _pinned(command, cpu), cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    proc = Proc(name, port, popen, started=started, log=log)
    deadline = started + 30
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models", headers={"x-api-key": CLIENT_KEY})
    while True:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    proc.ready_after = time.perf_counter() - started
                    proc.ready_cpu = cpu_ns(popen.pid) / 1e9
                    json.loads(answer.read())
                    return proc
        except OSError:
            pass
        if time.perf_counter() > deadline:
            proc.stop()
            raise RuntimeError(f"{name} did not answer /v1/models within 30 s")
        time.sleep(0.005)


def _wait_listening(proc: Proc) -> None:
    deadline = time.perf_counter() + 20
    while time.perf_counter() < deadline:
        if proc.popen.poll() is not None:
            text = proc.log.read_text(errors="replace") if proc.log else ""
            raise RuntimeError(f"{proc.name} exited: {text[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", proc.port), timeout=0.5):
                proc.ready_after = time.perf_counter() - proc.started
                return
        except OSError:
            time.sleep(0.02)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not listen on {proc.port}")


def mock_config(port: int, **values: float) -> dict[str, object]:
    """Set the mock's knobs (chunks, chunk_bytes, reply_bytes, delay_ms)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_bench/config", data=json.dumps(values).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        result: dict[str, object] = json.loads(answer.read())
        return result
