"""A fast mock upstream for the benchmark: raw asyncio + httptools + uvloop, the four API families.

Routes (by path suffix, any prefix): ``…/chat/completions`` (OpenAI Chat), ``…/messages`` and
``…/messages/count_tokens`` (Anthropic), ``…/responses`` (OpenAI Responses / Codex),
``…:generateContent`` / ``…:streamGenerateContent`` / ``…:countTokens`` (Gemini), ``GET …/models``.
A request streams when its body has ``"stream":true`` (Gemini: the stream action).

Every answer is pre-built bytes; streams are written event by event (one ``write`` each, so the
proxy sees a real event stream), optionally ``delay_ms`` apart. ``POST /_bench/config`` with a JSON
object sets ``chunks``, ``chunk_bytes``, ``reply_bytes`` and ``delay_ms`` for the following requests;
``GET /_bench/stats`` returns how many requests were served.

    python -m tests.bench.mock_upstream --port 9100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from typing import Any

import httptools

from tests.bench.payloads import count_answer, non_stream_answer, stream_events

__all__ = ["MockSettings", "main", "serve"]


class MockSettings:
    """The knobs, and the answers built from them (rebuilt lazily when a knob changes)."""

    def __init__(self) -> None:
        self.chunks = 500
        self.chunk_bytes = 6
        self.reply_bytes = 200
        self.delay_ms = 0.0
        self.served = 0
        self._answers: dict[str, bytes] = {}
        self._streams: dict[str, bytes] = {}
        self._framed: dict[str, list[bytes]] = {}

    def update(self, values: dict[str, Any]) -> None:
        self.chunks = int(values.get("chunks", self.chunks))
        self.chunk_bytes = int(values.get("chunk_bytes", self.chunk_bytes))
        self.reply_bytes = int(values.get("reply_bytes", self.reply_bytes))
        self.delay_ms = float(values.get("delay_ms", self.delay_ms))
        self._answers.clear()
        self._framed.clear()

    def answer(self, family: str) -> bytes:
        found = self._answers.get(family)
        if found is None:
            body = non_stream_answer(family, self.reply_bytes)
            found = self._answers[family] = _head(200, "application/json", len(body)) + body
        return found

    def framed(self, family: str) -> list[bytes]:
        """The stream's events, each already framed as an HTTP/1.1 chunk."""
        found = self._framed.get(family)
        if found is None:
            events = stream_events(family, self.chunks, self.chunk_bytes)
            found = self._framed[family] = [b"%x\r\n%s\r\n" % (len(e), e) for e in events]
        return found


def _head(status: int, media: str, length: int | None) -> bytes:
    framing = f"content-length: {length}" if length is not None else "transfer-encoding: chunked"
    reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {media}\r\n{framing}\r\nconnection: keep-alive\r\n\r\n"
    ).encode()


_STREAM_HEAD = _head(200, "text/event-stream", None)
_END = b"0\r\n\r\n"


def _family(path: str) -> tuple[str, str]:
    """(family, action) of a request path; action is generate, stream or count."""
    if path.endswith("/chat/completions"):
        return "openai", "generate"
    if path.endswith("/messages/count_tokens"):
        return "claude", "count"
    if path.endswith("/messages"):
        return "claude", "generate"
    if path.endswith("/responses"):
        return "responses", "generate"
    if path.endswith(":streamGenerateContent"):
        return "gemini", "stream"
    if path.endswith(":generateContent"):
        return "gemini", "generate"
    if path.endswith(":countTokens"):
        return "gemini", "count"
    return "", ""


class _Connection(asyncio.Protocol):
    def __init__(self, settings: MockSettings) -> None:
        self.settings = settings
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transport is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        transport = self.transport
        if transport is None:
            return
        settings = self.settings
        settings.served += 1
        path = self.url.split(b"?", 1)[0].decode("latin-1")
        method = self.parser.get_method()
        if path.startswith("/_bench/"):
            self._control(path, method, transport)
            return
        if method == b"GET" and path.endswith("/models"):
            body = b'{"object":"list","data":[{"id":"mock-model","object":"model","created":1700000000}]}'
            transport.write(_head(200, "application/json", len(body)) + body)
            return
        family, action = _family(path)
        if not family:
            transport.write(_head(404, "application/json", 2) + b"{}")
            return
        if action == "count":
            body = count_answer(family)
            transport.write(_head(200, "application/json", len(body)) + body)
            return
        raw = b"".join(self.body) if len(self.body) != 1 else self.body[0]
        stream = action == "stream" or (
            family != "gemini" and (b'"stream":true' in raw or b'"stream": true' in raw)
        )
        if not stream:
            transport.write(settings.answer(family))
            return
        framed = settings.framed(family)
        if settings.delay_ms > 0:
            asyncio.get_running_loop().create_task(self._slow_stream(transport, framed, settings.delay_ms))
            return
        transport.write(_STREAM_HEAD)
        for piece in framed:
            transport.write(piece)
        transport.write(_END)

    async def _slow_stream(self, transport: asyncio.Transport, framed: list[bytes], delay_ms: float) -> None:
        transport.write(_STREAM_HEAD)
        for piece in framed:
            await asyncio.sleep(delay_ms / 1000)
            if transport.is_closing():
                return
            transport.write(piece)
        transport.write(_END)

    def _control(self, path: str, method: bytes, transport: asyncio.Transport) -> None:
        if path == "/_bench/config" and method == b"POST":
            self.settings.update(json.loads(b"".join(self.body) or b"{}"))
        body = json.dumps(
            {
                "served": self.settings.served,
                "chunks": self.settings.chunks,
                "chunk_bytes": self.settings.chunk_bytes,
                "reply_bytes": self.settings.reply_bytes,
                "delay_ms": self.settings.delay_ms,
                "pid": os.getpid(),
            }
        ).encode()
        transport.write(_head(200, "application/json", len(body)) + body)


async def serve(host: str, port: int) -> None:
    settings = MockSettings()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(settings), host, port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"mock upstream on http://{host}:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args()
    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            uvloop.run(serve(args.host, args.port))
            return
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
