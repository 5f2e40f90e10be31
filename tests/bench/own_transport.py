"""A prototype httpx transport with no new dependency: asyncio protocol + httptools' C response parser.

Benchmark only (``pt_httpx --transport own``): it shows what the httpx API can do on a transport that
keeps a plain LIFO keep-alive pool per origin, parses responses in C and hands body bytes over as
they arrive. Plain HTTP/1.1 only: no TLS, proxies, timeouts or HTTP/2 — a real one would need them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

import httptools
import httpx

__all__ = ["OwnTransport"]

_HIGH_WATER = 1 << 20


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.head: asyncio.Future[None] | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.waiter: asyncio.Future[None] | None = None
        self.complete = False
        self.closed = False
        self.paused = False

    def begin(self) -> asyncio.Future[None]:
        self.headers, self.complete = [], False
        self.head = asyncio.get_running_loop().create_future()
        return self.head

    # asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(str(exc)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            self._fail(httpx.RemoteProtocolError("server disconnected"))
        self._wake()

    # httptools
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.head is not None and not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self.head is not None and not self.head.done():
            self.head.set_exception(exc)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    async def next_chunk(self) -> bytes | None:
        while not self.chunks:
            if self.complete:
                return None
            if self.closed:
                raise httpx.RemoteProtocolError("server disconnected inside the body")
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        chunk = self.chunks.popleft() if len(self.chunks) == 1 else b"".join(self._drain())
        self.buffered -= len(chunk)
        if self.paused and self.buffered < _HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    def _drain(self) -> list[bytes]:
        out = list(self.chunks)
        self.chunks.clear()
        return out


class _Body(httpx.AsyncByteStream):
    def __init__(self, transport: OwnTransport, key: tuple[str, int], conn: _Connection) -> None:
        self._owner, self._key, self._conn = transport, key, conn

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._conn.next_chunk()) is not None:
            yield chunk

    async def aclose(self) -> None:
        conn = self._conn
        if conn.complete and not conn.closed and conn.parser.should_keep_alive():
            self._owner.idle.setdefault(self._key, []).append(conn)
        elif conn.transport is not None:
            conn.transport.close()


class OwnTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.host, url.port or 80)
        pool = self.idle.get(key)
        conn = None
        while pool:
            candidate = pool.pop()
            if not candidate.closed:
                conn = candidate
                break
        if conn is None:
            loop = asyncio.get_running_loop()
            try:
                _, conn = await loop.create_connection(_Connection, key[0], key[1])
            except OSError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
        head = conn.begin()
        body = await request.aread()
        target = url.raw_path
        lines = [request.method.encode() + b" " + target + b" HTTP/1.1"]
        lines += [name + b": " + value for name, value in request.headers.raw]
        assert conn.transport is not None
        conn.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await head
        return httpx.Response(
            conn.parser.get_status_code(), headers=conn.headers, stream=_Body(self, key, conn)
        )

    async def aclose(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                if conn.transport is not None:
                    conn.transport.close()
        self.idle.clear()
