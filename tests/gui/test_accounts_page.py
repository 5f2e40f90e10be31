"""AccountsPage: rows for every status, masked emails, and each action awaited through the client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.assets import provider_color
from gui.models import Account, ModelTest, UsagePoint, UsageSeries
from gui.state import AppState
from gui.widgets.provider_badge import provider_badge
from gui.windows.accounts import AccountsPage
from gui.windows.accounts_view import describe_delta, mask_email, status_text, used_text
from gui.windows.login import LoginClient, LoginDialog
from tests.gui.fake_client import NOW, FakeClient, sample_accounts
from tests.gui.page_helpers import framed, save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS  # any Qt warning fails a test


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _accounts() -> list[Account]:
    extra = Account(
        "antigravity-1.json", "antigravity-1.json", "antigravity", "sam@example.org", "sam@example.org",
        "ready", False, None, NOW + 40 * 60, "", 2,
    )  # fmt: skip
    key = Account(
        "gemini:abc", "", "gemini", "AI Studio key", "", "ready", False, None, None, "", 0, kind="apikey"
    )
    return [*sample_accounts(NOW), extra, key]


def _last_used() -> list[UsageSeries]:
    hour = 3600.0
    base = NOW - NOW % hour

    def used(account_id: str, hours_ago: int) -> UsageSeries:
        return UsageSeries("hour", (UsagePoint(base - hours_ago * hour, 3, 0, 100, 50),), account_id)

    return [used("claude-1.json", 0), used("codex-1.json", 5), used("claude-2.json", 30)]


@pytest.fixture
def client() -> FakeClient:
    return FakeClient(accounts=_accounts(), series=_last_used())


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> AccountsPage:
    state = AppState(client)
    made = AccountsPage(state, client, clock=lambda: NOW, login_factory=_login_factory)
    qtbot.addWidget(made)
    spawn(state.refresh_accounts(), "load")
    qtbot.waitUntil(lambda: made.view.model.rowCount() == 8, timeout=3000)
    return made


def _login_factory(client: LoginClient, provider: str, parent: object) -> LoginDialog:
    return LoginDialog(client, provider, parent, poll_interval=0.0, open_url=lambda _url: True)  # type: ignore[arg-type]


def _select(page: AccountsPage, account_id: str) -> None:
    page.view.select(account_id)
    row = page.view.selected()
    assert row is not None and row.account.id == account_id


def _cell(page: AccountsPage, account_id: str, column: int) -> str:
    model = page.view.model
    for r in range(model.rowCount()):
        if model.row(r).account.id == account_id:
            return str(model.data(model.index(r, column), Qt.ItemDataRole.DisplayRole))
    raise AssertionError(account_id)


# -- words ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "shown"),
    [("ada@example.com", "ad•••@example.com"), ("x@y.io", "x•••@y.io"), ("nobody", "no•••"), ("ab", "•••")],
    ids=["normal", "one-letter", "no-at", "tiny"],
)
def test_mask_email(email: str, shown: str) -> None:
    assert mask_email(email) == shown


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (30, "in less than a minute"),
        (-600, "10 min ago"),
        (3 * 3600 + 120, "in 3 h 2 min"),
        (-30 * 3600, "1 day ago"),
    ],
    ids=["seconds", "minutes-ago", "hours-and-minutes", "a-day-ago"],
)
def test_describe_delta(delta: float, text: str) -> None:
    assert describe_delta(NOW + delta, NOW) == text


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("ready", "Ready"),
        ("expired", "Login expired"),
        ("refresh_failed", "Refresh failed"),
        ("disabled", "Disabled"),
    ],
    ids=["ready", "expired", "refresh-failed", "disabled"],
)
def test_status_text(status: str, text: str) -> None:
    account = replace(sample_accounts(NOW)[0], status=status)
    assert status_text(account, NOW) == text


@pytest.mark.parametrize(
    ("hours_ago", "text"),
    [(None, "—"), (0.5, "In the last hour"), (5.9, "5 h ago"), (50, "2 days ago")],
    ids=["never", "this-hour", "hours", "days"],
)
def test_used_text(hours_ago: float | None, text: str) -> None:
    assert used_text(None if hours_ago is None else NOW - hours_ago * 3600, NOW) == text


@pytest.mark.parametrize("provider", ["claude", "codex", "qwen", "someone-new"])
def test_provider_badges_wear_the_provider_colour(qapp: QApplication, provider: str) -> None:
    image = provider_badge(provider).pixmap(22, 22).toImage()
    assert image.pixelColor(4, 11).name() == provider_color(provider)  # inside the circle, left of the letter
    assert image.pixelColor(0, 0).alpha() == 0  # round, not square


# -- rendering ------------------------------------------------------------------------------------------


def test_rows_show_status_expiry_and_last_use(page: AccountsPage) -> None:
    assert _cell(page, "claude-2.json", 2).startswith("Cooling until ")
    model = page.view.model
    tip = [model.data(model.index(r, 2), Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    assert "Usable again in 3 h 2 min" in tip
    assert _cell(page, "gemini-cli-1.json", 3) == "Expired 10 min ago"
    assert _cell(page, "claude-1.json", 3) == "in 6 h"
    assert _cell(page, "gemini:abc", 3) == "API key"
    assert _cell(page, "qwen-1.json", 2) == "Refresh failed"
    assert page.view.summary.text() == "8 accounts · 4 ready"


def test_last_used_comes_from_usage_by_account(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    page.show()
    qtbot.waitUntil(lambda: _cell(page, "codex-1.json", 4) == "5 h ago", timeout=3000)
    assert client.called("usage_series")[-1][2:] == ("hour", "credential")
    assert _cell(page, "claude-1.json", 4) == "In the last hour"
    assert _cell(page, "claude-2.json", 4) == "1 day ago"
    assert _cell(page, "iflow-1.json", 4) == "—"


def test_emails_are_masked_until_asked(page: AccountsPage) -> None:
    assert _cell(page, "claude-1.json", 1) == "ad•••@example.com"
    page.view.show_emails.setChecked(True)
    assert _cell(page, "claude-1.json", 1) == "ada@example.com"


def test_an_empty_list_explains_how_to_add_one(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient()
    made = AccountsPage(AppState(client), client, clock=lambda: NOW)
    qtbot.addWidget(made)
    assert made.view.stack.currentWidget() is made.view.empty
    assert "Log in with one of the buttons above" in made.view.empty.text()


@pytest.mark.parametrize(
    ("account_id", "enabled"),
    [
        ("claude-2.json", {"Disable", "Log in again", "Reset cooldown", "Test", "Delete…"}),
        ("claude-1.json", {"Disable", "Log in again", "Test", "Delete…"}),
        ("iflow-1.json", {"Enable", "Log in again", "Delete…"}),
        ("gemini:abc", {"Test"}),
    ],
    ids=["cooling", "ready", "disabled", "api-key"],
)
def test_actions_fit_the_selected_account(page: AccountsPage, account_id: str, enabled: set[str]) -> None:
    _select(page, account_id)
    v = page.view
    buttons = (v.enable_button, v.relogin_button, v.reset_button, v.test_button, v.remove_button)
    assert {b.text() for b in buttons if b.isEnabled()} == enabled


# -- intents --------------------------------------------------------------------------------------------


def test_disable_and_enable(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    _select(page, "claude-1.json")
    page.view.enable_button.click()
    qtbot.waitUntil(lambda: _cell(page, "claude-1.json", 2) == "Disabled", timeout=3000)
    assert client.called("set_account_disabled") == [("claude-1.json", True)]
    assert page.view.enable_button.text() == "Enable"  # the selection survived the refresh
    page.view.enable_button.click()
    qtbot.waitUntil(lambda: _cell(page, "claude-1.json", 2) == "Ready", timeout=3000)


def test_delete_asks_first(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    _select(page, "qwen-1.json")
    box = page.view.confirm_remove()
    assert box is not None and "ke•••@example.com" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert client.called("delete_account") == []
    _select(page, "qwen-1.json")
    box = page.view.confirm_remove()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: page.view.model.rowCount() == 7, timeout=3000)
    assert client.called("delete_account") == [("qwen-1.json",)]
    assert page.view.message.text() == "The account was deleted."


def test_reset_cooldown(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    _select(page, "claude-2.json")
    page.view.reset_button.click()
    qtbot.waitUntil(lambda: _cell(page, "claude-2.json", 2) == "Ready", timeout=3000)
    assert client.called("reset_cooldown") == [("claude-2.json",)]


def test_test_shows_ttft_and_latency(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    hold = client.hold("test_account")
    _select(page, "codex-1.json")
    page.view.test_button.click()
    qtbot.waitUntil(lambda: _cell(page, "codex-1.json", 5) == "Testing…", timeout=3000)
    hold.set()
    qtbot.waitUntil(lambda: _cell(page, "codex-1.json", 5) == "420 ms / 1.3 s", timeout=3000)


def test_a_failed_test_says_why(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    client.test_answer = ModelTest(False, None, 900, "upstream answered 401: invalid token")
    _select(page, "claude-1.json")
    page.view.test_button.click()
    qtbot.waitUntil(lambda: _cell(page, "claude-1.json", 5) == "Failed", timeout=3000)
    assert page.view.message.text() == "The test failed: upstream answered 401: invalid token"


def test_errors_from_the_proxy_are_shown(qtbot: QtBot, page: AccountsPage, client: FakeClient) -> None:
    client.fail("set_account_disabled", "Cannot reach the proxy at http://127.0.0.1:8317. Is it running?", 0)
    _select(page, "claude-1.json")
    page.view.enable_button.click()
    qtbot.waitUntil(lambda: page.view.message.isVisibleTo(page.view), timeout=3000)
    assert page.view.message.text().startswith("Cannot reach the proxy")
    assert page.view.message.property("role") == "error"


@pytest.mark.parametrize(
    ("action", "provider"), [("add", "qwen"), ("relogin", "claude")], ids=["add-button", "log-in-again"]
)
def test_login_buttons_open_the_dialog_and_the_new_account_appears(
    qtbot: QtBot, page: AccountsPage, client: FakeClient, action: str, provider: str
) -> None:
    if action == "add":
        page.view.add_buttons[provider].click()
    else:
        _select(page, "claude-1.json")
        page.view.relogin_button.click()
    dialog = page.login
    assert dialog is not None and dialog.windowTitle().endswith(("Qwen", "Claude"))
    qtbot.waitUntil(lambda: page.view.model.rowCount() == 9, timeout=3000)
    assert client.called("start_login")[0][0] == provider
    dialog.close()
    qtbot.waitUntil(lambda: page.login is None, timeout=3000)  # closed dialogs are deleted


def test_inside_the_main_window_nothing_scrolls_sideways(
    qtbot: QtBot, themed: None, page: AccountsPage
) -> None:
    framed(qtbot, page, (780, 600))  # the page's size next to the sidebar
    page.view.show_emails.setChecked(True)
    qtbot.waitUntil(lambda: page.view.table.horizontalScrollBar().maximum() == 0, timeout=3000)


def test_screenshot(qtbot: QtBot, themed: None, page: AccountsPage) -> None:
    frame = framed(qtbot, page)
    qtbot.waitUntil(lambda: _cell(page, "codex-1.json", 4) != "—", timeout=3000)
    _select(page, "codex-1.json")
    page.view.test_button.click()
    qtbot.waitUntil(lambda: _cell(page, "codex-1.json", 5) == "420 ms / 1.3 s", timeout=3000)
    _select(page, "claude-2.json")
    save_shot(frame, "accounts")
