"""RowsModel: rows of dataclasses shown by columns, edited into new rows, sorted by sort keys."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from gui.widgets.table_models import SORT_ROLE, Column, RowsModel
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS  # any Qt warning fails a test


@dataclass(frozen=True, slots=True)
class Pet:
    name: str
    age: int
    friendly: bool = True


COLUMNS: tuple[Column[Pet], ...] = (
    Column("Name", text=lambda p: p.name, edit=lambda p, v: dataclasses.replace(p, name=v), header_tip="who"),
    Column(
        "Age",
        text=lambda p: f"{p.age} y",
        sort=lambda p: p.age,
        color=lambda p: QColor("red") if p.age > 10 else None,
        align=Qt.AlignmentFlag.AlignRight,
    ),
    Column(
        "Friendly",
        check=lambda p: p.friendly,
        set_check=lambda p, v: dataclasses.replace(p, friendly=v),
        tooltip=lambda p: "",
    ),
)
PETS = [Pet("Rex", 12), Pet("Tom", 3, False), Pet("Ada", 7)]


def _model() -> RowsModel[Pet]:
    return RowsModel(COLUMNS, PETS)


@pytest.mark.parametrize(
    ("row", "column", "role", "value"),
    [
        (0, 0, Qt.ItemDataRole.DisplayRole, "Rex"),
        (0, 1, Qt.ItemDataRole.DisplayRole, "12 y"),
        (0, 1, SORT_ROLE, 12),
        (0, 0, SORT_ROLE, "Rex"),
        (0, 1, Qt.ItemDataRole.ForegroundRole, QColor("red")),
        (1, 1, Qt.ItemDataRole.ForegroundRole, None),
        (1, 2, Qt.ItemDataRole.CheckStateRole, Qt.CheckState.Unchecked),
        (1, 2, Qt.ItemDataRole.DisplayRole, None),
        (0, 2, Qt.ItemDataRole.ToolTipRole, None),
        (0, 1, Qt.ItemDataRole.TextAlignmentRole, int(Qt.AlignmentFlag.AlignRight)),
    ],
    ids=[
        "text",
        "formatted-text",
        "sort-key",
        "sort-falls-back-to-text",
        "colour",
        "no-colour",
        "checkbox",
        "checkbox-has-no-text",
        "empty-tooltip-is-none",
        "alignment",
    ],
)
def test_data(row: int, column: int, role: int, value: object) -> None:
    model = _model()
    assert model.data(model.index(row, column), role) == value


def test_shape_and_headers() -> None:
    model = _model()
    assert (model.rowCount(), model.columnCount()) == (3, 3)
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Name"
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "who"
    assert model.headerData(0, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole) is None
    assert model.data(QModelIndex(), Qt.ItemDataRole.DisplayRole) is None


def test_flags_follow_the_columns() -> None:
    model = _model()
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(0, 2)) & Qt.ItemFlag.ItemIsUserCheckable


def test_edits_replace_rows_and_announce_it(qtbot: QtBot) -> None:
    model = _model()
    with qtbot.waitSignal(model.rows_edited, timeout=1000):
        assert model.setData(model.index(1, 0), "  Tim ")
    with qtbot.waitSignal(model.rows_edited, timeout=1000):
        assert model.setData(model.index(1, 2), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.row(1) == Pet("Tim", 3, True)
    assert PETS[1] == Pet("Tom", 3, False)  # the input list is untouched
    assert not model.setData(model.index(1, 1), "9")  # not editable


def test_an_edit_to_the_same_value_is_silent(qtbot: QtBot) -> None:
    model = _model()
    with qtbot.assertNotEmitted(model.rows_edited):
        model.setData(model.index(0, 0), "Rex")


def test_append_remove_and_reset() -> None:
    model = _model()
    assert model.append_row(Pet("Zed", 1)) == 3
    assert model.remove_row(0) == Pet("Rex", 12)
    assert [p.name for p in model.rows()] == ["Tom", "Ada", "Zed"]
    model.set_rows([])
    assert model.rowCount() == 0


def test_sorting_by_the_sort_role_uses_numbers_not_text() -> None:
    model = RowsModel(COLUMNS, [Pet("a", 100), Pet("b", 9), Pet("c", 20)])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["b", "c", "a"]
