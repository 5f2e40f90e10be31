"""Update check: asks GitHub's releases API for the latest release and compares it with this version.

Notify only (the installers upgrade in place). The GUI asks GitHub itself, not the proxy's
``/latest-version``: that endpoint makes no network call (it answers its own version), and in remote
mode it would describe the remote server, not this app. Every call is awaited on the qasync loop (the
Qt thread never blocks). ``CLIPROXYAPI_UPDATE_URL`` points the check elsewhere (tests, mirrors).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Final

import httpx
from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer, Signal

from gui.aio import spawn
from gui.i18n import tr
from gui.wire import obj, text

__all__ = [
    "DEFAULT_RELEASES_URL",
    "UpdateChecker",
    "UpdateResult",
    "check_for_update",
    "current_version",
    "is_newer",
    "releases_url",
    "version_key",
]

DEFAULT_RELEASES_URL: Final = "https://api.github.com/repos/cliproxyapi/cliproxyapi-desktop/releases/latest"
_ENV: Final = "CLIPROXYAPI_UPDATE_URL"
_DAY: Final = 86400.0
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(.*)$", re.IGNORECASE)


def releases_url() -> str:
    return os.environ.get(_ENV, "").strip() or DEFAULT_RELEASES_URL


def current_version() -> str:
    """This app's version (the package's, else what the app told Qt)."""
    try:
        return metadata.version("cliproxyapi")
    except metadata.PackageNotFoundError:
        return QCoreApplication.applicationVersion() or "0"


def version_key(value: str) -> tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]] | None:
    """A sortable key for ``v1.2.3``, ``1.2.3-rc.1``, ``1.2.3rc1``, ``1.2.3.post1`` (None if not a version).

    Pre-releases sort before their release, post-releases after; build metadata (``+…``) is ignored.
    """
    match = _VERSION.match(value)
    if match is None:
        return None
    numbers = [int(n) for n in match[1].split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    suffix = match[2].split("+", 1)[0].strip(".-_ ").lower()
    rank = 1 if not suffix else 2 if suffix.startswith(("post", "rev", "r")) and "rc" not in suffix else 0
    parts = tuple((1, int(p)) if p.isdigit() else (0, p) for p in re.findall(r"\d+|[a-z]+", suffix))
    return tuple(numbers), rank, parts


def is_newer(latest: str, current: str) -> bool:
    """True when ``latest`` is a later version than ``current`` (False if either is not a version)."""
    new, old = version_key(latest), version_key(current)
    return new is not None and old is not None and new > old


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """``state`` is available, current, offline or error; ``message`` reads well to a person."""

    state: str
    message: str
    current: str
    latest: str = ""
    url: str = ""


async def check_for_update(
    current: str, url: str | None = None, http: httpx.AsyncClient | None = None
) -> UpdateResult:
    """Ask the releases API once; never raises (an unreachable server is an ``offline`` result)."""
    client = http or httpx.AsyncClient(timeout=_TIMEOUT, follow_redirects=True)
    headers = {"Accept": "application/vnd.github+json", "User-Agent": f"CLIProxyAPI-desktop/{current}"}
    try:
        response = await client.get(url or releases_url(), headers=headers)
    except httpx.HTTPError:
        message = tr("Could not check for updates: no connection to GitHub. Check your internet connection.")
        return UpdateResult("offline", message, current)
    finally:
        if http is None:
            await client.aclose()
    if response.status_code == 404:
        return UpdateResult("error", tr("No release has been published yet."), current)
    if response.status_code in (403, 429):
        return UpdateResult("error", tr("GitHub is busy right now. Try again in an hour."), current)
    try:
        release = obj(response.json()) if response.status_code == 200 else {}
    except ValueError:
        release = {}
    latest = text(release.get("tag_name")).strip()
    if version_key(latest) is None:
        message = tr("Could not check for updates: GitHub sent an answer the app cannot read.")
        return UpdateResult("error", message, current)
    page = text(release.get("html_url"))
    page = page if page.startswith(("https://", "http://")) else ""
    shown = latest.lstrip("vV")
    if is_newer(latest, current):
        message = tr("Version {version} is available (you have {current}).").format(
            version=shown, current=current
        )
        return UpdateResult("available", message, current, shown, page)
    return UpdateResult(
        "current", tr("You have the latest version ({current}).").format(current=current), current
    )


class UpdateChecker(QObject):
    """Manual checks (``check``) and the opt-out daily one (``start``); ``available`` fires once per new
    version found by the daily check, ``checked`` after every check."""

    checked = Signal(object)  # UpdateResult
    available = Signal(str, str)  # version, release page
    busy_changed = Signal(bool)

    def __init__(
        self,
        settings: QSettings,
        *,
        current: str | None = None,
        url: str | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.current = current or current_version()
        self.url = url
        self._clock = clock
        self.busy = False
        self.last: UpdateResult | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(3_600_000)  # look every hour whether a day has passed
        self.timer.timeout.connect(self._tick)

    @property
    def daily(self) -> bool:
        value = self.settings.value("updates/daily", True)
        return value.strip().lower() in ("1", "true", "yes") if isinstance(value, str) else bool(value)

    @daily.setter
    def daily(self, on: bool) -> None:
        self.settings.setValue("updates/daily", on)

    def start(self, first_delay_ms: int = 15_000) -> None:
        """Begin the daily check (the first one a little after start-up, if a day has passed)."""
        self.timer.start()
        QTimer.singleShot(first_delay_ms, self, self._tick)

    def _tick(self) -> None:
        last = self.settings.value("updates/last_check", 0.0)
        try:
            last_check = float(str(last))
        except ValueError:
            last_check = 0.0
        if self.daily and not self.busy and self._clock() - last_check >= _DAY:
            spawn(self.check(automatic=True), "daily update check", owner=self)

    async def check(self, automatic: bool = False) -> UpdateResult:
        """Check now; an automatic check tells (``available``) only about a version not told before."""
        self.busy = True
        self.busy_changed.emit(True)
        try:
            result = await check_for_update(self.current, self.url)
        finally:
            self.busy = False
            self.busy_changed.emit(False)
        if result.state in ("available", "current"):
            self.settings.setValue("updates/last_check", self._clock())
        self.last = result
        self.checked.emit(result)
        if result.state == "available" and automatic and self.settings.value("updates/told") != result.latest:
            self.settings.setValue("updates/told", result.latest)
            self.available.emit(result.latest, result.url)
        return result
