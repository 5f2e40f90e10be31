"""State-change events: a small in-process publish/subscribe for the management event stream.

``EventBus.publish(kind, data)`` is cheap enough for the request path: with no subscriber it returns
at once; otherwise it appends to each subscriber's bounded queue. A subscriber that falls behind
loses its backlog and gets one ``resync`` event instead (re-read everything). Kinds listed in
``COALESCED`` (``usage.recorded``) merge with a pending event of the same kind by adding up their
``count``, so a burst of requests costs a subscriber one event.

Subscriptions belong to the asyncio loop they were created on; ``publish`` may be called from any
thread (it hands the event to that loop).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from server.jsontypes import JSONObject

__all__ = ["COALESCED", "RESYNC", "Event", "EventBus", "Subscription"]

COALESCED = frozenset({"usage.recorded"})
"""Kinds whose pending events merge into one (their ``count`` fields are summed)."""
RESYNC = "resync"
"""Sent instead of the events a slow subscriber lost."""


@dataclass(frozen=True, slots=True)
class Event:
    """One state change: a growing ``id``, its ``kind``, a small JSON ``data`` and the wall time."""

    id: int
    kind: str
    data: JSONObject = field(default_factory=dict)
    time: float = 0.0


class Subscription:
    """The events published after ``EventBus.subscribe``; iterate it, or await ``next_batch``."""

    def __init__(self, bus: EventBus, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self._bus = bus
        self._loop = loop
        self._limit = limit
        self._pending: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def _push(self, event: Event) -> None:
        """Queue ``event`` (runs on the subscription's loop)."""
        if self._closed:
            return
        pending = self._pending
        if pending and event.kind in COALESCED and pending[-1].kind == event.kind:
            last = pending.pop()
            merged = dict(event.data)
            merged["count"] = _count(last.data) + _count(event.data)
            event = Event(event.id, event.kind, merged, event.time)
        elif len(pending) >= self._limit:
            pending.clear()
            event = Event(event.id, RESYNC, {"reason": "subscriber fell behind"}, event.time)
        pending.append(event)
        self._wake.set()

    async def next_batch(self, max_wait: float | None = None) -> list[Event]:
        """Every pending event, waiting up to ``max_wait`` seconds for the first ([] on timeout or close)."""
        if not self._pending and not self._closed:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), max_wait)
            except TimeoutError:
                return []
        batch = list(self._pending)
        self._pending.clear()
        return batch

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while not self._pending:
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()
        return self._pending.popleft()

    def close(self) -> None:
        """Stop receiving events; a waiting consumer wakes up with what is left."""
        if not self._closed:
            self._closed = True
            self._bus._remove(self)
            self._wake.set()

    def _close_threadsafe(self) -> None:
        if _on_loop(self._loop):
            self.close()
        else:
            try:
                self._loop.call_soon_threadsafe(self.close)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                self._closed = True


class EventBus:
    """Publish state changes to any number of subscribers; ``clock`` gives the events' wall time."""

    def __init__(self, *, clock: Callable[[], float] = time.time, limit: int = 256) -> None:
        self._clock = clock
        self._limit = limit
        self._ids = itertools.count(1)
        self._subscribers: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, kind: str, data: JSONObject | None = None) -> None:
        """Tell every subscriber that ``kind`` happened; never blocks, never raises."""
        subscribers = self._subscribers
        if not subscribers:
            return
        event = Event(next(self._ids), kind, dict(data or {}), self._clock())
        for subscriber in subscribers:
            if _on_loop(subscriber._loop):
                subscriber._push(event)
                continue
            try:
                subscriber._loop.call_soon_threadsafe(subscriber._push, event)
            except RuntimeError:  # its loop has closed
                self._remove(subscriber)

    def subscribe(self, *, limit: int | None = None) -> Subscription:
        """A new subscription on the running loop; close it when done (``close`` on the bus does too)."""
        subscription = Subscription(self, asyncio.get_running_loop(), limit or self._limit)
        with self._lock:
            self._subscribers = (*self._subscribers, subscription)
        return subscription

    def close(self) -> None:
        """End every subscription (their iterators finish)."""
        for subscriber in self._subscribers:
            subscriber._close_threadsafe()
        with self._lock:
            self._subscribers = ()

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers = tuple(s for s in self._subscribers if s is not subscription)


def _count(data: JSONObject) -> int:
    value = data.get("count", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
