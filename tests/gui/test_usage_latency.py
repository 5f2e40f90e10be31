"""Usage page quality: success rate and latency / time-to-first-token charts and card lines for every range,
gaps for quiet buckets, hover values with units, and the client reading the server's timing fields."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.client import ManagementClient
from gui.models import UsagePoint, UsageSeries, UsageSummary
from gui.state import AppState
from gui.widgets.chart import ChartSeries, TimeSeriesChart
from gui.windows.usage import UsagePage, bucket_starts, densify
from gui.windows.usage_quality import duration_text, quality_series, timing_text
from tests.gui.fake_client import FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

NOW = datetime(2025, 10, 9, 15, 20, tzinfo=UTC).timestamp()
HOUR = 3600.0
pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _point(
    start: float, requests: int, failures: int, latency: tuple[int, int], ttft: tuple[int, int]
) -> UsagePoint:
    return UsagePoint(
        start,
        requests,
        failures,
        requests * 100,
        requests * 10,
        latency_ms_sum=latency[0],
        latency_count=latency[1],
        ttft_ms_sum=ttft[0],
        ttft_count=ttft[1],
    )


def _hour(offset: int) -> float:
    """The start of the hour ``offset`` hours before the current one."""
    return NOW - NOW % HOUR - offset * HOUR


POINTS = (
    _point(_hour(2), 4, 1, (4000, 4), (1200, 3)),  # 75 %, 1 s, 400 ms
    _point(_hour(0), 2, 0, (500, 2), (0, 0)),  # 100 %, 250 ms, no stream
)
SUMMARY = UsageSummary(6, 1, 600, 60, latency_ms_sum=4500, latency_count=6, ttft_ms_sum=1200, ttft_count=3)


# -- pure parts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "—"),
        (0.4, "0 ms"),
        (250.0, "250 ms"),
        (999.4, "999 ms"),
        (1000.0, "1.0 s"),
        (12_345.0, "12.3 s"),
    ],
)
def test_duration_text(ms: float | None, text: str) -> None:
    assert duration_text(ms) == text


def test_timing_text_needs_a_timing() -> None:
    assert timing_text(SUMMARY) == "Average latency 750 ms · first token 400 ms"
    assert timing_text(UsageSummary(3, 0, 1, 1)) == ""  # an older server, or imported rows
    latency_only = UsageSummary(1, 0, 1, 1, latency_ms_sum=2500, latency_count=1)
    assert timing_text(latency_only) == "Average latency 2.5 s · first token —"


def test_densify_sums_timings_per_bucket() -> None:
    starts = [_hour(2), _hour(1), _hour(0)]
    more = UsageSeries("hour", (_point(_hour(0), 1, 1, (250, 1), (90, 1)),))
    dense = densify([UsageSeries("hour", POINTS), more], starts)
    assert [(p.latency_ms_sum, p.latency_count, p.ttft_ms_sum, p.ttft_count) for p in dense] == [
        (4000, 4, 1200, 3),
        (0, 0, 0, 0),
        (750, 3, 90, 1),
    ]
    assert dense[2].avg_latency_ms == 250 and dense[2].avg_ttft_ms == 90


def test_quality_series_leave_gaps_where_there_is_no_data() -> None:
    dense = densify([UsageSeries("hour", POINTS)], [_hour(2), _hour(1), _hour(0)])
    [success], [latency, ttft] = quality_series(dense)
    assert success.values[0] == 75 and math.isnan(success.values[1]) and success.values[2] == 100
    assert latency.values[0] == 1000 and math.isnan(latency.values[1]) and latency.values[2] == 250
    assert ttft.values[0] == 400 and math.isnan(ttft.values[1]) and math.isnan(ttft.values[2])
    assert (success.unit, latency.unit, ttft.unit) == ("%", " ms", " ms")


# -- the chart with gaps ----------------------------------------------------------------------------------


def test_a_chart_of_gaps_only_is_empty_and_hover_shows_a_dash(qtbot: QtBot) -> None:
    chart = TimeSeriesChart("Latency")
    qtbot.addWidget(chart)
    chart.set_data([0.0, HOUR], [ChartSeries("Average latency", "#8e4ec6", (math.nan, math.nan), " ms")])
    assert chart.is_empty()
    chart.set_data(
        [0.0, HOUR, 2 * HOUR], [ChartSeries("Average latency", "#8e4ec6", (math.nan, 1234.0, 5.0), " ms")]
    )
    assert not chart.is_empty()
    chart._hover = 0
    assert chart.hover_text().endswith(": Average latency —")
    chart._hover = 1
    assert chart.hover_text().endswith(": Average latency 1,234 ms")


def test_a_chart_with_gaps_paints(qtbot: QtBot) -> None:
    chart = TimeSeriesChart("Success rate")
    qtbot.addWidget(chart)
    chart.resize(400, 200)
    values = (math.nan, 100.0, math.nan, 50.0, 75.0, math.nan)  # a lone point, then a run of two
    chart.set_data([i * HOUR for i in range(6)], [ChartSeries("Succeeded", "#30a46c", values, "%")])
    chart.show()
    qtbot.waitExposed(chart)
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(chart.width() - 20, 100),
        QPointF(chart.width() - 20, 100),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    chart.mouseMoveEvent(move)  # hovering the last point, a gap
    assert chart.hover_text().endswith("Succeeded —")
    assert not chart.grab().isNull()


# -- the page ---------------------------------------------------------------------------------------------


def _page(qtbot: QtBot, client: FakeClient) -> UsagePage:
    page = UsagePage(AppState(client), client, clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    qtbot.waitUntil(lambda: page.loaded, timeout=3000)
    return page


@pytest.mark.parametrize(("key", "count"), [("24h", 24), ("7d", 168), ("30d", 30)])
def test_every_range_shows_success_rate_and_latency(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, key: str, count: int
) -> None:
    client = FakeClient(series=[UsageSeries("hour", POINTS)], summary=SUMMARY)
    page = _page(qtbot, client)
    if key != page.range:
        button = next(b for b in page.range_buttons.buttons() if b.property("range") == key)
        button.click()
        qtbot.waitUntil(lambda: len(page.latency_chart._x) == count, timeout=3000)
    assert len(page.success_chart._x) == len(page.latency_chart._x) == count
    assert not page.success_chart.is_empty() and not page.latency_chart.is_empty()
    [success] = page.success_chart._series
    latency, ttft = page.latency_chart._series
    assert (latency.name, ttft.name) == ("Average latency", "Time to first token")
    finite = [v for v in success.values if math.isfinite(v)]
    if key == "30d":  # both hours fall on today: one day bucket, 5 of 6 succeeded, 4500 ms / 6
        assert finite == [pytest.approx(500 / 6)]
        assert [v for v in latency.values if math.isfinite(v)] == [750]
    else:
        assert finite == [75, 100]
    expected = bucket_starts(NOW, "day" if key == "30d" else "hour", count, UTC)
    assert list(page.latency_chart._x) == expected
    # a narrow tile wraps only after the dot: the spaces inside each part do not break
    assert page.tiles["7d"].timing.text() == "Average\xa0latency\xa0750\xa0ms · first\xa0token\xa0400\xa0ms"


def test_hovering_the_latency_chart_names_values_with_units(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient(series=[UsageSeries("hour", POINTS)], summary=SUMMARY)
    page = _page(qtbot, client)
    chart = page.latency_chart
    chart._hover = len(chart._x) - 3  # two hours ago
    assert chart.hover_text().endswith("Average latency 1,000 ms, Time to first token 400 ms")
    chart._hover = len(chart._x) - 1
    assert chart.hover_text().endswith("Average latency 250 ms, Time to first token —")
    page.success_chart._hover = len(chart._x) - 3
    assert page.success_chart.hover_text().endswith("Succeeded 75%")


def test_no_timings_leave_the_latency_chart_empty(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    plain = UsagePoint(_hour(1), 3, 0, 10, 10)  # from a server without the timing fields
    page = _page(
        qtbot, FakeClient(series=[UsageSeries("hour", (plain,))], summary=UsageSummary(3, 0, 10, 10))
    )
    assert page.latency_chart.is_empty() and not page.success_chart.is_empty()
    assert "has a recorded latency" in page.latency_chart._empty_text  # not "no requests": there are some
    assert page.tiles["today"].timing.text() == ""


# -- the client -------------------------------------------------------------------------------------------


async def test_the_client_reads_the_timing_fields() -> None:
    timings = {"latency_ms_sum": 900, "latency_count": 3, "ttft_ms_sum": 120, "ttft_count": 2}
    answers = {
        "/v0/management/usage/series": {
            "points": [
                {
                    "start": 3600.0,
                    "key": None,
                    "requests": 3,
                    "failures": 1,
                    **timings,
                    "avg_latency_ms": 300.0,
                },
                {"start": 7200.0, "key": None, "requests": 1, "failures": 0},  # an older server
            ]
        },
        "/v0/management/usage/summary": {"totals": {"requests": 4, "failure": 1, **timings}},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(answers[request.url.path]))

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = ManagementClient("http://127.0.0.1:8317", "key", http)
        [line] = await client.usage_series(0, 10_000, "hour")
        summary = await client.usage_summary(0, 10_000)
    first, second = line.points
    assert (first.latency_ms_sum, first.latency_count, first.ttft_ms_sum, first.ttft_count) == (
        900,
        3,
        120,
        2,
    )
    assert (
        first.avg_latency_ms == 300 and first.avg_ttft_ms == 60 and first.success_rate == pytest.approx(2 / 3)
    )
    assert second.avg_latency_ms is None and second.latency_count == 0
    assert (summary.avg_latency_ms, summary.avg_ttft_ms, summary.requests) == (300, 60, 4)
