"""Usage from non-stream answers and from stream transcripts of each wire format."""

from __future__ import annotations

import json

import pytest

from server.formats.sse import SSEParser
from server.formats.usage import StreamUsageTap, Usage, WireFormat, usage_from_response
from server.jsontypes import JSONObject


def _sse(events: list[tuple[str, JSONObject | str]], *, compact: bool = True, eol: str = "\n") -> bytes:
    """A transcript: ``event:`` line when named, one ``data:`` line, blank line."""
    seps = (",", ":") if compact else (", ", ": ")
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data, separators=seps)
        out.append((f"event: {name}{eol}" if name else "") + f"data: {text}{eol}{eol}")
    return "".join(out).encode()


CLAUDE_EVENTS: list[tuple[str, JSONObject | str]] = [
    (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5-20250929",
                "content": [],
                "stop_reason": None,
                "usage": {
                    "input_tokens": 25,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 100,
                    "output_tokens": 1,
                },
            },
        },
    ),
    ("ping", {"type": "ping"}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": 'the "usage": {} of message_delta'},
        },
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "message_delta",
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 15}},
    ),
    ("message_stop", {"type": "message_stop"}),
]
CLAUDE_STREAM = _sse(CLAUDE_EVENTS)

_CHUNK: JSONObject = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
OPENAI_STREAM = _sse(
    [
        ("", {**_CHUNK, "choices": [{"index": 0, "delta": {"role": "assistant"}}], "usage": None}),
        ("", {**_CHUNK, "choices": [{"index": 0, "delta": {"content": "Hi"}}], "usage": None}),
        ("", {**_CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": None}),
        (
            "",
            {
                **_CHUNK,
                "choices": [],
                "usage": {
                    "prompt_tokens": 12,
                    "completion_tokens": 30,
                    "total_tokens": 42,
                    "prompt_tokens_details": {"cached_tokens": 4},
                    "completion_tokens_details": {"reasoning_tokens": 20},
                },
            },
        ),
        ("", "[DONE]"),
    ],
    compact=False,
)

_RESP: JSONObject = {"id": "resp_1", "object": "response"}
RESPONSES_EVENTS: list[tuple[str, JSONObject | str]] = [
    ("response.created", {"type": "response.created", "response": {**_RESP, "usage": None}}),
    ("response.in_progress", {"type": "response.in_progress", "response": {**_RESP, "usage": None}}),
    (
        "response.output_item.added",
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message"}},
    ),
    ("response.output_text.delta", {"type": "response.output_text.delta", "delta": "Hi"}),
    (
        "response.completed",
        {
            "type": "response.completed",
            "response": {
                **_RESP,
                "status": "completed",
                "usage": {
                    "input_tokens": 50,
                    "input_tokens_details": {"cached_tokens": 10},
                    "output_tokens": 70,
                    "output_tokens_details": {"reasoning_tokens": 64},
                    "total_tokens": 120,
                },
            },
        },
    ),
]
RESPONSES_STREAM = _sse(RESPONSES_EVENTS)

GEMINI_STREAM = (
    b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],'
    b'"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash"}\r\n\r\n'
    b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]},"finishReason":"STOP",'
    b'"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":5,"totalTokenCount":113,'
    b'"thoughtsTokenCount":100,"cachedContentTokenCount":2},"modelVersion":"gemini-2.5-flash"}\r\n\r\n'
)

GEMINI_CLI_STREAM = (
    b'data: {"response":{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],'
    b'"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7}},"traceId":"t"}\n\n'
)


def _tap(fmt: WireFormat, raw: bytes, chunk: int = 7) -> StreamUsageTap:
    parser = SSEParser()
    tap = StreamUsageTap(fmt)
    for i in range(0, len(raw), chunk):
        for event in parser.feed(raw[i : i + chunk]):
            tap.feed(event)
    for event in parser.flush():
        tap.feed(event)
    return tap


@pytest.mark.parametrize(
    ("fmt", "raw", "expected"),
    [
        ("claude", CLAUDE_STREAM, Usage(25, 15, 0, 100, 40)),
        ("claude", CLAUDE_STREAM.replace(b"event: ", b"x-ignored: "), Usage(25, 15, 0, 100, 40)),
        ("openai", OPENAI_STREAM, Usage(12, 30, 20, 4, 42)),
        ("openai-responses", RESPONSES_STREAM, Usage(50, 70, 64, 10, 120)),
        (
            "openai-responses",
            RESPONSES_STREAM.replace(b"event: ", b"x-ignored: "),
            Usage(50, 70, 64, 10, 120),
        ),
        ("gemini", GEMINI_STREAM, Usage(8, 5, 100, 2, 113)),
        ("gemini", GEMINI_CLI_STREAM, Usage(3, 4, 0, 0, 7)),
    ],
    ids=[
        "claude-start-merged-with-delta",
        "claude-without-event-names",
        "openai-chat-usage-chunk",
        "responses-completed",
        "responses-without-event-names",
        "gemini-last-usage-metadata",
        "gemini-cli-envelope",
    ],
)
def test_stream_usage(fmt: WireFormat, raw: bytes, expected: Usage) -> None:
    assert _tap(fmt, raw).usage == expected


@pytest.mark.parametrize(
    ("fmt", "raw"),
    [
        ("claude", b'event: content_block_delta\ndata: {"broken\n\n'),
        ("openai", b'data: {"choices":[],"usage":null}\n\ndata: {broken no usage\n\n'),
        ("openai-responses", b"event: response.output_text.delta\ndata: {broken\n\n"),
        ("gemini", b'data: {"candidates":[]}\n\n'),
    ],
    ids=["claude", "openai-null-usage", "responses", "gemini"],
)
def test_events_that_cannot_carry_usage_are_never_parsed(fmt: WireFormat, raw: bytes) -> None:
    assert _tap(fmt, raw).usage is None


def test_usage_updates_as_the_stream_goes_on() -> None:
    parser = SSEParser()
    tap = StreamUsageTap("gemini")
    first, second = GEMINI_STREAM.split(b"\r\n\r\n")[:2]
    for event in parser.feed(first + b"\r\n\r\n"):
        tap.feed(event)
    assert tap.usage == Usage(8, 0, 0, 0, 8)
    for event in parser.feed(second + b"\r\n\r\n"):
        tap.feed(event)
    assert tap.usage == Usage(8, 5, 100, 2, 113)


def test_many_text_events_are_cheap() -> None:
    delta = _sse([CLAUDE_EVENTS[3]])
    tap = _tap(
        "claude",
        CLAUDE_STREAM.replace(b"event: message_delta", delta * 20000 + b"event: message_delta"),
        4096,
    )
    assert tap.usage == Usage(25, 15, 0, 100, 40)


@pytest.mark.parametrize(
    ("fmt", "body", "expected"),
    [
        (
            "claude",
            {
                "usage": {
                    "input_tokens": 10,
                    "output_tokens": 5,
                    "cache_read_input_tokens": 0,
                    "cache_creation_input_tokens": 7,
                }
            },
            Usage(10, 5, 0, 7, 15),
        ),
        (
            "openai",
            {"usage": {"prompt_tokens": 3, "completion_tokens": 4}},
            Usage(3, 4, 0, 0, 7),
        ),
        (
            "openai-responses",
            {"object": "response", "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}},
            Usage(1, 2, 0, 0, 3),
        ),
        (
            "openai-responses",
            {"type": "response.completed", "response": {"usage": {"input_tokens": 1, "output_tokens": 2}}},
            Usage(1, 2, 0, 0, 3),
        ),
        (
            "gemini",
            {"usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 6, "thoughtsTokenCount": 7}},
            Usage(5, 6, 7, 0, 18),
        ),
        (
            "gemini",
            {"response": {"usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 9}}},
            Usage(5, 0, 0, 0, 9),
        ),
        ("claude", {"content": []}, None),
        ("openai", {"usage": None}, None),
        ("gemini", {"candidates": []}, None),
    ],
    ids=[
        "claude-cache-creation-when-no-read",
        "openai-total-fallback",
        "responses-object",
        "responses-completed-event",
        "gemini-total-includes-thoughts",
        "gemini-cli-envelope",
        "claude-none",
        "openai-null",
        "gemini-none",
    ],
)
def test_usage_from_response(fmt: WireFormat, body: JSONObject, expected: Usage | None) -> None:
    assert usage_from_response(fmt, body) == expected


def test_is_zero() -> None:
    assert Usage().is_zero
    assert not Usage(cached_tokens=1).is_zero
