"""Streams through the edge: order kept, nothing lost or buffered, breaks end in the client's error event."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    AUTH,
    CHAT_BODY,
    CLAUDE_BODY,
    CLAUDE_KEY,
    CLAUDE_MODEL,
    CODEX_KEY,
    COMPAT_KEY,
    GEMINI_BODY,
    GEMINI_KEY,
    RESPONSES_BODY,
    SSEEvent,
    all_families,
    client,
    parse_sse,
)
from tests.fakes import CutStream, Malformed, Slow
from tests.fakes.claude_fake import CLAUDE
from tests.fakes.gemini_fake import GEMINI
from tests.fakes.openai_fake import CHAT
from tests.fakes.responses_fake import RESPONSES

pytestmark = pytest.mark.timeout(20)


@dataclass(frozen=True)
class Family:
    """One streaming route: where to send it, which key answers it, and how to read its text."""

    name: str
    path: str
    body: dict[str, Any]
    key: str
    fake_name: str
    frames: Callable[[int], int]
    """How many SSE frames the fake sends for a text split into ``n`` pieces."""


FAMILIES = [
    Family("claude", "/v1/messages", {**CLAUDE_BODY, "stream": True}, CLAUDE_KEY, "claude", lambda n: n + 6),
    # openai-compatible streams always ask for usage, so one usage chunk precedes [DONE]
    Family(
        "chat", "/v1/chat/completions", {**CHAT_BODY, "stream": True}, COMPAT_KEY, "openai", lambda n: n + 4
    ),
    Family(
        "responses",
        "/v1/responses",
        {**RESPONSES_BODY, "stream": True},
        CODEX_KEY,
        "responses",
        lambda n: n + 8,
    ),
    Family(
        "gemini",
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        GEMINI_BODY,
        GEMINI_KEY,
        "gemini",
        lambda n: n,
    ),
]
FAMILY_PARAMS = [pytest.param(family, id=family.name) for family in FAMILIES]


def text_of(family: Family, events: list[SSEEvent]) -> str:
    """The generated text carried by ``events`` in ``family``'s stream format."""
    pieces: list[str] = []
    for event in events:
        if event.data == "[DONE]":
            continue
        data = event.json()
        if family.name == "claude" and data["type"] == "content_block_delta":
            pieces.append(data["delta"]["text"])
        elif family.name == "chat":
            pieces += [choice["delta"].get("content") or "" for choice in data["choices"]]
        elif family.name == "responses" and data["type"] == "response.output_text.delta":
            pieces.append(data["delta"])
        elif family.name == "gemini":
            pieces += [part["text"] for part in data["candidates"][0]["content"]["parts"]]
    return "".join(pieces)


def _proxy(start_proxy: ProxyFactory, upstream: Upstream) -> Proxy:
    return start_proxy(all_families(upstream.url))


def _stream(proxy: Proxy, family: Family) -> httpx.Response:
    with client(proxy) as http:
        reply = http.post(family.path, json=family.body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/event-stream")
    return reply


def expected_shape(family: Family, pieces: int) -> list[tuple[str | None, str]]:
    """(event name, data ``type`` or marker) of every frame the fake sends, in order."""
    if family.name == "claude":
        names = ["message_start", "ping", "content_block_start"]
        names += ["content_block_delta"] * pieces + ["content_block_stop", "message_delta", "message_stop"]
        return [(name, name) for name in names]
    if family.name == "chat":
        return [(None, "chat.completion.chunk")] * (pieces + 3) + [(None, "[DONE]")]
    if family.name == "responses":
        names = ["response.created", "response.in_progress", "response.output_item.added"]
        names += ["response.content_part.added"] + ["response.output_text.delta"] * pieces
        names += ["response.output_text.done", "response.content_part.done", "response.output_item.done"]
        names += ["response.completed"]
        return [(name, name) for name in names]
    return [(None, "candidates")] * pieces


def shape_of(family: Family, events: list[SSEEvent]) -> list[tuple[str | None, str]]:
    shape: list[tuple[str | None, str]] = []
    for event in events:
        if event.data == "[DONE]":
            shape.append((event.event, "[DONE]"))
            continue
        data = event.json()
        if family.name == "chat":
            shape.append((event.event, data["object"]))
        elif family.name == "gemini":
            shape.append((event.event, "candidates" if "candidates" in data else "?"))
        else:
            shape.append((event.event, data["type"]))
    return shape


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_stream_keeps_the_upstream_event_order(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=4)
    reply = _stream(proxy, family)
    assert reply.headers["cache-control"] == "no-cache"
    events = parse_sse(reply.content)
    assert shape_of(family, events) == expected_shape(family, 4)
    assert text_of(family, events) == f"Hello from {family.fake_name} fake"
    if family.name == "responses":
        assert [e.json()["sequence_number"] for e in events] == list(range(len(events)))
        assert events[-1].json()["response"]["status"] == "completed"
    if family.name == "gemini":
        assert events[-1].json()["candidates"][0]["finishReason"] == "STOP"
    (sent,) = upstream.fake.requests_for(family.key)
    assert sent.method == "POST"


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_thousand_chunk_stream_arrives_complete(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(text="0123456789", payload_size=5000, chunks=1000)
    reply = _stream(proxy, family)
    events = parse_sse(reply.content)
    assert shape_of(family, events) == expected_shape(family, 1000)
    assert text_of(family, events) == "0123456789" * 500
    assert len(events) == family.frames(1000)
    if family.name == "responses":
        assert [e.json()["sequence_number"] for e in events] == list(range(len(events)))
    usage = [record for record in proxy.usage if record.stream]
    assert len(usage) == 1
    assert usage[0].status == 200


def _arrivals(proxy: Proxy, family: Family) -> tuple[float, list[tuple[float, bytes]]]:
    """Send the stream request; return its start time and when each raw piece arrived."""
    arrivals: list[tuple[float, bytes]] = []
    with client(proxy) as http:
        started = time.monotonic()
        with http.stream("POST", family.path, json=family.body, headers=AUTH) as reply:
            assert reply.status_code == 200
            for piece in reply.iter_raw():
                arrivals.append((time.monotonic(), piece))
    return started, arrivals


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_stream_is_not_buffered(start_proxy: ProxyFactory, upstream: Upstream, family: Family) -> None:
    delay = 0.15
    pieces = 5 if family.name == "gemini" else 1
    frames = family.frames(pieces)
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=pieces)
    upstream.fake.script(family.key, Slow(delay_per_chunk=delay))
    started, arrivals = _arrivals(proxy, family)
    first, last = arrivals[0][0] - started, arrivals[-1][0] - started
    upstream_duration = delay * (frames - 1)
    assert last >= upstream_duration * 0.9
    # the first event is in the client's hands long before the upstream is done
    assert first < upstream_duration / 2
    assert first < last - upstream_duration * 0.7
    # and the rest trickle in as they are produced, not in one lump at the end
    assert len(arrivals) >= frames // 2
    assert len(parse_sse(b"".join(piece for _, piece in arrivals))) == frames


def expected_error(family: Family, events: list[SSEEvent]) -> str:
    """Check the last event is ``family``'s in-stream error; return its message."""
    last = events[-1]
    if family.name == "claude":
        assert last.event == "error"
        data = last.json()
        assert data["type"] == "error"
        assert data["error"]["type"] == "api_error"
        return str(data["error"]["message"])
    if family.name == "responses":
        assert last.event == "error"
        data = last.json()
        assert data["type"] == "error"
        assert isinstance(data["code"], str)
        return str(data["message"])
    assert last.event is None
    error = last.json()["error"]
    if family.name == "gemini":
        assert error["code"] == 502
        assert error["status"] == "UNAVAILABLE"
    else:
        assert isinstance(error["type"], str)
    return str(error["message"])


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_cut_stream_ends_with_the_client_format_error_event(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=4)
    upstream.fake.script(family.key, CutStream(after_chunks=3))
    started = time.monotonic()
    reply = _stream(proxy, family)
    assert time.monotonic() - started < 5
    events = parse_sse(reply.content)
    assert len(events) == 4
    assert shape_of(family, events[:3]) == expected_shape(family, 4)[:3]
    assert "broke off" in expected_error(family, events)
    assert all(event.data != "[DONE]" for event in events)
    failed = [record for record in proxy.usage if record.failed]
    assert [record.status for record in failed] == [502]


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_malformed_upstream_event_is_relayed_and_the_proxy_survives(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    broken = {"claude": CLAUDE, "chat": CHAT, "responses": RESPONSES, "gemini": GEMINI}[
        family.name
    ].broken_frame
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(family.key, Malformed())
    reply = _stream(proxy, family)
    assert reply.content.endswith(broken)
    assert parse_sse(reply.content)[0].json()  # the good event before it is intact
    again = _stream(proxy, family)
    assert text_of(family, parse_sse(again.content)) == f"Hello from {family.fake_name} fake"


@pytest.mark.parametrize("family", FAMILY_PARAMS)
def test_client_disconnect_closes_the_upstream(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    delay = 0.3
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=20)
    upstream.fake.script(family.key, Slow(delay_per_chunk=delay))
    with client(proxy) as http:
        with http.stream("POST", family.path, json=family.body, headers=AUTH) as reply:
            assert reply.status_code == 200
            next(reply.iter_raw())
            left = time.monotonic()
    deadline = left + 1.5
    while not proxy.usage and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.usage, "the proxy kept relaying after the client went away"
    closed_after = time.monotonic() - left
    assert closed_after < 1.5
    # the upstream would have needed delay * frames seconds: the relay was cut, not run to its end
    assert closed_after < delay * family.frames(20) - 2
    (record,) = proxy.usage
    assert record.stream
    again = _stream(proxy, family)
    assert text_of(family, parse_sse(again.content)).startswith("Hello")


def test_sdk_stream_helpers_on_a_cut_stream_raise_or_end(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=4)
    for family in FAMILIES:
        upstream.fake.always(family.key, CutStream(after_chunks=3))
    prompt: list[Any] = [{"role": "user", "content": "hi"}]

    # Clients and streams are closed explicitly: an SDK that raises mid-stream may leave its socket open.
    with anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0) as claude:
        with pytest.raises(anthropic.APIStatusError, match="broke off"):
            with claude.messages.stream(model=CLAUDE_MODEL, max_tokens=8, messages=prompt) as stream:
                for _ in stream.text_stream:
                    pass

    with openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0) as oai:
        with pytest.raises(openai.APIError, match="broke off"):
            with oai.chat.completions.create(model="kimi-k2", messages=prompt, stream=True) as chunks:
                for _ in chunks:
                    pass
        with oai.responses.create(model="gpt-5", input="hi", stream=True) as events:
            received = list(events)
        assert received[-1].type == "error"
        assert "broke off" in received[-1].message
        with oai.responses.stream(model="gpt-5", input="hi") as responses:
            assert [event.type for event in responses][-1] == "error"

    with genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url}) as gemini:
        with pytest.raises(genai_errors.ServerError) as raised:
            for _ in gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"):
                pass
    assert raised.value.code == 502


# Client format ≠ upstream format: the translated stream still ends in the *client's* error event.
CROSS_CUTS = [
    pytest.param(
        Family(
            "claude", "/v1/messages", {**CLAUDE_BODY, "model": "gpt-5", "stream": True}, CODEX_KEY, "", len
        ),
        id="claude-from-codex",
    ),
    pytest.param(
        Family(
            "chat",
            "/v1/chat/completions",
            {**CHAT_BODY, "model": CLAUDE_MODEL, "stream": True},
            CLAUDE_KEY,
            "",
            len,
        ),
        id="chat-from-claude",
    ),
    pytest.param(
        Family(
            "responses",
            "/v1/responses",
            {**RESPONSES_BODY, "model": "gemini-2.5-flash", "stream": True},
            GEMINI_KEY,
            "",
            len,
        ),
        id="responses-from-gemini",
    ),
    pytest.param(
        Family(
            "gemini",
            f"/v1beta/models/{CLAUDE_MODEL}:streamGenerateContent?alt=sse",
            GEMINI_BODY,
            CLAUDE_KEY,
            "",
            len,
        ),
        id="gemini-from-claude",
    ),
]


@pytest.mark.parametrize("family", CROSS_CUTS)
def test_cut_translated_stream_ends_with_the_client_format_error_event(
    start_proxy: ProxyFactory, upstream: Upstream, family: Family
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=8)
    upstream.fake.script(family.key, CutStream(after_chunks=5))  # in every family: some text, then the cut
    started = time.monotonic()
    reply = _stream(proxy, family)
    assert time.monotonic() - started < 5
    events = parse_sse(reply.content)
    assert len(events) >= 2  # translated output, then the error
    assert "broke off" in expected_error(family, events)
    assert all(event.data != "[DONE]" for event in events)
    assert sum(1 for event in events if event.event == "error" or '"error"' in event.data[:10]) == 1
