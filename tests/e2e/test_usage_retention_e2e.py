"""Usage retention and timings end to end: ``usage-retention-days`` set over the management API, in the
file (hot reload) and at start prunes old rows from every aggregate; summary and series carry latency
and time-to-first-token sums, counts and means."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import usage_db_path
from server.usage.runtime import UsageRuntime
from server.usage.store import Attempt, UsageStore
from tests.e2e.conftest import Upstream
from tests.e2e.runtime_support import (
    CLIENT_KEY,
    Running,
    StartProxy,
    base_document,
    proxies,
    wait_for,
    write_config,
)

pytestmark = pytest.mark.timeout(30)

SECRET = "mgmt-retention-secret"
SONNET = "claude-sonnet-4-5-20250929"
OLD_MODEL = "old-model"
DAY = 86400.0


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartProxy]:
    with proxies(tmp_path) as starter:
        yield starter


def _document(tmp_path: Path, upstream: Upstream, **settings: Any) -> dict[str, Any]:
    return base_document(
        tmp_path,
        **{
            "claude-api-key": [{"api-key": "sk-ant-retention", "base-url": upstream.url}],
            "remote-management": {"secret-key": SECRET},
            **settings,
        },
    )


def _attempt(age_days: float, *, latency_ms: int = 0, ttft_ms: int = 0, model: str = OLD_MODEL) -> Attempt:
    ts = time.time() - age_days * DAY
    return Attempt(
        ts_ns=int(ts * 1e9),
        api="POST /v1/messages",
        model=model,
        provider="claude",
        credential_id="claude:apikey:old",
        input_tokens=10,
        output_tokens=5,
        total_tokens=15,
        status=200,
        latency_ms=latency_ms,
        ttft_ms=ttft_ms,
    )


def _usage(proxy: Running) -> UsageRuntime:
    usage = proxy.service.usage
    assert isinstance(usage, UsageRuntime)
    return usage


def _api(proxy: Running) -> httpx.Client:
    return httpx.Client(
        base_url=proxy.url + "/v0/management", headers={"Authorization": f"Bearer {SECRET}"}, timeout=10
    )


def _chat(proxy: Running) -> None:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    reply = httpx.post(proxy.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=10)
    assert reply.status_code == 200, reply.text


def _requests(proxy: Running) -> tuple[int, int, list[str]]:
    """(summary requests over 90 days, /usage total_requests, models in the summary)."""
    now = time.time()
    with _api(proxy) as api:
        summary = api.get("/usage/summary", params={"since": now - 90 * DAY, "until": now + 60}).json()
        snapshot = api.get("/usage").json()["usage"]
    models = sorted(g["key"] for g in summary["by_model"])
    return summary["totals"]["requests"], snapshot["total_requests"], models


def test_setting_it_over_the_management_api_prunes_old_rows(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream))
    _usage(proxy).store.insert([_attempt(40), _attempt(35), _attempt(3)])
    _chat(proxy)
    assert wait_for(lambda: _requests(proxy)[0] == 4, timeout=5, what="four requests counted")
    with _api(proxy) as api:
        assert api.get("/usage-retention-days").json() == {"usage-retention-days": 0}
        assert api.put("/usage-retention-days", json={"value": "10"}).status_code == 400  # exact JSON type
        assert api.put("/usage-retention-days", json={"value": 10}).status_code == 200
        assert api.get("/usage-retention-days").json() == {"usage-retention-days": 10}
    assert "usage-retention-days: 10" in proxy.config_path.read_text(encoding="utf-8")
    wait_for(lambda: _requests(proxy)[0] == 2, timeout=5, what="the two 30+ day old requests are gone")
    assert _requests(proxy) == (2, 2, sorted([OLD_MODEL, SONNET]))  # the 3-day-old row and the new one stay
    _chat(proxy)  # new requests are still recorded
    wait_for(lambda: _requests(proxy)[0] == 3, timeout=5, what="a new request is counted")
    with _api(proxy) as api:
        assert api.patch("/usage-retention-days", json={"value": -4}).status_code == 200
        assert api.get("/usage-retention-days").json() == {"usage-retention-days": 0}


def test_start_and_a_file_edit_apply_it(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    with UsageStore(usage_db_path()) as store:  # the database a previous run left behind
        store.insert([_attempt(400), _attempt(50), _attempt(20), _attempt(1)])
    document = _document(tmp_path, upstream, **{"usage-retention-days": 365})
    proxy = start(document)
    wait_for(lambda: _requests(proxy)[0] == 3, timeout=5, what="the 400-day-old request is gone at start")
    write_config(proxy.config_path, {**document, "usage-retention-days": 30})
    wait_for(lambda: _requests(proxy)[0] == 2, timeout=5, what="the hot-reloaded value prunes at once")
    assert _usage(proxy).store.count() == 2


def test_summary_and_series_carry_latency_and_ttft(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream))
    _usage(proxy).store.insert(
        [
            _attempt(0.1, latency_ms=100, ttft_ms=40),
            _attempt(0.1, latency_ms=300),  # a non-stream answer: no first token time
            _attempt(0.1),  # e.g. imported without timings
        ]
    )
    now = time.time()
    window = {"since": now - DAY, "until": now + 60}
    with _api(proxy) as api:
        summary = api.get("/usage/summary", params=window).json()
        series = api.get("/usage/series", params={**window, "bucket": "day"}).json()
        grouped = api.get("/usage/series", params={**window, "bucket": "day", "group_by": "model"}).json()
        empty = api.get("/usage/summary", params={"since": now - 3 * DAY, "until": now - 2 * DAY}).json()
    timings = {
        "latency_ms_sum": 400,
        "latency_count": 2,
        "avg_latency_ms": 200.0,
        "ttft_ms_sum": 40,
        "ttft_count": 1,
        "avg_ttft_ms": 40.0,
    }
    assert {k: summary["totals"][k] for k in timings} == timings
    assert summary["totals"]["requests"] == 3 and summary["totals"]["total_tokens"] == 45  # shape kept
    [model] = summary["by_model"]
    assert {k: model[k] for k in timings} == timings
    assert sum(p["requests"] for p in series["points"]) == 3
    assert sum(p["latency_ms_sum"] for p in series["points"]) == 400
    assert sum(p["ttft_count"] for p in series["points"]) == 1
    assert all(p["key"] == OLD_MODEL for p in grouped["points"])
    assert sum(p["latency_count"] for p in grouped["points"]) == 2
    assert (empty["totals"]["avg_latency_ms"], empty["totals"]["avg_ttft_ms"]) == (None, None)
    assert empty["totals"]["latency_count"] == 0
