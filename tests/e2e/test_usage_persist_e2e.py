"""Usage statistics end to end: exact totals in SQLite, kept across a restart, switched by config edits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import usage_db_path
from server.usage.runtime import UsageRuntime
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
from tests.fakes import Fail, Slow

pytestmark = pytest.mark.timeout(30)

SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
KEY_A = "sk-ant-usage-a-0001"
KEY_B = "sk-ant-usage-b-0001"
WINDOW = (0.0, 4e9)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartProxy]:
    with proxies(tmp_path) as starter:
        yield starter


def _document(tmp_path: Path, upstream: Upstream, **settings: Any) -> dict[str, Any]:
    keys = [{"api-key": key, "base-url": upstream.url} for key in (KEY_A, KEY_B)]
    return base_document(tmp_path, **{"claude-api-key": keys, "usage-statistics-enabled": True, **settings})


def _usage(proxy: Running) -> UsageRuntime:
    usage = getattr(proxy.service, "usage", None)
    assert isinstance(usage, UsageRuntime)
    return usage


def _ask(proxy: Running, model: str, *, stream: bool = False, key: str = CLIENT_KEY) -> None:
    body = {
        "model": model,
        "max_tokens": 16,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    }
    reply = httpx.post(proxy.url + "/v1/messages", json=body, headers={"x-api-key": key}, timeout=10)
    assert reply.status_code == 200, reply.text


def _flushed_requests(proxy: Running) -> int:
    usage = _usage(proxy)
    assert usage.flush(5)
    return usage.queries.totals(*WINDOW).requests


def test_totals_are_exact_and_survive_a_restart(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream))
    assert _usage(proxy).path == usage_db_path()
    calls = [(SONNET, False), (SONNET, True), (HAIKU, False), (HAIKU, True), (SONNET, False)]
    for model, stream in calls:
        _ask(proxy, model, stream=stream)
    upstream.fake.script(None, Fail(500))  # one failed attempt, then the other key answers
    _ask(proxy, SONNET)
    wait_for(lambda: _flushed_requests(proxy) == 7, timeout=3.0, what="every attempt is stored")

    queries = _usage(proxy).queries
    totals = queries.totals(*WINDOW)
    assert (totals.requests, totals.success, totals.failure) == (7, 6, 1)
    assert (totals.input_tokens, totals.output_tokens, totals.total_tokens) == (66, 42, 108)
    by_model = {g.key: g.totals.requests for g in queries.grouped(*WINDOW, "model")}
    assert by_model == {SONNET: 5, HAIKU: 2}
    by_credential = {g.label for g in queries.grouped(*WINDOW, "credential")}
    assert all(KEY_A not in label and KEY_B not in label for label in by_credential)
    (client,) = queries.grouped(*WINDOW, "client_key")
    assert client.totals.requests == 7 and CLIENT_KEY not in client.label

    proxy.controller.stop()
    restarted = start()
    assert restarted.service is not proxy.service
    again = _usage(restarted).queries.totals(*WINDOW)
    assert again == totals
    _ask(restarted, HAIKU)
    wait_for(lambda: _flushed_requests(restarted) == 8, timeout=3.0, what="counting goes on after a restart")


def test_route_source_and_ttft_are_recorded(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    proxy = start(_document(tmp_path, upstream, **{"api-keys": []}))  # open proxy: the route is the bucket
    upstream.fake.script(None, Slow(0.1))
    _ask(proxy, SONNET, stream=True)
    _ask(proxy, SONNET)
    wait_for(lambda: _flushed_requests(proxy) == 2, timeout=3.0, what="both attempts are stored")
    with _usage(proxy).store.read() as conn:
        rows = conn.execute(
            "SELECT api, source, stream, ttft_ms, latency_ms, auth_index FROM attempts ORDER BY id"
        )
        (streamed, whole) = rows.fetchall()
    assert streamed[0] == whole[0] == "POST /v1/messages"
    for _api, source, _stream, ttft, latency, auth_index in (streamed, whole):
        assert source and KEY_A not in source and KEY_B not in source
        assert len(auth_index) == 16 and KEY_A not in auth_index
        assert 0 <= ttft <= latency
    # a stream's first chunk came before its slow tail; a whole answer's TTFT is its full latency
    assert streamed[2] == 1 and streamed[3] < streamed[4] - 100
    assert whole[2] == 0 and whole[3] == whole[4]


def test_disabled_counts_nothing_until_switched_on_by_an_edit(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    document = _document(tmp_path, upstream, **{"usage-statistics-enabled": False})
    proxy = start(document)
    for _ in range(3):
        _ask(proxy, SONNET)
    assert _flushed_requests(proxy) == 0

    write_config(proxy.config_path, {**document, "usage-statistics-enabled": True})
    wait_for(lambda: proxy.service.config.usage_statistics_enabled, timeout=1.0, what="the switch is live")
    started = time.monotonic()
    _ask(proxy, SONNET)
    _ask(proxy, HAIKU, stream=True)
    assert _flushed_requests(proxy) == 2
    assert time.monotonic() - started < 5
