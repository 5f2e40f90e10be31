"""The quota book (merge rules, change detection) and the runtime's throttled ``accounts`` events."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from server.credential import Credential
from server.events import EventBus
from server.quota.book import QuotaBook, QuotaWindow
from server.quota.runtime import QuotaRuntime, quota_of


def _w(
    window: str, used: float, *, source: Any = "headers", resets: float | None = 100.0, at: float = 1.0
) -> QuotaWindow:
    return QuotaWindow(window, window, used, resets, at, source)


def test_update_reports_only_visible_changes() -> None:
    book = QuotaBook()
    assert book.update("a", [_w("5h", 10), _w("7d", 20)], "headers") is True
    assert book.update("a", [_w("5h", 10, at=2.0, resets=100.4)], "headers") is False  # same reading
    assert book.windows("a")[0].updated_at == 2.0  # the stamp still moves
    assert book.update("a", [_w("5h", 11)], "headers") is True
    assert [(w.window, w.used_percent) for w in book.windows("a")] == [("5h", 11), ("7d", 20)]
    assert book.windows("unknown") == [] and book.as_json("unknown") == []


def test_a_fetch_replaces_earlier_fetched_windows_but_keeps_header_ones() -> None:
    book = QuotaBook()
    book.update("a", [_w("5h", 1)], "headers")
    book.update("a", [_w("m1", 5, source="fetch"), _w("m2", 6, source="fetch")], "fetch")
    assert book.update("a", [_w("m2", 6, source="fetch")], "fetch") is True  # m1 left
    assert [w.window for w in book.windows("a")] == ["5h", "m2"]
    assert book.as_json("a")[1] == {
        "window": "m2",
        "label": "m2",
        "used_percent": 6,
        "resets_at": 100.0,
        "updated_at": 1.0,
        "source": "fetch",
    }
    book.keep_only(["b"])
    assert book.windows("a") == []


def test_book_is_safe_from_many_threads() -> None:
    book = QuotaBook()

    def work(n: int) -> None:
        for i in range(200):
            book.update(f"c{n}", [_w("5h", i)], "headers")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [book.windows(f"c{n}")[0].used_percent for n in range(4)] == [199] * 4


class _Pipeline:
    def __init__(self) -> None:
        self.header_hooks: dict[str, Any] = {}


class _Service:
    def __init__(self) -> None:
        self.pipeline = _Pipeline()
        self.events = EventBus()


CODEX = Credential(id="codex-a.json", provider="codex", provider_type="codex", kind="oauth")


def _headers(used: int) -> dict[str, str]:
    return {"x-codex-primary-used-percent": str(used), "x-codex-primary-window-minutes": "300"}


async def test_header_hook_publishes_at_most_one_event_per_credential_per_interval() -> None:
    service = _Service()
    runtime = QuotaRuntime(min_interval=0.2)
    await runtime.start(service)  # type: ignore[arg-type]
    try:
        assert quota_of(service) is runtime  # type: ignore[arg-type]
        hook = service.pipeline.header_hooks["codex"]
        assert set(service.pipeline.header_hooks) == {"codex", "claude"}
        subscription = service.events.subscribe()
        hook(CODEX, _headers(1))
        hook(CODEX, _headers(2))  # within the interval: announced once the interval is over
        hook(CODEX, _headers(3))
        hook(CODEX, _headers(3))  # no change
        first = await subscription.next_batch(1.0)
        assert [(e.kind, e.data) for e in first] == [
            ("accounts", {"credential": CODEX.id, "reason": "quota"})
        ]
        loop = asyncio.get_running_loop()
        started = loop.time()
        second = await subscription.next_batch(2.0)
        assert [e.kind for e in second] == ["accounts"] and loop.time() - started > 0.1
        assert runtime.book.windows(CODEX.id)[0].used_percent == 3
        hook(CODEX, {"x-codex-primary-used-percent": "oops"})  # nothing readable: nothing changes
        hook(CODEX, None)  # type: ignore[arg-type]  # a broken hook input is logged, never raised
        assert await subscription.next_batch(0.3) == []
    finally:
        await runtime.stop()
    assert service.pipeline.header_hooks == {} and quota_of(service) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("from_thread", [False, True])
async def test_changes_from_other_threads_reach_the_loop(from_thread: bool) -> None:
    service = _Service()
    runtime = QuotaRuntime()
    await runtime.start(service)  # type: ignore[arg-type]
    subscription = service.events.subscribe()
    hook = service.pipeline.header_hooks["codex"]
    if from_thread:
        thread = threading.Thread(target=hook, args=(CODEX, _headers(5)))
        thread.start()
        thread.join()
    else:
        hook(CODEX, _headers(5))
    batch = await subscription.next_batch(2.0)
    await runtime.stop()
    assert [e.data["credential"] for e in batch] == [CODEX.id]
