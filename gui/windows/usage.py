"""``UsagePage``: totals for today / 7 days / 30 days, requests and tokens over time, and a table by model.

Data comes from ``/usage/summary`` and ``/usage/series`` through the client. The server answers only
buckets that saw traffic; the page fills the gaps with zeros so the charts show quiet hours as quiet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot, spawn
from gui.client import ManagementError
from gui.i18n import N_, tr
from gui.models import UsagePoint, UsageSeries, UsageSummary
from gui.state import AppState
from gui.widgets.chart import ChartSeries, TimeSeriesChart, compact_number
from gui.widgets.table_models import SORT_ROLE, Column, RowsModel
from gui.windows.usage_export import snapshot_json, table_csv, write_atomically
from gui.windows.usage_quality import quality_series, timing_text
from gui.windows.usage_rows import ModelUsage, model_usage

__all__ = ["RANGES", "ModelUsage", "UsageClient", "UsagePage", "bucket_starts", "densify", "model_usage"]

RANGES: dict[str, tuple[str, str, int]] = {
    "24h": (N_("24 hours"), "hour", 24),
    "7d": (N_("7 days"), "hour", 7 * 24),
    "30d": (N_("30 days"), "day", 30),
}
"""Range key → (button text, bucket, number of buckets)."""

_EMPTY = N_(
    "No requests in this period yet.\nPoint Claude Code, Codex or another tool at the proxy "
    "(see “Connect a tool”) and your requests show up here."
)
_NO_TIMINGS = N_("No request in this period has a recorded latency (imported statistics have none).")
_LOCAL_STYLE = """
QHeaderView::section { padding-right: 18px; }
"""  # checked range buttons: QPushButton:checked in resources/theme.qss
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class UsageClient(Protocol):
    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]: ...
    async def usage_summary(self, since: float, until: float) -> UsageSummary: ...
    async def usage_export(self) -> dict[str, object]: ...


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
    totals = [[0] * 8 for _ in starts]
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
            slot[4] += point.latency_ms_sum
            slot[5] += point.latency_count
            slot[6] += point.ttft_ms_sum
            slot[7] += point.ttft_count
    return [
        UsagePoint(start, r, f, i, o, latency_ms_sum=ls, latency_count=lc, ttft_ms_sum=ts, ttft_count=tc)
        for start, (r, f, i, o, ls, lc, ts, tc) in zip(starts, totals, strict=True)
    ]


COLUMNS: tuple[Column[ModelUsage], ...] = (
    Column(N_("Model"), text=lambda r: r.model),
    Column(N_("Requests"), text=lambda r: f"{r.requests:,}", sort=lambda r: r.requests, align=_RIGHT),
    Column(N_("Failed"), text=lambda r: f"{r.failures:,}", sort=lambda r: r.failures, align=_RIGHT),
    Column(N_("Success"), text=lambda r: f"{r.success:.1%}", sort=lambda r: r.success, align=_RIGHT),
    Column(
        N_("Input tokens"), text=lambda r: f"{r.input_tokens:,}", sort=lambda r: r.input_tokens, align=_RIGHT
    ),
    Column(
        N_("Output tokens"),
        text=lambda r: f"{r.output_tokens:,}",
        sort=lambda r: r.output_tokens,
        align=_RIGHT,
    ),
)


def _break_at_dots(text: str) -> str:
    """``text`` that a narrow tile wraps only after a " · " ("2.2 s" and "first token" stay whole)."""
    return " · ".join(part.replace(" ", "\u00a0") for part in text.split(" · "))


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
        self.timing = QLabel("")
        self.timing.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        for label in (self.title, self.value, self.detail, self.timing):
            label.setWordWrap(True)  # three tiles side by side fit a narrow window: lines wrap, none clip
            layout.addWidget(label)

    def show_summary(self, summary: UsageSummary) -> None:
        count = f"{summary.requests:,}" if summary.requests < 10_000 else compact_number(summary.requests)
        self.value.setText(tr("{count} requests").format(count=count))
        tokens = compact_number(summary.input_tokens + summary.output_tokens)
        rate = 1 - summary.failures / summary.requests if summary.requests else 1.0
        self.detail.setText(
            _break_at_dots(tr("{tokens} tokens · {rate} succeeded").format(tokens=tokens, rate=f"{rate:.0%}"))
            if summary.requests
            else tr("No requests")
        )
        self.timing.setText(_break_at_dots(timing_text(summary)))


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
        title = QLabel(tr("Usage"))
        title.setProperty("role", "title")
        self.range_buttons = QButtonGroup(self)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        for key, (text, _, _) in RANGES.items():
            button = QPushButton(tr(text))
            button.setCheckable(True)
            button.setChecked(key == self.range)
            button.setProperty("range", key)
            self.range_buttons.addButton(button)
            head.addWidget(button)
        self.range_buttons.buttonClicked.connect(self._range_clicked)
        self.setStyleSheet(_LOCAL_STYLE)
        refresh = QPushButton(tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        head.addSpacing(8)
        head.addWidget(refresh)
        self.export_button = QPushButton(tr("Export…"))
        export_menu = QMenu(self.export_button)
        export_menu.addAction(tr("Table as CSV…"), self._export_csv)
        export_menu.addAction(tr("All statistics as JSON…"), self._export_json)
        self.export_button.setMenu(export_menu)
        head.addWidget(self.export_button)

        self.tiles = {
            key: _Tile(text)
            for key, text in (("today", tr("Today")), ("7d", tr("Last 7 days")), ("30d", tr("Last 30 days")))
        }
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)

        self.requests_chart = TimeSeriesChart(tr("Requests"))
        self.tokens_chart = TimeSeriesChart(tr("Tokens"))
        charts = QHBoxLayout()
        for chart in (self.requests_chart, self.tokens_chart):
            chart.set_time_zone(tz)
            chart.set_empty_text(tr(_EMPTY))
            charts.addWidget(chart)
        self.success_chart = TimeSeriesChart(tr("Success rate (%)"))
        self.latency_chart = TimeSeriesChart(tr("Latency (ms)"))
        quality = QHBoxLayout()
        for chart in (self.success_chart, self.latency_chart):
            chart.set_time_zone(tz)
            chart.set_empty_text(tr(_EMPTY))
            quality.addWidget(chart)

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
        # every column as wide as its text, model names in full; a narrow window scrolls the table sideways
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
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
        layout.addLayout(quality, 3)
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
            self._tell(tr("Could not load usage: {error}").format(error=exc.message), "error")
            return
        self.message.hide()
        self.loaded = True
        for key, summary in (("today", today), ("7d", week), ("30d", month)):
            self.tiles[key].show_summary(summary)
        self.show_series(densify(series, starts))
        self.model.set_rows(model_usage(by_model))

    # -- export ----------------------------------------------------------------------------------------------

    def ask_path(self, title: str, suggested: str, kinds: str) -> str:
        """Where to save: the platform's save dialog ("" when cancelled). Tests replace this method."""
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / suggested), kinds)
        return path

    @async_slot()
    async def _export_csv(self) -> None:
        path = self.ask_path(tr("Export the table"), f"usage-{self.range}.csv", tr("CSV files (*.csv)"))
        if path:
            self._write(Path(path), table_csv(self.model.rows()))

    @async_slot()
    async def _export_json(self) -> None:
        path = self.ask_path(tr("Export all statistics"), "usage-export.json", tr("JSON files (*.json)"))
        if not path:
            return
        try:
            snapshot = await self._client.usage_export()
        except ManagementError as exc:
            self._tell(tr("Could not export: {error}").format(error=exc.message), "error")
            return
        self._write(Path(path), snapshot_json(snapshot))

    def _write(self, path: Path, text: str) -> None:
        try:
            write_atomically(path, text)
        except OSError as exc:
            self._tell(
                tr("Could not write {path}: {error}").format(path=str(path), error=exc.strerror), "error"
            )
            return
        self._tell(tr("Saved {path}").format(path=str(path)), "success")

    def _tell(self, text: str, role: str) -> None:
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.show()

    def show_series(self, points: Sequence[UsagePoint]) -> None:
        x = [p.bucket_start for p in points]
        self.requests_chart.set_data(
            x,
            [
                ChartSeries(tr("Requests"), "#4f5bd5", tuple(float(p.requests) for p in points)),
                ChartSeries(tr("Failed"), "#e5484d", tuple(float(p.failures) for p in points)),
            ],
        )
        self.tokens_chart.set_data(
            x,
            [
                ChartSeries(tr("Input"), "#0ea5e9", tuple(float(p.input_tokens) for p in points)),
                ChartSeries(tr("Output"), "#f59e0b", tuple(float(p.output_tokens) for p in points)),
            ],
        )
        success, latency = quality_series(points)
        self.success_chart.set_data(x, success)
        self.latency_chart.set_data(x, latency)
        quiet = not any(p.requests for p in points)
        self.latency_chart.set_empty_text(tr(_EMPTY) if quiet else tr(_NO_TIMINGS))
