"""Setting an account's priority from the Accounts page: the dialog, the intent, the client call, the
tooltip and a readable error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.client import ManagementClient, ManagementError
from gui.state import AppState
from gui.windows.accounts import AccountsPage
from gui.windows.accounts_view import PRIORITY_MAX, PRIORITY_MIN
from tests.gui.fake_client import NOW, FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def client() -> FakeClient:
    return FakeClient(accounts=sample_accounts(NOW))


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> AccountsPage:
    state = AppState(client)
    made = AccountsPage(state, client, clock=lambda: NOW)
    qtbot.addWidget(made)
    spawn(state.refresh_accounts(), "load")
    qtbot.waitUntil(lambda: made.view.model.rowCount() == len(client.account_list), timeout=3000)
    return made


def _ask(page: AccountsPage, account_id: str) -> QInputDialog:
    page.view.select(account_id)
    dialog = page.view.ask_priority()
    assert dialog is not None
    return dialog


def _tooltip(page: AccountsPage, account_id: str) -> str:
    model = page.view.model
    for r in range(model.rowCount()):
        if model.row(r).account.id == account_id:
            return str(model.data(model.index(r, 1), Qt.ItemDataRole.ToolTipRole) or "")
    raise AssertionError(account_id)


def test_the_dialog_offers_the_range_and_the_current_value(page: AccountsPage) -> None:
    dialog = _ask(page, "claude-1.json")
    assert (dialog.intMinimum(), dialog.intMaximum()) == (PRIORITY_MIN, PRIORITY_MAX) == (-1000, 1000)
    assert dialog.intValue() == 0 and dialog.inputMode() == QInputDialog.InputMode.IntInput
    dialog.reject()


@pytest.mark.parametrize("value", [7, -20, 1000], ids=["positive", "negative", "max"])
def test_ok_emits_the_intent_calls_the_client_and_shows_it(
    qtbot: QtBot, page: AccountsPage, client: FakeClient, value: int
) -> None:
    dialog = _ask(page, "claude-1.json")
    with qtbot.waitSignal(page.view.priority_requested, timeout=3000) as signal:
        dialog.setIntValue(value)
        dialog.accept()
    assert signal.args == ["claude-1.json", value]
    qtbot.waitUntil(lambda: client.called("set_account_priority") == [("claude-1.json", value)], timeout=3000)
    qtbot.waitUntil(lambda: f"Priority {value} " in _tooltip(page, "claude-1.json"), timeout=3000)
    assert page.view.message.text() == f"Priority set to {value}."
    assert _ask(page, "claude-1.json").intValue() == value  # the dialog now starts from the saved value


def test_cancel_changes_nothing(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    seen: list[tuple[str, int]] = []
    page.view.priority_requested.connect(lambda name, value: seen.append((name, value)))
    dialog = _ask(page, "claude-1.json")
    dialog.setIntValue(9)
    dialog.reject()
    qtbot.wait(20)
    assert seen == [] and client.called("set_account_priority") == []


def test_the_button_and_menu_entry_need_a_credential_file(page: AccountsPage) -> None:
    page.view.select("claude-1.json")
    assert page.view.priority_button.isEnabled()
    assert page.view.priority_button.text() == "Set priority…"
    page.view.table.clearSelection()
    assert not page.view.priority_button.isEnabled() and page.view.ask_priority() is None


def test_the_button_opens_the_dialog(qtbot: QtBot, page: AccountsPage) -> None:
    page.view.select("claude-1.json")
    page.view.priority_button.click()
    qtbot.waitUntil(lambda: bool(page.view.findChildren(QInputDialog)), timeout=3000)
    [dialog] = page.view.findChildren(QInputDialog)
    dialog.reject()


def test_an_error_is_shown_readably(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    client.fail("set_account_priority", "priority must be an integer", 400)
    dialog = _ask(page, "claude-1.json")
    dialog.setIntValue(3)
    dialog.accept()
    qtbot.waitUntil(lambda: page.view.message.isVisibleTo(page.view), timeout=3000)
    assert page.view.message.text() == "priority must be an integer"
    assert page.view.message.property("role") == "error"


def test_the_real_client_sends_the_patch_and_reads_a_404(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    sent: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append((request.method, request.url.path, body))
        if body["name"] == "absent.json":
            return httpx.Response(404, json={"error": "auth file not found"})
        return httpx.Response(200, json={"status": "ok", "priority": body["priority"]})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    real = ManagementClient("http://127.0.0.1:8317", "k", http=http)

    async def run() -> str:
        await real.set_account_priority("claude-1.json", -5)
        try:
            await real.set_account_priority("absent.json", 1)
        except ManagementError as exc:
            return exc.message
        finally:
            await http.aclose()
        return ""

    task = spawn(run(), "priority")
    qtbot.waitUntil(task.done, timeout=3000)
    assert sent[0] == (
        "PATCH",
        "/v0/management/auth-files/priority",
        {"name": "claude-1.json", "priority": -5},
    )
    assert task.result() == "Auth file not found"  # readable, as every client error
