"""From HTTP request to pipeline and back: body parsing, the answer, and stream relaying."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator
from functools import partial

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server import jsoncodec
from server.api.context import Edge
from server.api.error_bodies import ErrorFormat, error_response, stream_error
from server.api.waiting import WaitingResponse
from server.errors import BadRequest, PayloadTooLarge, ProxyError
from server.jsontypes import JSONObject, without_lone_surrogates
from server.pipeline import Pipeline, ProxyRequest, ProxyStream

__all__ = ["RelayStreamingResponse", "answer", "answer_at", "read_json"]

log = logging.getLogger(__name__)

SSE_HEADERS = {
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}


async def read_json(request: Request, limit: int) -> JSONObject:
    """The request body as a JSON object; 413 above ``limit`` bytes, 400 when it is not JSON."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadRequest("Invalid request: empty body, expected a JSON object")
    try:
        parsed = jsoncodec.loads(raw)
    except UnicodeDecodeError as exc:
        raise BadRequest("Invalid request: body is not valid UTF-8") from exc
    except ValueError as exc:
        raise BadRequest(f"Invalid request: malformed JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("Invalid request: JSON nested too deeply") from exc
    if not isinstance(parsed, dict):
        raise BadRequest(f"Invalid request: expected a JSON object, got {type(parsed).__name__}")
    try:
        scrubbed = without_lone_surrogates(parsed, raw)
    except RecursionError as exc:
        raise BadRequest("Invalid request: JSON nested too deeply") from exc
    assert isinstance(scrubbed, dict)
    return scrubbed


async def answer_at(edge: Edge, request: ProxyRequest, fmt: ErrorFormat) -> Response:
    """``answer`` through the edge's pipeline, with the live config's keep-alive settings."""
    return await answer(
        edge.pipeline,
        request,
        fmt,
        keepalive=edge.keepalive(),
        nonstream_keepalive=edge.nonstream_keepalive(),
    )


async def answer(
    pipeline: Pipeline,
    request: ProxyRequest,
    fmt: ErrorFormat,
    *,
    keepalive: float = 0.0,
    nonstream_keepalive: float = 0.0,
) -> Response:
    """Run ``request`` and turn the outcome into a response in the client's format.

    ``keepalive`` > 0 interleaves an SSE comment whenever the upstream is silent that long.
    ``nonstream_keepalive`` > 0 makes a non-stream answer a ``WaitingResponse`` (newlines while slow).
    """
    if nonstream_keepalive > 0 and not request.stream:
        produce = partial(answer, pipeline, request, fmt, keepalive=keepalive)
        return WaitingResponse(produce, nonstream_keepalive, fmt)
    try:
        result = await pipeline.handle(request)
    except ProxyError as exc:
        return error_response(fmt, exc)
    except Exception:
        # A bug of ours must still reach the client as an error in its own format.
        log.exception("request for model %s failed unexpectedly", request.model)
        return error_response(fmt, ProxyError("internal error in the proxy; see its log"))
    if isinstance(result, ProxyStream):
        events = _whole_events(result.chunks) if result.media_type == "text/event-stream" else result.chunks
        chunks = _guarded(events, fmt)
        if keepalive > 0:
            chunks = _with_keepalive(chunks, keepalive)
        return RelayStreamingResponse(chunks, headers=dict(result.headers), media_type=result.media_type)
    return Response(
        result.content, status_code=result.status, media_type=result.media_type, headers=dict(result.headers)
    )


async def _guarded(chunks: AsyncGenerator[bytes, None], fmt: ErrorFormat) -> AsyncGenerator[bytes, None]:
    """Relay ``chunks``; a failure after the first byte becomes the format's error event."""
    try:
        async for chunk in chunks:
            yield chunk
    except ProxyError as exc:
        yield stream_error(fmt, exc)
    except Exception:
        log.exception("stream relay failed unexpectedly")
        yield stream_error(fmt, ProxyError("internal error in the proxy; see its log"))
    finally:
        with anyio.CancelScope(shield=True):
            await chunks.aclose()


_EVENT_END = re.compile(rb"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r|\n)")
"""A blank line: two line ends, where a CR before LF is one CRLF line end, never two."""


async def _whole_events(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Relay ``chunks`` cut at SSE event boundaries: a chunk's unfinished last event waits for the rest.

    So an upstream that breaks off mid-event, or a keep-alive comment, never leaves the client a
    half event glued to what follows; the half event of a broken stream is dropped.
    """
    pending: list[bytes] = []  # the unfinished event so far (never holds a complete one)
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            if not pending and chunk.endswith((b"\n\n", b"\r\n\r\n")):
                yield chunk
                continue
            # only the new bytes are searched (with the 3 before them: a boundary may straddle)
            tail = pending[-1][-3:] if pending else b""
            data = tail + chunk
            # a CR at the very end may be the first half of a CRLF still on its way: never cut after it
            search = data[:-1] if data.endswith(b"\r") else data
            end = max((m.end() for m in _EVENT_END.finditer(search)), default=0) - len(tail)
            if end <= 0:
                pending.append(chunk)
                continue
            out = b"".join([*pending, chunk[:end]])
            pending = [chunk[end:]] if end < len(chunk) else []
            yield out
        if pending:
            yield b"".join(pending)
    finally:
        with anyio.CancelScope(shield=True):
            await chunks.aclose()


KEEPALIVE = b": keep-alive\n\n"


async def _with_keepalive(
    chunks: AsyncGenerator[bytes, None], interval: float
) -> AsyncGenerator[bytes, None]:
    """Relay ``chunks``; emit a keep-alive comment after every ``interval`` seconds of silence."""
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = loop.create_task(anext(chunks))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield KEEPALIVE
                continue
            try:
                chunk = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield chunk
    finally:
        if pending is not None:
            pending.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(pending, return_exceptions=True)
        with anyio.CancelScope(shield=True):
            await chunks.aclose()


class RelayStreamingResponse(Response):
    """An SSE response that notices a client going away at once and closes the upstream.

    Starlette's StreamingResponse only notices a disconnect on the next write under ASGI 2.4,
    so a silent upstream would be kept open until it speaks; here a listener cancels the relay.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        chunks: AsyncGenerator[bytes, None],
        headers: dict[str, str],
        media_type: str = "text/event-stream",
    ) -> None:
        self._chunks = chunks
        self.media_type = media_type
        self.status_code = 200
        self.background = None
        # Relayed upstream headers (passthrough-headers) must not duplicate the proxy's own SSE headers.
        own = {name.lower() for name in SSE_HEADERS}
        self.init_headers({**SSE_HEADERS, **{k: v for k, v in headers.items() if k.lower() not in own}})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = anyio.Event()

        async with anyio.create_task_group() as group:

            async def relay() -> None:
                try:
                    await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
                    async for chunk in self._chunks:
                        if gone.is_set():
                            # uvicorn's send() returns at once once the client is gone: a relay of
                            # bytes already buffered would otherwise never suspend to be cancelled
                            return
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                except OSError:
                    pass  # the client went away; the finally below closes the upstream
                finally:
                    with anyio.CancelScope(shield=True):
                        await self._chunks.aclose()
                    group.cancel_scope.cancel()

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                gone.set()
                group.cancel_scope.cancel()

            group.start_soon(relay)
            group.start_soon(watch)
