"""``ModelsPage``: the models clients see (``/v1/models``) with a per-model test (time to first token and
to the whole answer), the alias editor and the hidden-models editor, loaded from and saved to the proxy
through the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
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
from gui.i18n import tr
from gui.models import Alias, Exclusion, ModelTest, PayloadRule
from gui.state import AppState
from gui.windows.model_rules import AliasEditor, ExclusionEditor
from gui.windows.payload_editor import PayloadEditor

__all__ = ["ModelsClient", "ModelsPage"]


class ModelsClient(Protocol):
    async def models(self) -> list[str]: ...
    async def aliases(self) -> list[Alias]: ...
    async def set_aliases(self, aliases: Iterable[Alias]) -> None: ...
    async def exclusions(self) -> list[Exclusion]: ...
    async def set_exclusions(self, exclusions: Iterable[Exclusion]) -> None: ...
    async def payload_rules(self) -> list[PayloadRule]: ...
    async def set_payload_rules(self, rules: Iterable[PayloadRule]) -> None: ...
    async def test_model(self, model: str) -> ModelTest: ...


class _LiveModels(QWidget):
    """The model list a client gets from ``GET /v1/models``, with a filter and a test of the chosen model."""

    test_requested = Signal(str)  # model

    def __init__(self) -> None:
        super().__init__()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(tr("Filter models"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        self.list.setStyleSheet("QListWidget::item { padding: 3px 6px; }")
        note = QLabel(
            tr(
                "These are the model names Claude Code, Codex and other tools can use through the proxy "
                "right now (accounts and API keys together, after aliases and hidden models)."
            )
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.test_button = QPushButton(tr("Test model"))
        self.test_button.setToolTip(tr("Send a tiny request and time the first token and the whole answer"))
        self.test_button.setEnabled(False)
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda item, _old: self.test_button.setEnabled(item is not None))
        self.list.itemDoubleClicked.connect(lambda _item: self.test_button.click())
        self.test_button.clicked.connect(self._test)
        head = QHBoxLayout()
        head.addWidget(self.filter, 1)
        head.addWidget(self.count)
        foot = QHBoxLayout()
        foot.addWidget(self.test_button)
        foot.addWidget(self.test_result, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(note)
        layout.addLayout(head)
        layout.addWidget(self.list, 1)
        layout.addLayout(foot)

    def _test(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.test_requested.emit(item.text())

    def show_test(self, text: str, role: str) -> None:
        self.test_result.setText(text)
        self.test_result.setProperty("role", role)
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)

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
        self.count.setText(
            tr("{count} models").format(count=total)
            if shown == total
            else tr("{shown} of {total} models").format(shown=shown, total=total)
        )


class ModelsPage(QWidget):
    """Three tabs: available models, aliases, hidden models."""

    def __init__(self, state: AppState, client: ModelsClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme paints pages
        self._client = client
        self.loaded = False
        title = QLabel(tr("Models"))
        title.setProperty("role", "title")
        refresh = QPushButton(tr("Refresh"))
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
        self.payload = PayloadEditor()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.live, tr("Available models"))
        self.tabs.addTab(self.aliases, tr("Aliases"))
        self.tabs.addTab(self.exclusions, tr("Hidden models"))
        self.tabs.addTab(self.payload, tr("Request parameters"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.aliases.save_requested.connect(self.save_aliases)
        self.exclusions.save_requested.connect(self.save_exclusions)
        self.payload.save_requested.connect(self.save_payload)
        self.live.test_requested.connect(self.test_model)
        state.config_changed.connect(self._config_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            spawn(self.load(), "models: first load")

    def _config_changed(self) -> None:
        # someone else changed the config: reload unless the person is in the middle of an edit
        if self.loaded and not (self.aliases.dirty or self.exclusions.dirty or self.payload.dirty):
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
            aliases, exclusions, payload = await asyncio.gather(
                c.aliases(), c.exclusions(), c.payload_rules()
            )
        except ManagementError as exc:
            self._show(tr("Could not load the model rules: {error}").format(error=exc.message))
            return
        self._show("")
        self.aliases.set_saved(aliases)
        self.exclusions.set_saved(exclusions)
        self.payload.set_saved(payload)
        await self.load_models()
        self.loaded = True

    async def load_models(self) -> None:
        try:
            models = await self._client.models()
        except ManagementError as exc:
            self._show(tr("Could not list the models: {error}").format(error=exc.message), "warning")
            models = []
        self.live.show_models(models)
        self.aliases.set_live(models)
        self.exclusions.set_live(models)

    @async_slot(str)
    async def test_model(self, model: str) -> None:
        live = self.live
        live.test_button.setEnabled(False)
        live.show_test(tr("Testing {model}…").format(model=model), "muted")
        try:
            result = await self._client.test_model(model)
        except ManagementError as exc:
            result = ModelTest(False, None, None, exc.message, model)
        finally:
            live.test_button.setEnabled(live.list.currentItem() is not None)
        if result.ok:
            live.show_test(
                tr("{model}: first token after {ttft} ms, whole answer in {total} s").format(
                    model=model,
                    ttft=f"{result.ttft_ms or 0:,}",
                    total=f"{(result.latency_ms or 0) / 1000:.1f}",
                ),
                "success",
            )
        else:
            live.show_test(
                tr("{model} failed: {error}").format(model=model, error=result.error or tr("no answer")),
                "error",
            )

    @async_slot(list)
    async def save_aliases(self, aliases: list[Alias]) -> None:
        try:
            await self._client.set_aliases(aliases)
            saved = await self._client.aliases()
        except ManagementError as exc:
            self._show(tr("The aliases were not saved: {error}").format(error=exc.message))
            return
        self._show(tr("Aliases saved. Clients see the new names now."), "success")
        self.aliases.set_saved(saved)
        await self.load_models()

    @async_slot(list)
    async def save_exclusions(self, exclusions: list[Exclusion]) -> None:
        try:
            await self._client.set_exclusions(exclusions)
            saved = await self._client.exclusions()
        except ManagementError as exc:
            self._show(tr("The hidden models were not saved: {error}").format(error=exc.message))
            return
        self._show(tr("Saved. Those models are hidden from clients now."), "success")
        self.exclusions.set_saved(saved)
        await self.load_models()

    @async_slot(list)
    async def save_payload(self, rules: list[PayloadRule]) -> None:
        try:
            await self._client.set_payload_rules(rules)
            saved = await self._client.payload_rules()
        except ManagementError as exc:
            self._show(tr("The request parameters were not saved: {error}").format(error=exc.message))
            return
        self._show(tr("Saved. New requests get these parameters now."), "success")
        self.payload.set_saved(saved)
