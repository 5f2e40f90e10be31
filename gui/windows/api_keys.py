"""ApiKeysBox: the client API keys (what tools send as "API key"): list masked, generate, copy, revoke."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot
from gui.client import ManagementError
from gui.i18n import tr
from gui.models import mask_secret
from server.config import generate_api_key

__all__ = ["ApiKeysBox", "KeysClient"]

_KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 7


class KeysClient(Protocol):
    async def api_keys(self) -> list[str]: ...
    async def set_api_keys(self, keys: list[str]) -> None: ...


class ApiKeysBox(QWidget):
    """Edits ``api-keys`` through the client; ``keys_changed(list)`` after a successful change."""

    keys_changed = Signal(object)

    def __init__(self, client: KeysClient, *, confirm: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._confirm = confirm
        self._keys: list[str] = []
        self.list = QListWidget()
        self.list.setProperty("role", "mono")
        self.list.setMaximumHeight(96)
        self.generate_button = QPushButton(tr("Generate new key"))
        self.copy_button = QPushButton(tr("Copy"))
        self.revoke_button = QPushButton(tr("Revoke"))
        self.revoke_button.setProperty("role", "danger")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.generate_button.clicked.connect(self.generate)
        self.copy_button.clicked.connect(self.copy_selected)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._update_buttons()

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def set_keys(self, keys: list[str]) -> None:
        self._keys = list(keys)
        self.list.clear()
        for key in keys:
            item = QListWidgetItem(mask_secret(key))
            item.setData(_KEY_ROLE, key)
            self.list.addItem(item)
        if keys:
            self.list.setCurrentRow(0)
        self.message.setText(
            tr("No keys: any program that can reach the proxy may use it.") if not keys else ""
        )
        self._update_buttons()

    def _selected(self) -> str:
        item = self.list.currentItem()
        value = item.data(_KEY_ROLE) if item is not None else None
        return value if isinstance(value, str) else ""

    def _update_buttons(self) -> None:
        chosen = bool(self._selected())
        self.copy_button.setEnabled(chosen)
        self.revoke_button.setEnabled(chosen)

    def copy_selected(self) -> None:
        key = self._selected()
        if key:
            QGuiApplication.clipboard().setText(key)
            self.message.setText(tr("Key copied."))

    @async_slot()
    async def generate(self) -> None:
        await self._save([*self._keys, generate_api_key()], tr("A new key was added and selected."))
        self.list.setCurrentRow(self.list.count() - 1)

    def revoke_selected(self) -> None:
        """Ask first (outside any task: a modal dialog must not run inside an asyncio step)."""
        key = self._selected()
        if not key:
            return
        if self._confirm:
            answer = QMessageBox.question(
                self,
                tr("Revoke this key?"),
                tr("Tools that use {0} stop working until they get another key.").format(mask_secret(key)),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._revoke(key)

    @async_slot(str)
    async def _revoke(self, key: str) -> None:
        await self._save([k for k in self._keys if k != key], tr("The key was revoked."))

    async def _save(self, keys: list[str], done: str) -> None:
        try:
            await self._client.set_api_keys(keys)
        except ManagementError as exc:
            self.message.setText(exc.message)
            return
        self.set_keys(keys)
        self.message.setText(done)
        self.keys_changed.emit(list(keys))
