"""AppOptionsBox: the app's own options, applied at once: start at login, start the proxy on launch,
notifications (with the low-quota threshold), updates, and which proxy the app manages (the built-in one
or a remote one, whose key goes to the OS keyring when there is one)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.i18n import tr
from gui.notifier import quota_threshold, set_quota_threshold
from gui.platform import secrets
from gui.platform.autostart import AutostartBackend
from gui.prefs import Prefs
from gui.updates import UpdateChecker
from gui.widgets.secret_field import SecretField
from gui.windows.settings_updates import UpdatesRow

__all__ = ["AppOptionsBox"]


class AppOptionsBox(QFrame):
    """A settings card; ``connection_changed`` after the remote/local choice was saved."""

    connection_changed = Signal()

    def __init__(
        self,
        settings: QSettings,
        *,
        autostart: AutostartBackend | None,
        command: Sequence[str],
        local: bool = True,
        updates: UpdateChecker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.prefs = Prefs(settings)
        self._autostart = autostart
        self._command = list(command)
        heading = QLabel(tr("This app"))
        heading.setProperty("role", "subtitle")

        self.login_item = QCheckBox(tr("Start CLIProxyAPI when I sign in to this computer"))
        self.login_item.setEnabled(autostart is not None)
        self.login_item.setChecked(autostart is not None and autostart.is_enabled())
        self.start_proxy = QCheckBox(tr("Start the proxy when the app opens"))
        self.start_proxy.setChecked(self.prefs.start_proxy)
        self.start_proxy.setEnabled(local)
        self.notify_stopped = QCheckBox(tr("The proxy stopped unexpectedly"))
        self.notify_refresh = QCheckBox(tr("An account could not renew its login"))
        self.notify_cooling = QCheckBox(tr("Every account of a service is resting (rate limits)"))
        self.notify_quota = QCheckBox(tr("An account's quota is running low, at or below"))
        self.quota_threshold = QSpinBox()
        self.quota_threshold.setRange(1, 99)
        self.quota_threshold.setSuffix(tr("% left"))
        self.quota_threshold.setValue(quota_threshold(settings))
        self.quota_threshold.valueChanged.connect(lambda value: set_quota_threshold(settings, value))
        for box, key in self._notification_boxes():
            box.setChecked(self.prefs.notify(key))
            box.toggled.connect(self._notifications_changed)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.local_choice = QRadioButton(tr("The proxy built into this app"))
        self.remote_choice = QRadioButton(tr("A proxy on another computer"))
        group = QButtonGroup(self)
        group.addButton(self.local_choice)
        group.addButton(self.remote_choice)
        remote = self.prefs.remote_url
        (self.remote_choice if remote else self.local_choice).setChecked(True)
        self.remote_url = QLineEdit(remote)
        self.remote_url.setPlaceholderText("http://192.168.1.20:8317")
        self.remote_key = SecretField(self.prefs.remote_key, editable=True, placeholder=tr("Management key"))
        self.apply_connection = QPushButton(tr("Use this connection"))
        self.connection_note = QLabel()
        self.connection_note.setWordWrap(True)
        self.connection_note.setProperty("role", "muted")
        self.key_storage = QLabel(
            tr("The key is kept in your system's keychain.")
            if secrets.secure()
            else tr("The key is stored unencrypted in this app's settings file on this computer.")
        )
        self.key_storage.setWordWrap(True)
        self.key_storage.setProperty("role", "muted" if secrets.secure() else "warning")
        self.updates = UpdatesRow(updates) if updates is not None else None

        form = QFormLayout()
        form.setHorizontalSpacing(16)  # as the other cards: labels never touch their boxes
        form.setVerticalSpacing(8)
        form.addRow(tr("Startup"), self.login_item)
        form.addRow("", self.start_proxy)
        form.addRow(tr("Tell me when"), self.notify_stopped)
        form.addRow("", self.notify_refresh)
        form.addRow("", self.notify_cooling)
        quota_row = QHBoxLayout()
        quota_row.setContentsMargins(0, 0, 0, 0)
        quota_row.setSpacing(8)
        quota_row.addWidget(self.notify_quota)
        quota_row.addWidget(self.quota_threshold)
        quota_row.addStretch(1)
        form.addRow("", quota_row)
        if self.updates is not None:
            form.addRow(tr("Updates"), self.updates)
        form.addRow(tr("Manage"), self.local_choice)
        form.addRow("", self.remote_choice)
        form.addRow(tr("Address"), self.remote_url)
        form.addRow(tr("Key"), self.remote_key)
        form.addRow("", self.key_storage)
        row = QHBoxLayout()
        row.addWidget(self.connection_note, 1)
        row.addWidget(self.apply_connection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 16)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error)

        self.login_item.toggled.connect(self._login_item_toggled)
        self.start_proxy.toggled.connect(self._start_proxy_toggled)
        self.local_choice.toggled.connect(self._connection_edited)
        self.remote_url.textEdited.connect(self._connection_edited)
        self.remote_key.edited.connect(self._connection_edited)
        self.apply_connection.clicked.connect(self._apply_connection)
        self._connection_edited()
        self.quota_threshold.setEnabled(self.notify_quota.isChecked())

    def _notification_boxes(self) -> list[tuple[QCheckBox, str]]:
        return [
            (self.notify_stopped, "stopped"),
            (self.notify_refresh, "refresh_failed"),
            (self.notify_cooling, "cooling"),
            (self.notify_quota, "quota_low"),
        ]

    def _login_item_toggled(self, on: bool) -> None:
        if self._autostart is None:
            return
        try:
            if on:
                self._autostart.enable(self._command)
            else:
                self._autostart.disable()
        except OSError as exc:
            self.error.setText(tr("Could not change the login item: {0}").format(exc.strerror or exc))
            self.error.show()
            self.login_item.blockSignals(True)
            self.login_item.setChecked(self._autostart.is_enabled())
            self.login_item.blockSignals(False)
            return
        self.error.hide()

    def _start_proxy_toggled(self, on: bool) -> None:
        self.prefs.start_proxy = on

    def _notifications_changed(self) -> None:
        for box, key in self._notification_boxes():
            self.prefs.set_notify(key, box.isChecked())
        self.quota_threshold.setEnabled(self.notify_quota.isChecked())

    def _connection_edited(self) -> None:
        remote = self.remote_choice.isChecked()
        self.remote_url.setEnabled(remote)
        self.remote_key.setEnabled(remote)
        url = self.remote_url.text().strip()
        ready = not remote or (url.startswith(("http://", "https://")) and bool(self.remote_key.value()))
        same = (url if remote else "") == self.prefs.remote_url and (
            not remote or self.remote_key.value() == self.prefs.remote_key
        )
        self.apply_connection.setEnabled(ready and not same)
        if remote and url and not url.startswith(("http://", "https://")):
            self.connection_note.setText(tr("The address starts with http:// or https://"))
        else:
            self.connection_note.setText("")

    def _apply_connection(self) -> None:
        if self.remote_choice.isChecked():
            self.prefs.set_remote(self.remote_url.text().strip(), self.remote_key.value())
        else:
            self.prefs.set_remote("", "")
        self.connection_note.setText(tr("Saved. Quit and reopen the app to switch."))
        self.apply_connection.setEnabled(False)
        self.connection_changed.emit()
