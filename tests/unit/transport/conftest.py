"""A scripted HTTP/1.1 loopback server for the transport tests: each test says how to answer."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httptools
import pytest


@dataclass(slots=True)
class Seen:
    """One request the server read, with the number of the connection it came on."""

    conn: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen, asyncio.StreamWriter], Awaitable[None]]


@dataclass(slots=True)
class Server:
    handler: Handler
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        return len({s.conn for s in self.seen})

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = next(self._ids)
        done: list[Seen] = []
        collector = _Collector(conn, done)
        parser = collector.parser = httptools.HttpRequestParser(collector)
        self.writers.append(writer)
        task = asyncio.current_task()
        assert task is not None
        self.tasks.append(task)
        try:
            while data := await reader.read(65536):
                parser.feed_data(data)
                while done:
                    request = done.pop(0)
                    self.seen.append(request)
                    self.arrived.set()
                    await self.handler(request, writer)
                    if writer.is_closing():
                        return
        except (ConnectionError, httptools.HttpParserError):
            pass
        finally:
            self.disconnected.set()
            writer.close()


class _Collector:
    def __init__(self, conn: int, done: list[Seen]) -> None:
        self.conn, self.done = conn, done
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.parser: httptools.HttpRequestParser | None = None

    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", {}, []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.parser is not None
        method = self.parser.get_method().decode()
        self.done.append(Seen(self.conn, method, self.url.decode(), self.headers, b"".join(self.body)))


def answer(body: bytes = b"ok", status: int = 200, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@pytest.fixture
async def start() -> AsyncIterator[Callable[[Handler], Awaitable[Server]]]:
    """``await start(handler)``: a running server on a free loopback port; closed after the test."""
    servers: list[tuple[asyncio.Server, Server]] = []

    async def _start(handler: Handler) -> Server:
        state = Server(handler)

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await state.serve(reader, writer)

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        servers.append((server, state))
        state.port = server.sockets[0].getsockname()[1]
        return state

    yield _start
    for server, state in servers:
        server.close()
        for writer in state.writers:
            writer.close()
        if state.tasks:
            await asyncio.wait(state.tasks, timeout=2)
        await server.wait_closed()
