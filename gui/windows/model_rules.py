"""The two model-rule editors of the Models page: aliases (``oauth-model-alias``) and hidden models
(``oauth-excluded-models``), with their checks and the live preview of what a pattern hides.

Both are views: they keep an edited copy of the rules, show problems as you type, and emit
``save_requested(list)`` with the rules to store; the page does the saving.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.assets import provider_name
from gui.models import Alias, Exclusion
from gui.widgets.provider_badge import provider_badge
from gui.widgets.table_models import Column, RowsModel

__all__ = [
    "CHANNELS",
    "AliasEditor",
    "ExclusionEditor",
    "Problem",
    "alias_problems",
    "exclusion_problems",
    "hidden_by",
    "pattern_matches",
]

CHANNELS = ("claude", "codex", "gemini-cli", "antigravity", "qwen", "iflow", "vertex", "aistudio")
"""Account channels the rules apply to (server.md §1.5)."""

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the rules; ``blocking`` ones stop the save, the others are warnings."""

    text: str
    blocking: bool = True


def pattern_matches(pattern: str, model: str) -> bool:
    """The server's rule: case-insensitive, ``*`` matches any run of characters."""
    regex = ".*".join(re.escape(part) for part in pattern.strip().lower().split("*"))
    return re.fullmatch(regex, model.lower()) is not None


def hidden_by(pattern: str, models: Sequence[str]) -> list[str]:
    return [m for m in models if pattern.strip() and pattern_matches(pattern, m)]


def _channel_problem(channel: str) -> Problem | None:
    if channel not in CHANNELS:
        return Problem(f"“{channel or '(empty)'}” is not a provider; use one of {', '.join(CHANNELS)}")
    return None


def alias_problems(aliases: Sequence[Alias], live: Sequence[str], saved: Sequence[Alias]) -> list[Problem]:
    """Empty fields, an alias equal to its model, aliases used twice on a provider (blocking), and an
    alias that takes the name of a model clients already see (a warning)."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    known = {m.lower() for m in live} - {a.alias.lower() for a in saved}
    for a in aliases:
        where = provider_name(a.channel)
        if bad := _channel_problem(a.channel):
            problems.append(bad)
        if not a.name or not a.alias:
            problems.append(Problem(f"{where}: a rule needs both the model and its alias"))
            continue
        if a.alias.lower() == a.name.lower():
            problems.append(Problem(f"{where}: the alias “{a.alias}” is the model’s own name"))
        key = (a.channel, a.alias.lower())
        if key in seen:
            problems.append(Problem(f"{where}: the alias “{a.alias}” is used twice"))
        seen.add(key)
        if a.alias.lower() in known:
            problems.append(Problem(f"“{a.alias}” is already a model name; the alias will replace it", False))
    return problems


def exclusion_problems(
    exclusions: Sequence[Exclusion], live: Sequence[str], saved: Sequence[Exclusion] = ()
) -> list[Problem]:
    """Empty or repeated patterns (blocking), and a new pattern that hides nothing (a warning). The live
    list is what clients see, so it already lacks what saved patterns hide."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for e in exclusions:
        where = provider_name(e.channel)
        if bad := _channel_problem(e.channel):
            problems.append(bad)
        if not e.pattern:
            problems.append(Problem(f"{where}: a pattern is empty"))
            continue
        key = (e.channel, e.pattern.lower())
        if key in seen:
            problems.append(Problem(f"{where}: “{e.pattern}” is listed twice"))
        seen.add(key)
        if e not in saved and not hidden_by(e.pattern, live):
            problems.append(Problem(f"“{e.pattern}” matches no model clients see right now", False))
    return problems


def _channel_box() -> QComboBox:
    box = QComboBox()
    for channel in CHANNELS:
        box.addItem(provider_badge(channel), provider_name(channel), channel)
    return box


class _RulesEditor(QWidget, Generic[R]):
    """A table of rules with an add form above and Remove / Revert / Save below."""

    save_requested = Signal(list)

    def __init__(
        self, intro: str, columns: Sequence[Column[R]], check: Callable[[list[R]], list[Problem]]
    ) -> None:
        super().__init__()
        self._check = check
        self._saved: list[R] = []
        self.model: RowsModel[R] = RowsModel(columns)
        self.model.rows_edited.connect(self.revalidate)
        self.model.rowsRemoved.connect(self.revalidate)
        self.model.rowsInserted.connect(self.revalidate)
        note = QLabel(intro)
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.form = QHBoxLayout()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton("Save")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self._save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.problems, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(note)
        layout.addLayout(self.form)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.revalidate()

    def set_saved(self, rows: Sequence[R]) -> None:
        """Show what the proxy has now (drops unsaved edits)."""
        self._saved = list(rows)
        self.model.set_rows(rows)
        self.revalidate()

    def rows(self) -> list[R]:
        return self.model.rows()

    @property
    def dirty(self) -> bool:
        return self.model.rows() != self._saved

    def revert(self) -> None:
        self.set_saved(self._saved)

    def remove_selected(self) -> None:
        for index in sorted((i.row() for i in self.table.selectionModel().selectedRows()), reverse=True):
            self.model.remove_row(index)

    def revalidate(self) -> None:
        problems = self._check(self.model.rows())
        blocking = [p for p in problems if p.blocking]
        shown = (blocking or problems)[:3]
        self.problems.setText("\n".join(p.text for p in shown) or ("Unsaved changes" if self.dirty else ""))
        self.problems.setProperty(
            "role", "error" if blocking else "warning" if problems or self.dirty else "muted"
        )
        self.problems.style().unpolish(self.problems)
        self.problems.style().polish(self.problems)
        self.save_button.setEnabled(self.dirty and not blocking)
        self.revert_button.setEnabled(self.dirty)

    def _save(self) -> None:
        self.save_requested.emit(self.model.rows())


class AliasEditor(_RulesEditor[Alias]):
    """Per provider: upstream model → alias (optionally keeping the original name too)."""

    def __init__(self) -> None:
        self.live: list[str] = []
        columns: tuple[Column[Alias], ...] = (
            Column(
                "Provider", text=lambda a: provider_name(a.channel), icon=lambda a: provider_badge(a.channel)
            ),
            Column("Model", text=lambda a: a.name, edit=lambda a, v: dataclasses.replace(a, name=v)),
            Column("Alias", text=lambda a: a.alias, edit=lambda a, v: dataclasses.replace(a, alias=v)),
            Column(
                "Keep original",
                check=lambda a: a.fork,
                set_check=lambda a, v: dataclasses.replace(a, fork=v),
                header_tip="Offer the model under both names",
            ),
        )
        super().__init__(
            "Give a model another name. Clients ask for the alias; the proxy sends the real model name "
            "upstream. “Keep original” offers both names.",
            columns,
            lambda rows: alias_problems(rows, self.live, self._saved),
        )
        self.channel = _channel_box()
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setMinimumWidth(220)
        line = self.name.lineEdit()
        if line is not None:
            line.setPlaceholderText("model, e.g. claude-sonnet-4-5")
        self.alias = QLineEdit()
        self.alias.setPlaceholderText("alias, e.g. sonnet")
        self.fork = QCheckBox("Keep original")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add)
        for widget in (self.channel, self.name, self.alias, self.fork, self.add_button):
            self.form.addWidget(widget, 1 if widget in (self.name, self.alias) else 0)

    def set_live(self, models: Sequence[str]) -> None:
        self.live = list(models)
        typed = self.name.currentText()
        self.name.clear()
        self.name.addItems(self.live)
        self.name.setCurrentText(typed)
        self.revalidate()

    def add(self) -> None:
        name, alias = self.name.currentText().strip(), self.alias.text().strip()
        if not name or not alias:
            return
        self.model.append_row(Alias(str(self.channel.currentData()), name, alias, self.fork.isChecked()))
        self.alias.clear()


class ExclusionEditor(_RulesEditor[Exclusion]):
    """Per provider: model patterns (``*`` wildcards) that accounts of that provider do not serve."""

    def __init__(self) -> None:
        self.live: list[str] = []
        columns: tuple[Column[Exclusion], ...] = (
            Column(
                "Provider", text=lambda e: provider_name(e.channel), icon=lambda e: provider_badge(e.channel)
            ),
            Column("Pattern", text=lambda e: e.pattern, edit=lambda e, v: dataclasses.replace(e, pattern=v)),
            Column(
                "Hides",
                text=lambda e: "in effect" if e in self._saved else _preview(hidden_by(e.pattern, self.live)),
                tooltip=lambda e: "" if e in self._saved else "\n".join(hidden_by(e.pattern, self.live)),
            ),
        )
        super().__init__(
            "Hide models your accounts should not serve. “*” matches anything: “gemini-1.5-*” hides every "
            "Gemini 1.5 model, “*-preview” every preview.",
            columns,
            lambda rows: exclusion_problems(rows, self.live, self._saved),
        )
        self.channel = _channel_box()
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText("pattern, e.g. gemini-1.5-*")
        self.pattern.textChanged.connect(self._preview_typed)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add)
        self.pattern.returnPressed.connect(self.add)
        self.preview = QLabel()
        self.preview.setProperty("role", "muted")
        self.form.addWidget(self.channel)
        self.form.addWidget(self.pattern, 1)
        self.form.addWidget(self.add_button)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(2, self.preview)

    def set_live(self, models: Sequence[str]) -> None:
        self.live = list(models)
        self.model.layoutChanged.emit()
        self._preview_typed(self.pattern.text())
        self.revalidate()

    def _preview_typed(self, text: str) -> None:
        hidden = hidden_by(text, self.live)
        if not text.strip():
            self.preview.setText("Type a pattern to see which models it hides.")
        elif hidden:
            self.preview.setText(f"Would hide {len(hidden)}: {_preview(hidden, 6)}")
        else:
            self.preview.setText("Matches no model clients see right now.")

    def add(self) -> None:
        pattern = self.pattern.text().strip()
        if pattern:
            self.model.append_row(Exclusion(str(self.channel.currentData()), pattern))
            self.pattern.clear()


def _preview(models: Sequence[str], limit: int = 3) -> str:
    if not models:
        return "nothing"
    more = len(models) - limit
    return ", ".join(models[:limit]) + (f" and {more} more" if more > 0 else "")
