"""SettingsPage: loads through the client, writes only what changed, says when a restart is needed, keeps
the app's own options (login item, start proxy, connection) without touching the proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from gui.aio import running_tasks
from gui.i18n import set_language
from gui.models import ServerStatus
from gui.platform.autostart import XdgAutostart
from gui.prefs import Prefs
from gui.state import AppState
from gui.theme import apply_theme
from gui.windows.logs import LogsPage
from gui.windows.main_window import MainWindow
from gui.windows.settings import SettingsPage, proxy_url_problem
from tests.gui.fake_client import BASE_URL, CLIENT_KEY, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop
from tests.gui.take_screenshots import restored_look

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def prefs(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def restore(qapp: QApplication) -> Iterator[None]:
    with restored_look(qapp):
        yield


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


def _shows_its_data(key: str, page: QWidget) -> bool:
    """The page has the fake client's sample data on screen, so it is measured full."""
    if key == "accounts":
        return bool(page.view.model.rowCount())  # type: ignore[attr-defined]
    if key == "settings":
        return bool(page.provider_keys.model.rowCount())  # type: ignore[attr-defined]
    return bool(getattr(page, "loaded", True))


DEFAULT_WIDTH = 1120  # MainWindow's own size, as it opens
SMALL_WIDTH = 900  # what is left of a 1280×720 or 1366×768 laptop screen beside other windows


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_page_fits_a_small_laptop_window(
    qapp: QApplication,
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    restore: None,
    tmp_path: Path,
    language: str,
) -> None:
    """No page (Settings with its key tables included) asks for more room than the window opens with, nor
    for more than a 900 px wide window has: a wide page would make the whole window grow off screen."""
    apply_theme(qapp, "light")  # the app's padding, as people see it
    set_language(language)
    client = FakeClient.sample()
    state = AppState(client)
    prefs = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    pages = {
        "settings": SettingsPage(state, client, prefs=prefs, autostart=None),
        "logs": LogsPage(state, client, interval_ms=60_000),
    }
    window = MainWindow(state, client, pages=pages)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.health == "degraded", timeout=2000)
    assert window.width() == DEFAULT_WIDTH
    settings = window.page("settings")
    assert isinstance(settings, SettingsPage)
    sidebar = window.sidebar.parentWidget()
    for key in window.page_keys:
        page = window.show_page(key)
        qtbot.waitUntil(partial(_shows_its_data, key, page), timeout=3000)
        # a new minimum size travels up one layout level per event loop round: wait until it reached the
        # window, which then has the minimum width it enforces (and has grown, if the page needs more room)
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        qtbot.waitUntil(
            lambda: window.minimumWidth() >= sidebar.width() + window.stack.minimumSizeHint().width(),
            timeout=2000,
        )
        assert window.width() <= DEFAULT_WIDTH, (key, window.width())
        assert page.minimumSizeHint().width() <= SMALL_WIDTH, (key, page.minimumSizeHint().width())
    # the sidebar included, the whole window still fits 900 px, so every page does at that width
    assert window.minimumSizeHint().width() <= SMALL_WIDTH, window.minimumSizeHint().width()
    column = settings.findChild(QWidget, "pageColumn")
    assert column is not None
    window.resize(SMALL_WIDTH, 700)
    qapp.processEvents()
    assert window.width() == SMALL_WIDTH
    assert column.minimumSizeHint().width() <= column.parentWidget().width()  # no sideways scrolling
    state.stop_watching()
    qtbot.waitUntil(lambda: not running_tasks(), timeout=3000)
