"""``UsagePage``: totals for today / 7 days / 30 days, requests and tokens over time, and a table by model.

Data comes from ``/usage/summary`` and ``/usage/series`` through the client. The server answers only
buckets that saw traffic; the page fills the gaps with zeros so the charts show quiet hours as quiet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot, spawn
from gui.client import ManagementError
from gui.models import UsagePoint, UsageSeries, UsageSummary
from gui.state import AppState
from gui.widgets.chart import ChartSeries, TimeSeriesChart, compact_number
from gui.widgets.table_models import SORT_ROLE, Column, RowsModel

__all__ = ["RANGES", "ModelUsage", "UsageClient", "UsagePage", "bucket_starts", "densify", "model_usage"]

RANGES: dict[str, tuple[str, str, int]] = {
    "24h": ("24 hours", "hour", 24),
    "7d": ("7 days", "hour", 7 * 24),
    "30d": ("30 days", "day", 30),
}
"""Range key → (button text, bucket, number of buckets)."""

_EMPTY = (
    "No requests in this period yet.\nPoint Claude Code, Codex or another tool at the proxy "
    "(see “Connect a tool”) and your requests show up here."
)
_LOCAL_STYLE = """
QPushButton:checked { background: #e8ebff; border-color: #4f5bd5; color: #1e2a78; font-weight: 600; }
QHeaderView::section { padding-right: 18px; }
"""
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class UsageClient(Protocol):
    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]: ...
    async def usage_summary(self, since: float, until: float) -> UsageSummary: ...


def bucket_starts(now: float, bucket: str, count: int, tz: tzinfo | None = None) -> list[float]:
    """The starts of the last ``count`` local hour/day buckets, the current one last."""
    moment = datetime.fromtimestamp(now, tz)
    if bucket == "day":
        today = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return [(today - timedelta(days=count - 1 - i)).timestamp() for i in range(count)]
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return [(hour - timedelta(hours=count - 1 - i)).timestamp() for i in range(count)]


def densify(series: Sequence[UsageSeries], starts: Sequence[float]) -> list[UsagePoint]:
    """One point per bucket start (sums of every series' points that fall in it; zeros where none)."""
    totals = [[0, 0, 0, 0] for _ in starts]
    for line in series:
        for point in line.points:
            index = next((i for i in range(len(starts) - 1, -1, -1) if starts[i] <= point.bucket_start), None)
            if index is None:
                continue
            slot = totals[index]
            slot[0] += point.requests
            slot[1] += point.failures
            slot[2] += point.input_tokens
            slot[3] += point.output_tokens
    return [UsagePoint(start, *slot) for start, slot in zip(starts, totals, strict=True)]


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """One row of the per-model table."""

    model: str
    requests: int
    failures: int
    input_tokens: int
    output_tokens: int

    @property
    def success(self) -> float:
        return 1.0 - self.failures / self.requests if self.requests else 1.0


def model_usage(series: Sequence[UsageSeries]) -> list[ModelUsage]:
    """Totals per model from a ``group_by=model`` series, most used first."""
    rows = [
        ModelUsage(
            line.label or line.group or "(unknown)",
            sum(p.requests for p in line.points),
            sum(p.failures for p in line.points),
            sum(p.input_tokens for p in line.points),
            sum(p.output_tokens for p in line.points),
        )
        for line in series
    ]
    return sorted((r for r in rows if r.requests), key=lambda r: (-r.requests, r.model))


COLUMNS: tuple[Column[ModelUsage], ...] = (
    Column("Model", text=lambda r: r.model),
    Column("Requests", text=lambda r: f"{r.requests:,}", sort=lambda r: r.requests, align=_RIGHT),
    Column("Failed", text=lambda r: f"{r.failures:,}", sort=lambda r: r.failures, align=_RIGHT),
    Column("Success", text=lambda r: f"{r.success:.1%}", sort=lambda r: r.success, align=_RIGHT),
    Column("Input tokens", text=lambda r: f"{r.input_tokens:,}", sort=lambda r: r.input_tokens, align=_RIGHT),
    Column(
        "Output tokens", text=lambda r: f"{r.output_tokens:,}", sort=lambda r: r.output_tokens, align=_RIGHT
    ),
)


class _Tile(QFrame):
    """A card with a period's request count, tokens and success rate."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setProperty("role", "card")
        self.title = QLabel(title)
        self.title.setProperty("role", "muted")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.detail = QLabel("")
        self.detail.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        for label in (self.title, self.value, self.detail):
            layout.addWidget(label)

    def show_summary(self, summary: UsageSummary) -> None:
        count = f"{summary.requests:,}" if summary.requests < 10_000 else compact_number(summary.requests)
        self.value.setText(f"{count} requests")
        tokens = compact_number(summary.input_tokens + summary.output_tokens)
        rate = 1 - summary.failures / summary.requests if summary.requests else 1.0
        self.detail.setText(f"{tokens} tokens · {rate:.0%} succeeded" if summary.requests else "No requests")


class UsagePage(QWidget):
    """Totals, the two charts for the chosen range, and the per-model table."""

    def __init__(
        self,
        state: AppState,
        client: UsageClient,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme paints pages
        self._client, self._clock, self._tz = client, clock, tz
        self.range = "7d"
        self.loaded = False
        title = QLabel("Usage")
        title.setProperty("role", "title")
        self.range_buttons = QButtonGroup(self)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        for key, (text, _, _) in RANGES.items():
            button = QPushButton(text)
            button.setCheckable(True)
            button.setChecked(key == self.range)
            button.setProperty("range", key)
            self.range_buttons.addButton(button)
            head.addWidget(button)
        self.range_buttons.buttonClicked.connect(self._range_clicked)
        self.setStyleSheet(_LOCAL_STYLE)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        head.addSpacing(8)
        head.addWidget(refresh)

        self.tiles = {
            key: _Tile(text)
            for key, text in (("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"))
        }
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile)

        self.requests_chart = TimeSeriesChart("Requests")
        self.tokens_chart = TimeSeriesChart("Tokens")
        charts = QHBoxLayout()
        for chart in (self.requests_chart, self.tokens_chart):
            chart.set_time_zone(tz)
            chart.set_empty_text(_EMPTY)
            charts.addWidget(chart)

        self.model: RowsModel[ModelUsage] = RowsModel(COLUMNS)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.model)
        self.sorted.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)  # ids would wrap at "-" and the fixed row height hides the rest
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addWidget(self.message)
        layout.addLayout(tiles)
        layout.addLayout(charts, 3)
        layout.addWidget(self.table, 2)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(3000)
        self._debounce.timeout.connect(self._refresh_if_visible)
        state.usage_changed.connect(self._debounce.start)

    # -- loading -------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            spawn(self.load(), "usage: first load")

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            spawn(self.load(), "usage: new requests")

    def _range_clicked(self, button: QAbstractButton) -> None:
        self.range = str(button.property("range"))
        spawn(self.load(), f"usage: range {self.range}")

    @async_slot()
    async def refresh(self) -> None:
        await self.load()

    async def load(self) -> None:
        """Fetch totals and series for the chosen range and show them."""
        now = self._clock()
        _, bucket, count = RANGES[self.range]
        starts = bucket_starts(now, bucket, count, self._tz)
        midnight = bucket_starts(now, "day", 1, self._tz)[0]
        c = self._client
        try:
            today, week, month, series, by_model = await asyncio.gather(
                c.usage_summary(midnight, now),
                c.usage_summary(now - 7 * 86400, now),
                c.usage_summary(now - 30 * 86400, now),
                c.usage_series(starts[0], now, bucket),
                c.usage_series(starts[0], now, "day", "model"),
            )
        except ManagementError as exc:
            self.message.setText(f"Could not load usage: {exc.message}")
            self.message.show()
            return
        self.message.hide()
        self.loaded = True
        for key, summary in (("today", today), ("7d", week), ("30d", month)):
            self.tiles[key].show_summary(summary)
        self.show_series(densify(series, starts))
        self.model.set_rows(model_usage(by_model))

    def show_series(self, points: Sequence[UsagePoint]) -> None:
        x = [p.bucket_start for p in points]
        self.requests_chart.set_data(
            x,
            [
                ChartSeries("Requests", "#4f5bd5", tuple(float(p.requests) for p in points)),
                ChartSeries("Failed", "#e5484d", tuple(float(p.failures) for p in points)),
            ],
        )
        self.tokens_chart.set_data(
            x,
            [
                ChartSeries("Input", "#0ea5e9", tuple(float(p.input_tokens) for p in points)),
                ChartSeries("Output", "#f59e0b", tuple(float(p.output_tokens) for p in points)),
            ],
        )
