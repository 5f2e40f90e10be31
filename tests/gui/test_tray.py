"""The tray: icon, status line and tooltip follow the true state; menu actions are intents; copies work.

The first tests run offscreen (the menu and icon exist without a tray host). The ``tray`` tests run the
real app in a child process under Xvfb with ``trayer`` as the tray host, drive it through the tray menu
and take screenshots; they are skipped where Xvfb or trayer is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import Account, ServerStatus
from gui.state import AppState
from gui.tray import Tray, account_line, tooltip_text
from tests.gui.fake_client import BASE_URL, CLIENT_KEY, FakeClient, sample_accounts
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _running(qtbot: QtBot, client: FakeClient) -> tuple[AppState, Tray]:
    state = AppState(client)
    tray = Tray(state)
    state.set_status(ServerStatus("running", BASE_URL))
    qtbot.waitUntil(lambda: state.status.running, timeout=2000)
    state.stop_watching()
    return state, tray


def _texts(tray: Tray) -> list[str]:
    return [a.text() for a in tray.menu.actions() if not a.isSeparator()]


def test_menu_while_running(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(accounts=sample_accounts()[:1])
    state, tray = _running(qtbot, client)
    assert _texts(tray) == [
        f"Running — {BASE_URL}",
        "Start proxy",
        "Stop proxy",
        "Restart proxy",
        "Copy base URL",
        "Copy API key",
        "Open CLIProxyAPI…",
        "Accounts",
        "Quit CLIProxyAPI",
    ]
    assert (
        not tray.start_action.isEnabled() and tray.stop_action.isEnabled() and tray.restart_action.isEnabled()
    )
    assert tray.icon.toolTip() == "CLIProxyAPI · Running on :8317 · 1 of 1 accounts ready"
    accounts = [a.text() for a in tray.accounts_menu.actions() if not a.isSeparator()]
    assert accounts[0] == "Claude: ada@example.com (ready)"
    assert "Log in to Claude…" in accounts and "Log in to Qwen…" in accounts


def test_degraded_names_the_resting_service(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    cooling = replace(sample_accounts()[1], status="cooling")
    state, tray = _running(qtbot, FakeClient(accounts=[cooling]))
    assert state.health == "degraded"
    assert tray.status_action.text().startswith("Running, but some services are resting")
    assert tooltip_text(state).endswith("resting: Claude")


@pytest.mark.parametrize(
    ("status", "line", "start", "stop"),
    [
        (ServerStatus("stopped"), "Stopped", True, False),
        (ServerStatus("starting", BASE_URL), "Starting…", False, False),
        (
            ServerStatus("failed", "", "port 8317 is already in use"),
            "Not working: port 8317 is already in use",
            True,
            False,
        ),
    ],
    ids=["stopped", "starting", "failed"],
)
def test_menu_follows_other_states(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, status: ServerStatus, line: str, start: bool, stop: bool
) -> None:
    state = AppState(FakeClient())
    tray = Tray(state)
    if status.state == "starting":
        state._apply_status(status)  # what set_status("running") shows until the probe answers
    else:
        state.set_status(status)
    assert tray.status_action.text() == line
    assert (tray.start_action.isEnabled(), tray.stop_action.isEnabled()) == (start, stop)
    assert not tray.copy_url_action.isEnabled()


def test_actions_are_intents(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    _state, tray = _running(qtbot, FakeClient())
    for action, signal in [
        (tray.stop_action, tray.stop_requested),
        (tray.restart_action, tray.restart_requested),
        (tray.open_action, tray.open_window_requested),
        (tray.quit_action, tray.quit_requested),
    ]:
        with qtbot.waitSignal(signal, timeout=1000):
            action.trigger()
    login = next(a for a in tray.accounts_menu.actions() if a.text() == "Log in to ChatGPT (Codex)…")
    with qtbot.waitSignal(tray.login_requested, timeout=1000) as chosen:
        login.trigger()
    assert chosen.args == ["codex"]


def test_copies_put_url_and_key_on_the_clipboard(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    _state, tray = _running(qtbot, FakeClient())
    with qtbot.waitSignal(tray.copied, timeout=1000) as copied:
        tray.copy_url_action.trigger()
    assert copied.args == ["url"] and QApplication.clipboard().text() == BASE_URL
    tray.copy_key_action.trigger()
    assert QApplication.clipboard().text() == CLIENT_KEY
    assert CLIENT_KEY not in " ".join(_texts(tray)) + tray.icon.toolTip()


def test_remote_mode_has_no_start_or_stop(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    tray = Tray(AppState(FakeClient(), remote=True), remote=True)
    assert not any(a.isVisible() for a in (tray.start_action, tray.stop_action, tray.restart_action))


def test_account_lines_use_plain_words() -> None:
    words = {a.status: account_line(a) for a in sample_accounts()}
    assert words["refresh_failed"] == "Qwen: ken@example.com (needs a new login)"
    assert words["cooling"] == "Claude: grace@example.com (resting)"
    assert words["expired"].endswith("(login expired)")


def test_long_account_lists_are_cut(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    many: list[Account] = [
        replace(sample_accounts()[0], id=f"a{i}", email=f"u{i}@example.com") for i in range(25)
    ]
    _state, tray = _running(qtbot, FakeClient(accounts=many))
    texts = [a.text() for a in tray.accounts_menu.actions()]
    assert "… and 5 more" in texts and len([t for t in texts if t.startswith("Claude: ")]) == 20


# -- under Xvfb with a real tray host --------------------------------------------------------------


def _free_display() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def display() -> Iterator[str]:
    if not (shutil.which("Xvfb") and shutil.which("trayer")):
        why = "needs Xvfb and trayer (apt-get install xvfb trayer libxcb-icccm4 libxcb-keysyms1)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)  # .ci/run installs them: on CI a missing tray host is an error, not a skip
        pytest.skip(why)
    number = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    trayer: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert xvfb.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        env = {**os.environ, "DISPLAY": f":{number}"}
        trayer = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "28"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        yield f":{number}"
    finally:
        for process in (trayer, xvfb):
            if process is not None:
                process.terminate()
                process.wait(5)


@pytest.mark.tray
def test_real_tray_drives_the_proxy(display: str, tmp_path: Path) -> None:
    """The app under a real tray host: icon visible, Stop/Start from the menu change /healthz, screenshots."""
    SHOTS.mkdir(exist_ok=True)
    result = tmp_path / "result.json"
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_SESSION_TYPE": "x11",
    }
    env.pop("WAYLAND_DISPLAY", None)
    process = subprocess.run(
        [sys.executable, "-m", "tests.gui.tray_driver", str(tmp_path), str(result), str(SHOTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=90,
    )
    assert process.returncode == 0, process.stderr.decode(errors="replace")[-3000:]
    report = json.loads(result.read_text(encoding="utf-8"))
    assert report["tray_available"] and report["icon_visible"] and report["icon_width"] > 0
    assert report["health_before"] == "running" and report["probe_before"] == 200
    assert report["probe_after_stop"] == "refused" and report["health_after_stop"] == "stopped"
    assert report["probe_after_start"] == 200 and report["health_after_start"] == "running"
    assert report["menu"][0].startswith("Running — http://127.0.0.1:")
    assert (SHOTS / "tray-menu.png").is_file() and (SHOTS / "tray-window.png").is_file()
