"""``GET /events``: the state-change stream (server-sent events) the GUI listens to instead of polling.

Each event is ``id: <n>`` / ``event: <kind>`` / ``data: <json>``; the first one is ``hello``. Events are
written at most ``_PACE`` apart (usage events arriving meanwhile merge into one with a ``count``), a
``: keep-alive`` comment goes out after ``_KEEPALIVE`` quiet seconds, and ``?kinds=a,b`` limits the
stream to those kinds (``resync`` always comes through).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from server import __version__
from server.api.management.common import Management, route
from server.events import RESYNC, Event, Subscription

__all__ = ["event_routes", "frame"]

_PACE = 0.25
_KEEPALIVE = 15.0


def frame(event: Event) -> bytes:
    data = json.dumps({**event.data, "time": event.time}, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n".encode()


async def _stream(subscription: Subscription, kinds: frozenset[str]) -> AsyncIterator[bytes]:
    try:
        yield b"retry: 3000\n" + frame(Event(0, "hello", {"version": __version__}, time.time()))
        while not subscription.closed:
            batch = await subscription.next_batch(_KEEPALIVE)
            if not batch:
                if not subscription.closed:
                    yield b": keep-alive\n\n"
                continue
            frames = [frame(e) for e in batch if not kinds or e.kind in kinds or e.kind == RESYNC]
            if frames:
                yield b"".join(frames)
            await asyncio.sleep(_PACE)
    finally:
        subscription.close()


async def events(request: Request, m: Management) -> Response:
    kinds = frozenset(k.strip() for k in request.query_params.get("kinds", "").split(",") if k.strip())
    subscription = m.service.events.subscribe()
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(subscription, kinds), media_type="text/event-stream", headers=headers)


def event_routes() -> list[BaseRoute]:
    return [route("/events", events, ["GET"])]
