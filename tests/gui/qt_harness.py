"""Qt test harness: marks that fail a test on any Qt warning, and a qasync loop for each test.

Use it like this in a test module::

    from tests.gui.qt_harness import QT_MARKS, qt_loop

    pytestmark = QT_MARKS               # any Qt warning fails a test

    @pytest.fixture
    def loop(qapp):                     # every async slot needs a running asyncio loop
        yield from qt_loop(qapp)
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtWidgets import QApplication

import gui.aio  # noqa: F401  (applies gui.qtfix before the tests call Qt)

__all__ = ["QT_MARKS", "qt_loop"]

QT_MARKS = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # the offscreen platform's own notes, not our bugs
    pytest.mark.qt_log_ignore(
        "propagateSizeHints", "does not support raise", "systemTrayWindowChanged", "QSystemTrayIcon"
    ),
]
"""``pytestmark = QT_MARKS``: any Qt warning fails the test (except the offscreen platform's own)."""


def qt_loop(app: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that runs whenever Qt processes events (qtbot.wait*), closed after the test.

    Loop errors (an exception nobody retrieved, a failing callback) are collected and re-raised at
    teardown, so a broken async slot fails its test.
    """
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    errors: list[str] = []

    def collect(the_loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        errors.append(str(context.get("exception") or context.get("message")))

    loop.set_exception_handler(collect)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 2.0
        while any(not t.done() for t in pending) and time.monotonic() < deadline:
            app.processEvents()
        # collect this test's cyclic garbage here, in the GUI thread: collected later by a server or
        # worker thread, a Qt object in it would be destroyed in the wrong thread (warnings, crashes)
        gc.collect()
        asyncio.events._set_running_loop(None)
        # not loop.stop(): that calls QApplication.exit(), which would end the next test's waits at once
        loop._QEventLoop__is_running = False
        loop.close()
        asyncio.set_event_loop(None)
    assert not errors, f"errors in the asyncio loop: {errors}"
