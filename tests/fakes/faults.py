"""A fault-injecting fake upstream: a raw asyncio HTTP/1.1 server that misbehaves on purpose.

It speaks just enough of the Claude (``/v1/messages``) and OpenAI Chat (``/chat/completions``) wire
formats for the proxy to relay a good beginning, then fails the way real networks and gateways do:
reset before the headers, reset mid-stream, trickle past the read timeout, malformed SSE, a 200 with an
error body, an HTML error page, a truncated chunked body, or a plain HTTP error status. A connection
that starts with a TLS ClientHello gets plain HTTP bytes back (a failed handshake), whatever the fault.
It counts connections and bytes so tests can see the proxy hang up and apply backpressure.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum

__all__ = ["Fault", "FaultServer", "closed_port"]


class Fault(Enum):
    OK = "ok"
    """A normal answer (stream or not)."""
    RESET_BEFORE_HEADERS = "reset-before-headers"
    RESET_MID_STREAM = "reset-mid-stream"
    """Headers and the first events (non-stream: half the body), then a TCP reset."""
    TRICKLE_BEFORE_HEADERS = "trickle-before-headers"
    """One byte of the status line, then silence longer than any test's read timeout."""
    TRICKLE_MID_STREAM = "trickle-mid-stream"
    """Headers and the first events, then silence."""
    MALFORMED_SSE = "malformed-sse"
    """200 event stream of broken JSON, binary junk and lines without a field name."""
    ERROR_BODY_200 = "error-body-200"
    """200 ``application/json`` whose body is the family's error object."""
    HTML_502 = "html-502"
    TRUNCATED_CHUNKED = "truncated-chunked"
    """200 chunked: a few chunks, then the connection closes (FIN) without the last chunk."""
    STATUS_401 = "401"
    STATUS_429 = "429"
    BIG_STREAM = "big-stream"
    """A large stream (``big_bytes``) written as fast as the reader takes it."""


@dataclass(frozen=True, slots=True)
class _Request:
    path: str
    stream: bool


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FaultServer:
    """The server, on its own event loop in a daemon thread. ``fault`` may be changed at any time."""

    def __init__(self, *, stall: float = 30.0, big_bytes: int = 64 * 1024 * 1024) -> None:
        self.fault = Fault.OK
        self.stall = stall
        self.big_bytes = big_bytes
        self._lock = threading.Lock()
        self.open_connections = 0
        self.connections = 0
        self.sent_bytes = 0
        self.peer_closed = threading.Event()
        """Set when a connection ends because the proxy closed it (a cancelled upstream request)."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-upstream", daemon=True)
        self._thread.start()
        started: Future[asyncio.Server] = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        )
        self._server = started.result(timeout=5)
        self.port = int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    # -- one connection ---------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.open_connections += 1
            self.connections += 1
        fault = self.fault
        try:
            first = await reader.read(1)
            if first == b"\x16":  # a TLS ClientHello: answer in plain HTTP, the handshake fails
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            request = await _read_request(first, reader)
            if request is None:
                return
            await self._answer(fault, request, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.peer_closed.set()
        finally:
            with self._lock:
                self.open_connections -= 1
            if not writer.is_closing():
                writer.close()

    async def _answer(
        self, fault: Fault, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        claude = "/messages" in request.path
        if fault is Fault.RESET_BEFORE_HEADERS:
            _reset(writer)
            return
        if fault is Fault.TRICKLE_BEFORE_HEADERS:
            writer.write(b"H")
            await writer.drain()
            await self._until_closed(reader)
            return
        if fault in (Fault.STATUS_401, Fault.STATUS_429):
            status = int(fault.value)
            await self._send(writer, status, "application/json", _error_body(claude, status))
            return
        if fault is Fault.HTML_502:
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
            await self._send(writer, 502, "text/html", page)
            return
        if fault is Fault.ERROR_BODY_200:
            await self._send(writer, 200, "application/json", _error_body(claude, 500))
            return
        if not request.stream:
            body = _answer_body(claude)
            if fault in (Fault.RESET_MID_STREAM, Fault.TRUNCATED_CHUNKED, Fault.TRICKLE_MID_STREAM):
                head = _head(200, "application/json", len(body))
                writer.write(head + body[: len(body) // 2])
                await writer.drain()
                if fault is Fault.RESET_MID_STREAM:
                    _reset(writer)
                elif fault is Fault.TRICKLE_MID_STREAM:
                    await self._until_closed(reader)
                return
            if fault is Fault.MALFORMED_SSE:
                body = b'{"id": "x", "content": [ {"type": "text", "te'
            await self._send(writer, 200, "application/json", body)
            return
        await self._stream(fault, claude, reader, writer)

    async def _stream(
        self, fault: Fault, claude: bool, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        if fault is Fault.MALFORMED_SSE:
            for junk in (
                b"data: {not json\n\n",
                b"\x00\xff\xfe garbage\n\n",
                b"event: x\ndata: [1,\n\n",
                b":\n",
            ):
                await self._chunk(writer, junk)
            await self._chunk(writer, b"")
            return
        if fault is Fault.BIG_STREAM:
            event = _events(claude, "x" * 2000)[1]
            while self.sent_bytes < self.big_bytes:
                await self._chunk(writer, event * 16)
            await self._chunk(writer, b"".join(_events(claude, "")[2:]))
            await self._chunk(writer, b"")
            return
        events = _events(claude, "Hello from the fault server")
        for event in events[:2]:
            await self._chunk(writer, event)
        if fault is Fault.RESET_MID_STREAM:
            _reset(writer)
            return
        if fault is Fault.TRUNCATED_CHUNKED:
            writer.write(b"ff\r\npartial")  # a chunk announced bigger than what comes, then FIN
            await writer.drain()
            return
        if fault is Fault.TRICKLE_MID_STREAM:
            await self._until_closed(reader)
            return
        for event in events[2:]:
            await self._chunk(writer, event)
        await self._chunk(writer, b"")

    async def _chunk(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(b"%x\r\n%s\r\n" % (len(data), data))
        with self._lock:
            self.sent_bytes += len(data)
        await writer.drain()

    async def _send(self, writer: asyncio.StreamWriter, status: int, media: str, body: bytes) -> None:
        writer.write(_head(status, media, len(body)) + body)
        await writer.drain()

    async def _until_closed(self, reader: asyncio.StreamReader) -> None:
        """Say nothing more; return when the proxy hangs up (or after ``stall`` seconds)."""
        try:
            async with asyncio.timeout(self.stall):
                while await reader.read(1024):
                    pass
            self.peer_closed.set()
        except TimeoutError:
            pass


async def _read_request(first: bytes, reader: asyncio.StreamReader) -> _Request | None:
    if not first:
        return None
    try:
        head = first + await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    length = int(headers.get("content-length", "0") or 0)
    raw = await reader.readexactly(length) if length else b""
    try:
        stream = bool(json.loads(raw).get("stream"))
    except (ValueError, AttributeError):
        stream = False
    return _Request(path, stream)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _head(status: int, media: str, length: int) -> bytes:
    return f"HTTP/1.1 {status} X\r\nContent-Type: {media}\r\nContent-Length: {length}\r\n\r\n".encode()


def _error_body(claude: bool, status: int) -> bytes:
    if claude:
        kinds = {401: "authentication_error", 429: "rate_limit_error"}
        body: object = {
            "type": "error",
            "error": {"type": kinds.get(status, "api_error"), "message": "fault"},
        }
    else:
        body = {"error": {"message": "fault", "type": "server_error", "code": str(status)}}
    return json.dumps(body).encode()


def _answer_body(claude: bool) -> bytes:
    if claude:
        return json.dumps(
            {
                "id": "msg_fault",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5-20250929",
                "content": [{"type": "text", "text": "Hello from the fault server"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 3, "output_tokens": 5},
            }
        ).encode()
    return json.dumps(
        {
            "id": "chatcmpl-fault",
            "object": "chat.completion",
            "created": 1,
            "model": "kimi",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello from the fault server"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
        }
    ).encode()


def _sse(data: object, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def _events(claude: bool, text: str) -> list[bytes]:
    """A complete stream: [start, one text delta, …closing events]."""
    if claude:
        return [
            _sse(
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_fault",
                        "type": "message",
                        "role": "assistant",
                        "model": "claude-sonnet-4-5-20250929",
                        "content": [],
                        "usage": {"input_tokens": 3, "output_tokens": 0},
                    },
                },
                "message_start",
            )
            + _sse(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start",
            ),
            _sse(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
                "content_block_delta",
            ),
            _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            _sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn"},
                    "usage": {"output_tokens": 5},
                },
                "message_delta",
            ),
            _sse({"type": "message_stop"}, "message_stop"),
        ]
    chunk = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 1, "model": "kimi"}
    return [
        _sse({**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
        _sse({**chunk, "choices": [{"index": 0, "delta": {"content": text}}]}),
        _sse({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        b"data: [DONE]\n\n",
    ]
