"""Update check: version comparison, a fake GitHub releases server on 127.0.0.1 (available, up to date,
offline, not readable), the Settings row, the daily check telling once per version, and the notification."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import gui.tray
from gui.aio import spawn
from gui.notifier import Notifier
from gui.prefs import Prefs
from gui.state import AppState
from gui.updates import UpdateChecker, UpdateResult, check_for_update, is_newer, releases_url
from gui.windows.settings_updates import UpdatesRow
from tests.gui.fake_client import NOW, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

PAGE = "https://github.com/example/cliproxyapi/releases/tag/v1.4.0"


class Releases:
    """A fake ``releases/latest`` endpoint: answers ``status`` and ``body``; counts the requests."""

    def __init__(self) -> None:
        self.status = 200
        self.body: object = {"tag_name": "v1.4.0", "html_url": PAGE, "name": "1.4.0"}
        self.requests = 0
        self.agents: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                outer.agents.append(self.headers.get("User-Agent", ""))
                raw = outer.body if isinstance(outer.body, bytes) else json.dumps(outer.body).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.server.server_address[1]}/repos/example/cliproxyapi/releases/latest"
        )
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def releases() -> Iterator[Releases]:
    server = Releases()
    yield server
    server.close()


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/releases/latest"


def _check(qtbot: QtBot, current: str, url: str) -> UpdateResult:
    task = spawn(check_for_update(current, url), "check")
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


@pytest.mark.parametrize(
    ("latest", "current", "newer"),
    [
        ("v1.4.0", "1.3.9", True),
        ("1.4.0", "v1.4", False),
        ("v1.10.0", "1.9.3", True),
        ("1.4.0-rc.1", "1.4.0", False),
        ("1.4.0", "1.4.0rc1", True),
        ("1.4.0.post1", "1.4.0", True),
        ("1.4.0+build7", "1.4.0", False),
        ("nightly", "1.0.0", False),
        ("2.0.0", "", False),
    ],
)
def test_version_comparison(latest: str, current: str, newer: bool) -> None:
    assert is_newer(latest, current) is newer


def test_the_url_can_be_overridden_for_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXYAPI_UPDATE_URL", "http://127.0.0.1:9/latest")
    assert releases_url() == "http://127.0.0.1:9/latest"
    monkeypatch.delenv("CLIPROXYAPI_UPDATE_URL")
    assert releases_url().startswith("https://api.github.com/repos/") and releases_url().endswith("/latest")


def test_available_up_to_date_offline_and_unreadable(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, releases: Releases
) -> None:
    found = _check(qtbot, "1.3.0", releases.url)
    assert (found.state, found.latest, found.url) == ("available", "1.4.0", PAGE)
    assert found.message == "Version 1.4.0 is available (you have 1.3.0)."
    assert releases.agents[-1] == "CLIProxyAPI-desktop/1.3.0"
    same = _check(qtbot, "1.4.0", releases.url)
    assert (same.state, same.message) == ("current", "You have the latest version (1.4.0).")
    offline = _check(qtbot, "1.3.0", _closed_port_url())
    assert offline.state == "offline" and "no connection" in offline.message
    releases.body = b"<html>maintenance</html>"
    assert _check(qtbot, "1.3.0", releases.url).state == "error"
    releases.status, releases.body = 404, {"message": "Not Found"}
    assert _check(qtbot, "1.3.0", releases.url).message == "No release has been published yet."
    releases.status = 403
    assert "busy" in _check(qtbot, "1.3.0", releases.url).message


def test_settings_row_states_and_download_button(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, releases: Releases, settings: QSettings
) -> None:
    opened: list[str] = []
    checker = UpdateChecker(settings, current="1.3.0", url=releases.url)
    row = UpdatesRow(checker, open_url=lambda url: opened.append(url) or True)
    qtbot.addWidget(row)
    assert row.daily.isChecked() and row.download_button.isHidden() and row.result.isHidden()
    row.check_button.click()
    qtbot.waitUntil(lambda: not row.download_button.isHidden(), timeout=5000)
    assert row.result.text() == "Version 1.4.0 is available (you have 1.3.0)."
    assert row.result.property("role") == "success" and row.check_button.isEnabled()
    row.download_button.click()
    assert opened == [PAGE]
    checker.current = "1.4.0"
    row.check_button.click()
    qtbot.waitUntil(lambda: row.result.text().startswith("You have the latest"), timeout=5000)
    assert row.download_button.isHidden()
    checker.url = _closed_port_url()
    row.check_button.click()
    qtbot.waitUntil(lambda: "no connection" in row.result.text(), timeout=5000)
    assert row.result.property("role") == "warning" and row.download_button.isHidden()
    row.daily.setChecked(False)
    assert UpdateChecker(settings).daily is False


def test_daily_check_tells_once_per_version_and_can_be_switched_off(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, releases: Releases, settings: QSettings
) -> None:
    now = [NOW]
    checker = UpdateChecker(settings, current="1.3.0", url=releases.url, clock=lambda: now[0])
    told: list[tuple[str, str]] = []
    checker.available.connect(lambda version, url: told.append((version, url)))
    checker._tick()
    qtbot.waitUntil(lambda: checker.last is not None, timeout=5000)
    assert told == [("1.4.0", PAGE)] and releases.requests == 1
    checker._tick()  # less than a day later: no request
    assert releases.requests == 1
    now[0] += 86_400
    checker._tick()
    qtbot.waitUntil(lambda: releases.requests == 2 and not checker.busy, timeout=5000)
    assert told == [("1.4.0", PAGE)]  # the same version is not told again
    checker.daily = False
    now[0] += 86_400
    checker._tick()
    assert releases.requests == 2
    task = spawn(checker.check(), "manual")  # a manual check never notifies
    qtbot.waitUntil(task.done, timeout=5000)
    assert releases.requests == 3 and len(told) == 1


def test_update_notification_opens_the_release_page(qapp: QApplication, settings: QSettings) -> None:
    class Sink:
        def __init__(self) -> None:
            self.messages: list[tuple[str, str]] = []

        def notify(self, title: str, message: str, error: bool = False, url: str = "") -> None:
            self.messages.append((title, url))

    sink = Sink()
    notifier = Notifier(AppState(FakeClient()), Prefs(settings), sink)
    notifier.update_available("1.4.0", PAGE)
    assert sink.messages == [("CLIProxyAPI 1.4.0 is available", PAGE)]


def test_clicking_the_tray_notification_opens_the_release_page(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class Services:
        @staticmethod
        def openUrl(url: object) -> bool:
            opened.append(url.toString())  # type: ignore[attr-defined]
            return True

    monkeypatch.setattr(gui.tray, "QDesktopServices", Services)
    tray = gui.tray.Tray(AppState(FakeClient()))
    tray.notify("CLIProxyAPI 1.4.0 is available", "Click to open the download page.", url=PAGE)
    tray.icon.messageClicked.emit()
    tray.notify("The proxy stopped", "It stopped unexpectedly.", True)  # no link: a click opens nothing
    tray.icon.messageClicked.emit()
    assert opened == [PAGE]


def test_tray_check_for_updates_tells_the_result(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, releases: Releases, settings: QSettings
) -> None:
    checker = UpdateChecker(settings, current="1.3.0", url=releases.url)
    tray = gui.tray.Tray(AppState(FakeClient()), updates=checker)
    told: list[tuple[str, str, bool, str]] = []
    tray.notify = lambda title, message, error=False, url="": told.append((title, message, error, url))  # type: ignore[method-assign]
    assert tray.updates_action in tray.menu.actions()
    tray.updates_action.trigger()
    qtbot.waitUntil(lambda: len(told) == 1, timeout=5000)
    assert told[0] == ("Update available", "Version 1.4.0 is available (you have 1.3.0).", False, PAGE)
    checker.url = _closed_port_url()
    tray.updates_action.trigger()
    qtbot.waitUntil(lambda: len(told) == 2, timeout=5000)
    assert told[1][0] == "Check for updates" and told[1][2] is True and "no connection" in told[1][1]
    plain = gui.tray.Tray(AppState(FakeClient()))  # no checker (as in tests of the menu): no entry
    assert plain.updates_action not in plain.menu.actions()
