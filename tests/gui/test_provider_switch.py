"""The Accounts page's Services menu: switching a provider off/on edits only the ``*`` of its channel in
``oauth-excluded-models``, the checks and row statuses follow the server's list, and a failure shows the
old state with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.models import Account, Exclusion, ServerStatus
from gui.state import AppState
from gui.windows.accounts import AccountsPage
from gui.windows.provider_switch import service_order, switched_off, with_switch
from tests.gui.fake_client import BASE_URL, NOW, FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

HAIKU = Exclusion("claude", "*-haiku-*")
QWEN_OLD = Exclusion("qwen", "qwen-old")


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _api_key() -> Account:
    return Account(
        "gemini:k", "", "gemini", "AI Studio key", "", "ready", False, None, None, "", 0, kind="apikey"
    )


@pytest.fixture
def client() -> FakeClient:
    return FakeClient(accounts=[*sample_accounts(NOW), _api_key()], exclusions=[HAIKU, QWEN_OLD])


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> AccountsPage:
    state = AppState(client)
    made = AccountsPage(state, client, clock=lambda: NOW)
    qtbot.addWidget(made)
    spawn(state.refresh_accounts(), "load")
    qtbot.waitUntil(lambda: made.view.model.rowCount() == 7, timeout=3000)
    spawn(made.load_services(), "services")
    qtbot.waitUntil(lambda: bool(made.view.services.services.actions()), timeout=3000)
    return made


def _entries(page: AccountsPage) -> dict[str, bool]:
    return {str(a.data()): a.isChecked() for a in page.view.services.services.actions()}


def _action(page: AccountsPage, provider: str) -> QAction:
    return next(a for a in page.view.services.services.actions() if a.data() == provider)


def _statuses(page: AccountsPage) -> dict[str, str]:
    model = page.view.model
    return {model.row(n).account.id: str(model.data(model.index(n, 2))) for n in range(model.rowCount())}


@pytest.mark.parametrize(
    ("before", "channel", "on", "after"),
    [
        ([HAIKU], "claude", False, [HAIKU, Exclusion("claude", "*")]),
        ([HAIKU, Exclusion("claude", "*")], "Claude", False, [HAIKU, Exclusion("claude", "*")]),
        ([Exclusion("claude", " * "), HAIKU, QWEN_OLD], "claude", True, [HAIKU, QWEN_OLD]),
        ([Exclusion("qwen", "*"), Exclusion("claude", "*")], "claude", True, [Exclusion("qwen", "*")]),
        ([HAIKU], "claude", True, [HAIKU]),
    ],
    ids=["off-appends", "off-twice-once", "on-removes-only-star", "on-other-channel-kept", "on-noop"],
)
def test_with_switch(before: list[Exclusion], channel: str, on: bool, after: list[Exclusion]) -> None:
    assert with_switch(before, channel, on) == after
    assert ("claude" in switched_off(after)) is (not on)


def test_service_order_follows_the_login_buttons() -> None:
    assert service_order(["zeta", "qwen", "Claude", "codex", "claude", " "]) == [
        "claude",
        "codex",
        "qwen",
        "zeta",
    ]


def test_menu_lists_account_providers_and_follows_the_servers_list(
    qtbot: QtBot, page: AccountsPage, client: FakeClient
) -> None:
    assert _entries(page) == dict.fromkeys(["claude", "codex", "gemini-cli", "qwen", "iflow"], True)
    assert _action(page, "codex").text() == "Use ChatGPT accounts"
    assert page.view.services.text() == "Services"
    client.exclusion_list = [HAIKU, Exclusion("codex", "*"), Exclusion("vertex", "*")]
    spawn(page.load_services(), "reload")
    qtbot.waitUntil(lambda: not _entries(page)["codex"], timeout=3000)
    assert _entries(page) == {
        "claude": True, "codex": False, "gemini-cli": True, "qwen": True, "iflow": True, "vertex": False,
    }  # fmt: skip
    assert page.view.services.text() == "Services (2 off)"
    statuses = _statuses(page)
    assert statuses["codex-1.json"] == "Service switched off"
    assert statuses["claude-1.json"] == "Ready" and statuses["gemini:k"] == "Ready"
    assert statuses["iflow-1.json"] == "Disabled"


def test_switching_off_puts_a_star_and_on_removes_only_it(
    qtbot: QtBot, page: AccountsPage, client: FakeClient
) -> None:
    _action(page, "claude").trigger()  # unchecks: off
    qtbot.waitUntil(lambda: bool(client.called("set_exclusions")), timeout=3000)
    assert client.called("set_exclusions")[-1] == ([HAIKU, QWEN_OLD, Exclusion("claude", "*")],)
    qtbot.waitUntil(lambda: _statuses(page)["claude-1.json"] == "Service switched off", timeout=3000)
    assert _statuses(page)["claude-2.json"] == "Service switched off"
    assert not _entries(page)["claude"]
    assert page.view.message.text().startswith("Claude accounts are switched off")
    assert page.view.summary.text() == "7 accounts · 2 ready"  # codex-1 and the key

    client.exclusion_list = [*client.exclusion_list, Exclusion("claude", "claude-2*")]  # edited elsewhere
    _action(page, "claude").trigger()  # checks: on
    qtbot.waitUntil(lambda: len(client.called("set_exclusions")) == 2, timeout=3000)
    assert client.exclusion_list == [HAIKU, QWEN_OLD, Exclusion("claude", "claude-2*")]
    qtbot.waitUntil(lambda: _statuses(page)["claude-1.json"] == "Ready", timeout=3000)
    assert _entries(page)["claude"] and page.view.message.text() == "Claude accounts are used again."


def test_a_failed_switch_says_why_and_shows_the_old_state(
    qtbot: QtBot, page: AccountsPage, client: FakeClient
) -> None:
    client.fail("set_exclusions", "config.yaml is read-only", 500)
    _action(page, "qwen").trigger()
    qtbot.waitUntil(lambda: page.view.message.text() != "", timeout=3000)
    assert page.view.message.text() == "Could not switch Qwen accounts off: config.yaml is read-only"
    assert _entries(page)["qwen"] is True
    assert client.exclusion_list == [HAIKU, QWEN_OLD]
    assert _statuses(page)["qwen-1.json"] == "Refresh failed"


def test_the_switches_are_read_when_the_proxy_comes_up(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient
) -> None:
    """The Accounts page is the first page: it is shown before the proxy runs, so it reads the list then."""
    client.exclusion_list = [Exclusion("qwen", "*")]
    state = AppState(client)
    made = AccountsPage(state, client, clock=lambda: NOW)
    qtbot.addWidget(made)
    assert not client.called("exclusions")
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: made.view.services.text() == "Services (1 off)", timeout=3000)
    assert _statuses(made)["qwen-1.json"] == "Service switched off"
