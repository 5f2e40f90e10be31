"""AppState: health is derived from a real probe, accounts and keys are cached, events trigger refreshes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.models import Account, ServerStatus
from gui.state import AppState, degraded_providers, health_of
from tests.gui.fake_client import FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

URL = "http://127.0.0.1:8317"


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _ready(provider: str, status: str = "ready", disabled: bool = False) -> Account:
    base = sample_accounts()[0]
    return replace(base, id=f"{provider}-{status}", provider=provider, status=status, disabled=disabled)


@pytest.mark.parametrize(
    ("state", "accounts", "health"),
    [
        ("running", [_ready("claude")], "running"),
        ("running", [], "running"),
        ("running", [_ready("claude", "cooling"), _ready("claude")], "running"),
        ("running", [_ready("claude", "cooling"), _ready("claude", "expired")], "degraded"),
        ("running", [_ready("claude", "cooling"), _ready("claude", disabled=True)], "degraded"),
        ("running", [_ready("claude", "disabled", True)], "running"),
        ("starting", [], "starting"),
        ("stopping", [], "starting"),
        ("stopped", [_ready("claude")], "stopped"),
        ("failed", [], "error"),
        ("unreachable", [], "error"),
    ],
    ids=[
        "ready",
        "no accounts",
        "one of two cooling",
        "all cooling or expired",
        "the only enabled one cooling",
        "only disabled accounts",
        "starting",
        "stopping",
        "stopped",
        "failed",
        "unreachable",
    ],
)
def test_health_of(state: str, accounts: list[Account], health: str) -> None:
    assert health_of(ServerStatus(state, URL), accounts) == health


def test_degraded_providers_names_each_resting_service() -> None:
    accounts = [_ready("qwen", "refresh_failed"), _ready("claude", "cooling"), _ready("codex")]
    assert degraded_providers(accounts) == ["claude", "qwen"]


def test_running_is_only_believed_after_the_probe(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient.sample()
    hold = client.hold("status")
    state = AppState(client)
    seen: list[str] = []
    state.health_changed.connect(seen.append)
    state.set_status(ServerStatus("running", URL))
    assert state.health == "starting" and state.status.state == "starting"
    with qtbot.waitSignal(state.accounts_changed, timeout=2000):
        hold.set()
    assert state.status == ServerStatus("running", URL)
    assert state.accounts == client.account_list and state.api_keys == client.key_list
    assert seen == ["starting", "degraded"]  # the sample has services whose only account is unusable
    qtbot.waitUntil(lambda: bool(client.called("events")), timeout=2000)
    state.stop_watching()


def test_a_failed_probe_is_an_error(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(running=False)
    state = AppState(client)
    with qtbot.waitSignal(state.health_changed, timeout=2000) as changed:
        state.set_status(ServerStatus("running", URL))
    qtbot.waitUntil(lambda: state.health == "error", timeout=2000)
    assert changed.args == ["starting"]
    assert "Cannot reach" in state.status.error
    assert not client.called("accounts")


def test_stopping_stops_following_events(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient.sample()
    state = AppState(client)
    state.set_status(ServerStatus("running", URL))
    qtbot.waitUntil(lambda: bool(client.called("events")), timeout=2000)
    state.set_status(ServerStatus("stopped"))
    assert state.health == "stopped" and state._watcher is None


@pytest.mark.parametrize(
    ("kind", "refreshed", "signal"),
    [
        ("credentials.changed", "accounts", "accounts_changed"),
        ("cooldown.started", "accounts", "accounts_changed"),
        ("cooldown.ended", "accounts", "accounts_changed"),
        ("usage.recorded", "", "usage_changed"),
        ("config.changed", "api_keys", "config_changed"),
        ("resync", "api_keys", "usage_changed"),
    ],
    ids=["credentials", "cooldown started", "cooldown ended", "usage", "config", "resync"],
)
def test_events_refresh_what_changed(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, kind: str, refreshed: str, signal: str
) -> None:
    client = FakeClient.sample()
    state = AppState(client)
    state.set_status(ServerStatus("running", URL))
    qtbot.waitUntil(lambda: bool(client.called("events")) and bool(state.api_keys), timeout=2000)
    before = len(client.called(refreshed)) if refreshed else 0
    client.account_list = client.account_list[:2]  # so that a re-read is a change
    with qtbot.waitSignal(getattr(state, signal), timeout=2000):
        client.push_event(kind, {"count": 1})
    if refreshed:
        qtbot.waitUntil(lambda: len(client.called(refreshed)) > before, timeout=2000)
    state.stop_watching()


def test_a_cooling_event_updates_the_cached_accounts(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(accounts=[_ready("claude")])
    state = AppState(client)
    state.set_status(ServerStatus("running", URL))
    qtbot.waitUntil(lambda: state.health == "running", timeout=2000)
    qtbot.waitUntil(lambda: bool(client.called("events")), timeout=2000)
    client.account_list = [_ready("claude", "cooling")]
    with qtbot.waitSignal(state.health_changed, timeout=2000) as changed:
        client.push_event("cooldown.started", {"credential": "claude-ready", "seconds": 60})
    assert changed.args == ["degraded"]
    assert [a.status for a in state.accounts] == ["cooling"]
    state.stop_watching()


def test_refresh_errors_are_reported_and_keep_the_cache(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient.sample()
    state = AppState(client)
    state.set_status(ServerStatus("running", URL))
    qtbot.waitUntil(lambda: len(state.accounts) == len(client.account_list), timeout=2000)
    state.stop_watching()
    client.fail("accounts", "Cannot reach the proxy at http://127.0.0.1:8317. Is it running?", 0)
    with qtbot.waitSignal(state.error_raised, timeout=2000) as raised:
        spawn(state.refresh_accounts(), "refresh")
    assert raised.args == ["Cannot reach the proxy at http://127.0.0.1:8317. Is it running?"]
    assert len(state.accounts) == len(client.account_list)
