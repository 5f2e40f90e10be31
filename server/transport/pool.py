"""``AsyncioTransport``: httpx's transport interface over asyncio connections kept in a LIFO pool."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator

import httpx

from server.transport.connection import Connection

__all__ = ["AsyncioTransport"]

_Origin = tuple[bytes, str, int]
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_WRITE_JOIN_LIMIT = 1 << 20
"""Bodies up to this size go out in the same write as the head (one syscall for a typical request)."""


class AsyncioTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio protocols, responses parsed by httptools, a LIFO keep-alive pool per origin.

    ``max_connections`` bounds the requests in flight (a request over the limit waits up to the pool
    timeout); at most ``max_keepalive`` idle connections are kept, each for ``keepalive_expiry``
    seconds. A request on a reused connection that the server had closed meanwhile is sent once more
    on a fresh connection when its body is in memory. No proxies and no HTTP/2: ``server.http`` hands
    clients with a proxy to httpx's own transport.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 512,
        max_keepalive: int = 64,
        keepalive_expiry: float = 60.0,
    ) -> None:
        self._verify = verify
        self._ssl: ssl.SSLContext | None = None
        self._max = max_connections
        self._max_idle = max_keepalive
        self._expiry = keepalive_expiry
        self._idle: dict[_Origin, list[Connection]] = {}
        self._idle_count = 0
        self._active = 0
        self._slot_waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    @property
    def idle_connections(self) -> int:
        """Kept-alive connections waiting for a request."""
        return self._idle_count

    @property
    def active_requests(self) -> int:
        """Requests holding a connection (from sending until their response is closed)."""
        return self._active

    @property
    def queued_requests(self) -> int:
        """Requests waiting for a slot (``max_connections`` are in flight)."""
        return sum(1 for waiter in self._slot_waiters if not waiter.done())

    # -- httpx -------------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        origin = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        head, keep_alive = _head(request, url.raw_path)
        try:
            body: bytes | None = request.content
        except httpx.RequestNotRead:
            body = None
        await self._acquire(timeouts.get("pool"), request)
        try:
            conn, status, headers = await self._exchange(request, origin, head, body, timeouts)
        except BaseException:
            self._release()
            raise
        return httpx.Response(
            status,
            headers=headers,
            stream=_Body(self, origin, conn, request, timeouts.get("read"), keep_alive),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for conns in idle.values():
            for conn in conns:
                conn.close()

    # -- one exchange ------------------------------------------------------------------------------

    async def _exchange(
        self,
        request: httpx.Request,
        origin: _Origin,
        head: bytes,
        body: bytes | None,
        timeouts: dict[str, float | None],
    ) -> tuple[Connection, int, list[tuple[bytes, bytes]]]:
        """Send the request and read the response head; one retry when a reused connection was stale."""
        retry, fresh = body is not None, False
        while True:
            # the retry takes a new connection: the next idle one may have gone stale with the first
            conn = None if fresh else self._checkout(origin)
            if conn is None:
                conn = await self._connect(origin, timeouts.get("connect"), request)
            try:
                await self._send(conn, request, head, body, timeouts.get("write"))
                status, headers = await conn.read_head(timeouts.get("read"))
            except (httpx.WriteError, httpx.RemoteProtocolError) as exc:
                conn.close()
                if retry and conn.reused and not conn.got_bytes:
                    retry, fresh = False, True  # the server closed a kept-alive connection: once more
                    continue
                exc.request = request
                raise
            except httpx.TransportError as exc:
                conn.close()
                exc.request = request
                raise
            except BaseException:
                conn.close()  # cancelled mid-exchange: the connection's state is unknown
                raise
            return conn, status, headers

    async def _send(
        self,
        conn: Connection,
        request: httpx.Request,
        head: bytes,
        body: bytes | None,
        within: float | None,
    ) -> None:
        conn.begin(head_only=request.method == "HEAD")
        if body is not None:
            if len(body) <= _WRITE_JOIN_LIMIT:
                await conn.write(head + body, within)
            else:
                await conn.write(head, within)
                await conn.write(body, within)
            return
        await conn.write(head, within)
        chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
        async for part in request.stream:  # type: ignore[union-attr]
            if not part:
                continue
            await conn.write(b"%x\r\n%b\r\n" % (len(part), part) if chunked else part, within)
        if chunked:
            await conn.write(b"0\r\n\r\n", within)

    async def _connect(self, origin: _Origin, within: float | None, request: httpx.Request) -> Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        context = self._context() if scheme == b"https" else None
        try:
            async with asyncio.timeout(within):
                _, conn = await loop.create_connection(
                    lambda: Connection(loop),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context is not None else None,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out", request=request) from exc
        except OSError as exc:  # ssl.SSLError is an OSError too
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return conn

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            verify = self._verify
            context = (
                verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
            )
            context.set_alpn_protocols(["http/1.1"])
            self._ssl = context
        return self._ssl

    # -- the pool ----------------------------------------------------------------------------------

    def _checkout(self, origin: _Origin) -> Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        oldest_ok = time.monotonic() - self._expiry
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            gone = conn.closed or conn.transport is None or conn.transport.is_closing()  # FIN seen
            if gone or conn.idle_since < oldest_ok:
                conn.close()
                continue
            conn.reused = True
            return conn
        return None

    def checkin(self, origin: _Origin, conn: Connection) -> None:
        """Keep ``conn`` for the next request to ``origin`` (or close it when the pool is full)."""
        if self._closed or self._idle_count >= self._max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle.setdefault(origin, []).append(conn)
        self._idle_count += 1

    async def _acquire(self, within: float | None, request: httpx.Request) -> None:
        if self._active < self._max and not self._slot_waiters:
            self._active += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._slot_waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed to us just as we gave up
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("no connection slot became free in time", request=request) from exc
            raise
        finally:
            if waiter in self._slot_waiters:
                self._slot_waiters.remove(waiter)

    def _release(self) -> None:
        while self._slot_waiters:
            waiter = self._slot_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the next waiter
                return
        self._active -= 1


class _Body(httpx.AsyncByteStream):
    """A response body read as it arrives; closing it returns the connection to the pool or closes it."""

    __slots__ = ("_owner", "_origin", "_conn", "_request", "_timeout", "_keep_alive", "_released")

    def __init__(
        self,
        owner: AsyncioTransport,
        origin: _Origin,
        conn: Connection,
        request: httpx.Request,
        within: float | None,
        keep_alive: bool,
    ) -> None:
        self._owner, self._origin, self._conn = owner, origin, conn
        self._request, self._timeout, self._keep_alive = request, within, keep_alive
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        try:
            while True:
                chunk = conn.take()
                if chunk is not None:
                    yield chunk
                elif conn.complete:
                    return
                else:
                    await conn.wait_body(self._timeout)
        except httpx.TransportError as exc:
            exc.request = self._request
            raise

    async def aclose(self) -> None:
        if self._released:
            return
        self._released = True
        conn = self._conn
        if self._keep_alive and conn.complete and conn.reusable():
            self._owner.checkin(self._origin, conn)
        else:
            conn.close()  # unread body, an error or a cancelled read: never reuse
        self._owner._release()


def _head(request: httpx.Request, target: bytes) -> tuple[bytes, bool]:
    """The request line and headers; and whether the connection may stay open afterwards."""
    parts = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    keep_alive = True
    for name, value in request.headers.raw:
        parts += (name, b": ", value, b"\r\n")
        if len(name) == 10 and name.lower() == b"connection" and b"close" in value.lower():
            keep_alive = False
    parts.append(b"\r\n")
    return b"".join(parts), keep_alive
