"""Provider API keys in Settings: the keys of Anthropic, OpenAI, Gemini, Vertex and OpenAI-compatible services
(base URL, prefix, headers, proxy), listed masked, added and edited in a dialog, removed with a confirm.

``ProviderKeysBox`` saves each change through the client (``PUT /<list>``) and shows the proxy's answer;
the keys then appear on the Accounts page, where "Test" tries one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot
from gui.client import ManagementError
from gui.i18n import N_, tr
from gui.models import ProviderKey, mask_secret
from gui.provider_keys import KEY_KINDS, headers_text, key_problem, parse_headers
from gui.widgets.table_models import Column, RowsModel

__all__ = ["ProviderKeyDialog", "ProviderKeysBox", "ProviderKeysClient"]

_NAMES = dict(KEY_KINDS)
_NAME_WORDS = (N_("OpenAI-compatible service"), N_("OpenAI / Codex API"))  # KEY_KINDS, for the catalogue


class ProviderKeysClient(Protocol):
    async def provider_keys(self) -> list[ProviderKey]: ...
    async def set_provider_keys(self, kind: str, keys: Iterable[ProviderKey]) -> None: ...


def _where(key: ProviderKey) -> str:
    return " · ".join(part for part in (key.name, key.base_url) if part) or tr("default address")


class ProviderKeyDialog(QDialog):
    """Add (``original`` None) or edit one key; ``chosen()`` is the key to store once accepted."""

    def __init__(
        self, others: list[ProviderKey], original: ProviderKey | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Edit API key") if original else tr("Add an API key"))
        self.setMinimumWidth(480)
        self._others = others
        self._original = original
        self.kind = QComboBox()
        for kind, name in KEY_KINDS:
            self.kind.addItem(tr(name), kind)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("e.g. openrouter"))
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText(tr("Paste the key"))
        self.base_url = QLineEdit()
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText(tr("Optional: clients then also see <prefix>/<model>"))
        self.proxy_url = QLineEdit()
        self.proxy_url.setPlaceholderText(tr("Optional: socks5://127.0.0.1:1080"))
        self.priority = QSpinBox()
        self.priority.setRange(-100, 100)
        self.priority.setToolTip(tr("Keys and accounts with a higher priority are used first"))
        self.headers = QPlainTextEdit()
        self.headers.setPlaceholderText(tr("Optional extra headers, one per line: Name: value"))
        self.headers.setMaximumHeight(72)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Provider"), self.kind)
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("API key"), self.api_key)
        form.addRow(tr("Base URL"), self.base_url)
        form.addRow(tr("Prefix"), self.prefix)
        form.addRow(tr("Proxy"), self.proxy_url)
        form.addRow(tr("Priority"), self.priority)
        form.addRow(tr("Headers"), self.headers)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        if original is not None:
            self.kind.setCurrentIndex(self.kind.findData(original.kind))
            self.kind.setEnabled(False)
            for line, value in ((self.name, original.name), (self.api_key, original.api_key),
                                (self.base_url, original.base_url), (self.prefix, original.prefix),
                                (self.proxy_url, original.proxy_url)):  # fmt: skip
                line.setText(value)
            self.headers.setPlainText(headers_text(original.headers))
            self.priority.setValue(original.priority)
        for line in (self.name, self.api_key, self.base_url, self.prefix, self.proxy_url):
            line.textChanged.connect(self._check)
        self.headers.textChanged.connect(self._check)
        self.kind.currentIndexChanged.connect(self._check)
        self._check()

    def chosen(self) -> ProviderKey:
        kind = str(self.kind.currentData())
        headers = parse_headers(self.headers.toPlainText())
        base = self._original or ProviderKey(kind, "")
        return replace(
            base,
            kind=kind,
            api_key=self.api_key.text().strip(),
            base_url=self.base_url.text().strip(),
            proxy_url=self.proxy_url.text().strip(),
            prefix=self.prefix.text().strip().strip("/"),
            headers=headers if isinstance(headers, tuple) else base.headers,
            name=self.name.text().strip() if kind == "openai-compatibility" else "",
            priority=self.priority.value(),
        )

    def _check(self) -> None:
        kind = str(self.kind.currentData())
        compat = kind == "openai-compatibility"
        self.name.setEnabled(compat)
        self.base_url.setPlaceholderText(
            tr("https://openrouter.ai/api/v1") if compat or kind != "claude-api-key" else tr("Optional")
        )
        headers = parse_headers(self.headers.toPlainText())
        same_list = [k for k in self._others if k.kind == kind]
        problem = headers if isinstance(headers, str) else key_problem(self.chosen(), same_list)
        self.problem.setText(tr(problem) if problem else "")
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)


class ProviderKeysBox(QWidget):
    """The list of provider keys with Add / Edit / Remove; ``changed`` after a successful save."""

    changed = Signal()

    def __init__(
        self, client: ProviderKeysClient, *, confirm: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._confirm = confirm
        self.dialog: ProviderKeyDialog | None = None
        self.model: RowsModel[ProviderKey] = RowsModel(
            (
                Column(N_("Provider"), text=lambda k: tr(_NAMES.get(k.kind, k.kind))),
                Column(N_("Service / address"), text=_where, tooltip=_where),
                Column(N_("Key"), text=lambda k: mask_secret(k.api_key) if k.api_key else tr("none")),
                Column(N_("Prefix"), text=lambda k: k.prefix),
            )
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setMaximumHeight(150)
        # the address column takes the room left and elides in the middle (the tooltip has all of it);
        # in a window too narrow even for that, the table scrolls sideways instead of widening the window
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableView::item { padding: 0 10px 0 6px; }")  # columns never touch
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance("0") * 12)
        self.add_button = QPushButton(tr("Add…"))
        self.edit_button = QPushButton(tr("Edit…"))
        self.remove_button = QPushButton(tr("Remove"))
        self.remove_button.setProperty("role", "danger")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.add_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button.clicked.connect(lambda: self.open_dialog(self.selected()))
        self.table.doubleClicked.connect(lambda _index: self.open_dialog(self.selected()))
        self.remove_button.clicked.connect(self.confirm_remove)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self._update()

    def set_keys(self, keys: list[ProviderKey]) -> None:
        self.model.set_rows(keys)
        self._update()

    def selected(self) -> ProviderKey | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _update(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    @async_slot()
    async def reload(self) -> None:
        try:
            self.set_keys(await self._client.provider_keys())
        except ManagementError as exc:
            self._say(tr("Could not load the provider keys: {error}").format(error=exc.message), "error")

    def open_dialog(self, original: ProviderKey | None) -> ProviderKeyDialog:
        others = [k for k in self.model.rows() if k != original]
        dialog = self.dialog = ProviderKeyDialog(others, original, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._store(original, dialog.chosen()))
        dialog.open()
        return dialog

    def _store(self, original: ProviderKey | None, key: ProviderKey) -> None:
        rows = self.model.rows()
        rows = [key if k == original else k for k in rows] if original is not None else [*rows, key]
        self.save(key.kind, rows, tr("Saved. The key is on the Accounts page now, where Test tries it."))

    def confirm_remove(self) -> QMessageBox | None:
        key = self.selected()
        if key is None:
            return None
        kept = [k for k in self.model.rows() if k != key]
        if not self._confirm:
            self.save(key.kind, kept, tr("The key was removed."))
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Remove API key"),
            tr("Remove the {provider} key {key}? Requests stop using it at once.").format(
                provider=tr(_NAMES.get(key.kind, key.kind)), key=mask_secret(key.api_key) or _where(key)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self.save(key.kind, kept, tr("The key was removed.")))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    @async_slot(str, list, str)
    async def save(self, kind: str, keys: list[ProviderKey], done: str) -> None:
        try:
            await self._client.set_provider_keys(kind, [k for k in keys if k.kind == kind])
            fresh = await self._client.provider_keys()
        except ManagementError as exc:
            self._say(tr("Not saved: {error}").format(error=exc.message), "error")
            return
        self.set_keys(fresh)
        self._say(done, "success")
        self.changed.emit()
