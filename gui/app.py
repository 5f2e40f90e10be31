"""DesktopApp, the composition root: the embedded (or a remote) proxy, client, AppState, tray, windows.

Local mode runs ServerController with an ephemeral management key accepted from loopback only (the
same mechanism as the CLI's ``-password``), so the GUI needs no secret in the config file. Remote
mode (Settings → "A proxy on another computer") manages a headless instance over the same API.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import QApplication, QWidget

from gui.aio import async_slot, spawn
from gui.client import ManagementClient
from gui.i18n import language_events, set_language, tr
from gui.lifecycle import Lifecycle
from gui.models import ServerStatus
from gui.notifier import Notifier
from gui.platform.autostart import autostart_for
from gui.prefs import Prefs
from gui.state import AppState
from gui.theme import apply_theme
from gui.tray import Tray
from gui.updates import UpdateChecker
from gui.windows.logs import LogsPage
from gui.windows.main_window import MainWindow
from gui.windows.onboarding import OnboardingDialog, should_show
from gui.windows.settings import SettingsPage
from server.config import ConfigError, ensure_config, load_config, log_dir
from server.runner import ServerController, ServerOptions

__all__ = ["AppOptions", "DesktopApp"]

log = logging.getLogger(__name__)

_PROBE_MS = 15_000


@dataclass(frozen=True, slots=True)
class AppOptions:
    """How the app was started: ``autostart`` (at login: stay in the tray), a config file, a remote."""

    config_path: Path | None = None
    autostart: bool = False
    remote_url: str = ""
    remote_key: str = ""


def _local_url(config_path: Path) -> str:
    try:
        config = load_config(config_path)
    except (ConfigError, OSError):
        return "http://127.0.0.1:8317"
    host = config.host if config.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if config.tls.enable else 'http'}://{host}:{config.port}"


class DesktopApp(QObject):
    """Builds everything, wires intents to actions, and runs until Quit (``await run()``)."""

    def __init__(self, qapp: QApplication, options: AppOptions, settings: QSettings | None = None) -> None:
        super().__init__()
        self.qapp = qapp
        self.options = options
        self.prefs = Prefs(settings or QSettings())
        self._quit = asyncio.Event()
        remote_url = options.remote_url or self.prefs.remote_url
        self.remote = bool(remote_url)
        self.first_key = ""
        self.lifecycle: Lifecycle | None = None
        if self.remote:
            self.client = ManagementClient(remote_url, options.remote_key or self.prefs.remote_key)
        else:
            first = ensure_config(options.config_path)
            self.first_key = first.api_key or ""
            key = secrets.token_urlsafe(32)  # this run only, loopback only
            controller = ServerController(
                config_path=first.path, options=ServerOptions(local_management_key=key)
            )
            self.lifecycle = Lifecycle(controller, self)
            self.client = ManagementClient(_local_url(first.path), key)
        self.state = AppState(self.client, remote=self.remote, parent=self)
        apply_theme(qapp, self.prefs.theme)
        set_language(self.prefs.language)
        self.has_tray = Tray.available()
        self.updates = UpdateChecker(self.prefs.settings, parent=self)  # outlives window rebuilds
        self.tray = self._build_tray()
        self.window = self._build_window()
        self.notifier = Notifier(self.state, self.prefs, self, parent=self)
        self.updates.available.connect(self.notifier.update_available)
        self.onboarding: OnboardingDialog | None = None
        self._stopping = False
        self._user_stop = False
        if self.lifecycle is not None:
            self.lifecycle.status_changed.connect(self.on_server_status)
        language_events().changed.connect(self._language_changed)
        self.probe_timer = QTimer(self)
        self.probe_timer.setInterval(_PROBE_MS)
        self.probe_timer.timeout.connect(self._probe)

    def _build_tray(self) -> Tray:
        tray = Tray(self.state, remote=self.remote, parent=self, updates=self.updates)
        tray.start_requested.connect(self.start_proxy)
        tray.stop_requested.connect(self.stop_proxy)
        tray.restart_requested.connect(self.restart_proxy)
        tray.open_window_requested.connect(self.show_window)
        tray.quit_requested.connect(self.quit)
        tray.login_requested.connect(self.request_login)
        return tray

    def _build_window(self) -> MainWindow:
        self.settings_page = SettingsPage(
            self.state,
            self.client,
            prefs=self.prefs.settings,
            autostart=autostart_for(),
            local=not self.remote,
            updates=self.updates,
        )
        logs = LogsPage(self.state, self.client, log_folder=None if self.remote else log_dir())
        window = MainWindow(
            self.state,
            self.client,
            pages={"settings": self.settings_page, "logs": logs},
            close_to_tray=self.has_tray,
            remote=self.remote,
        )
        window.start_requested.connect(self.start_proxy)
        window.stop_requested.connect(self.stop_proxy)
        window.quit_requested.connect(self.quit)
        window.hidden_to_tray.connect(self._hidden_to_tray)
        self.settings_page.restart_requested.connect(self.restart_proxy)
        return window

    def notify(self, title: str, message: str, error: bool = False, url: str = "") -> None:
        """The notifier's sink: the tray of the moment (it is rebuilt when the language changes)."""
        self.tray.notify(title, message, error, url=url)

    @Slot(str)
    def request_login(self, provider: str) -> None:
        self.window.request_login(provider)

    def _language_changed(self, _code: str) -> None:
        # later: the change comes from a combo box inside the window being replaced
        QTimer.singleShot(0, self.rebuild)

    def rebuild(self) -> None:
        """Build the window and the tray menu again in the language now installed, keeping the page shown,
        the window's place and whether it is visible."""
        old_window, old_tray = self.window, self.tray
        page, visible, geometry = old_window.current_page(), old_window.isVisible(), old_window.saveGeometry()
        self.tray = self._build_tray()
        if old_tray.icon.isVisible():
            self.tray.show()
        old_tray.hide()
        old_tray.deleteLater()
        self.window = self._build_window()
        self.window.restoreGeometry(geometry)
        self.window.show_page(page)
        dialog = self.onboarding
        if dialog is not None and dialog.parentWidget() is old_window:  # keep it: it dies with its parent
            shown = dialog.isVisible()
            dialog.setParent(self.window, dialog.windowFlags())
            dialog.setVisible(shown)
        old_window.close_to_tray = False
        old_window.hide()
        old_window.deleteLater()
        if visible:
            self.window.show()

    # -- lifecycle ---------------------------------------------------------------------------------

    async def run(self) -> int:
        """Show the tray (or the window), start the proxy if wanted, and wait for Quit."""
        if self.has_tray:
            self.tray.show()
        if not self.has_tray or not self.options.autostart:
            self.show_window()
        self.probe_timer.start()
        self.updates.start()  # the opt-out daily update check
        if self.lifecycle is not None and self.prefs.start_proxy:
            await self._start()
        elif self.remote:
            self.state.set_status(ServerStatus("starting", self.client.base_url))
            await self.state.probe()
        if should_show(self.prefs):
            self.show_onboarding()
        await self._quit.wait()
        await self.shutdown()
        return 0

    async def shutdown(self) -> None:
        self._stopping = True
        self.probe_timer.stop()
        await self.state.close_stream()
        self.tray.hide()
        self.window.close_to_tray = False
        self.window.hide()
        if self.lifecycle is not None:
            await self.lifecycle.stop()
        await self.client.aclose()

    @Slot()
    def quit(self) -> None:
        self._quit.set()

    def on_server_status(self, status: ServerStatus) -> None:
        """The embedded proxy changed state (GUI thread, via the lifecycle's signal)."""
        if status.state == "running" and status.url:
            self.client.set_base_url(status.url)
        self.state.set_status(status)
        if status.state in ("stopped", "failed") and not self._stopping and not self._user_stop:
            self.notifier.proxy_stopped(status)
        if status.state == "running":
            self._user_stop = False

    async def _start(self) -> None:
        if self.lifecycle is not None:
            self._user_stop = False
            error = await self.lifecycle.start()
            if error:
                self.window.show_error(tr("The proxy did not start: {0}").format(error))

    @async_slot()
    async def start_proxy(self) -> None:
        await self._start()

    @async_slot()
    async def stop_proxy(self) -> None:
        if self.lifecycle is not None:
            self._user_stop = True
            await self.state.close_stream()
            await self.lifecycle.stop()

    @async_slot()
    async def restart_proxy(self) -> None:
        if self.lifecycle is not None:
            self._user_stop = True
            await self.state.close_stream()
            error = await self.lifecycle.restart()
            if error:
                self.window.show_error(tr("The proxy did not start again: {0}").format(error))

    def _probe(self) -> None:
        if self.remote or self.state.status.state in ("running", "unreachable"):
            spawn(self.state.probe(), "health probe")

    # -- windows -----------------------------------------------------------------------------------

    @Slot()
    def show_window(self) -> None:
        self.window.bring_forward()

    def _hidden_to_tray(self) -> None:
        if not self.prefs.tray_hint_shown:
            self.prefs.tray_hint_shown = True
            self.tray.notify("CLIProxyAPI", tr("Still running in the tray. Use Quit in its menu to stop."))

    def show_onboarding(self) -> None:
        keys = self.state.api_keys
        dialog = OnboardingDialog(
            self.prefs,
            base_url=self.state.base_url or self.client.base_url,
            api_key=self.first_key or (keys[0] if keys else ""),
            parent=self.window if self.window.isVisible() else None,
        )
        dialog.login_requested.connect(self.request_login)
        dialog.tool_setup_requested.connect(self._open_tools)
        self.state.api_keys_changed.connect(self._onboarding_keys)
        self.onboarding = dialog
        dialog.show()

    def _onboarding_keys(self, keys: list[str]) -> None:
        if self.onboarding is not None and keys:
            self.onboarding.set_key(self.state.base_url, self.first_key or keys[0])

    def _open_tools(self) -> None:
        self.show_window()
        self.window.show_page("tools")

    def page(self, key: str) -> QWidget:
        return self.window.page(key)
