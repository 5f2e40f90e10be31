"""FakeUpstream: one Starlette app speaking OpenAI Chat, Responses, Anthropic and Gemini, with faults."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Literal

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from server.jsontypes import JSON, JSONObject
from tests.fakes.claude_fake import CLAUDE
from tests.fakes.gemini_fake import GEMINI, GEMINI_CLI
from tests.fakes.openai_fake import CHAT
from tests.fakes.responses_fake import RESPONSES
from tests.fakes.script import (
    Answer,
    Behaviour,
    CutStream,
    Fail,
    FakeOptions,
    Family,
    Hang,
    HtmlError,
    Malformed,
    Recorded,
    Reply,
    Slow,
    Thinking,
    ToolCall,
    api_key_of,
    derive_arguments,
    dumps,
    signature_for,
    split_pieces,
)

__all__ = ["FakeUpstream"]

_GEMINI_PATH = re.compile(r"/models/(?P<model>[^/:]+):(?P<action>[A-Za-z]+)$")
_CLI_PATH = re.compile(r"/v1internal:(?P<action>[A-Za-z]+)$")
_GEMINI_ACTIONS = {"generateContent": False, "streamGenerateContent": True}
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True, slots=True)
class _Route:
    family: Family
    action: Literal["generate", "count"]
    stream: bool
    model: str
    alt_json: bool = False


class FakeUpstream:
    """The fake provider. Thread-safe: tests script and read it while uvicorn serves it elsewhere."""

    def __init__(self, **options: object) -> None:
        self._initial = FakeOptions(**options)  # type: ignore[arg-type]
        self._options = self._initial
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._records: list[Recorded] = []
        self._queues: dict[str | None, deque[Behaviour]] = {}
        self._always: dict[str | None, Behaviour] = {}
        self.app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=_METHODS)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @property
    def options(self) -> FakeOptions:
        with self._lock:
            return self._options

    def configure(self, **changes: object) -> None:
        """Change answer options (text, chunks, delay, payload_size, tokens, tool_arguments)."""
        with self._lock:
            self._options = replace(self._options, **changes)  # type: ignore[arg-type]

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._records)

    def requests_for(self, api_key: str) -> list[Recorded]:
        with self._lock:
            return [record for record in self._records if record.api_key == api_key]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[Recorded]:
        """Block until at least ``count`` requests were recorded; TimeoutError otherwise."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._records) >= count, timeout):
                raise TimeoutError(f"fake upstream saw {len(self._records)} of {count} requests")
            return list(self._records)

    def clear(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self._records.clear()

    def reset(self) -> None:
        """Forget recorded requests, scripts and persistent behaviours; restore the initial options."""
        with self._lock:
            self._records.clear()
            self._queues.clear()
            self._always.clear()
            self._options = self._initial

    def script(self, api_key: str | None, *behaviours: Behaviour) -> None:
        """Queue behaviours for requests using ``api_key`` (None: any key), one per request."""
        with self._lock:
            self._queues.setdefault(api_key, deque()).extend(behaviours)

    def always(self, api_key: str | None, behaviour: Behaviour | None) -> None:
        """Apply ``behaviour`` to every request with ``api_key`` once its queue is empty (None removes it)."""
        with self._lock:
            if behaviour is None:
                self._always.pop(api_key, None)
            else:
                self._always[api_key] = behaviour

    def _take(self, api_key: str) -> Behaviour | None:
        with self._lock:
            for key in (api_key, None):
                queue = self._queues.get(key)
                if queue:
                    return queue.popleft()
            for key in (api_key, None):
                if key in self._always:
                    return self._always[key]
            return None

    async def _endpoint(self, request: Request) -> Response:
        raw = await request.body()
        query = dict(request.query_params)
        headers = {name.lower(): value for name, value in request.headers.items()}
        payload = _parse(raw)
        route = _resolve(request.method, request.url.path, query, payload)
        record = Recorded(
            request.method,
            request.url.path,
            query,
            headers,
            raw,
            payload,
            api_key_of(headers, query),
            route.family.name if route is not None else "",
        )
        with self._arrived:
            self._records.append(record)
            self._arrived.notify_all()
        if route is None:
            message = f"the fake upstream has no route for {request.method} {record.path}"
            return Response(dumps({"error": {"message": message}}), 404, media_type="application/json")
        if not isinstance(payload, dict):
            body, extra = route.family.error(400, "request body is not a JSON object", None)
            return Response(dumps(body), 400, extra, media_type="application/json")
        response = await self._respond(route, payload, self._take(record.api_key))
        if self.options.response_headers:
            response.headers.update(self.options.response_headers)
        return response

    async def _respond(self, route: _Route, payload: JSONObject, behaviour: Behaviour | None) -> Response:
        family = route.family
        if isinstance(behaviour, Fail):
            return _failure(family, behaviour)
        if isinstance(behaviour, HtmlError):
            return HTMLResponse(_html(behaviour.status), behaviour.status)
        if isinstance(behaviour, Hang):
            return _Hang()
        answer = self._answer(family, route.model, payload, behaviour)
        delay = behaviour.delay_per_chunk if isinstance(behaviour, Slow) else self.options.delay
        cut = behaviour.after_chunks if isinstance(behaviour, CutStream) else None
        if route.action == "generate" and route.stream and not route.alt_json:
            frames: Iterable[bytes] = family.stream(answer)
            if isinstance(behaviour, Malformed):
                frames = [next(iter(frames)), family.broken_frame]
            return _Frames(frames, delay, cut)
        if route.action == "count":
            content: JSON = family.count_tokens(answer)
        elif route.stream and family.chunk_list is not None:
            content = family.chunk_list(answer)
        else:
            content = family.non_stream(answer)
        if delay > 0:
            await asyncio.sleep(delay)
        data = dumps(content).encode()
        if isinstance(behaviour, Malformed):
            return Response(data[: len(data) // 2], 200, media_type="application/json")
        if cut is not None:
            return _Truncated(data)
        return Response(data, 200, media_type="application/json")

    def _answer(self, family: Family, model: str, payload: JSONObject, behaviour: Behaviour | None) -> Answer:
        options = self.options
        text = options.text if options.text is not None else f"Hello from {family.name} fake"
        if options.payload_size is not None:
            text = _resize(text, options.payload_size)
        chunks = options.chunks
        if isinstance(behaviour, Reply):
            text = behaviour.text if behaviour.text is not None else text
            chunks = behaviour.chunks if behaviour.chunks is not None else chunks
        tool = None
        wanted = family.tool_request(payload)
        if wanted is not None:
            name, schema = wanted
            arguments = (
                options.tool_arguments if options.tool_arguments is not None else derive_arguments(schema)
            )
            text_arguments = dumps(arguments)
            tool = ToolCall(name, text_arguments, split_pieces(text_arguments, chunks))
        thinking = None
        if family.thinking_request(payload):
            thought = options.thinking_text
            thought = thought if thought is not None else f"Thinking it over ({family.name} fake)"
            thinking = Thinking(thought, split_pieces(thought, chunks), signature_for(family.name))
        return Answer(
            model=model,
            text=text,
            pieces=split_pieces(text, chunks),
            tool=tool,
            input_tokens=options.input_tokens,
            output_tokens=options.output_tokens,
            created=int(time.time()),
            request=payload,
            thinking=thinking,
            reasoning_tokens=options.reasoning_tokens if thinking is not None else 0,
        )


def _parse(raw: bytes) -> JSON:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _resolve(method: str, path: str, query: dict[str, str], payload: JSON) -> _Route | None:
    if method != "POST":
        return None
    body = payload if isinstance(payload, dict) else {}
    model = str(body.get("model", "unknown"))
    if path.endswith("/chat/completions"):
        return _Route(CHAT, "generate", body.get("stream") is True, model)
    if path.endswith("/responses"):
        return _Route(RESPONSES, "generate", body.get("stream") is True, model)
    if path.endswith("/messages/count_tokens"):
        return _Route(CLAUDE, "count", False, model)
    if path.endswith("/messages"):
        return _Route(CLAUDE, "generate", bool(body.get("stream")), model)
    family = GEMINI
    match = _GEMINI_PATH.search(path)
    if match is not None:
        model = match["model"]
    else:
        match = _CLI_PATH.search(path)
        family = GEMINI_CLI
    if match is None:
        return None
    action = match["action"]
    alt_json = (query.get("alt") or query.get("$alt")) == "json"
    if action == "countTokens":
        return _Route(family, "count", False, model)
    if action in _GEMINI_ACTIONS:
        return _Route(family, "generate", _GEMINI_ACTIONS[action], model, alt_json)
    return None


def _resize(text: str, size: int) -> str:
    if not text:
        return "x" * size
    return (text * (size // len(text) + 1))[:size]


def _failure(family: Family, fail: Fail) -> Response:
    message = f"{_phrase(fail.status)} (fake {family.name} upstream)"
    default, headers = family.error(fail.status, message, fail.retry_after)
    headers = {**headers, **(fail.headers or {})}
    body = default if fail.body is None else fail.body
    content = (
        body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else dumps(body).encode()
    )
    media = None if any(name.lower() == "content-type" for name in headers) else "application/json"
    return Response(content, fail.status, headers, media_type=media)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _html(status: int) -> str:
    title = f"{status} {_phrase(status)}"
    return f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center></body></html>\n"


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class _Frames(StreamingResponse):
    """An SSE body sent frame by frame; with ``cut_after`` the connection drops after that many frames."""

    def __init__(self, frames: Iterable[bytes], delay: float, cut_after: int | None) -> None:
        super().__init__(iter(()), headers={"cache-control": "no-cache"}, media_type="text/event-stream")
        self._frames = frames
        self._delay = delay
        self._cut_after = cut_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                await _until_disconnect(receive)
                group.cancel_scope.cancel()

            group.start_soon(watch)
            await self._send_frames(send)
            group.cancel_scope.cancel()

    async def _send_frames(self, send: Send) -> None:
        for index, frame in enumerate(self._frames):
            if self._cut_after is not None and index >= self._cut_after:
                return  # returning without the final body message makes uvicorn close the socket
            if self._delay > 0 and index > 0:
                await asyncio.sleep(self._delay)
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _Truncated(Response):
    """A JSON body announced in full (content-length) of which only half is sent before the drop."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data, 200, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )


class _Hang(Response):
    """Never starts the response; ends when the client goes away or the server cancels it."""

    def __init__(self) -> None:
        super().__init__(None, 200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _until_disconnect(receive)
