"""The cross-format matrix: every client API against every upstream family, through the real proxy.

{OpenAI chat, Responses, Anthropic, Gemini} client x {Claude, Gemini, Codex, OpenAI-compatible}
upstream x {stream, non-stream} x {text, tool round trip, thinking, image} = 128 cells. Each cell
asserts on what the client's official SDK returned AND on what the fake upstream received.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import parse_sse
from tests.e2e.matrix_clients import driver, drivers
from tests.e2e.matrix_support import (
    ARGUMENTS,
    CITY_SCHEMA,
    CLIENTS,
    KINDS,
    PNG,
    TOOL_RESULT,
    UPSTREAMS,
    Driver,
    Family,
    Kind,
    Outcome,
    Turn,
    matrix_proxy,
    matrix_settings,
)
from tests.fakes import CutStream, Fail, Recorded, signature_for
from tests.fakes import received as rx

pytestmark = pytest.mark.timeout(20)

CELLS = [
    pytest.param(
        client, up, stream, kind, id=f"{client}-client/{up}-up/{'stream' if stream else 'non-stream'}/{kind}"
    )
    for client in CLIENTS
    for up in UPSTREAMS
    for stream in (True, False)
    for kind in KINDS
]

FINISH = {"chat": "stop", "responses": "completed", "anthropic": "end_turn", "gemini": "STOP"}
TOOL_FINISH = {"chat": "tool_calls", "responses": "completed", "anthropic": "tool_use", "gemini": "STOP"}
TOOL_ID = {"claude": r"toolu_[0-9a-f]{24}", "codex": r"call_[0-9a-f]{24}", "openai": r"call_[0-9a-f]{24}"}
"""The fake's tool-call ids per upstream; Gemini issues none (the proxy makes one up)."""
BUDGET = {"chat": 8192, "responses": 8192, "anthropic": 2048, "gemini": 2048}
"""Thinking budget each client's request means: effort "medium" or an explicit 2048 tokens."""
SIGNING_CLIENTS = ("responses", "anthropic", "gemini")
"""Client formats with a place for a thinking signature (encrypted_content, signature,
thoughtSignature); every upstream but OpenAI-compatible issues one, and it must arrive unchanged."""


@pytest.fixture(scope="module")
def matrix(upstream_server: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with matrix_proxy(upstream_server.url, tmp_path_factory.mktemp("matrix")) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def sdk(matrix: Proxy) -> Iterator[dict[str, Driver]]:
    with drivers(matrix) as made:
        yield made


@pytest.mark.parametrize(("client", "up", "stream", "kind"), CELLS)
def test_cell(
    sdk: dict[str, Driver], upstream: Upstream, client: str, up: str, stream: bool, kind: Kind
) -> None:
    family = UPSTREAMS[up]
    turn = Turn(kind, stream)
    got = sdk[client].run(family.model, turn)
    sent = _only_request(upstream, family)
    assert rx.max_tokens(sent) == turn.max_tokens
    if kind == "tool":
        _check_tool_round_trip(sdk[client], upstream, client, up, turn, got, sent)
        return
    assert got.text == f"Hello from {family.fake} fake"
    assert got.calls == []
    assert got.finish == FINISH[client]
    assert (got.input_tokens, got.output_tokens) == (
        11,
        7 + (5 if kind == "thinking" and up == "gemini" else 0),
    )
    assert rx.tool_calls(sent) == []
    assert rx.tool_results(sent) == []
    if kind == "image":
        # google-genai sends URL-safe base64: relayed as is to Gemini, made standard for the others
        data = PNG.replace("+", "-").replace("/", "_") if (client, up) == ("gemini", "gemini") else PNG
        assert rx.image_sources(sent) == [("image/png", data)]
    else:
        assert sent.images == []
    if kind == "thinking":
        _check_thinking(client, up, got, sent)
    else:
        assert got.thinking == ""
        assert rx.thinking(sent) == rx.ReceivedThinking()


def _only_request(upstream: Upstream, family: Family) -> Recorded:
    (sent,) = upstream.fake.requests_for(family.key)
    assert sent.family == family.fake
    assert upstream.fake.requests == [sent]  # nothing went to another upstream
    return sent


def _check_thinking(client: str, up: str, got: Outcome, sent: Recorded) -> None:
    family = UPSTREAMS[up]
    assert got.thinking == f"Thinking it over ({family.fake} fake)"
    if client in SIGNING_CLIENTS and up != "openai":
        assert got.signature == signature_for(family.fake)
    else:
        assert got.signature == ""
    asked = rx.thinking(sent)
    if up == "claude":
        assert (asked.kind, asked.budget) == ("enabled", BUDGET[client])
    elif up == "gemini":
        assert (asked.budget, asked.include_thoughts) == (BUDGET[client], True)
    else:
        assert asked.effort == "medium"


def _check_tool_round_trip(
    driver: Driver, upstream: Upstream, client: str, up: str, turn: Turn, got: Outcome, sent: Recorded
) -> None:
    family = UPSTREAMS[up]
    # leg 1: the upstream got the tool, translated; the client got the upstream's call
    ((name, schema),) = rx.declared_tools(sent)
    assert name == "get_weather"
    assert _plain_schema(schema) == CITY_SCHEMA
    (call,) = got.calls
    assert (call.name, call.arguments) == ("get_weather", ARGUMENTS)
    if up in TOOL_ID:
        assert re.fullmatch(TOOL_ID[up], call.id), call.id
    elif client != "gemini":
        assert call.id  # made up by the proxy: the client format needs one
    assert got.text == ""
    assert got.finish == TOOL_FINISH[client]
    assert (got.input_tokens, got.output_tokens) == (11, 7)

    # leg 2: the client sends the result back; the upstream sees the call and its result paired
    upstream.fake.clear()
    again = driver.run(family.model, Turn("tool", turn.stream, answer=call))
    (sent,) = upstream.fake.requests_for(family.key)
    assert again.text == f"Hello from {family.fake} fake"
    assert again.calls == []
    assert again.finish == FINISH[client]
    assert (again.input_tokens, again.output_tokens) == (11, 7)
    (replayed,) = rx.tool_calls(sent)
    (result,) = rx.tool_results(sent)
    assert (replayed.name, replayed.arguments) == ("get_weather", ARGUMENTS)
    assert TOOL_RESULT in result.text
    if up == "gemini":
        assert result.name == "get_weather"
        assert result.id == replayed.id  # both empty, or the same id
    else:
        assert replayed.id and result.id == replayed.id
        if call.id:
            assert replayed.id == call.id  # the id the upstream issued came back unchanged


def _plain_schema(schema: dict[str, Any]) -> Any:
    """``schema`` with type names lower-cased and the keys translators may add dropped."""

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (value.lower() if key == "type" and isinstance(value, str) else clean(value))
                for key, value in node.items()
                if key not in ("additionalProperties", "$schema")
            }
        if isinstance(node, list):
            return [clean(item) for item in node]
        return node

    return clean(schema)


# -- upstream errors come back in the client's own error format ----------------------------------

ERROR_CELLS = [
    pytest.param(client, up, stream, id=f"{client}-client/{up}-up/{'stream' if stream else 'non-stream'}")
    for client in CLIENTS
    for up in UPSTREAMS
    for stream in (True, False)
]
SDK_ERRORS: dict[str, dict[int, type[Exception]]] = {
    "chat": {400: openai.BadRequestError, 429: openai.RateLimitError},
    "responses": {400: openai.BadRequestError, 429: openai.RateLimitError},
    "anthropic": {400: anthropic.BadRequestError, 429: anthropic.RateLimitError},
    "gemini": {400: genai_errors.ClientError, 429: genai_errors.ClientError},
}
OPENAI_KIND = {400: ("invalid_request_error", None), 429: ("rate_limit_error", "rate_limit_exceeded")}
CLAUDE_KIND = {400: "invalid_request_error", 429: "rate_limit_error"}
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED"}


def _check_error_body(client: str, status: int, body: Any, message: str) -> None:
    """``body`` is ``status`` in ``client``'s own error shape, carrying the upstream's ``message``."""
    if client in ("chat", "responses"):
        assert set(body) == {"error"}, body
        kind, code = OPENAI_KIND[status]
        assert (body["error"]["type"], body["error"]["message"]) == (kind, message)
        assert body["error"].get("code") in (code, None)
    elif client == "anthropic":
        assert set(body) >= {"type", "error"} and body["type"] == "error", body
        assert body["error"] == {"type": CLAUDE_KIND[status], "message": message}
    else:
        assert set(body) == {"error"}, body
        error = body["error"]
        assert (error["code"], error["status"], error["message"]) == (status, GOOGLE_STATUS[status], message)


def _raised_body(client: str, raised: Exception) -> Any:
    if isinstance(raised, genai_errors.APIError):
        return raised.details
    assert isinstance(raised, openai.APIStatusError | anthropic.APIStatusError)
    return raised.response.json()


@pytest.mark.parametrize(("client", "up", "stream"), ERROR_CELLS)
def test_upstream_error_in_the_client_format(
    sdk: dict[str, Driver], upstream: Upstream, client: str, up: str, stream: bool
) -> None:
    """A 400 (no cooldown, so the shared proxy stays usable) from any upstream family."""
    family = UPSTREAMS[up]
    upstream.fake.script(family.key, Fail(400))
    with pytest.raises(SDK_ERRORS[client][400]) as raised:
        sdk[client].run(family.model, Turn("text", stream))
    _check_error_body(
        client, 400, _raised_body(client, raised.value), f"Bad Request (fake {family.fake} upstream)"
    )


RATE_LIMITS = [
    pytest.param("anthropic", "gemini", id="anthropic-client/gemini-up"),
    pytest.param("chat", "claude", id="chat-client/claude-up"),
    pytest.param("responses", "gemini", id="responses-client/gemini-up"),
    pytest.param("gemini", "openai", id="gemini-client/openai-up"),
]


@pytest.mark.parametrize(("client", "up"), RATE_LIMITS)
def test_upstream_rate_limit_in_the_client_format(
    start_proxy: ProxyFactory, upstream: Upstream, client: str, up: str
) -> None:
    """A 429 with the upstream's own retry hint: the client's 429 shape and a Retry-After header."""
    family = UPSTREAMS[up]
    proxy = start_proxy(matrix_settings(upstream.url))
    upstream.fake.script(family.key, Fail(429, retry_after=1))
    sdk = driver(client, proxy)
    try:
        with pytest.raises(SDK_ERRORS[client][429]) as raised:
            sdk.run(family.model, Turn("text", False))
    finally:
        sdk.close()
    error = raised.value
    message = f"Too Many Requests (fake {family.fake} upstream)"
    _check_error_body(client, 429, _raised_body(client, error), message)
    if isinstance(error, openai.APIStatusError | anthropic.APIStatusError):
        assert error.response.headers["retry-after"] == "1"


MID_STREAM = [
    pytest.param("/v1/chat/completions", {"model": "claude-sonnet-4-5-20250929"}, "claude", id="chat-client"),
    pytest.param(
        "/v1/responses", {"model": "gemini-2.5-flash", "input": "hi"}, "gemini", id="responses-client"
    ),
    pytest.param("/v1/messages", {"model": "gpt-5", "max_tokens": 64}, "codex", id="anthropic-client"),
    pytest.param("/v1beta/models/kimi-k2:streamGenerateContent?alt=sse", {}, "openai", id="gemini-client"),
]


@pytest.mark.parametrize(("path", "body", "up"), MID_STREAM)
def test_a_stream_broken_after_it_began_ends_with_the_client_format_error_event(
    matrix: Proxy, upstream: Upstream, path: str, body: dict[str, Any], up: str
) -> None:
    request: dict[str, Any] = {**body, "stream": True}
    if path.startswith("/v1beta"):
        request = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    elif "input" not in body:
        request["messages"] = [{"role": "user", "content": "hi"}]
    upstream.fake.configure(chunks=6)
    upstream.fake.script(UPSTREAMS[up].key, CutStream(after_chunks=4))
    reply = httpx.post(
        matrix.url + path, json=request, headers={"Authorization": f"Bearer {CLIENT_KEY}"}, timeout=10
    )
    assert reply.status_code == 200
    last = parse_sse(reply.content)[-1]
    data = last.json()
    if path == "/v1/messages":
        assert last.event == "error" and data["type"] == "error" and data["error"]["type"] == "api_error"
    elif path == "/v1/responses":
        assert last.event == "error" and data["type"] == "error" and data["message"]
    elif path.startswith("/v1beta"):
        assert last.event is None and set(data["error"]) == {"code", "message", "status"}
    else:
        assert last.event is None and set(data) == {"error"} and data["error"]["type"] == "server_error"


# -- token counts: from the upstream where it has an endpoint, else estimated ---------------------

COUNT_PATHS = {"claude": "/v1/messages/count_tokens", "gemini": "/v1beta/models/gemini-2.5-flash:countTokens"}


@pytest.mark.parametrize("up", list(UPSTREAMS), ids=[f"{up}-up" for up in UPSTREAMS])
@pytest.mark.parametrize("client", ["anthropic", "gemini"], ids=["anthropic-client", "gemini-client"])
def test_count_tokens_comes_from_the_upstream_or_is_estimated(
    matrix: Proxy, upstream: Upstream, client: str, up: str
) -> None:
    family = UPSTREAMS[up]
    text = "abcd" * 100  # 400 characters: about 100 tokens at 4 characters a token
    if client == "anthropic":
        with anthropic.Anthropic(base_url=matrix.url, api_key=CLIENT_KEY, max_retries=0) as claude:
            counted = claude.messages.count_tokens(
                model=family.model, messages=[{"role": "user", "content": text}]
            ).input_tokens
    else:
        with genai.Client(api_key=CLIENT_KEY, http_options={"base_url": matrix.url}) as google:
            counted = google.models.count_tokens(model=family.model, contents=text).total_tokens
    if up in COUNT_PATHS:
        (sent,) = upstream.fake.requests
        assert (sent.path, sent.api_key) == (COUNT_PATHS[up], family.key)
        assert counted == 11  # the fake's count
    else:
        assert upstream.fake.requests == []  # no endpoint upstream: estimated locally
        assert counted is not None and 100 <= counted <= 110
