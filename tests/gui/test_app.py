"""DesktopApp end to end (offscreen): the embedded proxy starts with an ephemeral management key, the state
comes from real probes, intents start/stop/restart it, a new port is followed, Quit stops everything;
and the remote mode manages a proxy the app did not start."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.app import AppOptions, DesktopApp
from gui.models import Account, ServerStatus
from gui.notifier import Notifier
from gui.prefs import Prefs
from gui.state import AppState
from server.config import parse_config
from server.runner import ServerController, ServerOptions
from tests.gui.fake_client import FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _probe(url: str) -> int | str:
    try:
        return httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code
    except httpx.ConnectError:
        return "refused"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f'# mine\nhost: "127.0.0.1"\nport: {_free_port()}\napi-keys:\n  - "sk-app-test"\n'
        f'auth-dir: "{tmp_path / "auths"}"\n',
        encoding="utf-8",
    )
    return path


def test_local_app_runs_the_proxy_and_quits(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, qapp: QApplication, config: Path, settings: QSettings
) -> None:
    desktop = DesktopApp(qapp, AppOptions(config_path=config), settings)
    run = spawn(desktop.run(), "app")
    qtbot.waitUntil(lambda: desktop.state.health == "running", timeout=15_000)
    url = desktop.state.base_url
    assert _probe(url) == 200 and desktop.state.api_keys == ["sk-app-test"]
    assert desktop.client._key not in config.read_text(encoding="utf-8")  # the management key is per run
    assert desktop.window.isVisible() and not desktop.has_tray  # offscreen: the window is the fallback
    assert desktop.onboarding is not None and desktop.onboarding.isVisible()
    desktop.onboarding.skip()
    assert Prefs(settings).onboarding_done

    desktop.stop_proxy()
    qtbot.waitUntil(lambda: desktop.state.health == "stopped", timeout=10_000)
    assert _probe(url) == "refused" and desktop.notifier.sent == []  # a stop the person asked for
    desktop.start_proxy()
    qtbot.waitUntil(lambda: desktop.state.health == "running", timeout=15_000)

    new_port = _free_port()
    config.write_text(config.read_text(encoding="utf-8").replace(url.rsplit(":", 1)[1], str(new_port)))
    desktop.restart_proxy()
    qtbot.waitUntil(lambda: desktop.state.base_url.endswith(f":{new_port}"), timeout=15_000)
    qtbot.waitUntil(lambda: desktop.state.health == "running", timeout=15_000)
    assert desktop.client.base_url == f"http://127.0.0.1:{new_port}"

    desktop.quit()
    qtbot.waitUntil(run.done, timeout=15_000)
    assert run.result() == 0 and _probe(f"http://127.0.0.1:{new_port}") == "refused"
    assert not desktop.window.isVisible()


def test_a_proxy_that_cannot_start_is_shown(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, qapp: QApplication, tmp_path: Path, settings: QSettings
) -> None:
    Prefs(settings).onboarding_done = True
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        config = tmp_path / "config.yaml"
        config.write_text(f'host: "127.0.0.1"\nport: {port}\n', encoding="utf-8")
        desktop = DesktopApp(qapp, AppOptions(config_path=config), settings)
        run = spawn(desktop.run(), "app")
        qtbot.waitUntil(lambda: desktop.state.health == "error", timeout=15_000)
        assert f"port {port}" in desktop.state.status.error
        qtbot.waitUntil(desktop.window.banner.isVisible, timeout=2000)
        assert "did not start" in desktop.window.banner_text.text()
        desktop.quit()
        qtbot.waitUntil(run.done, timeout=10_000)


def test_remote_mode_manages_another_proxy(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, qapp: QApplication, settings: QSettings
) -> None:
    Prefs(settings).onboarding_done = True
    remote = ServerController(
        parse_config({"host": "127.0.0.1", "port": 0, "api-keys": ["sk-remote"]}),
        options=ServerOptions(local_management_key="remote-key"),
    )
    remote.start()
    try:
        options = AppOptions(remote_url=remote.url, remote_key="remote-key")
        desktop = DesktopApp(qapp, options, settings)
        assert desktop.lifecycle is None and desktop.remote
        run = spawn(desktop.run(), "app")
        qtbot.waitUntil(lambda: desktop.state.health == "running", timeout=10_000)
        assert desktop.state.api_keys == ["sk-remote"] and desktop.state.base_url == remote.url
        assert not desktop.tray.stop_action.isVisible() and not desktop.window.card.toggle.isVisible()
        desktop.quit()
        qtbot.waitUntil(run.done, timeout=10_000)
        assert _probe(remote.url) == 200  # quitting the app leaves a remote proxy alone
    finally:
        remote.stop()


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bool]] = []

    def notify(self, title: str, message: str, error: bool = False) -> None:
        self.messages.append((title, error))


def _accounts(*statuses: str) -> list[Account]:
    base = sample_accounts()[0]
    return [replace(base, id=f"c{i}", status=status) for i, status in enumerate(statuses)]


def test_notifications_fire_once_per_new_condition(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, settings: QSettings
) -> None:
    state = AppState(FakeClient())
    sink = Sink()
    prefs = Prefs(settings)
    notifier = Notifier(state, prefs, sink)
    notifier.accounts_changed(_accounts("ready", "ready"))
    notifier.accounts_changed(_accounts("cooling", "cooling"))
    notifier.accounts_changed(_accounts("cooling", "cooling"))  # still resting: no repeat
    notifier.accounts_changed(_accounts("refresh_failed", "cooling"))
    notifier.accounts_changed(_accounts("refresh_failed", "cooling"))
    notifier.accounts_changed(_accounts("ready", "ready"))
    notifier.accounts_changed(_accounts("cooling", "cooling"))  # came back: told again
    assert notifier.sent == ["cooling", "refresh_failed", "cooling"]
    assert sink.messages[0] == ("Claude is resting", False) and sink.messages[1][1] is True
    prefs.set_notify("stopped", False)
    notifier.proxy_stopped(ServerStatus("failed", error="boom"))
    assert notifier.sent[-1] == "cooling"  # switched off
    prefs.set_notify("stopped", True)
    notifier.proxy_stopped(ServerStatus("failed", error="boom"))
    assert notifier.sent[-1] == "stopped"
