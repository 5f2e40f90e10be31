"""``RowsModel``: a QAbstractTableModel over a list of (frozen) dataclasses, described by columns.

A column says how to show a row (text, tooltip, colour, icon), how to sort it, and optionally how to
edit it: ``edit`` returns a *new* row (``dataclasses.replace``), so rows stay immutable values. A
boolean column (``check``) shows a checkbox instead of text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon

from gui.i18n import tr

__all__ = ["SORT_ROLE", "Column", "RowsModel"]

T = TypeVar("T")
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Role answering a column's sort key (set it as a QSortFilterProxyModel's ``sortRole``)."""

_Index = QModelIndex | QPersistentModelIndex
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """How one column shows (and maybe edits) a row of type ``T``."""

    title: str
    text: Callable[[T], str] = lambda _row: ""
    sort: Callable[[T], object] | None = None
    tooltip: Callable[[T], str] | None = None
    color: Callable[[T], QColor | None] | None = None
    icon: Callable[[T], QIcon | None] | None = None
    edit: Callable[[T, str], T] | None = None
    check: Callable[[T], bool] | None = None
    set_check: Callable[[T, bool], T] | None = None
    align: Qt.AlignmentFlag = _LEFT
    header_tip: str = ""


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of ``T`` shown through ``columns``; ``rows_edited`` fires after any edit in the view."""

    rows_edited = Signal()

    def __init__(self, columns: Sequence[Column[T]], rows: Sequence[T] = ()) -> None:
        super().__init__()
        self._columns = tuple(columns)
        self._rows: list[T] = list(rows)

    # -- the list ------------------------------------------------------------------------------------

    def rows(self) -> list[T]:
        return list(self._rows)

    def row(self, index: int) -> T:
        return self._rows[index]

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_row(self, row: T) -> int:
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(row)
        self.endInsertRows()
        return at

    def remove_row(self, index: int) -> T:
        self.beginRemoveRows(QModelIndex(), index, index)
        row = self._rows.pop(index)
        self.endRemoveRows()
        return row

    def replace_row(self, index: int, row: T) -> None:
        self._rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self._columns) - 1))

    # -- QAbstractTableModel ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return tr(column.title)  # titles of module-level columns are N_() marked
        if role == Qt.ItemDataRole.ToolTipRole and column.header_tip:
            return tr(column.header_tip)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        return None

    def data(self, index: _Index, role: int = 0) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None if column.check else column.text(row)
        if role == Qt.ItemDataRole.CheckStateRole and column.check:
            return Qt.CheckState.Checked if column.check(row) else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row) or None
        if role == Qt.ItemDataRole.ForegroundRole and column.color:
            return column.color(row)
        if role == Qt.ItemDataRole.DecorationRole and column.icon:
            return column.icon(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base
        column = self._columns[index.column()]
        if column.edit:
            base |= Qt.ItemFlag.ItemIsEditable
        if column.set_check:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        column, old = self._columns[index.column()], self._rows[index.row()]
        if role == Qt.ItemDataRole.EditRole and column.edit:
            new = column.edit(old, str(value).strip())
        elif role == Qt.ItemDataRole.CheckStateRole and column.set_check:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
            new = column.set_check(old, checked)
        else:
            return False
        if new != old:
            self.replace_row(index.row(), new)
            self.rows_edited.emit()
        return True
