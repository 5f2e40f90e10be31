"""The coalescing transport under uvicorn: one write per loop step, nothing held back or lost."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from server.http_protocol import FLUSH_AT, CoalescingHttpToolsProtocol, CoalescingTransport
from server.tasks import spawn


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = False
        self.events: list[str] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))
        self.events.append("write")

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True
        self.events.append("close")

    def abort(self) -> None:
        self.closing = True
        self.events.append("abort")

    def get_write_buffer_size(self) -> int:
        return 0


async def test_writes_of_one_step_leave_together() -> None:
    inner = Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(memoryview(b"body"))
    transport.write(b"")
    assert inner.writes == [] and transport.get_write_buffer_size() == 23
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert inner.writes[1:] == [b"next"]


async def test_a_long_step_is_written_in_pieces() -> None:
    inner = Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    for _ in range(3 * FLUSH_AT // 1000):
        transport.write(b"x" * 1000)
    assert len(inner.writes) == 2 and all(len(w) >= FLUSH_AT for w in inner.writes)
    await asyncio.sleep(0)
    assert sum(map(len, inner.writes)) == 3 * FLUSH_AT // 1000 * 1000


async def test_close_flushes_first_and_abort_drops() -> None:
    inner = Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"last answer")
    transport.close()
    assert inner.events == ["write", "close"] and inner.writes == [b"last answer"]
    await asyncio.sleep(0)  # the scheduled flush finds nothing left
    assert inner.writes == [b"last answer"]

    inner = Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"never sent")
    transport.abort()
    await asyncio.sleep(0)
    assert inner.writes == [] and inner.events == ["abort"]


async def test_nothing_is_written_to_a_closing_transport() -> None:
    inner = Recording()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"late")
    inner.closing = True
    await asyncio.sleep(0)
    assert inner.writes == []


async def _serve(app: Starlette) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=CoalescingHttpToolsProtocol, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    task = spawn(server.serve(sockets=[sock]), name="uvicorn")
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    return server, task, sock.getsockname()[1]


async def test_answers_and_streams_under_uvicorn() -> None:
    release = asyncio.Event()

    async def plain(request: Request) -> Response:
        return Response(b'{"ok": true}', media_type="application/json")

    async def stream(request: Request) -> Response:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: first\n\n"
            await release.wait()
            yield b"data: second\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    server, task, port = await _serve(Starlette(routes=[Route("/plain", plain), Route("/stream", stream)]))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(3):  # keep-alive: answers on one connection, each complete
            writer.write(b"GET /plain HTTP/1.1\r\nhost: x\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and b"content-length: 12" in head
            assert await reader.readexactly(12) == b'{"ok": true}'
        writer.write(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        await reader.readuntil(b"\r\n\r\n")
        # the first event arrives while the app still waits: nothing is held back for the rest
        first = await asyncio.wait_for(reader.readuntil(b"first\n\n\r\n"), 2)
        assert b"data: first" in first
        release.set()
        assert b"data: second" in await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 2)
        writer.close()
    finally:
        server.should_exit = True
        await task
