"""The headless command as a real process: serve, stop on Ctrl-C / SIGTERM, first run, start errors."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import yaml

from server import __version__
from server.config import default_config_path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CONSOLE_SCRIPT = VENV_BIN / ("cliproxyapi.exe" if sys.platform == "win32" else "cliproxyapi")
STARTED = re.compile(r"API server started successfully on: (\S+)")
KEY_LINE = "Created a new config file. Your client API key (shown once): "
CLIENT_KEY = "sk-cli-e2e"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LAUNCHERS = {
    "python -m server": [sys.executable, "-m", "server"],
    "cliproxyapi": [str(CONSOLE_SCRIPT)],
}


class Process:
    """A proxy process whose stdout and stderr are collected line by line in the background."""

    def __init__(self, argv: Sequence[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._err_lines: queue.Queue[str | None] = queue.Queue()
        assert self.popen.stdout is not None and self.popen.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.popen.stdout, self.out, None), daemon=True),
            threading.Thread(
                target=self._read, args=(self.popen.stderr, self.err, self._err_lines), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, lines: list[str], feed: queue.Queue[str | None] | None) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)
            if feed is not None:
                feed.put(line)
        if feed is not None:
            feed.put(None)

    def wait_started(self, timeout: float = 15.0) -> str:
        """The URL from the start-up log line; fails with the output if the process ends first."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._err_lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                self.popen.wait(5)
                pytest.fail(f"exited with {self.popen.returncode} before starting:\n{self.output()}")
            if match := STARTED.search(line):
                return match.group(1)
        pytest.fail(f"not started within {timeout} s:\n{self.output()}")

    def finish(self, timeout: float = 10.0) -> int:
        code = self.popen.wait(timeout)
        self._close()
        return code

    def stop(self, sig: int = signal.SIGINT, timeout: float = 5.0) -> int:
        self.popen.send_signal(sig)
        return self.finish(timeout)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)
        self._close()

    def _close(self) -> None:
        for reader in self._readers:
            reader.join(5)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()

    def output(self) -> str:
        return "".join(self.out) + "".join(self.err)

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


@pytest.fixture
def run() -> Iterator[type[Process]]:
    """Start processes with ``run(argv)``; any still running at the end are killed."""
    started: list[Process] = []

    class Tracked(Process):
        def __init__(self, argv: Sequence[str]) -> None:
            super().__init__(argv)
            started.append(self)

    yield Tracked
    for process in started:
        process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(path: Path, **settings: object) -> Path:
    document: dict[str, object] = {
        "host": "127.0.0.1",
        "port": free_port(),
        "api-keys": [CLIENT_KEY],
        "auth-dir": str(path.parent / "auths"),
    }
    document.update(settings)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def models(url: str, key: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"}, timeout=5)


@pytest.mark.parametrize("launcher", list(LAUNCHERS), ids=list(LAUNCHERS))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serves_then_exits_cleanly_on_a_signal(
    run: type[Process], tmp_path: Path, launcher: str, sig: signal.Signals
) -> None:
    config = write_config(tmp_path / "config.yaml")
    port = yaml.safe_load(config.read_text())["port"]
    process = run([*LAUNCHERS[launcher], "-config", str(config)])

    url = process.wait_started()

    assert url == f"http://127.0.0.1:{port}"
    reply = models(url, CLIENT_KEY)
    assert reply.status_code == 200
    assert reply.json()["object"] == "list"
    assert models(url, "sk-wrong").status_code == 401
    started = time.monotonic()
    assert process.stop(sig) == 0
    assert time.monotonic() - started < 5
    assert "Traceback" not in process.stderr
    assert process.stdout.startswith(f"CLIProxyAPI for desktop {__version__}, config: {config}")
    with pytest.raises(httpx.ConnectError):
        models(url, CLIENT_KEY)


def test_ctrl_c_lets_an_in_flight_request_finish(run: type[Process], tmp_path: Path) -> None:
    """Ctrl-C: the port closes for new clients, a request already being answered still completes."""
    from tests.fakes import Slow, start_fake_upstream

    fake, upstream = start_fake_upstream(chunks=3)
    try:
        fake.always("sk-up", Slow(delay_per_chunk=0.1))  # about 0.7 s in all: within the 1 s grace
        compat = {
            "name": "fake",
            "base-url": upstream.url + "/v1",
            "api-key-entries": [{"api-key": "sk-up"}],
            "models": [{"name": "up-model", "alias": "m"}],
        }
        config = write_config(
            tmp_path / "config.yaml", **{"openai-compatibility": [compat], "request-retry": 0}
        )
        process = run([sys.executable, "-m", "server", "-config", str(config)])
        url = process.wait_started()
        body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
        with httpx.stream(
            "POST", f"{url}/v1/chat/completions", json=body, headers=headers, timeout=10
        ) as reply:
            assert reply.status_code == 200
            lines = reply.iter_lines()
            first = next(lines)
            process.popen.send_signal(signal.SIGINT)
            rest = list(lines)
        text = "\n".join([first, *rest])
        assert "data: [DONE]" in text
        assert process.finish(5) == 0
    finally:
        upstream.stop()


def test_first_run_prints_the_key_once_and_the_readme_command_serves_with_it(
    run: type[Process],
) -> None:
    """README: `.venv/bin/cliproxyapi` with no flags creates the per-user config and serves with its key.

    The first run uses the default port 8317 when it is free; the second run gets a free port written
    into the created file, so the check does not depend on 8317.
    """
    path = default_config_path()
    assert not path.exists()
    with socket.socket() as probe:
        default_port_free = probe.connect_ex(("127.0.0.1", 8317)) != 0

    first = run([str(CONSOLE_SCRIPT)])
    if default_port_free:
        url = first.wait_started()
        assert url == "http://127.0.0.1:8317"
    else:
        assert first.finish() == 1
        assert "port 8317 is already in use" in first.stderr
    key_lines = [line for line in first.stdout.splitlines() if line.startswith(KEY_LINE)]
    assert len(key_lines) == 1, first.output()
    key = key_lines[0].removeprefix(KEY_LINE)
    assert f"config: {path}" in first.stdout
    assert key not in first.stderr  # the key is printed once, never logged
    if default_port_free:
        assert models("http://127.0.0.1:8317", key).status_code == 200
        assert first.stop() == 0

    port = free_port()
    text = path.read_text(encoding="utf-8")
    assert "\nport: 8317\n" in text
    path.write_text(text.replace("\nport: 8317\n", f"\nport: {port}\n"), encoding="utf-8")
    second = run([str(CONSOLE_SCRIPT)])
    url = second.wait_started()
    assert url == f"http://127.0.0.1:{port}"
    reply = models(url, key)
    assert reply.status_code == 200
    assert reply.json()["object"] == "list"
    assert second.stop() == 0
    assert "API key" not in second.stdout
    assert key not in second.output()


@pytest.mark.parametrize("flag", ["--version", "-version"])
def test_console_script_version(run: type[Process], flag: str) -> None:
    process = run([str(CONSOLE_SCRIPT), flag])
    assert process.finish() == 0
    assert process.stdout == f"CLIProxyAPI for desktop {__version__}\n"


def test_a_failed_login_exits_1_without_traceback(run: type[Process], tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yaml", port=free_port())
    missing = tmp_path / "service-account.json"
    process = run([sys.executable, "-m", "server", "-config", str(config), "-vertex-import", str(missing)])
    assert process.finish() == 1
    assert "Vertex login failed: cannot read" in process.stderr
    assert "Traceback" not in process.stderr


def test_bad_config_exits_1_without_traceback(run: type[Process], tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("port: abc\n", encoding="utf-8")
    process = run([str(CONSOLE_SCRIPT), "-config", str(config)])
    assert process.finish() == 1
    assert process.stderr == f"cliproxyapi: {config}: port: expected an integer, got 'abc'\n"
    assert process.stdout == ""


def test_port_in_use_exits_1_naming_the_holder(run: type[Process], tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        config = write_config(tmp_path / "config.yaml", port=port)
        process = run([sys.executable, "-m", "server", "-config", str(config)])
        assert process.finish() == 1
    assert f"cliproxyapi: port {port} is already in use" in process.stderr
    if sys.platform.startswith("linux"):
        assert f"(pid {os.getpid()})" in process.stderr
    assert "Traceback" not in process.stderr
