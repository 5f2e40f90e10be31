"""SettingsPage: loads through the client, writes only what changed, says when a restart is needed, keeps
the app's own options (login item, start proxy, connection) without touching the proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.platform.autostart import XdgAutostart
from gui.prefs import Prefs
from gui.state import AppState
from gui.windows.settings import SettingsPage, proxy_url_problem
from tests.gui.fake_client import CLIENT_KEY, QT_MARKS, FakeClient, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def prefs(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


def _page(qtbot: QtBot, client: FakeClient, prefs: QSettings, tmp_path: Path) -> SettingsPage:
    page = SettingsPage(AppState(client), client, prefs=prefs, autostart=XdgAutostart(tmp_path / "autostart"))
    page.keys._confirm = False
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(page.save_button.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: page.port.isEnabled(), timeout=2000)
    return page


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", ""),
        ("socks5://127.0.0.1:1080", ""),
        ("http://user:pw@proxy.example.com:8080", ""),
        ("proxy.example.com:8080", "must start with"),
        ("socks5://", "needs a host"),
    ],
    ids=["empty", "socks5", "http with user", "no scheme", "no host"],
)
def test_proxy_url_problem(url: str, problem: str) -> None:
    found = proxy_url_problem(url)
    assert (problem in found) if problem else found == ""


def test_loads_and_saves_only_changes(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    client = FakeClient.sample()
    page = _page(qtbot, client, prefs, tmp_path)
    assert (page.port.value(), page.retries.value(), page.lan.isChecked()) == (8317, 3, False)
    assert page.strategy.currentData() == "round-robin" and page.usage.isChecked()
    assert page.keys.keys == [CLIENT_KEY] and CLIENT_KEY not in page.keys.list.item(0).text()
    assert not page.save_button.isEnabled() and not page.lan_warning.isVisible()
    page.retries.setValue(5)
    page.strategy.setCurrentIndex(page.strategy.findData("fill-first"))
    assert page.save_button.isEnabled()
    page.save_button.click()
    qtbot.waitUntil(lambda: page.status.text() == "Saved.", timeout=2000)
    assert client.called("update_setting") == [("request-retry", 5), ("routing/strategy", "fill-first")]
    assert not page.save_button.isEnabled() and not page.restart_button.isVisible()


def test_port_and_lan_need_a_restart(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    client = FakeClient.sample()
    page = _page(qtbot, client, prefs, tmp_path)
    page.port.setValue(8400)
    page.lan.setChecked(True)
    assert page.lan_warning.isVisible()
    page.save_button.click()
    qtbot.waitUntil(page.restart_button.isVisible, timeout=2000)
    assert "Restart the proxy" in page.status.text()
    assert client.setting_values["port"] == 8400 and client.setting_values["host"] == ""
    with qtbot.waitSignal(page.restart_requested, timeout=1000):
        page.restart_button.click()


def test_a_bad_proxy_address_cannot_be_saved(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    page = _page(qtbot, FakeClient.sample(), prefs, tmp_path)
    page.proxy_url.setText("proxy.example.com:8080")
    assert page.proxy_problem.isVisible() and not page.save_button.isEnabled()
    page.proxy_url.setText("socks5://127.0.0.1:1080")
    assert not page.proxy_problem.isVisible() and page.save_button.isEnabled()


def test_save_errors_are_shown(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    client = FakeClient.sample()
    page = _page(qtbot, client, prefs, tmp_path)
    client.fail("update_setting", "Invalid strategy: routing/strategy must be round-robin or fill-first", 400)
    page.retries.setValue(1)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.status.text().startswith("Not saved"), timeout=2000)
    assert "Invalid strategy" in page.status.text() and page.save_button.isEnabled()


def test_load_errors_are_shown(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    client = FakeClient.sample()
    client.fail("settings", "Cannot reach the proxy at http://127.0.0.1:8317. Is it running?", 0)
    page = SettingsPage(AppState(client), client, prefs=prefs, autostart=None)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: "Cannot reach" in page.status.text(), timeout=2000)
    assert not page.port.isEnabled() and not page.app_options.login_item.isEnabled()


def test_client_keys_generate_and_revoke(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    client = FakeClient.sample()
    page = _page(qtbot, client, prefs, tmp_path)
    page.keys.generate_button.click()
    qtbot.waitUntil(lambda: len(client.key_list) == 2, timeout=2000)
    new = client.key_list[1]
    assert new.startswith("sk-") and page.keys.keys == client.key_list
    page.keys.list.setCurrentRow(0)
    page.keys.revoke_button.click()
    qtbot.waitUntil(lambda: client.key_list == [new], timeout=2000)
    assert all(new not in page.keys.list.item(i).text() for i in range(page.keys.list.count()))


def test_app_options_apply_at_once(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    page = _page(qtbot, FakeClient.sample(), prefs, tmp_path)
    options = page.app_options
    options.login_item.setChecked(True)
    entry = tmp_path / "autostart" / "cliproxyapi.desktop"
    assert entry.is_file() and "--autostart" in entry.read_text(encoding="utf-8")
    options.login_item.setChecked(False)
    assert not entry.exists()
    options.start_proxy.setChecked(False)
    options.notify_cooling.setChecked(False)
    stored = Prefs(prefs)
    assert stored.start_proxy is False and stored.notify("cooling") is False and stored.notify("stopped")


def test_remote_connection_is_remembered(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, prefs: QSettings, tmp_path: Path
) -> None:
    page = _page(qtbot, FakeClient.sample(), prefs, tmp_path)
    options = page.app_options
    assert options.local_choice.isChecked() and not options.apply_connection.isEnabled()
    options.remote_choice.setChecked(True)
    qtbot.keyClicks(options.remote_url, "http://192.168.1.20:8317")
    assert not options.apply_connection.isEnabled()  # no key yet
    qtbot.keyClicks(options.remote_key.line, "remote-secret")
    assert options.remote_key.line.text() == "remote-secret" and options.apply_connection.isEnabled()
    with qtbot.waitSignal(options.connection_changed, timeout=1000):
        options.apply_connection.click()
    stored = Prefs(prefs)
    assert (stored.remote_url, stored.remote_key) == ("http://192.168.1.20:8317", "remote-secret")
    assert "Quit and reopen" in options.connection_note.text()
