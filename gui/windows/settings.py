"""SettingsPage: the proxy's settings (port, LAN access, retries, routing, upstream proxy, statistics, logs),
client API keys, and the app's own options (start at login, start the proxy on launch, connection).

Proxy settings are edited in the form and written with "Save changes" through the client; the app's own
options apply at once (QSettings, the OS login item). Port and LAN access need a restart of the proxy:
the page says so and offers the button (``restart_requested``).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot
from gui.client import ManagementError
from gui.i18n import N_, tr
from gui.models import Settings
from gui.netcheck import check_proxy
from gui.platform.autostart import AutostartBackend, launch_command
from gui.state import AppState
from gui.updates import UpdateChecker
from gui.windows.api_keys import ApiKeysBox, KeysClient
from gui.windows.provider_keys import ProviderKeysBox, ProviderKeysClient
from gui.windows.settings_app import AppOptionsBox
from gui.windows.settings_look import LookBox

__all__ = ["LAN_HOST", "LOCAL_HOST", "SettingsClient", "SettingsPage", "proxy_url_problem"]

LOCAL_HOST = "127.0.0.1"
LAN_HOST = ""
_PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://")
_STRATEGIES = (
    ("round-robin", N_("Take turns (round-robin)")),
    ("fill-first", N_("Use one until it runs out (fill-first)")),
)


class SettingsClient(KeysClient, ProviderKeysClient, Protocol):
    async def settings(self) -> Settings: ...
    async def update_setting(self, key: str, value: object) -> bool: ...


def proxy_url_problem(url: str) -> str:
    """ "" when ``url`` is empty or a usable proxy address, else what is wrong with it."""
    url = url.strip()
    if not url:
        return ""
    if not url.lower().startswith(_PROXY_SCHEMES):
        return N_("The address must start with http://, https:// or socks5://")  # shown through tr()
    if not url.split("://", 1)[1].strip("/"):
        return N_("The address needs a host, like socks5://127.0.0.1:1080")
    return ""


def _card(title: str, hint: str = "") -> tuple[QFrame, QFormLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    outer = QVBoxLayout(frame)
    outer.setContentsMargins(18, 14, 18, 16)
    heading = QLabel(title)
    heading.setProperty("role", "subtitle")
    outer.addWidget(heading)
    if hint:
        note = QLabel(hint)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        outer.addWidget(note)
    form = QFormLayout()
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(10)
    outer.addLayout(form)
    return frame, form


class SettingsPage(QWidget):
    """Everything a person may want to change, in plain words; nothing is written until "Save changes"."""

    restart_requested = Signal()
    saved = Signal(bool)  # True: a restart is needed

    def __init__(
        self,
        state: AppState | None,
        client: SettingsClient,
        *,
        prefs: QSettings | None = None,
        autostart: AutostartBackend | None = None,
        local: bool = True,
        updates: UpdateChecker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        app_settings = prefs or QSettings()
        self.updates = updates or UpdateChecker(app_settings, parent=self)
        self._loaded: dict[str, object] = {}
        self._loading = False
        title = QLabel(tr("Settings"))
        title.setProperty("role", "title")

        proxy, form = _card(tr("Proxy"), tr("Changes are saved to the config file and used at once."))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setMaximumWidth(120)
        self.lan = QCheckBox(tr("Allow other computers on my network to connect"))
        self.lan_warning = QLabel(
            tr(
                "Anyone on your network who has one of your client keys can then use your accounts. "
                "Keep this off unless you need it."
            )
        )
        self.lan_warning.setWordWrap(True)
        self.lan_warning.setProperty("role", "warning")
        self.retries = QSpinBox()
        self.retries.setRange(0, 20)
        self.retries.setMaximumWidth(120)
        self.strategy = QComboBox()
        for value, text in _STRATEGIES:
            self.strategy.addItem(tr(text), value)
        self.proxy_url = QLineEdit()
        self.proxy_url.setPlaceholderText(tr("Empty: connect directly. Example: socks5://127.0.0.1:1080"))
        self.proxy_problem = QLabel()
        self.proxy_problem.setProperty("role", "error")
        self.proxy_test = QPushButton(tr("Test"))
        self.proxy_test.setToolTip(tr("Reach an AI provider through this proxy once, from this computer"))
        self.proxy_test.clicked.connect(self.test_proxy)
        self.proxy_result = QLabel()
        self.proxy_result.setWordWrap(True)
        self.proxy_result.hide()
        self.usage = QCheckBox(tr("Keep usage statistics (requests and tokens)"))
        self.file_logs = QCheckBox(tr("Write logs to files"))
        self.debug = QCheckBox(tr("Detailed logs (for troubleshooting)"))
        form.addRow(tr("Port"), self.port)
        network = QWidget()
        network_column = QVBoxLayout(network)
        network_column.setContentsMargins(0, 0, 0, 0)
        network_column.setSpacing(4)
        network_column.addWidget(self.lan)
        network_column.addWidget(self.lan_warning)
        form.addRow(tr("Network"), network)
        form.addRow(tr("Retries"), self.retries)
        form.addRow(tr("Choosing an account"), self.strategy)
        proxy_row = QHBoxLayout()
        proxy_row.setContentsMargins(0, 0, 0, 0)
        proxy_row.addWidget(self.proxy_url, 1)
        proxy_row.addWidget(self.proxy_test)
        form.addRow(tr("Upstream proxy"), proxy_row)
        form.addRow("", self.proxy_problem)
        form.addRow("", self.proxy_result)
        form.addRow(tr("Statistics"), self.usage)
        form.addRow(tr("Logs"), self.file_logs)
        form.addRow("", self.debug)

        self.save_button = QPushButton(tr("Save changes"))
        self.save_button.setProperty("role", "primary")
        self.revert_button = QPushButton(tr("Undo changes"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.restart_button = QPushButton(tr("Restart the proxy now"))
        self.restart_button.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.restart_button)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)

        keys, keys_form = _card(
            tr("Client API keys"),
            tr("Your tools send one of these as their API key. Revoke a key you shared by mistake."),
        )
        self.keys = ApiKeysBox(client)
        keys_form.addRow(self.keys)
        provider_keys, provider_form = _card(
            tr("Provider API keys"),
            tr(
                "Use an API key next to (or instead of) an account: Anthropic, OpenAI, Gemini, Vertex, or "
                "any OpenAI-compatible service such as OpenRouter. Saved keys are listed and tested on the "
                "Accounts page."
            ),
        )
        self.provider_keys = ProviderKeysBox(client)
        provider_form.addRow(self.provider_keys)
        self.app_options = AppOptionsBox(
            app_settings, autostart=autostart, command=launch_command(), local=local, updates=self.updates
        )

        column = QWidget()
        column.setObjectName("pageColumn")
        body = QVBoxLayout(column)
        body.setContentsMargins(24, 20, 24, 24)
        body.setSpacing(14)
        body.addWidget(title)
        body.addWidget(proxy)
        body.addLayout(actions)
        body.addWidget(keys)
        body.addWidget(provider_keys)
        body.addWidget(self.app_options)
        self.look = LookBox(prefs or QSettings())
        body.addWidget(self.look)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(column)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        for box in (self.port, self.retries):
            box.valueChanged.connect(self._changed)
        for check in (self.lan, self.usage, self.file_logs, self.debug):
            check.toggled.connect(self._changed)
        self.strategy.currentIndexChanged.connect(self._changed)
        self.proxy_url.textChanged.connect(self._changed)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self._revert)
        self.restart_button.clicked.connect(self.restart_requested)
        if state is not None:
            state.config_changed.connect(self._config_changed)
            state.api_keys_changed.connect(self.keys.set_keys)
        self._set_enabled(False)
        self._changed()

    # -- values ------------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """The form as setting values (YAML key paths)."""
        return {
            "port": self.port.value(),
            "host": LAN_HOST if self.lan.isChecked() else LOCAL_HOST,
            "request-retry": self.retries.value(),
            "routing/strategy": self.strategy.currentData(),
            "proxy-url": self.proxy_url.text().strip(),
            "usage-statistics-enabled": self.usage.isChecked(),
            "logging-to-file": self.file_logs.isChecked(),
            "debug": self.debug.isChecked(),
        }

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in self.values().items() if self._loaded.get(k) != v}

    def show_settings(self, settings: Settings) -> None:
        """Fill the form from ``settings`` (what the proxy has now)."""
        self._loading = True
        host = str(settings.get("host", LOCAL_HOST) or "")
        self.port.setValue(int(str(settings.get("port", 8317))))
        self.lan.setChecked(host not in ("127.0.0.1", "localhost", "::1"))
        self.retries.setValue(int(str(settings.get("request-retry", 3))))
        index = self.strategy.findData(str(settings.get("routing/strategy", "round-robin")))
        self.strategy.setCurrentIndex(max(0, index))
        self.proxy_url.setText(str(settings.get("proxy-url", "") or ""))
        self.usage.setChecked(settings.get("usage-statistics-enabled") is True)
        self.file_logs.setChecked(settings.get("logging-to-file") is True)
        self.debug.setChecked(settings.get("debug") is True)
        self._loading = False
        self._loaded = self.values()
        self._set_enabled(True)
        self._changed()

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.port, self.lan, self.retries, self.strategy, self.proxy_url, self.usage):
            widget.setEnabled(enabled)
        self.file_logs.setEnabled(enabled)
        self.debug.setEnabled(enabled)

    def _changed(self) -> None:
        if self._loading:
            return
        problem = proxy_url_problem(self.proxy_url.text())
        self.proxy_test.setEnabled(bool(self.proxy_url.text().strip()) and not problem)
        self.proxy_problem.setText(tr(problem) if problem else "")
        self.proxy_problem.setVisible(bool(problem))
        self.lan_warning.setVisible(self.lan.isChecked())
        dirty = bool(self._loaded) and bool(self.changes())
        self.save_button.setEnabled(dirty and not problem)
        self.revert_button.setEnabled(dirty)

    def _revert(self) -> None:
        if self._loaded:
            self.show_settings(Settings(dict(self._loaded)))

    # -- loading and saving ------------------------------------------------------------------------

    @async_slot()
    async def reload(self) -> None:
        try:
            settings = await self._client.settings()
            keys = await self._client.api_keys()
        except ManagementError as exc:
            self._say(exc.message, "error")
            return
        self.show_settings(settings)
        self.keys.set_keys(keys)
        self._say("", "muted")
        self.provider_keys.reload()

    @async_slot()
    async def test_proxy(self) -> None:
        """Try the typed proxy address once (before or after saving it)."""
        url = self.proxy_url.text().strip()
        if not url or proxy_url_problem(url):
            return
        self.proxy_test.setEnabled(False)
        self._proxy_said(tr("Testing the proxy…"), "muted")
        try:
            ok, message = await check_proxy(url)
        finally:
            self.proxy_test.setEnabled(True)
        self._proxy_said(tr(message), "success" if ok else "error")

    def _proxy_said(self, text: str, role: str) -> None:
        self.proxy_result.setText(text)
        self.proxy_result.setProperty("role", role)
        self.proxy_result.style().polish(self.proxy_result)
        self.proxy_result.setVisible(bool(text))

    @async_slot()
    async def save(self) -> None:
        changes = self.changes()
        if not changes or proxy_url_problem(self.proxy_url.text()):
            return
        self.save_button.setEnabled(False)
        restart = False
        try:
            for key, value in changes.items():
                restart = await self._client.update_setting(key, value) or restart
                self._loaded[key] = value
        except ManagementError as exc:
            self._say(tr("Not saved: {0}").format(exc.message), "error")
            self._changed()
            return
        self._changed()
        if restart:
            self._say(tr("Saved. Restart the proxy to use the new port or network setting."), "warning")
        else:
            self._say(tr("Saved."), "success")
        self.restart_button.setVisible(restart)
        self.saved.emit(restart)

    def _say(self, text: str, role: str) -> None:
        self.status.setText(text)
        self.status.setProperty("role", role)
        self.status.style().polish(self.status)

    def _config_changed(self) -> None:
        if not self.changes():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.reload()
