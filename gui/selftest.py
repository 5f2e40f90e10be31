"""``--self-test``: the app checks itself (tray icon or window shown, proxy serving ``/v1/models``), says so.

Used by the bundle smoke test and the release workflow: the installed executable proves it starts, shows its
tray icon (or its window where there is no tray) and serves clients. ``quit`` mode then quits cleanly (exit
code 0 only when everything was seen); ``stay`` mode keeps running until it is told to quit.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

import httpx

from gui.aio import spawn
from gui.app import DesktopApp

__all__ = ["PREFIX", "SelfTestResult", "check", "run_with_self_test"]

PREFIX = "self-test:"
_TIMEOUT_S = 30.0
_POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class SelfTestResult:
    """What the self-test saw; ``line()`` is the one line it prints."""

    ok: bool
    surface: str  # "tray" (icon shown with a place on screen), "window" (no tray host), or "none"
    url: str
    models: int | str  # HTTP status of GET /v1/models, or why there was none
    elapsed_ms: int
    detail: str = ""

    def line(self) -> str:
        words = [
            PREFIX,
            "ok" if self.ok else "FAIL",
            f"surface={self.surface}",
            f"url={self.url or '-'}",
            f"models={self.models}",
            f"ready_ms={self.elapsed_ms}",
        ]
        if self.detail:
            words.append(f"detail={self.detail}")
        return " ".join(words)


def _surface(desktop: DesktopApp) -> str:
    if desktop.has_tray:
        icon = desktop.tray.icon
        return "tray" if icon.isVisible() and icon.geometry().width() > 0 else "none"
    return "window" if desktop.window.isVisible() else "none"


async def _models_status(desktop: DesktopApp, url: str) -> int | str:
    try:
        keys = await desktop.client.api_keys()
    except Exception as error:  # the management API did not answer: report, do not crash
        return f"no-keys:{type(error).__name__}"
    headers = {"Authorization": f"Bearer {keys[0]}"} if keys else {}
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
            response = await client.get(f"{url}/v1/models", headers=headers)
    except httpx.HTTPError as error:
        return type(error).__name__
    return response.status_code


async def check(desktop: DesktopApp, started: float, limit_s: float = _TIMEOUT_S) -> SelfTestResult:
    """Wait (bounded) until the app shows itself and its proxy runs, then ask ``/v1/models`` once."""
    deadline = time.monotonic() + limit_s
    remote = desktop.remote
    while _surface(desktop) == "none" or (not remote and desktop.state.health != "running"):
        failed = not remote and desktop.state.status.state == "failed"
        if failed or time.monotonic() > deadline:
            elapsed = int((time.monotonic() - started) * 1000)
            detail = f"health={desktop.state.health},proxy={desktop.state.status.state}"
            return SelfTestResult(False, _surface(desktop), desktop.state.base_url, "-", elapsed, detail)
        await asyncio.sleep(_POLL_S)
    url = desktop.state.base_url or desktop.client.base_url
    models = await _models_status(desktop, url)
    elapsed = int((time.monotonic() - started) * 1000)
    return SelfTestResult(models == 200, _surface(desktop), url, models, elapsed)


async def run_with_self_test(desktop: DesktopApp, mode: str, started: float) -> int:
    """Run the app with the check beside it; ``mode`` "quit" quits after the line, "stay" keeps running."""
    seen: list[SelfTestResult] = []

    async def report() -> None:
        result = await check(desktop, started)
        seen.append(result)
        print(result.line(), flush=True)
        if mode != "stay" or not result.ok:
            desktop.quit()

    checker = spawn(report(), "self-test")
    code = await desktop.run()
    if not checker.done():
        checker.cancel()
    if not seen:
        print(f"{PREFIX} FAIL quit before the check ended", file=sys.stderr, flush=True)
        return 1
    return code if seen[0].ok else 1
