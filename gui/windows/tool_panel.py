"""The parts of the Connect-a-tool page: ``ToolPanel`` (set up / preview / undo one tool's config file)
and ``CommandBox`` (text shown with the key masked, copied in full).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot
from gui.i18n import N_, tr
from gui.platform.client_config import ClientConfigError, ConfigPlan, Endpoint, SetupState, apply_plan

__all__ = ["CommandBox", "Plans", "ToolPanel", "label"]

Plans = ConfigPlan | tuple[ConfigPlan, ...]
"""What a tool's planner returns: one file's plan, or one per file (applied in order)."""

_STATES: dict[str, tuple[str, str]] = {
    "ours": (N_("✓ Set up: {name} uses this proxy."), "success"),
    "missing": (N_("Not set up yet."), "muted"),
    "other": (N_("Set up for a different address or key. Set it up again to use this proxy."), "warning"),
    "broken": (N_("Its settings file cannot be read. Fix or move the file, then try again."), "error"),
}


def label(text: str, role: str = "") -> QLabel:
    made = QLabel(text)
    made.setWordWrap(True)
    if role:
        made.setProperty("role", role)
    return made


def _restyle(widget: QLabel, text: str, role: str) -> None:
    widget.setText(text)
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.setVisible(bool(text))


def _each(plans: Plans) -> tuple[ConfigPlan, ...]:
    return plans if isinstance(plans, tuple) else (plans,)


class CommandBox(QWidget):
    """Read-only monospaced text with a Copy button; what is shown may differ from what is copied."""

    def __init__(self, *, tall: bool = False) -> None:
        super().__init__()
        self._text = ""
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        if not tall:
            self.view.setFixedHeight(self.view.fontMetrics().lineSpacing() * 3 + 16)
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.view, 1)
        row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)

    def set_text(self, text: str, shown: str) -> None:
        self._text = text
        self.view.setPlainText(shown)
        self.copy_button.setEnabled(bool(text))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self._text)


class ToolPanel(QWidget):
    """One tool's setup: its state, optional model pickers, Preview / Set up / Undo, and the outcome."""

    state_changed = Signal()

    def __init__(
        self,
        name: str,
        description: str,
        *,
        plan: Callable[[Endpoint, tuple[str, ...]], Plans],
        undo: Callable[[], Plans],
        state: Callable[[Endpoint], SetupState],
        pickers: Sequence[str],
        done: str,
        extra: QWidget | None = None,
    ) -> None:
        super().__init__()
        self.name, self._plan, self._undo, self._state, self._done = name, plan, undo, state, done
        self.endpoint: Endpoint | None = None
        self.setup_state: SetupState = "missing"
        self.status = label("")
        self.pickers: list[QComboBox] = []
        form = QFormLayout()
        for text in pickers:
            box = QComboBox()
            box.setEditable(True)
            box.setMinimumWidth(200)
            line = box.lineEdit()
            if line is not None:
                line.setPlaceholderText(tr("the tool’s own choice"))
            self.pickers.append(box)
            form.addRow(text, box)
        self.preview_button = QPushButton(tr("Preview changes"))
        self.preview_button.setCheckable(True)
        self.preview_button.toggled.connect(self._toggle_preview)
        self.setup_button = QPushButton(tr("Set up {name}").format(name=name))
        self.setup_button.setProperty("role", "primary")
        self.setup_button.clicked.connect(self.set_up)
        self.undo_button = QPushButton(tr("Undo setup"))
        self.undo_button.clicked.connect(self.undo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff.hide()
        self.message = label("")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(label(name, "subtitle"))
        layout.addWidget(label(description, "muted"))
        layout.addWidget(self.status)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.diff, 1)
        if extra is not None:
            layout.addWidget(extra)
        layout.addStretch(0 if extra is None else 1)
        for box in self.pickers:
            box.currentTextChanged.connect(self._choice_changed)
        self.set_endpoint(None, ())

    def choices(self) -> tuple[str, ...]:
        return tuple(box.currentText().strip() for box in self.pickers)

    def set_endpoint(self, endpoint: Endpoint | None, models: Sequence[str]) -> None:
        self.endpoint = endpoint
        for box in self.pickers:
            typed = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(["", *models])
            box.setCurrentText(typed)
            box.blockSignals(False)
        self.refresh_state()

    def refresh_state(self) -> None:
        ready = self.endpoint is not None
        self.setup_state = self._state(self.endpoint) if self.endpoint else "missing"
        text, role = _STATES[self.setup_state]
        _restyle(
            self.status, tr(text).format(name=self.name) if ready else tr("Waiting for the proxy…"), role
        )
        try:
            can_undo = any(plan.changed for plan in _each(self._undo()))
        except ClientConfigError:
            can_undo = False
        self.setup_button.setEnabled(ready and self.setup_state != "broken")
        self.preview_button.setEnabled(ready and self.setup_state != "broken")
        self.undo_button.setEnabled(can_undo)
        self.state_changed.emit()
        if self.preview_button.isChecked():
            self._show_diff()

    def _choice_changed(self) -> None:
        if self.preview_button.isChecked():
            self._show_diff()

    def _toggle_preview(self, on: bool) -> None:
        self.diff.setVisible(on)
        self.preview_button.setText(tr("Hide changes") if on else tr("Preview changes"))
        if on:
            self._show_diff()

    def _show_diff(self) -> None:
        if self.endpoint is None:
            return
        try:
            plans = _each(self._plan(self.endpoint, self.choices()))
        except ClientConfigError as exc:
            self.diff.setPlainText(str(exc))
            return
        self.diff.setPlainText(
            "".join(plan.diff() for plan in plans)
            or tr("Nothing to change: the file is already set up this way.")
        )

    async def _apply(self, make: Callable[[], Plans], done: str) -> None:
        self.setup_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        try:
            plans = _each(make())
            backups = [await asyncio.to_thread(apply_plan, plan) for plan in plans]
        except ClientConfigError as exc:
            _restyle(self.message, str(exc), "error")
        else:
            names = ", ".join(backup.name for backup in backups if backup)
            kept = (
                " " + tr("The original file is kept as {name}.").format(name=names)
                if names and plans[0].action == "setup"
                else ""
            )
            _restyle(self.message, done + kept, "success")
        self.refresh_state()

    @async_slot()
    async def set_up(self) -> None:
        endpoint = self.endpoint
        if endpoint is not None:
            await self._apply(lambda: self._plan(endpoint, self.choices()), self._done)

    @async_slot()
    async def undo(self) -> None:
        await self._apply(
            self._undo, tr("{name} is back to how it was before the setup.").format(name=self.name)
        )
