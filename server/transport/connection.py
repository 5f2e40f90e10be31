"""One HTTP/1.1 client connection: an asyncio protocol whose responses httptools' C parser reads."""

from __future__ import annotations

import asyncio
from collections import deque

import httptools
import httpx

__all__ = ["Connection"]

_HIGH_WATER = 1 << 20
"""Buffered body bytes above which the socket stops being read (backpressure on a slow consumer)."""
_LOW_WATER = _HIGH_WATER // 4


class Connection(asyncio.Protocol):
    """A keep-alive connection that carries one request/response at a time.

    ``begin()`` arms it for a response; the parser callbacks fill the head and body, and readers wait
    on one future that the protocol resolves (or fails) as bytes, the end of the message or a lost
    connection arrive. Errors are httpx's own exceptions, so callers see what httpcore would raise.
    """

    __slots__ = (
        "_loop",
        "transport",
        "closed",
        "reused",
        "idle_since",
        "got_bytes",
        "_parser",
        "_status",
        "_headers",
        "_head_done",
        "_head_only",
        "_complete",
        "_keep_alive",
        "_chunks",
        "_buffered",
        "_reading_paused",
        "_waiter",
        "_error",
        "_write_paused",
        "_drain",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.got_bytes = False
        self._parser: httptools.HttpResponseParser | None = None
        self._status = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_done = False
        self._head_only = False
        self._complete = False
        self._keep_alive = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._reading_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: Exception | None = None
        self._write_paused = False
        self._drain: asyncio.Future[None] | None = None

    # -- request side ------------------------------------------------------------------------------

    def begin(self, *, head_only: bool) -> None:
        """Arm for the next response (``head_only``: a HEAD request, whose answer has no body)."""
        self._parser = httptools.HttpResponseParser(self)
        self._status = 0
        self._headers = []
        self._head_done = self._complete = False
        self._head_only = head_only
        self._keep_alive = False
        self._error = None
        self.got_bytes = False

    async def write(self, data: bytes, within: float | None) -> None:
        """Send ``data``; waits (up to ``within`` seconds) while the socket buffer is full."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            raise httpx.WriteError("connection closed before the request was sent")
        transport.write(data)
        if self._write_paused:
            self._drain = self._loop.create_future()
            await self._wait(self._drain, within, httpx.WriteTimeout)

    # -- response side -----------------------------------------------------------------------------

    async def read_head(self, within: float | None) -> tuple[int, list[tuple[bytes, bytes]]]:
        while not self._head_done:
            self._raise_pending()
            if self.closed:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            self._waiter = self._loop.create_future()
            await self._wait(self._waiter, within, httpx.ReadTimeout)
        return self._status, self._headers

    def take(self) -> bytes | None:
        """Body bytes already received (joined), or ``None`` when there are none right now."""
        chunks = self._chunks
        if not chunks:
            return None
        chunk = chunks.popleft() if len(chunks) == 1 else b"".join(_drain(chunks))
        self._buffered -= len(chunk)
        if self._reading_paused and self._buffered < _LOW_WATER and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def complete(self) -> bool:
        return self._complete and not self._chunks

    async def wait_body(self, within: float | None) -> None:
        """Wait until more body bytes, the end of the body or an error arrive."""
        self._raise_pending()
        if self._chunks or self._complete:
            return
        if self.closed:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
        self._waiter = self._loop.create_future()
        await self._wait(self._waiter, within, httpx.ReadTimeout)

    def reusable(self) -> bool:
        return self._complete and self._keep_alive and not self.closed and self._error is None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _raise_pending(self) -> None:
        if self._error is not None:
            raise self._error

    async def _wait(
        self, future: asyncio.Future[None], within: float | None, error: type[httpx.TimeoutException]
    ) -> None:
        if within is None:
            await future
            return
        timer = self._loop.call_later(within, _expire, future, error)
        try:
            await future
        finally:
            timer.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self._error is None:
            self._error = exc
        self._wake()

    # -- asyncio protocol --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        parser = self._parser
        if parser is None or self._complete:
            self.close()  # bytes nobody asked for: the connection cannot be trusted any more
            return
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._parser is not None and self._head_done and not self._complete and self._reads_to_eof():
            self._complete = True  # a body without length ends with the connection
            self._keep_alive = False
        elif self._parser is not None and not self._complete:
            if self._head_done:
                message = "peer closed connection without sending complete message body"
            else:
                message = "Server disconnected without sending a response."
            self._fail(httpx.RemoteProtocolError(message))
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(httpx.WriteError("connection lost while sending the request"))

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # -- httptools callbacks -----------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self._parser
        assert parser is not None
        status = parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self._headers = []  # an interim answer (100 Continue); the real one follows
            return
        self._status = status
        self._keep_alive = parser.should_keep_alive()
        self._head_done = True
        if self._head_only:
            self._complete = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self._head_only:
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._head_done:
            self._complete = True
            self._wake()

    def _reads_to_eof(self) -> bool:
        if self._status in (204, 304):
            return False
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == b"content-length" or (
                lowered == b"transfer-encoding" and b"chunked" in value.lower()
            ):
                return False
        return True


def _drain(chunks: deque[bytes]) -> list[bytes]:
    out = list(chunks)
    chunks.clear()
    return out


def _expire(future: asyncio.Future[None], error: type[httpx.TimeoutException]) -> None:
    if not future.done():
        future.set_exception(error("timed out"))
