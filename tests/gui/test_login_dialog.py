"""LoginDialog: starts the login, opens the browser, shows codes and links, polls until ok or error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import LoginStatus
from gui.windows.login import LoginDialog, friendly_login_error
from tests.gui.fake_client import FakeClient
from tests.gui.page_helpers import save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS  # any Qt warning fails a test


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def opened() -> list[str]:
    return []


def _dialog(qtbot: QtBot, client: FakeClient, provider: str, opened: list[str]) -> LoginDialog:
    dialog = LoginDialog(client, provider, poll_interval=0.0, open_url=lambda url: opened.append(url) or True)
    qtbot.addWidget(dialog)
    return dialog


def test_a_login_opens_the_browser_polls_and_succeeds(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    client.login_answers = [LoginStatus("wait"), LoginStatus("wait"), LoginStatus("ok")]
    dialog = _dialog(qtbot, client, "claude", opened)
    with qtbot.waitSignal(dialog.logged_in, timeout=3000) as signal:
        dialog.show()
    assert signal.args == ["claude"]
    assert dialog.state == "done"
    assert client.called("start_login") == [("claude", "")]
    assert len(client.called("login_status")) == 3
    assert opened == ["https://login.example.com/claude?state=state-claude-1"]
    assert "logged in" in dialog.message.text()
    assert dialog.close_button.text() == "Close"
    assert dialog.link_box.isHidden()


def test_qwen_shows_the_device_code_large_and_copyable(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    waiting = client.hold("login_status")
    dialog = _dialog(qtbot, client, "qwen", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "waiting", timeout=3000)
    assert dialog.code.text() == "WXYZ-1234"
    assert dialog.code_box.isVisibleTo(dialog)
    assert dialog.paste_box.isHidden()  # a device login has no callback to paste
    assert "chat.example.com/device" in dialog.code_hint.text()
    dialog.copy_code.click()
    assert QApplication.clipboard().text() == "WXYZ-1234"
    waiting.set()
    qtbot.waitUntil(lambda: dialog.state == "done", timeout=3000)


def test_gemini_asks_for_an_optional_project_before_starting(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    dialog = _dialog(qtbot, client, "gemini-cli", opened)
    dialog.show()
    assert dialog.project.isVisible() and dialog.state == "idle"
    assert client.called("start_login") == []
    dialog.project.setText(" my-project ")
    with qtbot.waitSignal(dialog.logged_in, timeout=3000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert client.called("start_login") == [("gemini-cli", "my-project")]


def test_a_failed_start_explains_the_blocked_port_and_offers_a_retry(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    client.fail(
        "start_login",
        "Failed to start the login: cannot listen for the login callback: port 54545 is already in use. "
        "Close that program (or a login still running) and try again.",
    )
    dialog = _dialog(qtbot, client, "claude", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "error", timeout=3000)
    assert dialog.message.text().startswith("Another program is using port 54545, which the login needs")
    assert dialog.start_button.isVisible() and dialog.start_button.text() == "Try again"
    assert opened == []
    client.recover("start_login")
    with qtbot.waitSignal(dialog.logged_in, timeout=3000):
        dialog.start_button.click()


def test_an_error_from_the_provider_is_shown(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    client.login_answers = [LoginStatus("error", "the provider refused the login: access_denied")]
    dialog = _dialog(qtbot, client, "codex", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "error", timeout=3000)
    assert "access_denied" in dialog.message.text()
    assert dialog.message.property("role") == "error"


def test_cancel_stops_polling(qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]) -> None:
    client = FakeClient()
    client.hold("login_status")
    dialog = _dialog(qtbot, client, "claude", opened)
    dialog.show()
    qtbot.waitUntil(lambda: len(client.called("login_status")) == 1, timeout=3000)
    task = dialog._task
    assert task is not None
    dialog.close_button.click()
    qtbot.waitUntil(task.done, timeout=3000)
    assert task.cancelled()
    assert not dialog.isVisible()


def test_a_pasted_callback_is_sent(qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]) -> None:
    client = FakeClient()
    client.hold("login_status")
    dialog = _dialog(qtbot, client, "claude", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "waiting", timeout=3000)
    dialog.paste.setText("http://localhost:54545/callback?code=abc&state=s")
    dialog.send_paste.click()
    qtbot.waitUntil(lambda: bool(client.called("submit_callback")), timeout=3000)
    assert client.called("submit_callback") == [
        ("claude", "http://localhost:54545/callback?code=abc&state=s")
    ]
    qtbot.waitUntil(lambda: dialog.paste.text() == "", timeout=3000)


def test_copy_link(qtbot: QtBot, loop: asyncio.AbstractEventLoop, opened: list[str]) -> None:
    client = FakeClient()
    client.hold("login_status")
    dialog = _dialog(qtbot, client, "antigravity", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "waiting", timeout=3000)
    dialog.copy_link.click()
    assert QApplication.clipboard().text() == opened[0]
    dialog.open_again.click()
    assert opened == [opened[0], opened[0]]


@pytest.mark.parametrize(
    ("message", "start"),
    [
        ("no login callback arrived within 10 minutes", "The login took too long"),
        ("", "The login failed."),
        ("state mismatch", "state mismatch"),
        (
            "Failed to start the login: cannot listen for the login callback: port 1455 is already in use. "
            "Close that program (or a login still running) and try again. On Windows the port may also lie "
            "in a range the system reserves.",
            "Another program is using port 1455, which the login needs so that the browser can come back to "
            "this app. Close that program (or a login that is still running) and try again. On Windows the "
            "port may also lie in a range the system reserves.",
        ),
    ],
    ids=["timeout", "empty", "other-as-is", "busy-port-with-windows-hint"],
)
def test_friendly_login_error(message: str, start: str) -> None:
    assert friendly_login_error(message).startswith(start)


@pytest.mark.parametrize("provider", ["claude", "qwen"], ids=["browser-login", "device-code"])
def test_screenshot(
    qtbot: QtBot, themed: None, loop: asyncio.AbstractEventLoop, opened: list[str], provider: str
) -> None:
    client = FakeClient()
    client.hold("login_status")
    dialog = _dialog(qtbot, client, provider, opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "waiting", timeout=3000)
    dialog.resize(620, dialog.sizeHint().height())
    save_shot(dialog, f"login_{provider}")


def test_screenshot_of_a_blocked_port(
    qtbot: QtBot, themed: None, loop: asyncio.AbstractEventLoop, opened: list[str]
) -> None:
    client = FakeClient()
    client.fail(
        "start_login",
        "Failed to start the login: cannot listen for the login callback: port 54545 is already in use by "
        "node.exe (pid 4242). Close that program (or a login still running) and try again.",
    )
    dialog = _dialog(qtbot, client, "codex", opened)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.state == "error", timeout=3000)
    dialog.resize(620, dialog.sizeHint().height())
    save_shot(dialog, "login_port_blocked")
