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
from gui.i18n import tr
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
        return Problem(
            tr("“{name}” is not a provider; use one of {names}").format(
                name=channel or tr("(empty)"), names=", ".join(CHANNELS)
            )
        )
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
            problems.append(
                Problem(tr("{provider}: a rule needs both the model and its alias").format(provider=where))
            )
            continue
        if a.alias.lower() == a.name.lower():
            problems.append(
                Problem(
                    tr("{provider}: the alias “{alias}” is the model’s own name").format(
                        provider=where, alias=a.alias
                    )
                )
            )
        key = (a.channel, a.alias.lower())
        if key in seen:
            problems.append(
                Problem(
                    tr("{provider}: the alias “{alias}” is used twice").format(provider=where, alias=a.alias)
                )
            )
        seen.add(key)
        if a.alias.lower() in known:
            problems.append(
                Problem(
                    tr("“{alias}” is already a model name; the alias will replace it").format(alias=a.alias),
                    False,
                )
            )
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
            problems.append(Problem(tr("{provider}: a pattern is empty").format(provider=where)))
            continue
        key = (e.channel, e.pattern.lower())
        if key in seen:
            problems.append(
                Problem(
                    tr("{provider}: “{pattern}” is listed twice").format(provider=where, pattern=e.pattern)
                )
            )
        seen.add(key)
        if e not in saved and not hidden_by(e.pattern, live):
            problems.append(
                Problem(
                    tr("“{pattern}” matches no model clients see right now").format(pattern=e.pattern), False
                )
            )
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
        self.remove_button = QPushButton(tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.revert_button = QPushButton(tr("Revert"))
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton(tr("Save"))
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
        self.problems.setText(
            "\n".join(p.text for p in shown) or (tr("Unsaved changes") if self.dirty else "")
        )
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
                tr("Provider"),
                text=lambda a: provider_name(a.channel),
                icon=lambda a: provider_badge(a.channel),
            ),
            Column(tr("Model"), text=lambda a: a.name, edit=lambda a, v: dataclasses.replace(a, name=v)),
            Column(tr("Alias"), text=lambda a: a.alias, edit=lambda a, v: dataclasses.replace(a, alias=v)),
            Column(
                tr("Keep original"),
                check=lambda a: a.fork,
                set_check=lambda a, v: dataclasses.replace(a, fork=v),
                header_tip=tr("Offer the model under both names"),
            ),
        )
        super().__init__(
            tr(
                "Give a model another name. Clients ask for the alias; the proxy sends the real model name "
                "upstream. “Keep original” offers both names."
            ),
            columns,
            lambda rows: alias_problems(rows, self.live, self._saved),
        )
        # the check box column takes what its title needs; the names share the rest (no eliding)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.channel = _channel_box()
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.setMinimumWidth(220)
        line = self.name.lineEdit()
        if line is not None:
            line.setPlaceholderText(tr("model, e.g. claude-sonnet-4-5"))
        self.alias = QLineEdit()
        self.alias.setPlaceholderText(tr("alias, e.g. sonnet"))
        self.fork = QCheckBox(tr("Keep original"))
        self.add_button = QPushButton(tr("Add"))
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
                tr("Provider"),
                text=lambda e: provider_name(e.channel),
                icon=lambda e: provider_badge(e.channel),
            ),
            Column(
                tr("Pattern"), text=lambda e: e.pattern, edit=lambda e, v: dataclasses.replace(e, pattern=v)
            ),
            Column(
                tr("Hides"),
                text=lambda e: (
                    tr("in effect") if e in self._saved else _preview(hidden_by(e.pattern, self.live))
                ),
                tooltip=lambda e: "" if e in self._saved else "\n".join(hidden_by(e.pattern, self.live)),
            ),
        )
        super().__init__(
            tr(
                "Hide models your accounts should not serve. “*” matches anything: “gemini-1.5-*” hides "
                "every Gemini 1.5 model, “*-preview” every preview."
            ),
            columns,
            lambda rows: exclusion_problems(rows, self.live, self._saved),
        )
        self.channel = _channel_box()
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText(tr("pattern, e.g. gemini-1.5-*"))
        self.pattern.textChanged.connect(self._preview_typed)
        self.add_button = QPushButton(tr("Add"))
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
            self.preview.setText(tr("Type a pattern to see which models it hides."))
        elif hidden:
            self.preview.setText(
                tr("Would hide {count}: {models}").format(count=len(hidden), models=_preview(hidden, 6))
            )
        else:
            self.preview.setText(tr("Matches no model clients see right now."))

    def add(self) -> None:
        pattern = self.pattern.text().strip()
        if pattern:
            self.model.append_row(Exclusion(str(self.channel.currentData()), pattern))
            self.pattern.clear()


def _preview(models: Sequence[str], limit: int = 3) -> str:
    if not models:
        return tr("nothing")
    more = len(models) - limit
    shown = ", ".join(models[:limit])
    return tr("{models} and {count} more").format(models=shown, count=more) if more > 0 else shown
