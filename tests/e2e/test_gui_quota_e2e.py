"""The GUI's quota path end to end: the real embedded server, a fake upstream answering with Codex quota
headers, and the GUI's own ManagementClient and AppState — the ``accounts`` event alone (no polling)
brings the parsed quota windows into the state the Accounts page and the tray read."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import shiboken6
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.client import ManagementClient
from gui.models import ServerStatus
from gui.quota import worst_quota
from gui.state import AppState
from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import MANAGEMENT_KEY, Launcher, Managed, isolated_env
from tests.fakes.oauth_fake import FakeOAuth, make_id_token
from tests.gui.qt_harness import qt_loop

pytestmark = pytest.mark.timeout(30)

CODEX_FILE = "codex-me@example.com.json"
QUOTA_HEADERS = {
    "x-codex-primary-used-percent": "82",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-after-seconds": "3600",
    "x-codex-secondary-used-percent": "34",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": "1900000000",
}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, upstream_server: Upstream, oauth_server: FakeOAuth
) -> Iterator[Managed]:
    root: Path = tmp_path_factory.mktemp("gui-quota")
    auth_dir = root / "auths"
    auth_dir.mkdir()
    codex = {
        "id_token": make_id_token({"email": "me@example.com"}),
        "access_token": "codex-token",
        "refresh_token": "r-codex",
        "account_id": "acct-1",
        "email": "me@example.com",
        "type": "codex",
        "expired": "2099-01-01T00:00:00Z",
    }
    (auth_dir / CODEX_FILE).write_text(json.dumps(codex), encoding="utf-8")
    urls = {"token": oauth_server.url("/token"), "upstream": upstream_server.url}
    with isolated_env(root):
        running = Launcher(root)
        try:
            yield running.start({"oauth-endpoints": {"codex": urls}})
        finally:
            running.close()


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    # no automatic collection while Qt objects live beside server threads; qt_loop collects at the end
    gc.disable()
    try:
        yield from qt_loop(qapp)
    finally:
        gc.enable()


def test_quota_headers_reach_the_gui_state_through_the_event_stream(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, server: Managed, upstream: Upstream
) -> None:
    upstream.fake.configure(response_headers=QUOTA_HEADERS)
    client = ManagementClient(server.url, MANAGEMENT_KEY)
    state = AppState(client)
    seen: list[str] = []
    handle = state.handle_event

    async def spy(kind: str, data: dict[str, object]) -> None:
        seen.append(kind)
        await handle(kind, data)

    state.handle_event = spy  # type: ignore[method-assign]
    state.set_status(ServerStatus("running", server.url))  # probes /healthz, loads, follows /events
    # the stream's first event says it is subscribed: an event published before that would be missed
    qtbot.waitUntil(lambda: state.status.running and bool(state.accounts) and "hello" in seen, timeout=10_000)
    codex = next(a for a in state.accounts if a.id == CODEX_FILE)
    assert codex.quota == ()
    with qtbot.waitSignal(state.accounts_changed, timeout=10_000):
        chat = {"model": "gpt-5-codex", "messages": [{"role": "user", "content": "hi"}]}
        answer = httpx.post(
            server.url + "/v1/chat/completions", json=chat, headers={"Authorization": f"Bearer {CLIENT_KEY}"}
        )
        assert answer.status_code == 200, answer.text
    qtbot.waitUntil(lambda: bool(next(a for a in state.accounts if a.id == CODEX_FILE).quota), timeout=10_000)
    now = time.time()
    windows = {w.window: w for w in next(a for a in state.accounts if a.id == CODEX_FILE).quota}
    assert {k: (w.label, w.left_percent, w.source) for k, w in windows.items()} == {
        "5h": ("5-hour", 18.0, "headers"),
        "7d": ("Weekly", 66.0, "headers"),
    }
    assert windows["5h"].resets_at is not None and now + 3500 < windows["5h"].resets_at <= now + 3600
    assert windows["7d"].resets_at == 1900000000.0
    worst = worst_quota(state.accounts, now)
    assert worst is not None and worst[1].window == "5h"
    task = spawn(client.refresh_quota(), "refresh")  # Codex has no active fetch: an answer, no error
    qtbot.waitUntil(task.done, timeout=10_000)
    assert isinstance(task.result(), dict)
    done = spawn(state.close_stream(), "close")
    qtbot.waitUntil(done.done, timeout=5000)
    closed = spawn(client.aclose(), "aclose")
    qtbot.waitUntil(closed.done, timeout=5000)
    # destroy the Qt object here, in the GUI thread: left to the garbage collector, it could be collected
    # in a later test's server thread, and Qt crashes when an object dies outside its thread
    state.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(state), timeout=5000)
