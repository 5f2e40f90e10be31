"""Lifecycle: the real ServerController's state changes arrive as signals in the GUI thread, and start /
stop / restart run off the Qt thread (the loop keeps turning while they wait)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.lifecycle import Lifecycle
from gui.models import ServerStatus
from server.config import parse_config
from server.runner import ServerController
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


class Recorder(QObject):
    """A GUI-thread object noting each status and the thread that delivered it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []

    def record(self, status: ServerStatus) -> None:
        self.seen.append((status.state, threading.current_thread().name))


@pytest.fixture
def controller() -> Iterator[ServerController]:
    made = ServerController(parse_config({"host": "127.0.0.1", "port": 0, "api-keys": ["sk-gui"]}))
    yield made
    made.stop()


def test_states_arrive_on_the_gui_thread(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, controller: ServerController
) -> None:
    lifecycle = Lifecycle(controller)
    recorder = Recorder()
    lifecycle.status_changed.connect(recorder.record)
    task = spawn(lifecycle.start(), "start")
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() == "" and not lifecycle.busy
    qtbot.waitUntil(lambda: ("running", "MainThread") in recorder.seen, timeout=5000)
    assert lifecycle.status.state == "running" and lifecycle.status.url == controller.url
    assert httpx.get(controller.url + "/healthz").status_code == 200
    stop = spawn(lifecycle.stop(), "stop")
    qtbot.waitUntil(stop.done, timeout=10_000)
    qtbot.waitUntil(lambda: recorder.seen[-1][0] == "stopped", timeout=5000)
    states = [state for state, _ in recorder.seen]
    assert states == ["starting", "running", "stopping", "stopped"]
    assert {thread for _, thread in recorder.seen} == {"MainThread"}


def test_restart_comes_back_running(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, controller: ServerController
) -> None:
    lifecycle = Lifecycle(controller)
    recorder = Recorder()
    lifecycle.status_changed.connect(recorder.record)
    start = spawn(lifecycle.start(), "start")
    qtbot.waitUntil(start.done, timeout=10_000)
    restart = spawn(lifecycle.restart(), "restart")
    qtbot.waitUntil(restart.done, timeout=15_000)
    qtbot.waitUntil(lambda: recorder.seen[-1][0] == "running", timeout=5000)
    assert [s for s, _ in recorder.seen].count("running") == 2


def test_a_taken_port_is_reported(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        lifecycle = Lifecycle(ServerController(parse_config({"host": "127.0.0.1", "port": port})))
        recorder = Recorder()
        lifecycle.status_changed.connect(recorder.record)
        task = spawn(lifecycle.start(), "start")
        qtbot.waitUntil(task.done, timeout=10_000)
    assert f"port {port} is already in use" in task.result()
    qtbot.waitUntil(lambda: bool(recorder.seen), timeout=5000)
    assert recorder.seen[-1] == ("failed", "MainThread")
    assert lifecycle.status.state == "failed" and f"port {port}" in lifecycle.status.error
