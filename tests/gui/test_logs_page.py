"""LogsPage: tails through the client, filters by level / text / management traffic, explains errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import LogLine, log_level
from gui.state import AppState
from gui.windows.logs import LogsPage, line_passes
from tests.gui.fake_client import FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

INFO = "[2025-10-09 10:00:05] [a1b2c3d4] [info ] [server.pipeline] claude-sonnet-4-5 via claude 200"
WARN = "[2025-10-09 10:01:10] [e5f6a7b8] [warn ] [server.routing] ada@example.com cooling 60s (429)"
ERROR = "[2025-10-09 10:02:00] [c9d0e1f2] [error] [server.auth] qwen refresh failed"
TRACE = "Traceback (most recent call last):"
MGMT = "[2025-10-09 10:02:03] [--------] [info ] [server.api] GET /v0/management/accounts/state 200"


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _line(text: str) -> LogLine:
    return LogLine(text, log_level(text) or "error")


@pytest.mark.parametrize(
    ("text", "level", "search", "hide", "shown"),
    [
        (INFO, "", "", False, True),
        (INFO, "warn", "", False, False),
        (WARN, "warn", "", False, True),
        (ERROR, "error", "", False, True),
        (WARN, "error", "", False, False),
        (INFO, "", "SONNET", False, True),
        (INFO, "", "codex", False, False),
        (MGMT, "", "", True, False),
        (MGMT, "", "", False, True),
    ],
    ids=[
        "all levels",
        "info under warn",
        "warn at warn",
        "error at error",
        "warn under error",
        "search ignores case",
        "search misses",
        "management hidden",
        "management shown",
    ],
)
def test_line_passes(text: str, level: str, search: str, hide: bool, shown: bool) -> None:
    assert line_passes(_line(text), level, search, hide) is shown


def _page(qtbot: QtBot, client: FakeClient) -> LogsPage:
    page = LogsPage(AppState(client), client, interval_ms=60_000)
    qtbot.addWidget(page)
    page.show()
    return page


def test_first_fetch_then_only_new_lines(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(log_lines=[INFO, WARN])
    page = _page(qtbot, client)
    qtbot.waitUntil(lambda: len(page.lines) == 2, timeout=2000)
    assert client.called("logs")[0] == (None, 500)
    client.add_log_lines(ERROR, TRACE, MGMT)
    page.refresh()
    qtbot.waitUntil(lambda: len(page.lines) == 5, timeout=2000)
    after = client.called("logs")[1][0]
    assert isinstance(after, float)  # one second before the newest stamp already seen
    assert [line.level for line in page.lines] == ["info", "warn", "error", "error", "info"]
    text = page.shown_text()
    assert ERROR in text and TRACE in text and MGMT not in text  # management traffic hidden by default


def test_filters_change_what_is_shown(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(log_lines=[INFO, WARN, ERROR, MGMT])
    page = _page(qtbot, client)
    qtbot.waitUntil(lambda: len(page.lines) == 4, timeout=2000)
    page.level.setCurrentIndex(page.level.findData("warn"))
    assert page.shown_text().splitlines() == [WARN, ERROR]
    page.level.setCurrentIndex(0)
    page.search.setText("qwen")
    assert page.shown_text().splitlines() == [ERROR]
    page.search.clear()
    page.hide_management.setChecked(False)
    assert page.shown_text().splitlines() == [INFO, WARN, ERROR, MGMT]


def test_logging_off_is_explained(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient()
    client.fail("logs", "Logging to file disabled", 400)
    page = _page(qtbot, client)
    qtbot.waitUntil(page.message.isVisible, timeout=2000)
    assert "Write logs to files" in page.message.text()


def test_paused_or_hidden_pages_do_not_poll(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(log_lines=[INFO])
    page = _page(qtbot, client)
    qtbot.waitUntil(lambda: len(page.lines) == 1, timeout=2000)
    page.pause.setChecked(True)
    page.timer.timeout.emit()
    page.hide()
    assert not page.timer.isActive()
    assert len(client.called("logs")) == 1


@pytest.mark.parametrize(
    ("provider", "shown"),
    [("", [INFO, WARN, ERROR]), ("claude", [INFO]), ("qwen", [ERROR]), ("codex", [])],
)
def test_provider_filter(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, provider: str, shown: list[str]
) -> None:
    assert [t for t in (INFO, WARN, ERROR) if line_passes(_line(t), "", "", False, provider)] == shown
    client = FakeClient(log_lines=[INFO, WARN, ERROR])
    page = _page(qtbot, client)
    qtbot.waitUntil(lambda: len(page.lines) == 3, timeout=2000)
    page.provider.setCurrentIndex(page.provider.findData(provider))
    assert page.shown_text().splitlines() == shown
