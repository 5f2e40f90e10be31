"""``nonstream-keepalive-interval``: a bare newline every N s while a non-stream answer is pending."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from server.api.error_bodies import ErrorFormat, error_response
from server.errors import ProxyError

__all__ = ["KEEPALIVE_LINE", "WaitingResponse"]

log = logging.getLogger(__name__)

KEEPALIVE_LINE = b"\n"
"""What is written while waiting: JSON allows whitespace before a value, so every SDK still parses the
answer that follows."""

Produce = Callable[[], Awaitable[Response]]


class WaitingResponse(Response):
    """A non-stream answer still to be produced; the client hears a bare newline every ``interval`` s.

    ``produce`` (the pipeline run, already turned into a Response) starts when the response is sent.
    If it is ready within ``interval`` seconds its Response goes out exactly as it would have without
    this class: status, headers and body unchanged. Otherwise this class commits to status 200 and
    ``application/json`` at the first tick, writes ``KEEPALIVE_LINE`` on every tick, and then relays
    the answer's body alone. So a late error (upstream failure, no credential) still reaches the client
    as the error body in its own format, but under status 200: the status line has left already. The
    answer's own headers (content-length, relayed upstream headers) are dropped in that case.

    A client that goes away while waiting cancels ``produce``, and with it the upstream request.
    """

    def __init__(self, produce: Produce, interval: float, fmt: ErrorFormat) -> None:
        self._produce = produce
        self._interval = interval
        self._fmt = fmt
        self.status_code = 200
        self.background = None
        self.init_headers({"content-type": "application/json"})

    def then(self, finish: Callable[[Response], Response]) -> WaitingResponse:
        """The same wait, with ``finish`` applied to the answer once it is there (whichever way it
        goes out); for endpoints that rewrite what ``answer`` returns."""
        produce = self._produce

        async def finished() -> Response:
            return finish(await produce())

        return WaitingResponse(finished, self._interval, self._fmt)

    async def _answer(self) -> Response:
        try:
            return await self._produce()
        except Exception:
            # ``answer`` renders every failure itself: this is a bug of ours, still answered in format
            log.exception("non-stream answer failed unexpectedly")
            return error_response(self._fmt, ProxyError("internal error in the proxy; see its log"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ready: list[Response] = []
        started = False
        head = self.raw_headers

        async with anyio.create_task_group() as group:

            async def work() -> None:
                ready.append(await self._answer())
                group.cancel_scope.cancel()

            async def tick() -> None:
                nonlocal started
                try:
                    while True:
                        await anyio.sleep(self._interval)
                        # shielded: an answer arriving mid-write must not cut a message in half
                        with anyio.CancelScope(shield=True):
                            if not started:
                                await send({"type": "http.response.start", "status": 200, "headers": head})
                                started = True
                            await send(
                                {"type": "http.response.body", "body": KEEPALIVE_LINE, "more_body": True}
                            )
                except OSError:
                    group.cancel_scope.cancel()  # the client went away under the write

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(work)
            group.start_soon(tick)
            group.start_soon(watch)

        if not ready:
            return  # the client left; the pipeline was cancelled with the task group
        if not started:
            await ready[0](scope, receive, send)
            return

        async def body_only(message: Message) -> None:
            if message["type"] != "http.response.start":
                await send(message)

        try:
            await ready[0](scope, receive, body_only)
        except OSError:
            pass  # the client went away at the last moment
