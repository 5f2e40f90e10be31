"""MainWindow: every page present (placeholders for missing or broken ones), the status card follows the
state and emits intents, close-to-tray, the error banner; plus screenshots of every page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from gui.aio import running_tasks
from gui.assets import theme_qss
from gui.models import ServerStatus
from gui.prefs import Prefs
from gui.state import AppState
from gui.windows import main_window
from gui.windows.logs import LogsPage
from gui.windows.main_window import PAGES, MainWindow
from gui.windows.onboarding import OnboardingDialog
from gui.windows.settings import SettingsPage
from tests.gui.fake_client import BASE_URL, CLIENT_KEY, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    qapp.setStyleSheet(theme_qss())
    yield
    qapp.setStyleSheet("")


class LoginStub(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.logins: list[str] = []

    def open_login(self, provider: str) -> None:
        self.logins.append(provider)


def _window(
    qtbot: QtBot, client: FakeClient, tmp_path: Path, *, real: bool = False, **pages: QWidget
) -> tuple[MainWindow, AppState]:
    """The window with this helper's pages; the other pages are stand-ins unless ``real``."""
    state = AppState(client)
    prefs = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    stand_ins = {} if real else {key: QWidget() for key in ("accounts", "models", "usage", "tools")}
    given: dict[str, QWidget] = {
        **stand_ins,
        "settings": SettingsPage(state, client, prefs=prefs, autostart=None),
        "logs": LogsPage(state, client, interval_ms=60_000),
        **pages,
    }
    window = MainWindow(state, client, pages=given)
    qtbot.addWidget(window)
    return window, state


def test_every_page_is_there(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    window, _state = _window(qtbot, FakeClient.sample(), tmp_path)
    assert window.page_keys == [key for key, *_ in PAGES]
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == [
        "Accounts",
        "Models",
        "Usage",
        "Connect a tool",
        "Logs",
        "Settings",
    ]
    window.show_page("logs")
    assert window.current_page() == "logs" and window.sidebar.currentRow() == 4


def test_missing_or_broken_pages_become_placeholders(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    missing = main_window._build("x", "Extra", "gui.windows.no_such_page", "Page", None, None)  # type: ignore[arg-type]
    qtbot.addWidget(missing)
    assert "not part of this version" in " ".join(label.text() for label in missing.findChildren(QLabel))

    def explode(state: object, client: object) -> QWidget:
        raise RuntimeError("broken page")

    monkeypatch.setattr(main_window, "placeholder", main_window.placeholder)
    monkeypatch.setattr("gui.windows.logs.LogsPage", explode)
    broken = main_window._build("logs", "Logs", "gui.windows.logs", "LogsPage", None, None)  # type: ignore[arg-type]
    qtbot.addWidget(broken)
    assert "could not be opened" in " ".join(label.text() for label in broken.findChildren(QLabel))


@pytest.mark.parametrize(
    ("status", "line", "button", "intent"),
    [
        (ServerStatus("stopped"), "Stopped", "Start proxy", "start_requested"),
        (
            ServerStatus("failed", "", "port 8317 is already in use"),
            "Not working",
            "Start proxy",
            "start_requested",
        ),
        (ServerStatus("stopping", BASE_URL), "Starting…", "Start proxy", ""),
    ],
    ids=["stopped", "failed", "busy"],
)
def test_status_card(
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    status: ServerStatus,
    line: str,
    button: str,
    intent: str,
) -> None:
    window, state = _window(qtbot, FakeClient.sample(), tmp_path)
    state.set_status(status)
    assert window.card.line.text() == line and window.card.toggle.text() == button
    if status.error:
        assert window.card.detail.text() == status.error
    if intent:
        with qtbot.waitSignal(getattr(window, intent), timeout=1000):
            window.card.toggle.click()
    else:
        assert not window.card.toggle.isEnabled()


def test_running_card_offers_stop(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    window, state = _window(qtbot, FakeClient(), tmp_path)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.health == "running", timeout=2000)
    assert window.card.line.text() == "Running" and window.card.detail.text() == BASE_URL
    with qtbot.waitSignal(window.stop_requested, timeout=1000):
        window.card.toggle.click()
    state.stop_watching()


def test_close_hides_to_the_tray_or_quits(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    window, _state = _window(qtbot, FakeClient(), tmp_path)
    window.show()
    with qtbot.waitSignal(window.hidden_to_tray, timeout=1000):
        window.close()
    assert not window.isVisible()
    window.close_to_tray = False
    window.show()
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        window.close()


def test_login_request_opens_the_accounts_page(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    stub = LoginStub()
    window, _state = _window(qtbot, FakeClient(), tmp_path, accounts=stub)
    window.show_page("settings")
    window.request_login("claude")
    assert window.current_page() == "accounts" and stub.logins == ["claude"] and window.isVisible()


def test_errors_show_in_a_banner(qtbot: QtBot, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> None:
    window, state = _window(qtbot, FakeClient(), tmp_path)
    window.show()
    state.error_raised.emit("Cannot reach the proxy at http://127.0.0.1:8317. Is it running?")
    assert window.banner.isVisible() and "Cannot reach" in window.banner_text.text()


def test_screenshots(qtbot: QtBot, loop: asyncio.AbstractEventLoop, themed: None, tmp_path: Path) -> None:
    """Every page of the window (and the first-run dialog) at 1000×680, for people to look at."""
    SHOTS.mkdir(exist_ok=True)
    client = FakeClient.sample()
    window, state = _window(qtbot, client, tmp_path, real=True)
    window.resize(1000, 680)
    window.show()
    qtbot.waitExposed(window)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.health == "degraded", timeout=2000)
    for key in window.page_keys:
        window.show_page(key)
        qtbot.wait(150)  # let the page load from the fake client and lay out
        assert window.grab().save(str(SHOTS / f"window-{key}.png"))
    state.stop_watching()
    qtbot.waitUntil(lambda: not running_tasks(), timeout=3000)  # pages finish loading before teardown
    dialog = OnboardingDialog(Prefs(QSettings(str(tmp_path / "o.ini"), QSettings.Format.IniFormat)))
    dialog.set_key(BASE_URL, CLIENT_KEY)
    qtbot.addWidget(dialog)
    dialog.resize(640, 440)
    dialog.show()
    for step in range(4):
        assert dialog.grab().save(str(SHOTS / f"onboarding-{step + 1}.png"))
        if step < 3:
            dialog.next_button.click()
    assert len(list(SHOTS.glob("window-*.png"))) >= 6
