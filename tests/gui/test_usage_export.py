"""Usage export: the per-model table as CSV, every statistic as the server's JSON snapshot, atomic files."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.state import AppState
from gui.windows.usage import UsagePage
from gui.windows.usage_export import CSV_HEADER, table_csv, write_atomically
from gui.windows.usage_rows import ModelUsage
from tests.gui.fake_client import FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop
from tests.gui.test_usage_page import NOW, UsageClient

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _page(qtbot: QtBot, client: FakeClient, answer: str) -> UsagePage:
    page = UsagePage(AppState(client), client, clock=lambda: NOW)
    page.ask_path = lambda title, suggested, kinds: answer  # type: ignore[method-assign]
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.loaded, timeout=3000)
    return page


def _actions(page: UsagePage) -> list[str]:
    menu = page.export_button.menu()
    assert menu is not None
    return [a.text() for a in menu.actions()]


def _trigger(page: UsagePage, index: int) -> None:
    menu = page.export_button.menu()
    assert menu is not None
    menu.actions()[index].trigger()


def test_table_csv_has_a_header_and_one_line_per_model() -> None:
    rows = [ModelUsage("claude-sonnet-4-5", 10, 1, 1000, 200), ModelUsage('odd,"name"', 4, 0, 40, 8)]
    parsed = list(csv.reader(io.StringIO(table_csv(rows))))
    assert parsed == [
        list(CSV_HEADER),
        ["claude-sonnet-4-5", "10", "1", "0.9000", "1000", "200"],
        ['odd,"name"', "4", "0", "1.0000", "40", "8"],
    ]


def test_an_atomic_write_that_fails_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "usage.csv"
    target.write_text("old", encoding="utf-8")

    def broken(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["usage.csv"]


def test_the_table_is_saved_as_csv(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    target = tmp_path / "week.csv"
    page = _page(qtbot, UsageClient(), str(target))
    assert _actions(page) == ["Table as CSV…", "All statistics as JSON…"]
    _trigger(page, 0)
    qtbot.waitUntil(target.exists, timeout=3000)
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert lines[0] == list(CSV_HEADER)
    assert [line[0] for line in lines[1:]] == ["claude-sonnet-4-5", "gpt-5-codex", "gemini-2.5-pro"]
    assert sum(int(line[1]) for line in lines[1:]) == sum(r.requests for r in page.model.rows())
    assert page.message.isVisible() and str(target) in page.message.text()


def test_all_statistics_are_saved_as_the_servers_snapshot(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    target = tmp_path / "export.json"
    client = UsageClient()
    page = _page(qtbot, client, str(target))
    _trigger(page, 1)
    qtbot.waitUntil(target.exists, timeout=3000)
    assert json.loads(target.read_text(encoding="utf-8"))["usage"] == {"total_requests": 3}
    assert ("usage_export", ()) in client.calls


def test_a_cancelled_dialog_writes_nothing(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    client = UsageClient()
    page = _page(qtbot, client, "")
    _trigger(page, 1)
    qtbot.wait(50)
    assert ("usage_export", ()) not in client.calls
    assert list(tmp_path.iterdir()) == []
    assert not page.message.isVisible()


def test_a_failed_export_says_why(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    client = UsageClient()
    client.fail("usage_export", "usage statistics are disabled", 503)
    page = _page(qtbot, client, str(tmp_path / "export.json"))
    _trigger(page, 1)
    qtbot.waitUntil(page.message.isVisible, timeout=3000)
    assert "usage statistics are disabled" in page.message.text()
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_says_why(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    page = _page(qtbot, UsageClient(), str(tmp_path / "missing-folder" / "week.csv"))
    _trigger(page, 0)
    qtbot.waitUntil(page.message.isVisible, timeout=3000)
    assert "Could not write" in page.message.text()
