"""``ModelsPage``: the models clients see (``/v1/models``), the alias editor and the hidden-models editor,
loaded from and saved to the proxy through the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot, spawn
from gui.client import ManagementError
from gui.models import Alias, Exclusion
from gui.state import AppState
from gui.windows.model_rules import AliasEditor, ExclusionEditor

__all__ = ["ModelsClient", "ModelsPage"]


class ModelsClient(Protocol):
    async def models(self) -> list[str]: ...
    async def aliases(self) -> list[Alias]: ...
    async def set_aliases(self, aliases: Iterable[Alias]) -> None: ...
    async def exclusions(self) -> list[Exclusion]: ...
    async def set_exclusions(self, exclusions: Iterable[Exclusion]) -> None: ...


class _LiveModels(QWidget):
    """The model list a client gets from ``GET /v1/models``, with a filter."""

    def __init__(self) -> None:
        super().__init__()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter models")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        self.list.setStyleSheet("QListWidget::item { padding: 3px 6px; }")
        note = QLabel(
            "These are the model names Claude Code, Codex and other tools can use through the proxy "
            "right now (accounts and API keys together, after aliases and hidden models)."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        head = QHBoxLayout()
        head.addWidget(self.filter, 1)
        head.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(note)
        layout.addLayout(head)
        layout.addWidget(self.list, 1)

    def show_models(self, models: list[str]) -> None:
        self.list.clear()
        self.list.addItems(sorted(models, key=str.lower))
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        shown = 0
        for row in range(self.list.count()):
            item = self.list.item(row)
            hide = bool(needle) and needle not in item.text().lower()
            item.setHidden(hide)
            shown += not hide
        total = self.list.count()
        self.count.setText(f"{total} models" if shown == total else f"{shown} of {total} models")


class ModelsPage(QWidget):
    """Three tabs: available models, aliases, hidden models."""

    def __init__(self, state: AppState, client: ModelsClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme paints pages
        self._client = client
        self.loaded = False
        title = QLabel("Models")
        title.setProperty("role", "title")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(refresh)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.live = _LiveModels()
        self.aliases = AliasEditor()
        self.exclusions = ExclusionEditor()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.live, "Available models")
        self.tabs.addTab(self.aliases, "Aliases")
        self.tabs.addTab(self.exclusions, "Hidden models")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.aliases.save_requested.connect(self.save_aliases)
        self.exclusions.save_requested.connect(self.save_exclusions)
        state.config_changed.connect(self._config_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            spawn(self.load(), "models: first load")

    def _config_changed(self) -> None:
        # someone else changed the config: reload unless the person is in the middle of an edit
        if self.loaded and not (self.aliases.dirty or self.exclusions.dirty):
            spawn(self.load(), "models: config changed")

    def _show(self, text: str, role: str = "error") -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    @async_slot()
    async def refresh(self) -> None:
        await self.load()

    async def load(self) -> None:
        """Read the rules and the live model list (the list may fail alone, e.g. with no client key)."""
        c = self._client
        try:
            aliases, exclusions = await asyncio.gather(c.aliases(), c.exclusions())
        except ManagementError as exc:
            self._show(f"Could not load the model rules: {exc.message}")
            return
        self._show("")
        self.aliases.set_saved(aliases)
        self.exclusions.set_saved(exclusions)
        await self.load_models()
        self.loaded = True

    async def load_models(self) -> None:
        try:
            models = await self._client.models()
        except ManagementError as exc:
            self._show(f"Could not list the models: {exc.message}", "warning")
            models = []
        self.live.show_models(models)
        self.aliases.set_live(models)
        self.exclusions.set_live(models)

    @async_slot(list)
    async def save_aliases(self, aliases: list[Alias]) -> None:
        try:
            await self._client.set_aliases(aliases)
            saved = await self._client.aliases()
        except ManagementError as exc:
            self._show(f"The aliases were not saved: {exc.message}")
            return
        self._show("Aliases saved. Clients see the new names now.", "success")
        self.aliases.set_saved(saved)
        await self.load_models()

    @async_slot(list)
    async def save_exclusions(self, exclusions: list[Exclusion]) -> None:
        try:
            await self._client.set_exclusions(exclusions)
            saved = await self._client.exclusions()
        except ManagementError as exc:
            self._show(f"The hidden models were not saved: {exc.message}")
            return
        self._show("Saved. Those models are hidden from clients now.", "success")
        self.exclusions.set_saved(saved)
        await self.load_models()
