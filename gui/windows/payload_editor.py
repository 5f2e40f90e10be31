"""``PayloadEditor``: the ``payload`` rules in a simple form — for models matching a pattern, set one request
parameter if the client did not send it (default) or always (override).

A view: it keeps an edited copy, checks each new row as it is typed, and emits ``save_requested(list)``;
the Models page saves through the client.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from gui.i18n import N_, tr
from gui.models import PayloadRule
from gui.payload_rules import KINDS, PROTOCOLS, parse_value, rule_problem, value_text
from gui.widgets.table_models import Column, RowsModel

__all__ = ["PayloadEditor"]

_KIND_WORDS = {"default": "If missing", "override": "Always"}
_PROTOCOL_WORDS = {"": "Any", "openai": "OpenAI", "claude": "Claude", "gemini": "Gemini", "codex": "Codex",
                   "antigravity": "Antigravity"}  # fmt: skip


def _columns() -> tuple[Column[PayloadRule], ...]:
    return (
        Column(N_("When"), text=lambda r: tr(_KIND_WORDS.get(r.kind, r.kind))),
        Column(N_("Models"), text=lambda r: r.model),
        Column(N_("Upstream"), text=lambda r: tr(_PROTOCOL_WORDS.get(r.protocol, r.protocol))),
        Column(N_("Parameter"), text=lambda r: r.param, tooltip=lambda r: r.param),
        Column(N_("Value"), text=lambda r: value_text(r.value), tooltip=lambda r: value_text(r.value)),
    )


class PayloadEditor(QWidget):
    """The rule list, a row to add one, and Remove / Revert / Save."""

    save_requested = Signal(list)  # list[PayloadRule]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._saved: list[PayloadRule] = []
        note = QLabel(
            tr(
                "Add request parameters for some models, e.g. a reasoning effort or a token limit. "
                "\u201cIf missing\u201d is used when the tool did not send the parameter; \u201cAlways\u201d "
                "replaces what it sent."
            )
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        self.model: RowsModel[PayloadRule] = RowsModel(_columns())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(tr(_KIND_WORDS[kind]), kind)
        self.models = QLineEdit()
        self.models.setPlaceholderText(tr("Models, e.g. gpt-5* or *"))
        self.protocol = QComboBox()
        for protocol in PROTOCOLS:
            self.protocol.addItem(tr(_PROTOCOL_WORDS[protocol]), protocol)
        self.param = QLineEdit()
        self.param.setPlaceholderText(tr("Parameter, e.g. reasoning.effort"))
        self.value = QLineEdit()
        self.value.setPlaceholderText(tr("Value, e.g. high or 8192"))
        self.add_button = QPushButton(tr("Add"))
        adder = QHBoxLayout()
        for widget in (self.kind, self.models, self.protocol, self.param, self.value, self.add_button):
            adder.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.remove_button = QPushButton(tr("Remove"))
        self.revert_button = QPushButton(tr("Revert"))
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setProperty("role", "primary")
        actions = QHBoxLayout()
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        actions.addWidget(self.revert_button)
        actions.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(adder)
        layout.addWidget(self.problem)
        layout.addLayout(actions)
        for line in (self.models, self.param, self.value):
            line.textChanged.connect(self._typed)
            line.returnPressed.connect(self.add)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.revert_button.clicked.connect(lambda: self.set_saved(self._saved))
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.model.rows()))
        self.table.selectionModel().selectionChanged.connect(self._update)
        self._typed()

    @property
    def dirty(self) -> bool:
        return self.model.rows() != self._saved

    def set_saved(self, rules: list[PayloadRule]) -> None:
        self._saved = list(rules)
        self.model.set_rows(rules)
        self._update()

    def typed_rule(self) -> PayloadRule:
        return PayloadRule(
            str(self.kind.currentData()),
            self.models.text().strip(),
            self.param.text().strip(),
            parse_value(self.value.text().strip()),
            str(self.protocol.currentData()),
        )

    def _typed(self) -> None:
        rule = self.typed_rule()
        started = bool(rule.model or rule.param or self.value.text().strip())
        problem = rule_problem(rule) if started and rule.param else ""
        self.problem.setText(tr(problem) if problem else "")
        self.problem.setVisible(bool(problem))
        self.add_button.setEnabled(started and not rule_problem(rule) and bool(self.value.text().strip()))

    def add(self) -> None:
        if not self.add_button.isEnabled():
            return
        self.model.append_row(self.typed_rule())
        for line in (self.param, self.value):
            line.clear()
        self._update()

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.model.remove_row(rows[0].row())
        self._update()

    def _update(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.save_button.setEnabled(self.dirty)
        self.revert_button.setEnabled(self.dirty)
