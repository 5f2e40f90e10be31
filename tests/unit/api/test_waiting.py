"""WaitingResponse and its hook in ``answer``: newlines while a non-stream answer is slow, else nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response
from starlette.types import Message

from server.api.context import Edge
from server.api.error_bodies import ErrorFormat, error_response
from server.api.relay import RelayStreamingResponse, answer
from server.api.waiting import KEEPALIVE_LINE, WaitingResponse
from server.config.schema import Config
from server.errors import ProxyError, UpstreamUnavailable
from server.pipeline import ProxyRequest, ProxyResponse, ProxyStream
from server.state import ProxyState

TICK = 0.01
"""A waiting interval far below anything a test waits for: the tests synchronise on what was sent."""

ANSWER = b'{"id":"x","choices":[{"message":{"content":"hi"}}]}'


class Client:
    """The ASGI side of one connection: records what the response sends and can hang up."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.gone = asyncio.Event()
        self._changed = asyncio.Event()

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        self._changed.set()

    @property
    def newlines(self) -> int:
        return sum(1 for m in self.sent if m.get("body") == KEEPALIVE_LINE)

    async def wait_for_newlines(self, count: int) -> None:
        async with asyncio.timeout(2):
            while self.newlines < count:
                self._changed.clear()
                await self._changed.wait()

    @property
    def body(self) -> bytes:
        return b"".join(bytes(m.get("body", b"")) for m in self.sent if m["type"] == "http.response.body")

    @property
    def start(self) -> Message:
        (start,) = [m for m in self.sent if m["type"] == "http.response.start"]
        return start


class Upstream:
    """A ``produce`` that answers ``response`` once released, and notes being started or cancelled."""

    def __init__(self, response: Response | None = None, *, error: Exception | None = None) -> None:
        self.response = response or Response(ANSWER, media_type="application/json")
        self.error = error
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = False

    async def __call__(self) -> Response:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if self.error is not None:
            raise self.error
        return self.response


async def _sent_directly(response: Response) -> list[Message]:
    client = Client()
    await response({"type": "http"}, client.receive, client.send)
    return client.sent


def _serve(response: Response, client: Client) -> asyncio.Task[None]:
    return asyncio.ensure_future(response({"type": "http"}, client.receive, client.send))


async def _finish(task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(2):
        await task


# ---- in time: the answer goes out exactly as it would without waiting -----------------------------

IN_TIME = [
    pytest.param(lambda: Response(ANSWER, media_type="application/json"), id="plain"),
    pytest.param(
        lambda: Response(b'{"e":1}', 429, {"retry-after": "7", "x-upstream": "a"}, "application/json"),
        id="error-with-headers",
    ),
    pytest.param(lambda: JSONResponse({"ok": True}, 201), id="json-201"),
    pytest.param(lambda: error_response("claude", ProxyError("nope", status=503)), id="proxy-error"),
]


@pytest.mark.parametrize("make", IN_TIME)
async def test_an_answer_in_time_goes_out_unchanged(make: Any) -> None:
    upstream = Upstream(make())
    upstream.release.set()
    client = Client()
    await WaitingResponse(upstream, 5.0, "openai")({"type": "http"}, client.receive, client.send)
    assert client.sent == await _sent_directly(make())
    assert client.newlines == 0


# ---- slow: 200 and newlines at once, then the answer's body ----------------------------------------


async def test_a_slow_answer_gets_newlines_then_its_body() -> None:
    upstream = Upstream(Response(ANSWER, media_type="application/json", headers={"x-upstream": "1"}))
    client = Client()
    task = _serve(WaitingResponse(upstream, TICK, "openai"), client)
    await client.wait_for_newlines(3)
    upstream.release.set()
    await _finish(task)
    assert client.start == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json")],
    }
    newlines = client.newlines
    assert client.body == KEEPALIVE_LINE * newlines + ANSWER
    assert not client.sent[-1].get("more_body", False)
    assert all(m.get("more_body") for m in client.sent[1:-1])
    assert json.loads(client.body) == json.loads(ANSWER)  # JSON parsers skip the leading newlines


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("openai", lambda body: body["error"]["message"] == "upstream timed out"),
        ("claude", lambda body: body["type"] == "error" and body["error"]["message"] == "upstream timed out"),
        ("gemini", lambda body: body["error"]["code"] == 504),
    ],
)
async def test_a_late_failure_is_the_error_body_in_format_under_200(fmt: ErrorFormat, expected: Any) -> None:
    pipeline = FakePipeline(error=UpstreamUnavailable("upstream timed out", status=504))
    client = Client()
    response = await answer(pipeline, _request(stream=False), fmt, nonstream_keepalive=TICK)  # type: ignore[arg-type]
    task = _serve(response, client)
    await client.wait_for_newlines(1)
    pipeline.release.set()
    await _finish(task)
    assert client.start["status"] == 200
    assert client.body.startswith(KEEPALIVE_LINE)
    assert expected(json.loads(client.body))


async def test_a_bug_in_produce_still_answers_in_the_clients_format() -> None:
    upstream = Upstream(error=RuntimeError("bug"))
    upstream.release.set()
    client = Client()
    await WaitingResponse(upstream, 5.0, "claude")({"type": "http"}, client.receive, client.send)
    assert client.start["status"] == 500
    assert json.loads(client.body)["type"] == "error"


# ---- a client that leaves cancels the upstream -----------------------------------------------------


async def test_a_client_leaving_while_newlines_flow_cancels_the_upstream() -> None:
    upstream = Upstream()
    client = Client()
    task = _serve(WaitingResponse(upstream, TICK, "openai"), client)
    await client.wait_for_newlines(1)
    client.gone.set()
    await _finish(task)
    assert upstream.cancelled
    assert ANSWER not in client.body


async def test_a_client_leaving_before_the_first_newline_cancels_the_upstream() -> None:
    upstream = Upstream()
    client = Client()
    task = _serve(WaitingResponse(upstream, 5.0, "openai"), client)
    async with asyncio.timeout(2):
        await upstream.started.wait()
    client.gone.set()
    await _finish(task)
    assert upstream.cancelled
    assert client.sent == []


async def test_a_send_failing_under_a_gone_client_cancels_the_upstream() -> None:
    upstream = Upstream()
    client = Client()

    async def broken(message: Message) -> None:
        await client.send(message)
        if message.get("body") == KEEPALIVE_LINE:
            raise ConnectionResetError("client went away")

    task = asyncio.ensure_future(
        WaitingResponse(upstream, TICK, "openai")({"type": "http"}, client.receive, broken)
    )
    await _finish(task)
    assert upstream.cancelled
    assert client.newlines == 1


# ---- then(): endpoints that rewrite the answer (legacy completions) --------------------------------


def _shout(response: Response) -> Response:
    return Response(bytes(response.body).upper(), response.status_code, media_type="application/json")


async def test_then_rewrites_an_answer_in_time() -> None:
    upstream = Upstream()
    upstream.release.set()
    client = Client()
    await WaitingResponse(upstream, 5.0, "openai").then(_shout)({"type": "http"}, client.receive, client.send)
    assert client.body == ANSWER.upper()
    assert client.newlines == 0


async def test_then_rewrites_a_slow_answer() -> None:
    upstream = Upstream()
    client = Client()
    task = _serve(WaitingResponse(upstream, TICK, "openai").then(_shout), client)
    await client.wait_for_newlines(1)
    upstream.release.set()
    await _finish(task)
    assert client.body.lstrip(KEEPALIVE_LINE) == ANSWER.upper()


# ---- answer(): waits only for non-stream requests, and only when asked to --------------------------


class FakePipeline:
    """Answers once released: a ProxyStream for stream requests, a ProxyResponse otherwise."""

    def __init__(self, *, error: ProxyError | None = None) -> None:
        self.release = asyncio.Event()
        self.error = error

    async def handle(self, request: ProxyRequest) -> ProxyResponse | ProxyStream:
        await self.release.wait()
        if self.error is not None:
            raise self.error
        if request.stream:
            return ProxyStream(_chunks())
        return ProxyResponse(200, ANSWER, headers={"x-upstream": "1"})


async def _chunks() -> AsyncGenerator[bytes, None]:
    yield b"data: {}\n\n"


def _request(*, stream: bool) -> ProxyRequest:
    return ProxyRequest(fmt="openai", model="m", body={"model": "m"}, stream=stream)


@pytest.mark.parametrize(
    ("interval", "stream", "kind"),
    [
        (0, False, Response),
        (0.0, True, RelayStreamingResponse),
        (-1, False, Response),
        (1, True, RelayStreamingResponse),
        (1, False, WaitingResponse),
        (0.5, False, WaitingResponse),
    ],
)
async def test_answer_waits_only_for_non_stream_requests_with_an_interval(
    interval: float, stream: bool, kind: type[Response]
) -> None:
    pipeline = FakePipeline()
    pipeline.release.set()
    response = await answer(pipeline, _request(stream=stream), "openai", nonstream_keepalive=interval)  # type: ignore[arg-type]
    assert type(response) is kind
    if isinstance(response, RelayStreamingResponse):
        await response._chunks.aclose()


async def test_answer_with_interval_zero_is_the_plain_answer() -> None:
    pipeline = FakePipeline()
    pipeline.release.set()
    plain = await answer(pipeline, _request(stream=False), "openai")  # type: ignore[arg-type]
    waited = await answer(pipeline, _request(stream=False), "openai", nonstream_keepalive=5)  # type: ignore[arg-type]
    assert await _sent_directly(waited) == await _sent_directly(plain)


def test_the_edge_reads_the_interval_from_the_live_config() -> None:
    state = ProxyState(Config())
    edge = Edge(state=state, pipeline=None)  # type: ignore[arg-type]
    assert edge.nonstream_keepalive() == 0
    state.apply_config(replace(state.config, nonstream_keepalive_interval=15))
    assert edge.nonstream_keepalive() == 15
