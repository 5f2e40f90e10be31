"""Drives the real app under a real tray host (run by test_tray.py under Xvfb + trayer, in its own process).

``python -m tests.gui.tray_driver WORKDIR RESULT.json SHOTS_DIR``: starts DesktopApp on a free port,
waits for the health probe, uses the tray menu to stop and start the proxy while probing /healthz from
outside, screenshots the screen with the tray menu open and with the window shown, then quits through
the menu and writes what it saw as JSON.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.aio import run_app, spawn
from gui.app import AppOptions, DesktopApp
from gui.assets import theme_qss
from gui.prefs import Prefs

__all__ = ["main"]


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


async def _until(check: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited too long for {what}")
        await asyncio.sleep(0.05)


def _screen(path: Path) -> None:
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(path))


async def _drive(desktop: DesktopApp, report: dict[str, object], shots: Path) -> None:
    state, tray = desktop.state, desktop.tray
    report["tray_available"] = tray.available()
    await _until(lambda: state.health == "running", "the proxy to run")
    await _until(lambda: tray.icon.geometry().width() > 0, "the tray icon to get a place", 10)
    url = state.base_url
    report.update(
        icon_visible=tray.icon.isVisible(),
        icon_width=tray.icon.geometry().width(),
        health_before=state.health,
        probe_before=await asyncio.to_thread(_probe, url),
        menu=[a.text() for a in tray.menu.actions() if not a.isSeparator()],
    )
    desktop.window.hide()
    corner = tray.icon.geometry().bottomLeft()
    tray.menu.popup(QPoint(max(0, corner.x() - 220), corner.y() + 2))
    await asyncio.sleep(0.6)
    _screen(shots / "tray-menu.png")
    tray.menu.hide()

    tray.stop_action.trigger()
    await _until(lambda: state.health == "stopped", "the proxy to stop")
    report.update(health_after_stop=state.health, probe_after_stop=await asyncio.to_thread(_probe, url))
    tray.start_action.trigger()
    await _until(lambda: state.health == "running", "the proxy to run again")
    report.update(health_after_start=state.health, probe_after_start=await asyncio.to_thread(_probe, url))

    tray.open_action.trigger()
    await asyncio.sleep(0.8)
    _screen(shots / "tray-window.png")
    tray.quit_action.trigger()


def main(argv: list[str]) -> int:
    work, result, shots = Path(argv[0]), Path(argv[1]), Path(argv[2])
    config = work / "config.yaml"
    config.write_text(
        f'host: "127.0.0.1"\nport: {_free_port()}\napi-keys:\n  - "sk-tray-test"\n'
        f'auth-dir: "{work / "auths"}"\nlogging-to-file: true\n',
        encoding="utf-8",
    )
    app = QApplication(["cliproxyapi-gui"])
    app.setQuitOnLastWindowClosed(False)
    app.setStyleSheet(theme_qss())
    settings = QSettings(str(work / "app.ini"), QSettings.Format.IniFormat)
    Prefs(settings).onboarding_done = True
    desktop = DesktopApp(app, AppOptions(config_path=config), settings)
    report: dict[str, object] = {}

    async def both() -> int:
        driver = spawn(_drive(desktop, report, shots), "tray driver")
        code = await desktop.run()
        await driver
        return code

    code = run_app(app, both())
    result.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
