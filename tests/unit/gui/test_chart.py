"""The chart's axis maths, and the widget: data checks, hover text, empty state, painting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.widgets.chart import (
    ChartSeries,
    TimeSeriesChart,
    compact_number,
    label_indices,
    nice_ticks,
    time_label,
)
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS  # any Qt warning fails a test


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (0, [0.0, 1.0]),
        (3, [0.0, 1.0, 2.0, 3.0]),
        (7, [0.0, 2.0, 4.0, 6.0, 8.0]),
        (140, [0.0, 50.0, 100.0, 150.0]),
        (1000, [0.0, 250.0, 500.0, 750.0, 1000.0]),
        (0.4, [0.0, 0.1, 0.2, 0.3, 0.4]),
    ],
    ids=["nothing", "tiny-integers", "rounds-up", "hundreds", "exact-top", "fractions"],
)
def test_nice_ticks(top: float, ticks: list[float]) -> None:
    assert nice_ticks(top) == ticks


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (950, "950"), (1200, "1.2k"), (1000, "1k"), (3_450_000, "3.5M"), (2e9, "2B"), (2.5, "2.5")],
    ids=["zero", "hundreds", "thousands", "round-thousand", "millions", "billions", "fraction"],
)
def test_compact_number(value: float, text: str) -> None:
    assert compact_number(value) == text


@pytest.mark.parametrize(
    ("span", "text"),
    [(3600 * 24, "14:00"), (86400 * 7, "Wed 3")],
    ids=["a-day-shows-hours", "a-week-shows-days"],
)
def test_time_label(span: float, text: str) -> None:
    moment = datetime(2025, 12, 3, 14, 0, tzinfo=UTC).timestamp()
    assert time_label(moment, span, UTC) == text


_MIDNIGHT = datetime(2025, 12, 1, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("x", "slots", "indices"),
    [
        ([], 4, []),
        ([_MIDNIGHT + 15 * 3600 + h * 3600 for h in range(72)], 10, [9, 33, 57]),
        ([_MIDNIGHT + 15 * 3600 + h * 3600 for h in range(72)], 2, [9, 57]),
        ([_MIDNIGHT + d * 86400 for d in range(30)], 6, [0, 5, 10, 15, 20, 25]),
        ([_MIDNIGHT + h * 3600 for h in range(24)], 6, [0, 4, 8, 12, 16, 20]),
        ([_MIDNIGHT + 90 + m * 60 for m in range(3)], 5, [0, 1, 2]),
    ],
    ids=["nothing", "days-at-midnight", "thinned", "day-buckets", "hours-in-a-day", "no-round-times"],
)
def test_label_indices(x: list[float], slots: int, indices: list[int]) -> None:
    assert label_indices(x, slots, UTC) == indices


def _chart(qtbot: QtBot) -> TimeSeriesChart:
    chart = TimeSeriesChart("Requests")
    chart.set_time_zone(UTC)
    chart.resize(500, 240)
    qtbot.addWidget(chart)
    return chart


def test_series_of_the_wrong_length_is_refused(qtbot: QtBot) -> None:
    with pytest.raises(ValueError, match="2 values for 3 points"):
        _chart(qtbot).set_data([1, 2, 3], [ChartSeries("a", "#ff0000", (1, 2))])


def test_all_zero_data_counts_as_empty(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    assert chart.is_empty()
    chart.set_data([1, 2], [ChartSeries("a", "#ff0000", (0, 0))])
    assert chart.is_empty()
    chart.set_data([1, 2], [ChartSeries("a", "#ff0000", (0, 5))])
    assert not chart.is_empty()


def test_hover_shows_the_values_of_the_nearest_point(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    start = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
    x = [start + day * 86400 for day in range(7)]
    chart.set_data(
        x,
        [
            ChartSeries("Requests", "#3b82f6", (1, 2, 3, 4, 5, 6, 7)),
            ChartSeries("Failed", "#ef4444", (0,) * 7),
        ],
    )
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.hover_text() == ""
    right_edge = QPointF(chart.width() - 20, chart.height() / 2)
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        right_edge,
        chart.mapToGlobal(right_edge),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(chart, move)
    assert chart.hover_text() == "Sun 07 Dec: Requests 7, Failed 0"
    assert chart.index_at(0) == 0


def _ink(chart: TimeSeriesChart, color: str) -> int:
    image: QImage = chart.grab().toImage()
    wanted = QColor(color)
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(QPoint(x, y)) == wanted
    )


def test_lines_are_painted_in_their_colours(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.set_data([0, 3600, 7200], [ChartSeries("Tokens", "#10b981", (10, 30, 20))])
    assert _ink(chart, "#10b981") > 20


def test_empty_chart_paints_its_explanation_and_no_line(qtbot: QtBot) -> None:
    chart = _chart(qtbot)
    chart.set_empty_text("No requests yet")
    chart.set_data([0, 3600], [ChartSeries("Tokens", "#10b981", (0, 0))])
    assert _ink(chart, "#10b981") < 60  # only the legend swatch
