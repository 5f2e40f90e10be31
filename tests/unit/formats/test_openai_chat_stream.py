"""OpenAI Chat streams: upstream chunk transcripts → IR events, IR events → exact client bytes."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from server.formats import openai_chat
from server.formats.ir import (
    Request,
    ResponseContext,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
    StreamText,
    StreamThinking,
    StreamToolCallArgs,
    StreamToolCallEnd,
    StreamToolCallStart,
    StreamUsage,
    Usage,
)
from server.formats.sse import SSEEvent, SSEParser

DONE = "[DONE]"
CHUNK_ID = "chatcmpl-9"


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": CHUNK_ID, "object": "chat.completion.chunk", "created": 1, "model": "up"}
    if delta is not None or finish is not None:
        body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    else:
        body["choices"] = []
    return {**body, **fields}


def call(
    index: int | None = None, call_id: str | None = None, name: str | None = None, args: Any = None
) -> dict[str, Any]:
    fragment: dict[str, Any] = {} if index is None else {"index": index}
    function: dict[str, Any] = {}
    if call_id is not None:
        fragment |= {"id": call_id, "type": "function"}
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    if function:
        fragment["function"] = function
    return fragment


def tools(*fragments: dict[str, Any]) -> dict[str, Any]:
    return chunk({"tool_calls": list(fragments)})


def usage(prompt: int, completion: int, **details: Any) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        **details,
    }


START = StreamStart(CHUNK_ID, "up")
ROLE = chunk({"role": "assistant", "content": ""})


def _decode(transcript: list[Any], finish: bool = True) -> list[StreamEvent]:
    decoder = openai_chat.new_decoder()
    events: list[StreamEvent] = []
    for item in transcript:
        data = item if isinstance(item, str) else json.dumps(item)
        events.extend(decoder.feed(SSEEvent(data)))
    if finish:
        events.extend(decoder.finish())
    return events


DECODE = [
    (
        [
            ROLE,
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, "stop"),
            chunk(usage=usage(9, 2, prompt_tokens_details={"cached_tokens": 4})),
            DONE,
        ],
        [
            START,
            StreamText("Hel"),
            StreamText("lo"),
            StreamUsage(Usage(9, 2, 4, total_tokens=11)),
            StreamFinish(),
        ],
    ),
    (
        [
            ROLE,
            chunk({"content": "Sure."}),
            tools(call(0, "call_a", "ls", "")),
            tools(call(0, args='{"p":1}')),
            chunk({}, "tool_calls"),
            chunk(usage=usage(30, 9)),
            DONE,
        ],
        [
            START,
            StreamText("Sure."),
            StreamToolCallStart(0, "call_a", "ls"),
            StreamToolCallArgs(0, '{"p":1}'),
            StreamToolCallEnd(0),
            StreamUsage(Usage(30, 9, total_tokens=39)),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            tools(call(0, "toolu_01", "Read", '{"path":"a"}'), call(1, "toolu_02", "Bash", "")),
            tools(call(1, "toolu_02", None, '{"cmd":')),
            tools(call(1, "toolu_02", "Bash", '"ls"}')),
            chunk({}, "stop"),
            DONE,
        ],
        [
            START,
            StreamToolCallStart(0, "toolu_01", "Read"),
            StreamToolCallArgs(0, '{"path":"a"}'),
            StreamToolCallEnd(0),
            StreamToolCallStart(1, "toolu_02", "Bash"),
            StreamToolCallArgs(1, '{"cmd":'),
            StreamToolCallArgs(1, '"ls"}'),
            StreamToolCallEnd(1),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            tools(call(0, "c1", "a", "{}")),
            tools(call(0, "c2", "b", {"x": 1})),
            chunk({}, "tool_calls", usage=usage(1, 1)),
            DONE,
            chunk({"content": "late"}),
        ],
        [
            START,
            StreamToolCallStart(0, "c1", "a"),
            StreamToolCallArgs(0, "{}"),
            StreamToolCallEnd(0),
            StreamToolCallStart(1, "c2", "b"),
            StreamToolCallArgs(1, '{"x": 1}'),
            StreamToolCallEnd(1),
            StreamUsage(Usage(1, 1, total_tokens=2)),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            tools(call(None, "x1", "first", "{}")),
            tools(call(None, "x2", "second", "{")),
            tools(call(None, None, None, "}")),
            chunk({}, "tool_calls"),
        ],
        [
            START,
            StreamToolCallStart(0, "x1", "first"),
            StreamToolCallArgs(0, "{}"),
            StreamToolCallEnd(0),
            StreamToolCallStart(1, "x2", "second"),
            StreamToolCallArgs(1, "{"),
            StreamToolCallArgs(1, "}"),
            StreamToolCallEnd(1),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            tools(call(0, name="Glob")),
            tools(call(0, args='{"p":')),
            tools(call(0, "late_id")),
            tools(call(0, args='"*"}')),
            tools(call(3)),
            tools(call(1, args="{}")),
            chunk({}, "stop"),
            DONE,
        ],
        [
            START,
            StreamToolCallStart(0, "late_id", "Glob"),
            StreamToolCallArgs(0, '{"p":'),
            StreamToolCallArgs(0, '"*"}'),
            StreamToolCallEnd(0),
            StreamToolCallStart(1, f"call_{CHUNK_ID}_1", "tool_1"),
            StreamToolCallArgs(1, "{}"),
            StreamToolCallEnd(1),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            chunk({"role": "assistant", "reasoning_content": "Let me "}),
            chunk({"reasoning_content": "think."}),
            chunk({"reasoning": "More."}),
            chunk({"reasoning_content": None, "content": "Answer"}),
            chunk({"content": [{"type": "text", "text": "!"}]}),
            chunk({"refusal": "Nope"}),
            chunk({}, "length", usage=usage(5, 50, completion_tokens_details={"reasoning_tokens": 40})),
            chunk(usage=usage(99, 99)),
            DONE,
        ],
        [
            START,
            StreamThinking("Let me "),
            StreamThinking("think."),
            StreamThinking("More."),
            StreamText("Answer"),
            StreamText("!"),
            StreamText("Nope", {"openai:_refusal": "field"}),
            StreamUsage(Usage(5, 50, reasoning_tokens=40, total_tokens=55)),
            StreamFinish("length"),
        ],
    ),
    (
        [ROLE, chunk({"content": "partial"})],
        [START, StreamText("partial"), StreamFinish()],
    ),
    (
        [ROLE, tools(call(0, "c", "f", '{"a"')), DONE],
        [
            START,
            StreamToolCallStart(0, "c", "f"),
            StreamToolCallArgs(0, '{"a"'),
            StreamToolCallEnd(0),
            StreamFinish("tool_calls"),
        ],
    ),
    ([DONE, chunk({"content": "x"})], []),
    ([], []),
    (
        [
            ROLE,
            chunk({"content": "a"}),
            {"error": {"message": "overloaded", "type": "server_error", "code": 503}},
        ],
        [START, StreamText("a"), StreamError("overloaded", 503, "server_error")],
    ),
    (
        [ROLE, "{not json"],
        [START, StreamError("upstream sent a chunk that is not JSON: {not json", 502)],
    ),
    (
        [
            {"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": []},
            chunk({"role": "assistant"}),
            chunk({"content": "ok"}, ""),
            chunk({}, "content_filter"),
            DONE,
        ],
        [StreamStart("", ""), StreamText("ok"), StreamFinish("content_filter")],
    ),
    (
        [
            chunk({"function_call": {"name": "legacy", "arguments": ""}}),
            chunk({"function_call": {"arguments": "{}"}}),
            chunk({}, "function_call"),
            DONE,
        ],
        [
            START,
            StreamToolCallStart(0, f"call_{CHUNK_ID}_0", "legacy"),
            StreamToolCallArgs(0, "{}"),
            StreamToolCallEnd(0),
            StreamFinish("tool_calls"),
        ],
    ),
    (
        [
            ROLE,
            chunk({"content": "a"}, usage=usage(3, 1)),
            chunk({"content": "b"}, usage=usage(3, 2)),
            chunk({}, "stop", usage=None),
            DONE,
        ],
        [START, StreamText("a"), StreamText("b"), StreamUsage(Usage(3, 2, total_tokens=5)), StreamFinish()],
    ),
    (
        [
            ROLE,
            {**chunk(), "choices": [{"index": 1, "delta": {"content": "other"}, "finish_reason": "stop"}]},
            chunk({"content": "mine"}),
            DONE,
        ],
        [START, StreamText("mine"), StreamFinish()],
    ),
]
DECODE_IDS = [
    "openai-text-then-usage-chunk",
    "a3-incremental-tool-call",
    "parallel-calls-repeated-id-and-name-stop-becomes-tool-calls",
    "all-calls-at-index-0-object-args-usage-on-finish-chunk-and-after-done-ignored",
    "no-index-keyed-by-id",
    "name-before-id-buffered-and-nameless-call-synthesised-empty-fragment-ignored",
    "thinking-text-list-refusal-length-first-usage-wins",
    "no-finish-no-done-still-finishes",
    "done-without-finish-closes-tool-call",
    "done-first-then-nothing",
    "empty-stream",
    "error-chunk",
    "invalid-json",
    "azure-filter-chunk-empty-finish-reason-content-filter",
    "legacy-function-call-delta",
    "cumulative-usage-on-every-chunk",
    "n-2-only-choice-0",
]


@pytest.mark.parametrize(("transcript", "expected"), DECODE, ids=DECODE_IDS)
def test_decoder(transcript: list[Any], expected: list[StreamEvent]) -> None:
    assert _decode(transcript) == expected


def test_decoder_holds_finish_until_usage_or_done() -> None:
    decoder = openai_chat.new_decoder()
    assert decoder.feed(SSEEvent(json.dumps(chunk({}, "stop")))) == [START]
    assert decoder.feed(SSEEvent(json.dumps(chunk(usage=usage(1, 2))))) == [
        StreamUsage(Usage(1, 2, total_tokens=3)),
        StreamFinish(),
    ]
    assert decoder.feed(SSEEvent(DONE)) == []
    assert decoder.finish() == []


def test_decoder_ignores_blank_and_non_object_data() -> None:
    assert _decode(["", "  ", "[1,2]", ROLE, DONE]) == [START, StreamFinish()]


# -- encoder -----------------------------------------------------------------------------------------


def _ctx(include_usage: bool = False, request: Request | None = None) -> ResponseContext:
    counter = itertools.count(1)
    return ResponseContext(
        "chatcmpl-out",
        1700000000,
        "client-model",
        request=request,
        include_usage=include_usage,
        new_id=lambda prefix: f"{prefix}gen{next(counter)}",
    )


def frame(choices: list[dict[str, Any]] | dict[str, Any], **fields: Any) -> bytes:
    head = {
        "id": "chatcmpl-out",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "client-model",
    }
    body = {**head, "choices": choices if isinstance(choices, list) else [choices], **fields}
    return b"data: " + json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"


def delta(d: dict[str, Any], finish: str | None = None) -> bytes:
    return frame({"index": 0, "delta": d, "finish_reason": finish})


ROLE_FRAME = delta({"role": "assistant"})
END = b"data: [DONE]\n\n"


def _encode(events: list[StreamEvent], ctx: ResponseContext | None = None) -> bytes:
    encoder = openai_chat.new_encoder(ctx or _ctx())
    out = b"".join(encoder.encode(event) for event in events)
    return out + encoder.finish()


ENCODE = [
    (
        [
            StreamStart("msg_1", "claude", Usage(50)),
            StreamThinking("Plan"),
            StreamThinking(signature="sig"),
            StreamThinking(redacted="opaque"),
            StreamText("Hi"),
            StreamText(""),
            StreamUsage(Usage(60, 12, cached_tokens=10)),
            StreamFinish("stop"),
        ],
        _ctx(),
        ROLE_FRAME
        + delta({"reasoning_content": "Plan"})
        + delta({"content": "Hi"})
        + delta({}, "stop")
        + END,
    ),
    (
        [
            StreamStart(),
            StreamText("Hi"),
            StreamToolCallStart(0, "toolu_9", "get_time"),
            StreamToolCallArgs(0, '{"tz":'),
            StreamToolCallArgs(0, ""),
            StreamToolCallArgs(0, '"UTC"}'),
            StreamToolCallEnd(0),
            StreamUsage(Usage(60, 12, cached_tokens=10)),
            StreamFinish("stop"),
        ],
        _ctx(include_usage=True),
        ROLE_FRAME
        + delta({"content": "Hi"})
        + delta(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "toolu_9",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": ""},
                    }
                ]
            }
        )
        + delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"tz":'}}]})
        + delta({"tool_calls": [{"index": 0, "function": {"arguments": '"UTC"}'}}]})
        + delta({}, "tool_calls")
        + frame(
            [],
            usage={
                "prompt_tokens": 60,
                "completion_tokens": 12,
                "total_tokens": 72,
                "prompt_tokens_details": {"cached_tokens": 10},
            },
        )
        + END,
    ),
    (
        [
            StreamToolCallStart(5, "", "a"),
            StreamToolCallEnd(5),
            StreamToolCallStart(9, "c2", "b"),
            StreamToolCallArgs(9, "{}"),
            StreamFinish("tool_calls"),
            StreamText("after finish is dropped"),
            StreamUsage(Usage(1, 2, reasoning_tokens=1)),
        ],
        _ctx(include_usage=True),
        ROLE_FRAME
        + delta(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_gen1",
                        "type": "function",
                        "function": {"name": "a", "arguments": ""},
                    }
                ]
            }
        )
        + delta(
            {
                "tool_calls": [
                    {"index": 1, "id": "c2", "type": "function", "function": {"name": "b", "arguments": ""}}
                ]
            }
        )
        + delta({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]})
        + delta({}, "tool_calls")
        + frame(
            [],
            usage={
                "prompt_tokens": 1,
                "completion_tokens": 2,
                "total_tokens": 3,
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
        )
        + END,
    ),
    ([StreamText("no start")], _ctx(), ROLE_FRAME + delta({"content": "no start"}) + delta({}, "stop") + END),
    ([], _ctx(), ROLE_FRAME + delta({}, "stop") + END),
    (
        [],
        _ctx(include_usage=True),
        ROLE_FRAME
        + delta({}, "stop")
        + frame([], usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
        + END,
    ),
    (
        [
            StreamStart(),
            StreamText("x"),
            StreamError("upstream overloaded", 529, "overloaded_error"),
            StreamText("y"),
        ],
        _ctx(include_usage=True),
        ROLE_FRAME
        + delta({"content": "x"})
        + b'data: {"error":{"message":"upstream overloaded","type":"overloaded_error",'
        + b'"code":"internal_server_error"}}\n\n',
    ),
    (
        [StreamError("slow down", 429, "rate_limit_error")],
        _ctx(),
        b'data: {"error":{"message":"slow down","type":"rate_limit_error","code":"rate_limit_exceeded"}}\n\n',
    ),
    (
        [StreamStart(), StreamText("No.", {"openai:_refusal": "field"}), StreamFinish("refusal")],
        _ctx(),
        ROLE_FRAME + delta({"refusal": "No."}) + delta({}, "content_filter") + END,
    ),
    (
        [StreamStart(), StreamText("ünïcödé ✓"), StreamFinish("length")],
        _ctx(),
        ROLE_FRAME + delta({"content": "ünïcödé ✓"}) + delta({}, "length") + END,
    ),
    (
        [StreamStart(), StreamFinish("pause")],
        _ctx(request=Request("m", extras={"openai:stream_options": {"include_usage": True}})),
        ROLE_FRAME
        + delta({}, "stop")
        + frame([], usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
        + END,
    ),
]
ENCODE_IDS = [
    "thinking-text-signature-only-skipped-no-usage-chunk",
    "a2-tool-call-fragments-then-usage-chunk",
    "tool-indices-renumbered-missing-id-generated-events-after-finish",
    "text-without-start-gets-role-chunk-first",
    "nothing-at-all-still-terminates",
    "nothing-at-all-with-usage",
    "error-ends-stream-without-done",
    "error-before-anything",
    "refusal",
    "non-ascii-kept-utf8",
    "include-usage-read-from-client-request",
]


@pytest.mark.parametrize(("events", "ctx", "expected"), ENCODE, ids=ENCODE_IDS)
def test_encoder(events: list[StreamEvent], ctx: ResponseContext, expected: bytes) -> None:
    out = _encode(events, ctx)
    assert out == expected
    for event in SSEParser().feed(out):
        if event.data != "[DONE]" and '"error"' not in event.data:
            ChatCompletionChunk.model_validate_json(event.data)


def test_encoder_finish_is_idempotent() -> None:
    encoder = openai_chat.new_encoder(_ctx())
    assert encoder.encode(StreamFinish()) == ROLE_FRAME + delta({}, "stop")
    assert encoder.finish() == END
    assert encoder.finish() == b""
    assert encoder.encode(StreamText("late")) == b""


def test_chat_to_chat_stream_relay() -> None:
    """An upstream chat stream decoded and re-encoded reads the same to the openai SDK's types."""
    transcript = [
        ROLE,
        chunk({"reasoning_content": "hm"}),
        chunk({"content": "Sure."}),
        tools(call(0, "call_a", "ls", "")),
        tools(call(0, args='{"p":1}')),
        chunk({}, "tool_calls"),
        chunk(usage=usage(30, 9)),
        DONE,
    ]
    out = _encode(_decode(transcript), _ctx(include_usage=True))
    frames = [e.data for e in SSEParser().feed(out)]
    assert frames[-1] == "[DONE]"
    chunks = [ChatCompletionChunk.model_validate_json(data) for data in frames[:-1]]
    assert [c.choices[0].delta.model_dump(exclude_none=True) for c in chunks if c.choices] == [
        {"role": "assistant"},
        {"reasoning_content": "hm"},
        {"content": "Sure."},
        {
            "tool_calls": [
                {"index": 0, "id": "call_a", "type": "function", "function": {"name": "ls", "arguments": ""}}
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"p":1}'}}]},
        {},
    ]
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 39
