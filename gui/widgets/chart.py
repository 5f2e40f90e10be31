"""``TimeSeriesChart``: a QPainter line chart of values over time, with axes, legend, hover and empty state.

Drawn by hand so the app stays on PySide6-Essentials (no QtCharts). The axis maths (nice ticks,
compact numbers, time labels) are plain functions, tested without Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.i18n import N_, tr

__all__ = ["ChartSeries", "TimeSeriesChart", "compact_number", "label_indices", "nice_ticks", "time_label"]

_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 52, 16, 30, 26
_DAY = 86400.0
_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


def _weekday(moment: datetime) -> str:
    return tr(_WEEKDAYS[moment.weekday()])


def _day_text(moment: datetime) -> str:
    """``Sun 07 Dec`` (in the shown language: ``12月07日 周日``)."""
    return tr("{weekday} {day} {month}").format(
        weekday=_weekday(moment), day=f"{moment.day:02d}", month=tr(_MONTHS[moment.month - 1])
    )


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One line: a name for the legend, a colour (``#rrggbb``), one value per x.

    A NaN value is a gap (no data there: the line breaks, hover shows "—"); ``unit`` follows the
    hover value (``" ms"``, ``"%"``).
    """

    name: str
    color: str
    values: tuple[float, ...]
    unit: str = ""

    def value_text(self, index: int) -> str:
        value = self.values[index]
        return f"{value:,.0f}{self.unit}" if math.isfinite(value) else "—"


def _runs(values: Sequence[float]) -> list[range]:
    """The index ranges of consecutive finite values (the pieces of a line with gaps)."""
    runs: list[range] = []
    start: int | None = None
    for index, value in enumerate([*values, math.nan]):
        if math.isfinite(value) and start is None:
            start = index
        elif not math.isfinite(value) and start is not None:
            runs.append(range(start, index))
            start = None
    return runs


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1-2-5 steps), e.g. 0, 50, 100, 150."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1 and top >= 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def compact_number(value: float) -> str:
    """``950``, ``1.2k``, ``3.4M``, ``2B``: short labels for axes and tiles."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            text = f"{value / limit:.1f}".removesuffix(".0")
            return f"{sign}{text}{suffix}"
    return f"{sign}{value:.0f}" if value == int(value) else f"{sign}{value:.1f}"


def time_label(timestamp: float, span: float, tz: tzinfo | None = None) -> str:
    """An x-axis label: hours for spans up to two days, else the day (``Mon 3``)."""
    moment = datetime.fromtimestamp(timestamp, tz)
    if span <= 2 * _DAY:
        return moment.strftime("%H:%M")
    return tr("{weekday} {day}").format(weekday=_weekday(moment), day=moment.day)


def label_indices(x: Sequence[float], slots: int, tz: tzinfo | None = None) -> list[int]:
    """Which points get an x label: local midnights for spans over two days, whole hours otherwise,
    thinned to at most ``slots`` labels."""
    if not x:
        return []
    span = x[-1] - x[0]
    moments = [datetime.fromtimestamp(value, tz) for value in x]
    if span > 2 * _DAY:
        found = [i for i, m in enumerate(moments) if m.hour == 0 and m.minute == 0]
    else:
        found = [i for i, m in enumerate(moments) if m.minute == 0]
    found = found or list(range(len(x)))
    step = max(1, math.ceil(len(found) / max(slots, 1)))
    return found[::step]


class TimeSeriesChart(QWidget):
    """Lines over shared x values (Unix seconds); hovering shows every series' value at that point."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._x: tuple[float, ...] = ()
        self._series: tuple[ChartSeries, ...] = ()
        self._empty_text = tr("No data yet")
        self._hover: int | None = None
        self._tz: tzinfo | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(260, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, x: Sequence[float], series: Sequence[ChartSeries]) -> None:
        """Show ``series`` over ``x``; a series with the wrong number of values is refused."""
        for line in series:
            if len(line.values) != len(x):
                raise ValueError(f"series {line.name!r} has {len(line.values)} values for {len(x)} points")
        self._x, self._series, self._hover = tuple(x), tuple(series), None
        self.update()

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.update()

    def set_time_zone(self, tz: tzinfo | None) -> None:
        self._tz = tz
        self.update()

    def is_empty(self) -> bool:
        return not self._x or all(not value or math.isnan(value) for s in self._series for value in s.values)

    def hover_text(self) -> str:
        """What the hover box says now ("" when the mouse is not over a point)."""
        if self._hover is None or self._hover >= len(self._x):
            return ""
        when = datetime.fromtimestamp(self._x[self._hover], self._tz)
        step = self._x[1] - self._x[0] if len(self._x) > 1 else 0
        head = _day_text(when) if step >= _DAY else f"{_day_text(when)}, {when.strftime('%H:%M')}"
        values = ", ".join(f"{s.name} {s.value_text(self._hover)}" for s in self._series)
        return f"{head}: {values}"

    # -- geometry ----------------------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(_PAD_LEFT, _PAD_TOP, -_PAD_RIGHT, -_PAD_BOTTOM)

    def _x_at(self, index: int, plot: QRectF) -> float:
        if len(self._x) < 2:
            return plot.center().x()
        first, last = self._x[0], self._x[-1]
        return plot.left() + (self._x[index] - first) / (last - first) * plot.width()

    def index_at(self, x_pixel: float) -> int | None:
        """The point nearest the pixel column ``x_pixel``, if any."""
        if not self._x:
            return None
        plot = self._plot()
        return min(range(len(self._x)), key=lambda i: abs(self._x_at(i, plot) - x_pixel))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hover = self.index_at(event.position().x()) if self._plot().contains(event.position()) else None
        if hover != self._hover:
            self._hover = hover
            self.update()

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()

    # -- drawing -----------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = QColor(text)
        muted.setAlphaF(0.55)
        regular = painter.font()
        bold = QFont(regular)
        bold.setBold(True)
        title_width = QFontMetrics(bold).horizontalAdvance(self._title)
        # the legend gets the room the title leaves; the title is cut only if the legend still needs more
        legend_left = self._draw_legend(painter, text, self.width() - _PAD_RIGHT - (8 + title_width + 12))
        room = max(0, int(legend_left) - 12 - 8)
        painter.setPen(text)
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(self._title, Qt.TextElideMode.ElideRight, room)
        painter.drawText(QRectF(8, 4, room + 2, 22), Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(regular)
        plot = self._plot()
        if self.is_empty():
            painter.setPen(muted)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(plot.adjusted(12, 0, -12, 0), flags, self._empty_text)
            painter.end()
            return
        top = max((v for line in self._series for v in line.values if math.isfinite(v)), default=0.0)
        ticks = nice_ticks(top)
        self._draw_axes(painter, plot, ticks, muted)
        for line in self._series:
            self._draw_line(painter, plot, line, ticks[-1])
        self._draw_hover(painter, plot, ticks[-1], palette)
        painter.end()

    def _draw_legend(self, painter: QPainter, text: QColor, room: float) -> float:
        """The legend at the top right, in ``room`` pixels (names elided when it is narrower than the
        legend, so it never runs into the title); its left edge."""
        right = self.width() - _PAD_RIGHT
        metrics = painter.fontMetrics()
        names = [line.name for line in self._series]
        if names and sum(metrics.horizontalAdvance(n) + 30 for n in names) > room:
            each = max(metrics.horizontalAdvance("…") * 3, int(room / len(names)) - 30)
            names = [metrics.elidedText(n, Qt.TextElideMode.ElideRight, each) for n in names]
        for line, name in zip(reversed(self._series), reversed(names), strict=True):
            width = metrics.horizontalAdvance(name)
            right -= width
            painter.setPen(text)
            painter.drawText(QRectF(right, 4, width + 2, 22), Qt.AlignmentFlag.AlignVCenter, name)
            right -= 16
            painter.fillRect(QRectF(right, 11, 10, 10), QColor(line.color))
            right -= 14
        return right

    def _y(self, value: float, plot: QRectF, top: float) -> float:
        return plot.bottom() - value / top * plot.height()

    def _draw_axes(self, painter: QPainter, plot: QRectF, ticks: list[float], muted: QColor) -> None:
        grid = QColor(muted)
        grid.setAlphaF(0.18)
        for tick in ticks:
            y = self._y(tick, plot, ticks[-1])
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(muted)
            label = QRectF(0, y - 9, _PAD_LEFT - 8, 18)
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(label, align, compact_number(tick))
        span = self._x[-1] - self._x[0] if len(self._x) > 1 else 0
        label_width = (
            painter.fontMetrics().horizontalAdvance(tr("{weekday} {day}").format(weekday=tr("Wed"), day=30))
            + 16
        )
        slots = max(1, int(plot.width() // label_width))
        for index in label_indices(self._x, slots, self._tz):
            x = self._x_at(index, plot)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom() + 3))
            box = QRectF(x - label_width / 2, plot.bottom() + 4, label_width, 18)
            box.moveLeft(min(max(box.left(), plot.left() - 20), self.width() - label_width))
            painter.setPen(muted)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, time_label(self._x[index], span, self._tz))

    def _draw_line(self, painter: QPainter, plot: QRectF, line: ChartSeries, top: float) -> None:
        color = QColor(line.color)
        fill = QColor(color)
        fill.setAlphaF(0.12)
        path = QPainterPath()
        dots: list[QPointF] = []
        for run in _runs(line.values):  # one piece per stretch without gaps
            points = [QPointF(self._x_at(i, plot), self._y(line.values[i], plot, top)) for i in run]
            piece = QPainterPath(points[0])
            for point in points[1:]:
                piece.lineTo(point)
            area = QPainterPath(piece)
            area.lineTo(points[-1].x(), plot.bottom())
            area.lineTo(points[0].x(), plot.bottom())
            area.closeSubpath()
            painter.fillPath(area, fill)
            path.addPath(piece)
            if len(self._x) <= 40 or len(points) == 1:  # a lone point would be invisible without its dot
                dots.extend(points)
        painter.setPen(QPen(color, 2))
        painter.drawPath(path)
        painter.setBrush(color)
        for dot in dots:
            painter.drawEllipse(dot, 2.5, 2.5)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_hover(self, painter: QPainter, plot: QRectF, top: float, palette: QPalette) -> None:
        if self._hover is None:
            return
        x = self._x_at(self._hover, plot)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        for line in self._series:
            if not math.isfinite(line.values[self._hover]):
                continue
            painter.setBrush(QColor(line.color))
            painter.drawEllipse(QPointF(x, self._y(line.values[self._hover], plot, top)), 4, 4)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        text = self.hover_text()
        metrics = painter.fontMetrics()
        box = QRectF(0, plot.top() + 4, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        box.moveLeft(min(x + 8, plot.right() - box.width()) if x + 8 + box.width() > plot.right() else x + 8)
        painter.fillRect(box, palette.color(QPalette.ColorRole.ToolTipBase))
        painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
