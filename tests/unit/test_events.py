"""EventBus: publish/subscribe, coalescing, overflow, closing, and publishing from other threads."""

from __future__ import annotations

import asyncio
import threading

from server.events import RESYNC, Event, EventBus


def _bus() -> EventBus:
    return EventBus(clock=lambda: 123.0, limit=4)


def test_publish_without_subscribers_is_a_no_op() -> None:
    bus = _bus()
    bus.publish("config.changed", {"keys": ["debug"]})
    assert bus.subscriber_count == 0


async def test_subscribers_get_events_in_order() -> None:
    bus = _bus()
    first, second = bus.subscribe(), bus.subscribe()
    bus.publish("a", {"x": 1})
    bus.publish("b")
    assert [e.kind for e in await first.next_batch(0)] == ["a", "b"]
    batch = await second.next_batch(0)
    assert batch[0] == Event(batch[0].id, "a", {"x": 1}, 123.0) and batch[1].id > batch[0].id


async def test_usage_events_merge_while_pending() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    for model in ("m1", "m2", "m3"):
        bus.publish("usage.recorded", {"count": 1, "model": model})
    bus.publish("config.changed")
    bus.publish("usage.recorded", {"count": 2, "model": "m4"})
    batch = await subscription.next_batch(0)
    assert [(e.kind, e.data.get("count"), e.data.get("model")) for e in batch] == [
        ("usage.recorded", 3, "m3"),
        ("config.changed", None, None),
        ("usage.recorded", 2, "m4"),
    ]


async def test_a_subscriber_that_falls_behind_gets_resync() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    for i in range(6):
        bus.publish("cooldown.started", {"i": i})
    kinds = [e.kind for e in await subscription.next_batch(0)]
    assert kinds == [RESYNC, "cooldown.started"]


async def test_next_batch_waits_and_times_out() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    assert await subscription.next_batch(0.01) == []
    asyncio.get_running_loop().call_later(0.01, bus.publish, "late")
    assert [e.kind for e in await subscription.next_batch(2)] == ["late"]


async def test_iteration_ends_when_the_bus_closes() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    bus.publish("a")

    async def collect() -> list[str]:
        return [event.kind async for event in subscription]

    task = asyncio.ensure_future(collect())
    await asyncio.sleep(0.01)
    bus.close()
    assert await asyncio.wait_for(task, 2) == ["a"]
    assert subscription.closed and bus.subscriber_count == 0
    bus.publish("after")  # nobody listens any more


async def test_close_unsubscribes_one() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    subscription.close()
    assert bus.subscriber_count == 0
    assert await subscription.next_batch(1) == []


async def test_publishing_from_another_thread_reaches_the_loop() -> None:
    bus = _bus()
    subscription = bus.subscribe()
    thread = threading.Thread(target=bus.publish, args=("from-thread", {"n": 1}))
    thread.start()
    thread.join()
    batch = await subscription.next_batch(2)
    assert [(e.kind, e.data) for e in batch] == [("from-thread", {"n": 1})]
