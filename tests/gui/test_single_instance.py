"""One app per user: the second launch does not get the lock and makes the first one show itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from pytestqt.qtbot import QtBot

from gui.platform.single_instance import SingleInstance, socket_name
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS

REPO = Path(__file__).resolve().parents[2]


def test_second_instance_asks_the_first_to_show(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.acquire()
    second = SingleInstance(tmp_path)
    with qtbot.waitSignal(first.show_requested, timeout=3000):
        assert not second.acquire()
    first.release()
    third = SingleInstance(tmp_path)
    assert third.acquire()  # free again after release
    third.release()


def test_names_differ_per_lock_file(tmp_path: Path) -> None:
    assert socket_name(tmp_path / "a.lock") != socket_name(tmp_path / "b.lock")
    assert socket_name(tmp_path / "a.lock") == socket_name(tmp_path / "a.lock")


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    script = (
        "import os, sys; from pathlib import Path\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from gui.platform.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        "held = SingleInstance(Path(sys.argv[1]))\n"
        "assert held.acquire()\n"
        "os._exit(0)  # dies holding the lock\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO, env=env, check=True, timeout=30)
    assert (tmp_path / "cliproxyapi-gui.lock").exists()
    survivor = SingleInstance(tmp_path)
    assert survivor.acquire()
    survivor.release()


def test_notify_without_a_first_instance_reports_false(tmp_path: Path) -> None:
    assert SingleInstance(tmp_path).notify_running() is False


def test_a_second_launch_of_the_app_exits_and_wakes_the_first(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(
        f'host: "127.0.0.1"\nport: {port}\nauth-dir: "{tmp_path / "auths"}"\n', encoding="utf-8"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "gui", "--config", str(config)]
    first = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not _answers(port):
            assert first.poll() is None and time.monotonic() < deadline, "the first app did not start"
            time.sleep(0.05)
        second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=30)
        assert second.returncode == 0 and b"already running" in second.stderr
        assert first.poll() is None and _answers(port)
    finally:
        first.terminate()  # SIGTERM: a clean quit that stops the proxy
        _, err = first.communicate(timeout=15)
    assert first.returncode == 0 and not _answers(port)
    assert b"Traceback" not in err, err.decode(errors="replace")


def test_version_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gui", "--version"], cwd=REPO, capture_output=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.startswith(b"CLIProxyAPI for desktop ")


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False).status_code == 200
    except httpx.TransportError:
        return False
