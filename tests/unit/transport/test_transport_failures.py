"""AsyncioTransport under failure: stale keep-alives, timeouts, broken answers, cancellation, load."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from server.tasks import spawn
from server.transport import AsyncioTransport
from tests.unit.transport.conftest import Handler, Seen, Server, answer

Start = Callable[[Handler], Awaitable[Server]]


def client(transport: AsyncioTransport, **timeouts: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5.0, **timeouts))


def drops_second_request_on_first_connection() -> Handler:
    """Answer, but close connection 1 silently when its second request arrives (a stale keep-alive)."""
    count = [0]

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        if seen.conn == 1:
            count[0] += 1
            if count[0] == 2:
                writer.close()
                return
        writer.write(answer(b"fresh" if seen.conn > 1 else b"first"))

    return handler


async def test_stale_kept_alive_connection_is_retried_once_on_a_fresh_one(start: Start) -> None:
    server = await start(drops_second_request_on_first_connection())
    transport = AsyncioTransport()
    async with client(transport) as http:
        assert (await http.post(server.url, content=b"1")).content == b"first"
        second = await http.post(server.url, content=b"2")
    assert second.content == b"fresh"
    assert [(s.conn, s.body) for s in server.seen] == [(1, b"1"), (1, b"2"), (2, b"2")]


async def test_a_streamed_request_body_is_not_resent(start: Start) -> None:
    server = await start(drops_second_request_on_first_connection())

    async def body() -> AsyncIterator[bytes]:
        yield b"once"

    async with client(AsyncioTransport()) as http:
        await http.post(server.url, content=b"1")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(server.url, content=body())
    assert server.connections == 1


async def test_fresh_connection_closed_without_answer_is_an_error(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await start(handler)
    async with client(AsyncioTransport()) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response") as caught:
            await http.get(server.url)
    assert caught.value.request.url == server.url
    assert server.connections == 1


@pytest.mark.parametrize(
    ("raw", "error", "match"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", httpx.RemoteProtocolError, "complete"),
        (b"NOT HTTP AT ALL\r\n\r\n", httpx.RemoteProtocolError, "malformed"),
    ],
    ids=["truncated", "garbage"],
)
async def test_broken_answers(start: Start, raw: bytes, error: type[Exception], match: str) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        writer.close()

    server = await start(handler)
    transport = AsyncioTransport()
    async with client(transport) as http:
        with pytest.raises(error, match=match):
            await http.get(server.url)
        assert (transport.idle_connections, transport.active_requests) == (0, 0)


async def test_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: the connection is refused
        async with client(AsyncioTransport()) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/")


async def test_read_timeouts_before_the_head_and_inside_the_body(start: Start) -> None:
    release = asyncio.Event()

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        if seen.path == "/body":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf")
        await release.wait()

    server = await start(handler)
    transport = AsyncioTransport()
    async with client(transport, read=0.05) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url + "/head")
        async with http.stream("GET", server.url + "/body") as response:
            with pytest.raises(httpx.ReadTimeout):
                await response.aread()
        assert (transport.idle_connections, transport.active_requests) == (0, 0)
    release.set()


async def test_pool_timeout_when_every_slot_is_taken(start: Start) -> None:
    server = await start(lambda seen, writer: _write(writer, answer()))
    transport = AsyncioTransport(max_connections=1)
    async with client(transport, pool=0.05) as http:
        async with http.stream("GET", server.url):
            with pytest.raises(httpx.PoolTimeout):
                await http.get(server.url)
        assert (await http.get(server.url)).content == b"ok"  # the slot came back
        assert transport.active_requests == 0


async def test_a_request_cancelled_while_waiting_for_a_slot_gives_nothing_back_twice(start: Start) -> None:
    server = await start(lambda seen, writer: _write(writer, answer()))
    transport = AsyncioTransport(max_connections=1)
    async with client(transport) as http:
        async with http.stream("GET", server.url):
            waiting = spawn(http.get(server.url), name="waiting")
            await until(lambda: transport.queued_requests == 1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert transport.active_requests == 1
        assert transport.active_requests == 0
        answers = await asyncio.gather(*(http.get(server.url) for _ in range(3)))  # queue behind one slot
        assert [a.content for a in answers] == [b"ok"] * 3
        assert transport.active_requests == 0


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)


async def test_cancelled_request_closes_its_connection(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        if seen.path == "/stream":
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nopen\r\n")
        # then silence: the client gives up

    server = await start(handler)
    transport = AsyncioTransport()
    async with client(transport) as http:
        waiting = spawn(http.get(server.url + "/head"), name="head")
        await server.arrived.wait()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.wait_for(server.disconnected.wait(), 2)

        first_chunk = asyncio.Event()

        async def read_stream() -> None:
            async with http.stream("GET", server.url + "/stream") as response:
                async for _ in response.aiter_raw():
                    first_chunk.set()

        reading = spawn(read_stream(), name="stream")
        await first_chunk.wait()
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert (transport.idle_connections, transport.active_requests) == (0, 0)


async def test_concurrency_64_shares_a_bounded_pool(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.002)
        writer.write(answer(seen.path.encode()))

    server = await start(handler)
    transport = AsyncioTransport(max_keepalive=32)
    async with client(transport) as http:
        for _ in range(2):
            answers = await asyncio.gather(*(http.get(f"{server.url}/{i}") for i in range(64)))
            assert [a.content for a in answers] == [f"/{i}".encode() for i in range(64)]
        assert transport.active_requests == 0
        assert transport.idle_connections == 32
    assert 32 <= server.connections <= 128
