"""Account quota (contract C1): parsing, the client calls, bars by threshold, countdowns, the Accounts page's
quota column and Refresh quota, the tray's lowest quota and badge, and low-quota notifications."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.client import ManagementClient
from gui.models import Account, QuotaWindow, ServerStatus
from gui.notifier import Notifier, quota_threshold, set_quota_threshold
from gui.prefs import Prefs
from gui.quota import QUOTA_AMBER, QUOTA_GREEN, QUOTA_RED, quota_color, quota_windows, worst_quota
from gui.state import AppState
from gui.tray import Tray, account_line, badged_icon, quota_line, tooltip_text
from gui.widgets.quota_bar import duration_text, paint_bars, reset_text, window_text
from gui.windows.accounts import QUOTA_FETCH_EVERY, AccountsPage
from tests.gui.fake_client import BASE_URL, NOW, FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop
from tests.gui.sample_data import sample_quota

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def prefs(tmp_path: Path) -> Prefs:
    return Prefs(QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat))


# -- parsing and the client ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ([], ()),
        (
            [{"window": "5h", "label": "5-hour", "used_percent": 38, "resets_at": NOW + 60,
              "updated_at": NOW, "source": "headers"}],
            (QuotaWindow("5h", "5-hour", 38.0, NOW + 60, NOW, "headers"),),
        ),
        (  # RFC 3339 reset, missing label and source, percent clamped
            [{"window": "gemini-2.5-pro", "used_percent": 120.0, "resets_at": "2025-10-09T10:00:00Z"}],
            (QuotaWindow("gemini-2.5-pro", "gemini-2.5-pro", 100.0, 1760004000.0, 0.0, "headers"),),
        ),
        (  # no window, no usable percent, not an object: skipped
            [{"used_percent": 5}, {"window": "7d", "used_percent": "5"},
             {"window": "7d", "used_percent": True}, 3],
            (),
        ),
        ([{"window": "7d", "label": "Weekly", "used_percent": 1.5, "resets_at": None, "updated_at": NOW,
           "source": "fetch"}], (QuotaWindow("7d", "Weekly", 1.5, None, NOW, "fetch"),)),
    ],
)  # fmt: skip
def test_quota_windows_are_parsed(raw: object, expected: tuple[QuotaWindow, ...]) -> None:
    assert quota_windows(raw) == expected


def _state_answer() -> dict[str, object]:
    return {
        "now": NOW,
        "accounts": [
            {"id": "codex-1.json", "provider": "codex", "kind": "oauth", "label": "linus@example.com",
             "quota": [{"window": "5h", "label": "5-hour", "used_percent": 81.0, "resets_at": NOW + 600,
                        "updated_at": NOW, "source": "headers"}]},
            {"id": "claude-1.json", "provider": "claude", "kind": "oauth", "quota": [],
             "quota_error": "boom"},
        ],
    }  # fmt: skip


def test_client_reads_quota_and_asks_for_a_refresh(loop: asyncio.AbstractEventLoop, qtbot: QtBot) -> None:
    seen: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        if request.url.path.endswith("/auth-files"):
            return httpx.Response(200, json={"files": [{"name": "codex-1.json"}, {"name": "claude-1.json"}]})
        if request.url.path.endswith("/accounts/state"):
            return httpx.Response(200, json=_state_answer())
        return httpx.Response(200, json={"accounts": _state_answer()["accounts"]})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = ManagementClient(BASE_URL, "k", http=http)

    async def run() -> tuple[list[Account], dict[str, tuple[QuotaWindow, ...]]]:
        accounts = await client.accounts()
        one = await client.refresh_quota("codex-1.json")
        await client.refresh_quota()
        return accounts, one

    task = spawn(run(), "client")
    qtbot.waitUntil(task.done, timeout=3000)
    accounts, one = task.result()
    by_id = {a.id: a for a in accounts}
    assert by_id["codex-1.json"].quota == (QuotaWindow("5h", "5-hour", 81.0, NOW + 600, NOW, "headers"),)
    assert by_id["claude-1.json"].quota == () and by_id["claude-1.json"].quota_error == "boom"
    assert by_id["codex-1.json"].quota_error == ""
    assert one["codex-1.json"][0].left_percent == pytest.approx(19.0) and one["claude-1.json"] == ()
    posts = [(path, body) for method, path, body in seen if method == "POST"]
    assert posts == [
        ("/v0/management/accounts/quota/refresh", {"id": "codex-1.json"}),
        ("/v0/management/accounts/quota/refresh", {}),
    ]
    spawn(http.aclose(), "close")


# -- levels, colours and texts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "color"),
    [
        (0, QUOTA_RED),
        (20, QUOTA_RED),
        (20.5, QUOTA_AMBER),
        (50, QUOTA_AMBER),
        (50.5, QUOTA_GREEN),
        (100, QUOTA_GREEN),
    ],
)
def test_colour_by_threshold(left: float, color: str) -> None:
    assert quota_color(left) == color


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "less than a minute"), (12 * 60 + 5, "12 min"), (2 * 3600 + 14 * 60, "2 h 14 min"),
     (3 * 86400 + 4 * 3600, "3 d 4 h"), (5 * 86400 + 59, "5 d")],
)  # fmt: skip
def test_countdown_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
    assert reset_text(NOW + seconds, NOW) == f"resets in {text}"


def test_window_text_and_past_or_unknown_resets() -> None:
    window = QuotaWindow("5h", "5-hour", 38.0, NOW + 2 * 3600 + 14 * 60)
    assert window_text(window, NOW) == "5-hour: 62% left · resets in 2 h 14 min"
    assert window_text(replace(window, resets_at=None), NOW) == "5-hour: 62% left"
    assert reset_text(NOW - 5, NOW) == "reset"


def test_worst_quota_skips_disabled_accounts_and_windows_past_their_reset() -> None:
    accounts = sample_accounts(NOW)
    account, window = worst_quota(accounts, NOW) or (None, None)
    assert (
        account is not None and account.id == "codex-1.json" and window is not None and window.window == "7d"
    )
    stale = [replace(a, quota=tuple(replace(w, resets_at=NOW - 1) for w in a.quota)) for a in accounts]
    assert worst_quota(stale, NOW) is None
    off = [replace(a, disabled=True) if a.id == "codex-1.json" else a for a in accounts]
    assert (worst_quota(off, NOW) or (None, None))[0].id == "claude-1.json"  # type: ignore[union-attr]


@pytest.mark.parametrize(("used", "color"), [(90.0, QUOTA_RED), (60.0, QUOTA_AMBER), (10.0, QUOTA_GREEN)])
def test_bars_are_painted_in_the_colour_of_their_level(qapp: QApplication, used: float, color: str) -> None:
    image = QImage(300, 40, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    bars = paint_bars(
        painter, QRect(0, 0, 300, 40), [QuotaWindow("5h", "5-hour", used, NOW + 60)], NOW, QColor("#000")
    )
    painter.end()
    assert len(bars) == 1 and bars[0].width() == pytest.approx((300 - 8) * (100 - used) / 100)
    middle = bars[0].center().toPoint()
    assert image.pixelColor(middle).name() == color


# -- the Accounts page --------------------------------------------------------------------------------


def _page(qtbot: QtBot, client: FakeClient) -> AccountsPage:
    state = AppState(client)
    page = AccountsPage(state, client, clock=lambda: NOW)
    qtbot.addWidget(page)
    spawn(state.refresh_accounts(), "load")
    qtbot.waitUntil(lambda: page.view.model.rowCount() == len(client.account_list), timeout=3000)
    return page


def _quota_cell(page: AccountsPage, account_id: str, role: Qt.ItemDataRole) -> object:
    model = page.view.model
    for row in range(model.rowCount()):
        if model.row(row).account.id == account_id:
            return model.data(model.index(row, page.view.quota_column), role)
    raise AssertionError(account_id)


def test_quota_column_shows_the_lowest_window_with_its_colour_and_every_window_in_the_tooltip(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    accounts = [
        replace(a, quota_error="retrieveUserQuota answered 403") if a.provider == "gemini-cli" else a
        for a in sample_accounts(NOW)
    ]
    page = _page(qtbot, FakeClient(accounts=accounts))
    assert _quota_cell(page, "codex-1.json", Qt.ItemDataRole.DisplayRole) == "Weekly · 12% left"
    color = _quota_cell(page, "codex-1.json", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(color, QColor) and color.name() == QUOTA_RED
    assert _quota_cell(page, "codex-1.json", Qt.ItemDataRole.ToolTipRole) == (
        "5-hour: 62% left · resets in 2 h 14 min\nWeekly: 12% left · resets in 3 d 4 h"
    )
    assert _quota_cell(page, "qwen-1.json", Qt.ItemDataRole.DisplayRole) == "—"
    assert _quota_cell(page, "gemini-cli-1.json", Qt.ItemDataRole.ToolTipRole) == (
        "Could not ask for the quota: retrieveUserQuota answered 403"
    )
    index = page.view.sorted.index(0, page.view.quota_column)
    windows, now = page.view._quota_at(index)  # what the delegate paints for the first row
    assert now == NOW and windows == page.view.model.row(page.view.sorted.mapToSource(index).row()).quota


def test_refresh_quota_asks_the_proxy_and_shows_the_new_bars(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient(accounts=[replace(a, quota=()) for a in sample_accounts(NOW)])
    client.fetched_quota = sample_quota(NOW)
    page = _page(qtbot, client)
    assert _quota_cell(page, "claude-1.json", Qt.ItemDataRole.DisplayRole) == "—"
    hold = client.hold("refresh_quota")
    page.view.quota_button.click()
    qtbot.waitUntil(lambda: not page.view.quota_button.isEnabled(), timeout=2000)
    hold.set()
    qtbot.waitUntil(
        lambda: _quota_cell(page, "claude-1.json", Qt.ItemDataRole.DisplayRole) != "—", timeout=3000
    )
    assert client.called("refresh_quota") == [(None,)]
    assert _quota_cell(page, "claude-1.json", Qt.ItemDataRole.DisplayRole) == "Weekly · 45% left"
    assert page.view.quota_button.isEnabled() and page.view.message.text() == "Quota updated."
    page.view.select("codex-1.json")
    page.view._refresh_quota()  # the row's context menu entry
    qtbot.waitUntil(lambda: len(client.called("refresh_quota")) == 2, timeout=2000)
    assert client.called("refresh_quota")[-1] == ("codex-1.json",)


def test_refresh_quota_failure_and_nothing_to_ask_are_explained(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient(accounts=sample_accounts(NOW))
    page = _page(qtbot, client)
    page.view.quota_button.click()
    qtbot.waitUntil(lambda: page.view.message.isVisibleTo(page), timeout=2000)
    assert "quota also updates with every request" in page.view.message.text()
    client.fail("refresh_quota", "The proxy has no quota endpoint", 404)
    page.view.quota_button.click()
    qtbot.waitUntil(lambda: "no quota endpoint" in page.view.message.text(), timeout=2000)
    assert page.view.message.text() == "Could not refresh the quota: The proxy has no quota endpoint"
    assert page.view.quota_button.isEnabled()


# -- the tray -----------------------------------------------------------------------------------------


def _tray(qtbot: QtBot, accounts: list[Account]) -> tuple[AppState, Tray]:
    state = AppState(FakeClient(accounts=accounts))
    tray = Tray(state, clock=lambda: NOW)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.status.running, timeout=2000)
    state.stop_watching()
    return state, tray


def test_tray_shows_the_lowest_quota_and_a_badge_when_low(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    state, tray = _tray(qtbot, sample_accounts(NOW))
    line = "Lowest quota: 12% left · ChatGPT Weekly, resets in 3 d 4 h"
    assert quota_line(*worst_quota(state.accounts, NOW), NOW) == line  # type: ignore[misc]
    assert tray.quota_action in tray.menu.actions() and tray.quota_action.text() == line
    assert tooltip_text(state, NOW).endswith(line) and tray.badge
    corner = (26, 5)  # the badge sits in the upper right corner of the status icon
    assert badged_icon("running", True).pixmap(32, 32).toImage().pixelColor(*corner).name() == QUOTA_RED
    assert badged_icon("running", False).pixmap(32, 32).toImage().pixelColor(*corner).name() != QUOTA_RED
    codex = next(a for a in state.accounts if a.id == "codex-1.json")
    assert account_line(codex, NOW) == "ChatGPT (Codex): linus@example.com (ready) · 12% left"


def test_tray_badge_only_at_or_below_20_percent_and_no_line_without_quota(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    plenty = [
        replace(a, quota=(QuotaWindow("5h", "5-hour", 79.0, NOW + 60),)) for a in sample_accounts(NOW)[:1]
    ]
    _state, tray = _tray(qtbot, plenty)
    assert not tray.badge and "21% left" in tray.quota_action.text()
    _state, bare = _tray(qtbot, [replace(a, quota=()) for a in sample_accounts(NOW)])
    assert not bare.badge and bare.quota_action not in bare.menu.actions()
    assert "Lowest quota" not in tooltip_text(_state, NOW)


def test_quota_events_refresh_the_account_list(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(accounts=[])
    state = AppState(client)
    for kind in ("accounts", "quota.changed"):
        before = len(client.called("accounts"))
        spawn(state.handle_event(kind, {}), kind)
        qtbot.waitUntil(lambda before=before: len(client.called("accounts")) == before + 1, timeout=2000)


# -- notifications ------------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    def notify(self, title: str, message: str, error: bool = False, url: str = "") -> None:
        self.messages.append((title, message, url))


def _codex(used: float, resets_at: float | None) -> list[Account]:
    base = next(a for a in sample_accounts(NOW) if a.id == "codex-1.json")
    return [replace(base, quota=(QuotaWindow("5h", "5-hour", used, resets_at),))]


def test_low_quota_is_told_once_per_window_and_reset_period(qapp: QApplication, prefs: Prefs) -> None:
    now = [NOW]
    sink = Sink()
    notifier = Notifier(AppState(FakeClient()), prefs, sink, clock=lambda: now[0])
    reset = NOW + 3600
    notifier.accounts_changed(_codex(70.0, reset))  # 30 % left: above the default 20 %
    assert notifier.sent == []
    for used in (82.0, 85.0, 90.0, 99.0):  # low, and getting lower within the same period: told once
        notifier.accounts_changed(_codex(used, reset + used / 100))  # reset times jitter a little
    assert notifier.sent == ["quota_low"]
    title, message, _ = sink.messages[0]
    assert title == "ChatGPT (Codex) quota is running low"
    assert message == "linus@example.com: 18% left of the 5-hour quota. It resets in 1 h 0 min."
    now[0] = reset + 10  # the window started afresh; the next period is low again
    notifier.accounts_changed(_codex(95.0, reset + 5 * 3600))
    assert notifier.sent == ["quota_low", "quota_low"]
    notifier.accounts_changed(_codex(10.0, reset + 5 * 3600))  # refilled …
    notifier.accounts_changed(_codex(96.0, reset + 5 * 3600))  # … and low again: told again
    assert notifier.sent.count("quota_low") == 3


def test_low_quota_threshold_and_toggle(qapp: QApplication, prefs: Prefs) -> None:
    sink = Sink()
    notifier = Notifier(AppState(FakeClient()), prefs, sink, clock=lambda: NOW)
    assert quota_threshold(prefs.settings) == 20
    set_quota_threshold(prefs.settings, 40)
    notifier.accounts_changed(_codex(65.0, NOW + 60))  # 35 % left ≤ 40 %
    assert notifier.sent == ["quota_low"]
    prefs.set_notify("quota_low", False)
    notifier.accounts_changed(_codex(65.0, NOW + 99_999))  # a new period, but switched off
    assert notifier.sent == ["quota_low"]
    set_quota_threshold(prefs.settings, 500)
    assert quota_threshold(prefs.settings) == 99


def test_opening_the_page_fetches_quota_quietly_at_most_every_five_minutes(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient(accounts=[replace(a, quota=()) for a in sample_accounts(NOW)])
    client.fetched_quota = sample_quota(NOW)
    state = AppState(client)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.status.running, timeout=2000)
    state.stop_watching()
    now = [NOW]
    page = AccountsPage(state, client, clock=lambda: now[0])
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(
        lambda: _quota_cell(page, "claude-1.json", Qt.ItemDataRole.DisplayRole) != "—", timeout=3000
    )
    assert client.called("refresh_quota") == [(None,)] and not page.view.message.isVisibleTo(page)
    page.hide()
    now[0] += 60
    page.show()  # shown again soon: no new fetch
    page.hide()
    now[0] += QUOTA_FETCH_EVERY
    client.fail("refresh_quota", "Cannot reach the proxy", 0)
    page.show()  # a failed quiet fetch says nothing
    qtbot.waitUntil(lambda: len(client.called("refresh_quota")) == 2, timeout=2000)
    assert not page.view.message.isVisibleTo(page)
