"""Screenshots of every window, page and dialog, light and dark, English and Chinese, for people to look at.

The app is built with the fake management client and realistic sample data (``tests/gui/sample_data.py``)
and each view is grabbed to ``tests/gui/screenshots/<scheme>-<language>/<name>.png`` (gitignored):

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.gui.take_screenshots         # all, 26 per look
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.gui.take_screenshots --fast  # a few, as the test

Run standalone, HOME points at a temporary folder first, so "Connect a tool" never reads your own
Claude Code or Codex settings. ``tests/gui/test_screenshots.py`` runs the fast mode.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget

__all__ = ["FAST_LOOKS", "FAST_SHOTS", "LOOKS", "OUT", "Look", "render", "restored_look", "settle"]

OUT = Path(__file__).parent / "screenshots"
FAST_SHOTS = ("window-accounts", "window-usage", "window-settings-full", "login-qwen")


@dataclass(frozen=True, slots=True)
class Look:
    scheme: str  # light | dark
    language: str  # en | zh_CN

    @property
    def folder(self) -> str:
        return f"{self.scheme}-{self.language}"


LOOKS = tuple(Look(s, lang) for s in ("light", "dark") for lang in ("en", "zh_CN"))
FAST_LOOKS = (Look("light", "en"), Look("dark", "zh_CN"))


def settle(app: QApplication, until: Callable[[], bool] | None = None, timeout: float = 3.0) -> bool:
    """Process Qt events (and so the asyncio tasks on the qasync loop) until ``until()`` or the timeout;
    without ``until`` for a short while, so pages load from the fake client and lay out."""
    deadline = time.monotonic() + (timeout if until else 0.15)
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if until is not None and until():
            return True
    return until is None


class _Shooter:
    """Builds the views of one look and saves them; ``keep`` holds what must outlive a shot."""

    def __init__(self, app: QApplication, folder: Path, wanted: frozenset[str] | None, home: Path) -> None:
        self.app, self.folder, self.wanted, self.home = app, folder, wanted, home
        self.saved: list[Path] = []
        self.keep: list[QWidget] = []

    def want(self, name: str) -> bool:
        return self.wanted is None or name in self.wanted

    def save(self, widget: QWidget, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)

    def close_all(self) -> None:
        from gui.aio import running_tasks

        settle(self.app, lambda: not running_tasks(), 3.0)
        for widget in self.keep:
            widget.close()
            widget.deleteLater()
        self.keep.clear()
        settle(self.app)


def _main_window(shooter: _Shooter, client: object, name_prefix: str, pages: tuple[str, ...]) -> None:
    from gui.models import ServerStatus
    from gui.state import AppState
    from gui.windows.logs import LogsPage
    from gui.windows.main_window import MainWindow
    from gui.windows.settings import SettingsPage
    from tests.gui.fake_client import BASE_URL

    wanted = [key for key in pages if shooter.want(f"{name_prefix}-{key}")]
    extra = [n for n in ("settings-full", "models-aliases", "models-hidden") if shooter.want(f"window-{n}")]
    extra += ["dialog-delete-account"] if shooter.want("dialog-delete-account") else []
    if not wanted and not (extra and name_prefix == "window"):
        return
    state = AppState(client)  # type: ignore[arg-type]
    prefs = QSettings(str(shooter.home / "prefs.ini"), QSettings.Format.IniFormat)
    settings = SettingsPage(state, client, prefs=prefs, autostart=None)  # type: ignore[arg-type]
    window = MainWindow(state, client, pages={"settings": settings, "logs": LogsPage(state, client)})  # type: ignore[arg-type]
    shooter.keep.append(window)
    window.resize(1120, 700)
    window.show()
    state.set_status(ServerStatus("running", BASE_URL))
    settle(shooter.app, lambda: state.health in ("running", "degraded"))
    for key in wanted:
        window.show_page(key)
        settle(shooter.app)
        shooter.save(window, f"{name_prefix}-{key}")
    if name_prefix == "window" and shooter.want("dialog-delete-account"):
        view = getattr(window.show_page("accounts"), "view", None)
        rows = view.model.rows() if view is not None else []
        if view is not None and rows:
            view.select(rows[0].account.id)
            box = view.confirm_remove()
            if box is not None:
                settle(shooter.app)
                shooter.save(box, "dialog-delete-account")
                box.reject()
    if name_prefix == "window":
        models = window.show_page("models")
        tabs = getattr(models, "tabs", None)
        for index, shot in ((1, "window-models-aliases"), (2, "window-models-hidden")):
            if tabs is not None and shooter.want(shot):
                tabs.setCurrentIndex(index)
                settle(shooter.app)
                shooter.save(window, shot)
        if shooter.want("window-settings-full"):
            window.show_page("settings")
            window.resize(1120, 1900)
            settle(shooter.app)
            shooter.save(window, "window-settings-full")
            window.resize(1120, 700)
    state.stop_watching()


def _tools_diff(shooter: _Shooter, client: object) -> None:
    if not shooter.want("tools-diff"):
        return
    from gui.models import ServerStatus
    from gui.state import AppState
    from gui.windows.client_setup import ClientSetupPage
    from tests.gui.fake_client import BASE_URL

    state = AppState(client)  # type: ignore[arg-type]
    page = ClientSetupPage(state, client)  # type: ignore[arg-type]
    frame = QStackedWidget()  # as inside the main window: the theme's page background applies
    frame.addWidget(page)
    shooter.keep.append(frame)
    frame.resize(1120, 700)
    frame.show()
    state.set_status(ServerStatus("running", BASE_URL))
    settle(shooter.app, lambda: page.claude.preview_button.isEnabled())
    page.claude.preview_button.click()
    settle(shooter.app, lambda: bool(page.claude.diff.toPlainText()))
    shooter.save(frame, "tools-diff")


def _logins(shooter: _Shooter) -> None:
    from gui.models import PROVIDERS
    from gui.windows.login import LoginDialog
    from tests.gui.fake_client import FakeClient

    cases: list[tuple[str, str, str]] = [(p, f"login-{p}", "") for p, _ in PROVIDERS]
    cases.append(
        (
            "codex",
            "login-port-blocked",
            "Failed to start the login: cannot listen for the login callback: port 1455 is already in use by "
            "node.exe (pid 4242). Close that program (or a login still running) and try again.",
        )
    )
    for provider, name, failure in cases:
        if not shooter.want(name):
            continue
        client = FakeClient()
        client.hold("login_status")  # stay waiting: the dialog as a person sees it mid-login
        if failure:
            client.fail("start_login", failure)
        dialog = LoginDialog(client, provider, poll_interval=0.0, open_url=lambda _url: True)
        shooter.keep.append(dialog)
        dialog.show()
        settle(shooter.app, lambda d=dialog: d.state in ("waiting", "error"), 1.0)  # type: ignore[misc]
        dialog.resize(620, dialog.sizeHint().height())
        settle(shooter.app)
        shooter.save(dialog, name)
        dialog.close_button.click()


def _onboarding(shooter: _Shooter) -> None:
    from gui.prefs import Prefs
    from gui.windows.onboarding import OnboardingDialog
    from tests.gui.fake_client import BASE_URL, CLIENT_KEY

    names = [f"onboarding-{step}" for step in range(1, 5)]
    if not any(shooter.want(n) for n in names):
        return
    prefs = Prefs(QSettings(str(shooter.home / "onboarding.ini"), QSettings.Format.IniFormat))
    dialog = OnboardingDialog(prefs)
    dialog.set_key(BASE_URL, CLIENT_KEY)
    shooter.keep.append(dialog)
    dialog.resize(640, 460)
    dialog.show()
    for index, name in enumerate(names):
        settle(shooter.app)
        if shooter.want(name):
            shooter.save(dialog, name)
        if index < len(names) - 1:
            dialog.next_button.click()


def _tray_menu(shooter: _Shooter, client: object) -> None:
    if not shooter.want("tray-menu"):
        return
    from gui.models import ServerStatus
    from gui.state import AppState
    from gui.tray import Tray
    from tests.gui.fake_client import BASE_URL

    state = AppState(client)  # type: ignore[arg-type]
    tray = Tray(state)
    state.set_status(ServerStatus("running", BASE_URL))
    settle(shooter.app, lambda: bool(state.accounts))
    tray.menu.adjustSize()
    shooter.save(tray.menu, "tray-menu")
    state.stop_watching()
    shooter.keep.append(tray.menu)


def render(
    out: Path = OUT, looks: tuple[Look, ...] = LOOKS, shots: frozenset[str] | None = None
) -> list[Path]:
    """Write the screenshots of ``looks`` (only the names in ``shots``, all when None); needs a
    QApplication and an asyncio loop that runs with Qt's (qasync), as in the app and the tests."""
    from gui.i18n import set_language
    from gui.theme import apply_theme
    from tests.gui.fake_client import FakeClient

    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for look in looks:
            apply_theme(app, look.scheme)
            set_language(look.language)
            shooter = _Shooter(app, out / look.folder, shots, Path(tmp))
            try:
                pages = ("accounts", "models", "usage", "tools", "logs", "settings")
                _main_window(shooter, FakeClient.sample(), "window", pages)
                _main_window(shooter, FakeClient(), "empty", ("accounts", "usage", "models"))
                _tools_diff(shooter, FakeClient.sample())
                _logins(shooter)
                _onboarding(shooter)
                _tray_menu(shooter, FakeClient.sample())
            finally:
                shooter.close_all()
            saved += shooter.saved
    return saved


@contextmanager
def restored_look(app: QApplication) -> Iterator[None]:
    """Run with the app's palette, style, stylesheet and language put back afterwards (for tests: the
    other GUI tests run with Qt's own look, in English)."""
    from gui import theme
    from gui.i18n import set_language

    palette, style = QPalette(app.palette()), app.style().name()
    try:
        yield
    finally:
        set_language("en")
        app.styleHints().unsetColorScheme()
        app.setStyleSheet("")
        app.setStyle(style)
        app.setPalette(palette)
        theme.forget_choice()


@contextmanager
def _qt_and_loop() -> Iterator[QApplication]:
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield app
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        settle(app)
        asyncio.events._set_running_loop(None)
        loop._QEventLoop__is_running = False
        loop.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fast", action="store_true", help="a few shots in two looks (what the test runs)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = os.environ["USERPROFILE"] = home  # never read the real tool settings
        with _qt_and_loop():
            paths = render(
                args.out, FAST_LOOKS if args.fast else LOOKS, frozenset(FAST_SHOTS) if args.fast else None
            )
    print(f"{len(paths)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
