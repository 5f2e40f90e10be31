"""AsyncioTransport reads every HTTP/1.1 body framing and keeps connections alive when it may."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from server.transport import AsyncioTransport
from tests.unit.transport.conftest import Handler, Seen, Server, answer

Start = Callable[[Handler], Awaitable[Server]]


def client(transport: AsyncioTransport | None = None, timeout: float = 5.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport or AsyncioTransport(), timeout=timeout)


async def reply(raw: bytes) -> Handler:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)

    return handler


CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"


@pytest.mark.parametrize(
    ("raw", "body", "reused"),
    [
        (answer(b'{"a":1}'), b'{"a":1}', True),
        (CHUNKED, b"hello world", True),
        (answer(b"", 204), b"", True),
        (b"HTTP/1.1 304 Not Modified\r\netag: x\r\n\r\n", b"", True),
        (answer(b"bye", 200, "connection: close"), b"bye", False),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi", b"hi", False),
    ],
    ids=["length", "chunked", "204", "304", "connection-close", "http10"],
)
async def test_bodies_and_keep_alive(start: Start, raw: bytes, body: bytes, reused: bool) -> None:
    server = await start(await reply(raw))
    async with client() as http:
        first = await http.get(server.url + "/a?x=1")
        second = await http.get(server.url + "/b")
    assert (first.content, second.content) == (body, body)
    assert [s.path for s in server.seen] == ["/a?x=1", "/b"]
    assert server.connections == (1 if reused else 2)


async def test_body_until_eof_is_read_whole_and_never_reused(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one, ")
        await writer.drain()
        writer.write(b"part two")
        writer.close()

    server = await start(handler)
    transport = AsyncioTransport()
    async with client(transport) as http:
        first = await http.get(server.url)
        second = await http.get(server.url)
        assert transport.idle_connections == 0
    assert first.content == second.content == b"part one, part two"
    assert server.connections == 2


async def test_head_answer_has_no_body_and_the_connection_stays_usable(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        if seen.method == "HEAD":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        else:
            writer.write(answer(b"after head"))

    server = await start(handler)
    async with client() as http:
        head = await http.head(server.url)
        after = await http.get(server.url)
    assert (head.headers["content-length"], head.content) == ("1000", b"")
    assert after.content == b"after head"
    assert server.connections == 1


async def test_request_bodies_with_length_and_chunked(start: Start) -> None:
    server = await start(await reply(answer()))

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"alpha ", b"", b"beta"):
            yield part

    async with client() as http:
        await http.post(server.url, content=b"x" * 3000)
        await http.post(server.url, content=parts())
    sized, chunked = server.seen
    assert (sized.headers["content-length"], sized.body) == ("3000", b"x" * 3000)
    assert (chunked.headers["transfer-encoding"], chunked.body) == ("chunked", b"alpha beta")
    assert server.connections == 1


async def test_streamed_body_arrives_in_pieces_with_backpressure(start: Start) -> None:
    piece = b"z" * 65536
    count = 64  # 4 MiB: past the high-water mark, so reading pauses and resumes

    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % (len(piece) * count))
        for _ in range(count):
            writer.write(piece)
            await writer.drain()

    server = await start(handler)
    transport = AsyncioTransport()
    total = reads = 0
    async with client(transport) as http:
        async with http.stream("GET", server.url) as response:
            async for chunk in response.aiter_raw():
                total += len(chunk)
                reads += 1
                if reads % 8 == 0:
                    await asyncio.sleep(0.001)  # a slowish consumer
        assert (transport.idle_connections, transport.active_requests) == (1, 0)
    assert total == len(piece) * count
    assert reads > 1


async def test_interim_100_continue_is_skipped(start: Start) -> None:
    server = await start(await reply(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"final")))
    async with client() as http:
        response = await http.post(server.url, content=b"{}")
    assert (response.status_code, response.content) == (200, b"final")


async def test_headers_keep_order_and_repeats(start: Start) -> None:
    raw = b"HTTP/1.1 201 Created\r\nx-a: 1\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: 0\r\n\r\n"
    server = await start(await reply(raw))
    async with client() as http:
        response = await http.get(server.url)
    assert response.status_code == 201
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.http_version == "HTTP/1.1"
