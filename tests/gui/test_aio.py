"""gui.aio: spawned tasks are kept alive and their failures reported; async slots take signal arguments
the way Qt does; run_app returns the main coroutine's code and cancels what is left; qtfix pads refcounts."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from types import TracebackType

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from gui import qtfix
from gui.aio import async_slot, cancel_all, run_app, running_tasks, spawn
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


class Worker(QObject):
    number = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.got: list[object] = []

    @async_slot()
    async def plain(self) -> None:
        await asyncio.sleep(0)
        self.got.append("plain")

    @async_slot(int)
    async def with_number(self, value: int) -> None:
        await asyncio.sleep(0)
        self.got.append(value)


def test_spawn_keeps_a_reference_until_done(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    gate = asyncio.Event()

    async def wait() -> int:
        await gate.wait()
        return 7

    task = spawn(wait(), "waiter")
    assert task.get_name() == "waiter" and task in running_tasks()
    gate.set()
    qtbot.waitUntil(task.done, timeout=1000)
    assert task.result() == 7 and task not in running_tasks()


def test_a_failing_task_goes_to_the_excepthook(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BaseException] = []

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        seen.append(error)

    monkeypatch.setattr(sys, "excepthook", hook)

    async def fail() -> None:
        raise ValueError("boom")

    spawn(fail(), "failing")
    qtbot.waitUntil(lambda: bool(seen), timeout=1000)
    assert isinstance(seen[0], ValueError)


def test_async_slots_drop_extra_signal_arguments(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    worker = Worker()
    button = QPushButton()
    qtbot.addWidget(button)
    button.clicked.connect(worker.plain)  # clicked(bool): the slot takes nothing
    worker.number.connect(worker.with_number)
    button.click()
    worker.number.emit(42)
    qtbot.waitUntil(lambda: len(worker.got) == 2, timeout=1000)
    assert sorted(map(str, worker.got)) == ["42", "plain"]


def test_cancel_all(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    forever = spawn(asyncio.Event().wait(), "forever")
    done = spawn(cancel_all(), "cancel")
    qtbot.waitUntil(done.done, timeout=1000)
    assert forever.cancelled()


def test_run_app_returns_the_code_and_cancels_the_rest(qapp: QApplication) -> None:
    leftovers: list[asyncio.Task[bool]] = []

    async def main() -> int:
        leftovers.append(spawn(asyncio.Event().wait(), "left running"))
        await asyncio.sleep(0)
        return 3

    assert run_app(qapp, main()) == 3
    assert leftovers[0].cancelled()


def test_run_app_survives_qt_quitting_first(qapp: QApplication) -> None:
    cleaned: list[str] = []

    async def main() -> int:
        QTimer.singleShot(0, qapp.quit)
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("main")
        return 0

    assert run_app(qapp, main()) == 0
    assert cleaned == ["main"]


def test_qtfix_is_applied_once() -> None:
    assert qtfix.apply() is False  # gui.aio applied it at import (or it is not needed here)
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) > qtfix.PADDING


def test_a_task_dies_with_its_owner(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    owner = QObject()
    survivor = QObject()
    gate = asyncio.Event()
    waiting = spawn(gate.wait(), "owned", owner=owner)
    finished = spawn(asyncio.sleep(0), "owned and done", owner=survivor)
    qtbot.waitUntil(finished.done, timeout=1000)
    owner.deleteLater()
    qtbot.waitUntil(waiting.done, timeout=1000)
    assert waiting.cancelled() and not finished.cancelled()
    survivor.destroyed.emit()  # the finished task let go of its owner: nothing to cancel any more
