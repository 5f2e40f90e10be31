"""The placeholder status window: it follows the controller's state via a Qt signal, and toggles it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from pytestqt.qtbot import QtBot

from gui.status_window import StatusWindow
from server.config import default_config_path, parse_config
from server.runner import ServerController, ServerState, ServerStatus

REPO = Path(__file__).resolve().parents[2]


class RecordingWindow(StatusWindow):
    """Notes which thread shows each status (it must always be the GUI thread)."""

    def __init__(self, controller: ServerController) -> None:
        self.shown: list[tuple[ServerState, str]] = []
        super().__init__(controller)

    def show_status(self, status: ServerStatus) -> None:
        self.shown.append((status.state, threading.current_thread().name))
        super().show_status(status)


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[ServerController]:
    """A controller on a free port, stopped before qtbot closes the window."""
    made = ServerController(parse_config({"host": "127.0.0.1", "port": 0, "api-keys": ["sk-gui"]}))
    yield made
    made.stop()


@pytest.fixture
def window(qtbot: QtBot, controller: ServerController) -> RecordingWindow:
    shown = RecordingWindow(controller)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def state_of(controller: ServerController) -> ServerState:
    return controller.status.state


def running_text(controller: ServerController) -> str:
    return f"Running at http://127.0.0.1:{controller.port}"


def test_shows_stopped_before_the_start(window: RecordingWindow) -> None:
    assert window.status_label.text() == "Stopped"
    assert window.toggle_button.text() == "Start proxy"


def test_shows_the_url_once_the_controller_runs(
    qtbot: QtBot, window: RecordingWindow, controller: ServerController
) -> None:
    controller.start()  # from the test (GUI) thread; RUNNING is reported from the server thread
    qtbot.waitUntil(lambda: window.status_label.text() == running_text(controller))
    assert window.toggle_button.text() == "Stop proxy"
    assert controller.port > 0
    states = [state for state, _ in window.shown]
    assert states[-2:] == [ServerState.STARTING, ServerState.RUNNING]
    main = threading.main_thread().name
    assert {thread for _, thread in window.shown} == {main}


def test_the_button_stops_and_starts_the_proxy(
    qtbot: QtBot, window: RecordingWindow, controller: ServerController
) -> None:
    window.toggle_button.click()
    qtbot.waitUntil(lambda: window.status_label.text() == running_text(controller))
    url = controller.url
    assert httpx.get(url + "/healthz").status_code == 200

    window.toggle_button.click()
    qtbot.waitUntil(lambda: window.status_label.text() == "Stopped")
    assert window.toggle_button.text() == "Start proxy"
    assert state_of(controller) is ServerState.STOPPED
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz")

    window.toggle_button.click()
    qtbot.waitUntil(lambda: window.status_label.text() == running_text(controller))
    assert state_of(controller) is ServerState.RUNNING
    assert window.toggle_button.text() == "Stop proxy"
    assert {thread for _, thread in window.shown} == {threading.main_thread().name}


def test_a_failed_start_shows_the_error(qtbot: QtBot) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        controller = ServerController(parse_config({"host": "127.0.0.1", "port": port}))
        window = StatusWindow(controller)
        qtbot.addWidget(window)
        window.toggle_button.click()
        qtbot.waitUntil(lambda: window.status_label.text().startswith("Could not start: "))
    text = window.status_label.text()
    assert f"port {port} is already in use" in text
    if sys.platform.startswith("linux"):
        assert f"(pid {os.getpid()})" in text
    assert window.toggle_button.text() == "Start proxy"
    assert controller.status.state is ServerState.FAILED


def test_a_broken_config_file_shows_the_error(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: abc\n", encoding="utf-8")
    window = StatusWindow(ServerController(config_path=path))
    qtbot.addWidget(window)
    window.toggle_button.click()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Could not start: "))
    assert "port: expected an integer, got 'abc'" in window.status_label.text()


def test_the_gui_entry_point_starts_the_proxy(tmp_path: Path) -> None:
    """``python -m gui`` (the cliproxyapi-gui script) creates the per-user config and serves on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        yaml.safe_dump({"host": "127.0.0.1", "port": port, "api-keys": ["sk-gui"]}), encoding="utf-8"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gui"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 15
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/v1/models",
                    headers={"Authorization": "Bearer sk-gui"},
                    timeout=1,
                )
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert process.poll() is None, "the GUI exited early"
        assert answer is not None and answer.status_code == 200
    finally:
        process.kill()
        _, err = process.communicate(timeout=5)
    assert b"Traceback" not in err, err.decode(errors="replace")
