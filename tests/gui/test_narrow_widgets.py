"""What keeps pages usable in a narrow window: a row of buttons that wraps (``FlowLayout``) and a chart
legend that shortens its names rather than running into the title."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gui.widgets import chart as chart_module
from gui.widgets.chart import ChartSeries, TimeSeriesChart
from gui.widgets.flow_layout import FlowLayout
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS


def _row(qtbot: QtBot, texts: list[str]) -> tuple[QWidget, FlowLayout, list[QPushButton]]:
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 0)
    flow = FlowLayout(spacing=6)
    buttons = [QPushButton(text) for text in texts]
    for button in buttons:
        flow.addWidget(button)
    column.addLayout(flow)
    column.addStretch(1)
    qtbot.addWidget(holder)
    return holder, flow, buttons


def test_flow_layout_asks_only_for_its_widest_item_and_wraps(qtbot: QtBot, qapp: QApplication) -> None:
    holder, flow, buttons = _row(qtbot, ["Claude", "ChatGPT", "Google", "A much longer button", "Qwen"])
    widest = max(b.sizeHint().width() for b in buttons)
    one_line = sum(b.sizeHint().width() for b in buttons) + 6 * (len(buttons) - 1)
    assert flow.minimumSize().width() == widest and flow.sizeHint().width() == one_line
    assert holder.minimumSizeHint().width() < one_line  # the window is not made wider by the row
    height = buttons[0].sizeHint().height()
    assert flow.heightForWidth(one_line) == height
    holder.resize(one_line, 200)
    holder.show()
    qtbot.waitExposed(holder)
    assert len({b.y() for b in buttons}) == 1  # room enough: one line
    holder.resize(widest + 10, 400)
    qtbot.waitUntil(lambda: len({b.y() for b in buttons}) == len(buttons), timeout=2000)  # one per line
    assert all(b.x() == 0 and b.width() <= widest + 10 for b in buttons)
    assert flow.heightForWidth(widest + 10) >= len(buttons) * height
    buttons[1].hide()  # hidden items take no room
    assert flow.heightForWidth(widest + 10) < len(buttons) * height + 6 * (len(buttons) - 1)


def test_a_narrow_chart_shortens_its_legend_instead_of_covering_the_title(
    qtbot: QtBot, qapp: QApplication
) -> None:
    chart = TimeSeriesChart("Latency (ms)")
    names = ["Average latency", "Time to first token"]
    chart.set_data([0.0, 60.0], [ChartSeries(n, "#8844cc", (1.0, 2.0)) for n in names])
    qtbot.addWidget(chart)
    chart.resize(600, 200)
    image = QImage(600, 200, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        natural = sum(painter.fontMetrics().horizontalAdvance(n) + 30 for n in names)
        right = 600 - chart_module._PAD_RIGHT
        assert chart._draw_legend(painter, QColor("black"), natural) == right - natural  # room: in full
        for room in (natural - 1, 160):
            left = chart._draw_legend(painter, QColor("black"), room)
            assert right - room <= left < right, (room, left)  # names shortened into the room
    finally:
        painter.end()
