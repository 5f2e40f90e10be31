"""UsagePage: totals per period, gap-filled series in the charts, the per-model table, errors, ranges."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import UsagePoint, UsageSeries, UsageSummary
from gui.state import AppState
from gui.windows.usage import UsagePage, bucket_starts, densify, model_usage
from tests.gui.fake_client import FakeClient
from tests.gui.page_helpers import framed, save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

NOW = datetime(2025, 10, 9, 15, 20, tzinfo=UTC).timestamp()
HOUR = 3600.0
pytestmark = QT_MARKS  # any Qt warning fails a test
MODELS = {"claude-sonnet-4-5": 0.55, "gpt-5-codex": 0.3, "gemini-2.5-pro": 0.15}


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _week() -> list[UsagePoint]:
    """A working week: busy days, quiet nights, an idle gap (hours with no point at all)."""
    start = NOW - NOW % HOUR - 167 * HOUR
    points = []
    for i in range(168):
        at = start + i * HOUR
        hour = datetime.fromtimestamp(at, UTC).hour
        if not 8 <= hour <= 22:
            continue
        busy = 4 + (i * 7) % 11 + (12 if 13 <= hour <= 17 else 0)
        points.append(UsagePoint(at, busy, int(i % 9 == 0), busy * 2100, busy * 650))
    return points


class UsageClient(FakeClient):
    """Answers like the server: per-window totals, per-model series when grouped."""

    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]:
        await self._enter("usage_series", since, until, bucket, group_by)
        points = [p for p in _week() if since <= p.bucket_start <= until]
        if group_by != "model":
            return [UsageSeries(bucket, tuple(points))]
        return [
            UsageSeries(
                bucket,
                tuple(
                    UsagePoint(
                        p.bucket_start,
                        round(p.requests * share),
                        round(p.failures * share),
                        round(p.input_tokens * share),
                        round(p.output_tokens * share),
                    )
                    for p in points
                ),
                model,
                model,
            )
            for model, share in MODELS.items()
        ]

    async def usage_summary(self, since: float, until: float) -> UsageSummary:
        await self._enter("usage_summary", since, until)
        points = [p for p in _week() if since <= p.bucket_start <= until]
        return UsageSummary(
            sum(p.requests for p in points),
            sum(p.failures for p in points),
            sum(p.input_tokens for p in points),
            sum(p.output_tokens for p in points),
        )


@pytest.fixture
def client() -> UsageClient:
    return UsageClient()


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: UsageClient) -> UsagePage:
    made = UsagePage(AppState(client), client, clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(made)
    made.resize(1000, 680)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    return made


# -- pure parts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bucket", "count", "first", "last"),
    [
        ("hour", 24, datetime(2025, 10, 8, 16, tzinfo=UTC), datetime(2025, 10, 9, 15, tzinfo=UTC)),
        ("day", 30, datetime(2025, 9, 10, tzinfo=UTC), datetime(2025, 10, 9, tzinfo=UTC)),
    ],
    ids=["hours", "days"],
)
def test_bucket_starts(bucket: str, count: int, first: datetime, last: datetime) -> None:
    starts = bucket_starts(NOW, bucket, count, UTC)
    assert len(starts) == count
    assert (starts[0], starts[-1]) == (first.timestamp(), last.timestamp())


def test_densify_fills_gaps_and_sums_series() -> None:
    starts = [0.0, 3600.0, 7200.0]
    a = UsageSeries("hour", (UsagePoint(3600, 2, 1, 10, 5),))
    b = UsageSeries(
        "hour", (UsagePoint(3600, 1, 0, 1, 1), UsagePoint(7300, 4, 0, 0, 0), UsagePoint(-50, 9, 9, 9, 9))
    )
    assert densify([a, b], starts) == [
        UsagePoint(0.0, 0, 0, 0, 0),
        UsagePoint(3600.0, 3, 1, 11, 6),
        UsagePoint(7200.0, 4, 0, 0, 0),
    ]


def test_model_usage_sums_and_ranks() -> None:
    series = [
        UsageSeries("day", (UsagePoint(0, 2, 1, 10, 5), UsagePoint(1, 3, 0, 10, 5)), "b", "b"),
        UsageSeries("day", (UsagePoint(0, 9, 0, 1, 1),), "a", ""),
        UsageSeries("day", (UsagePoint(0, 0, 0, 0, 0),), "idle", "idle"),
    ]
    rows = model_usage(series)
    assert [(r.model, r.requests, r.failures, r.input_tokens) for r in rows] == [
        ("a", 9, 0, 1),
        ("b", 5, 1, 20),
    ]
    assert rows[1].success == pytest.approx(0.8)


# -- the page ---------------------------------------------------------------------------------------------


def test_tiles_show_each_period(page: UsagePage) -> None:
    week = sum(p.requests for p in _week())
    assert page.tiles["7d"].value.text() == f"{week:,} requests"
    assert page.tiles["30d"].value.text() == f"{week:,} requests"
    today = sum(
        p.requests for p in _week() if p.bucket_start >= datetime(2025, 10, 9, tzinfo=UTC).timestamp()
    )
    assert page.tiles["today"].value.text() == f"{today:,} requests"
    assert "succeeded" in page.tiles["today"].detail.text()


def test_the_week_chart_has_an_hour_per_point(page: UsagePage, client: UsageClient) -> None:
    assert not page.requests_chart.is_empty() and not page.tokens_chart.is_empty()
    assert len(page.requests_chart._x) == 168
    assert ("day", "model") in [call[2:] for call in client.called("usage_series")]


def test_the_model_table_ranks_models(page: UsagePage) -> None:
    column = [page.sorted.index(r, 0).data() for r in range(page.sorted.rowCount())]
    assert column == list(MODELS)
    assert page.sorted.index(0, 3).data() == "98.4%"
    assert page.sorted.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)


@pytest.mark.parametrize(
    ("key", "bucket", "points"), [("24h", "hour", 24), ("30d", "day", 30)], ids=["day", "month"]
)
def test_switching_the_range_reloads(
    qtbot: QtBot, page: UsagePage, client: UsageClient, key: str, bucket: str, points: int
) -> None:
    button = next(b for b in page.range_buttons.buttons() if b.property("range") == key)
    button.click()
    qtbot.waitUntil(lambda: len(page.requests_chart._x) == points, timeout=3000)
    assert client.called("usage_series")[-2][2:] == (bucket, None)


def test_no_data_explains_how_to_get_some(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient()
    made = UsagePage(AppState(client), client, clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    assert made.requests_chart.is_empty()
    assert made.tiles["today"].detail.text() == "No requests"
    assert made.model.rowCount() == 0


def test_an_error_is_shown(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient()
    client.fail("usage_summary", "Usage statistics are not available in this build", 503)
    made = UsagePage(AppState(client), client, clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.message.isVisible(), timeout=3000)
    assert made.message.text() == "Could not load usage: Usage statistics are not available in this build"


def test_new_requests_reload_after_a_pause(qtbot: QtBot, page: UsagePage, client: UsageClient) -> None:
    before = len(client.called("usage_summary"))
    page._debounce.setInterval(0)
    page._debounce.start()
    qtbot.waitUntil(lambda: len(client.called("usage_summary")) == before + 3, timeout=3000)


def test_screenshot(qtbot: QtBot, themed: None, loop: asyncio.AbstractEventLoop, client: UsageClient) -> None:
    made = UsagePage(AppState(client), client, clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(made)
    frame = framed(qtbot, made)
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    save_shot(frame, "usage")
