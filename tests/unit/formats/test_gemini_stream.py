"""Gemini streams: upstream SSE transcripts → exact IR events; IR events → exact client bytes (§5.4)."""

from __future__ import annotations

import json

import pytest
from google.genai import types as genai

from server.formats import gemini
from server.formats.gemini_parts import derived_call_id
from server.formats.ir import (
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
from server.jsontypes import JSONObject

USAGE_META: JSONObject = {
    "promptTokenCount": 100,
    "candidatesTokenCount": 20,
    "thoughtsTokenCount": 5,
    "totalTokenCount": 125,
}
USAGE = Usage(input_tokens=100, output_tokens=25, reasoning_tokens=5, total_tokens=125)


def _chunk(parts: list[JSONObject], reason: str = "", usage: JSONObject | None = None, **top: object) -> str:
    candidate: JSONObject = {"content": {"role": "model", "parts": parts}}
    if reason:
        candidate["finishReason"] = reason
    body: JSONObject = {"candidates": [candidate], **top}
    if usage is not None:
        body["usageMetadata"] = usage
    return json.dumps(body)


def _decode(chunks: list[str]) -> list[StreamEvent]:
    decoder = gemini.new_decoder()
    events: list[StreamEvent] = []
    for data in chunks:
        events += decoder.feed(SSEEvent(data))
    return events + decoder.finish()


A1_CALL_ID = derived_call_id("r1", 0, "Read", '{"path":"a.txt"}')

DECODE_CASES: list[tuple[str, list[str], list[StreamEvent]]] = [
    (
        "appendix-a1-thought-text-tool-call",
        [
            _chunk([{"text": "Plan…", "thought": True}], modelVersion="gemini-2.5-pro", responseId="r1"),
            _chunk([{"text": "Reading the file."}], responseId="r1"),
            _chunk(
                [{"functionCall": {"name": "Read", "args": {"path": "a.txt"}}, "thoughtSignature": "c2ln"}],
                "STOP",
                USAGE_META,
                responseId="r1",
            ),
            "[DONE]",
        ],
        [
            StreamStart(id="r1", model="gemini-2.5-pro"),
            StreamThinking(text="Plan…"),
            StreamText("Reading the file."),
            StreamToolCallStart(0, A1_CALL_ID, "Read", {"thoughtSignature": "c2ln"}),
            StreamToolCallArgs(0, '{"path":"a.txt"}'),
            StreamToolCallEnd(0),
            StreamUsage(USAGE),
            StreamFinish("tool_calls"),  # §8.1: the later STOP does not win over the call
        ],
    ),
    (
        "usage-on-every-chunk-reported-once",  # §8.37
        [
            _chunk([{"text": "a"}], usage={"promptTokenCount": 100, "totalTokenCount": 100}, responseId="r"),
            _chunk([{"text": "b"}], usage={"promptTokenCount": 100, "candidatesTokenCount": 10}),
            _chunk([{"text": "c"}], "STOP", {"promptTokenCount": 100, "candidatesTokenCount": 20}),
        ],
        [
            StreamStart(id="r"),
            StreamText("a"),
            StreamText("b"),
            StreamText("c"),
            StreamUsage(Usage(input_tokens=100, output_tokens=20, total_tokens=120)),
            StreamFinish("stop"),
        ],
    ),
    (
        "usage-trailing-the-finish-chunk",
        [
            _chunk([{"text": "cut"}], "MAX_TOKENS"),
            json.dumps({"candidates": [], "usageMetadata": USAGE_META}),
            "[DONE]",
            _chunk([{"text": "after done is ignored"}]),  # §8.36
        ],
        [StreamStart(), StreamText("cut"), StreamUsage(USAGE), StreamFinish("length")],
    ),
    (
        "no-finish-reason-closed-at-end",  # §8.35
        [_chunk([{"text": "half"}])],
        [StreamStart(), StreamText("half"), StreamFinish("stop")],
    ),
    (
        "gemini-cli-envelope",
        [
            json.dumps({"response": json.loads(_chunk([{"text": "x"}], responseId="e")), "traceId": "t"}),
            json.dumps(
                {"response": json.loads(_chunk([], "SAFETY", {"promptTokenCount": 1})), "traceId": "t"}
            ),
        ],
        [
            StreamStart(id="e"),
            StreamText("x"),
            StreamUsage(Usage(input_tokens=1, total_tokens=1)),
            StreamFinish("content_filter"),
        ],
    ),
    (
        "bare-signatures",  # §8.33: on the open thought, else riding on an empty text
        [
            _chunk([{"text": "think", "thought": True}, {"text": "", "thoughtSignature": "c2ln"}]),
            _chunk([{"text": "answer"}, {"thoughtSignature": "dHh0"}]),
        ],
        [
            StreamStart(),
            StreamThinking(text="think"),
            StreamThinking(signature="c2ln"),
            StreamText("answer"),
            StreamText("", {"thoughtSignature": "dHh0"}),
            StreamFinish("stop"),
        ],
    ),
    (
        "code-execution-rendered-and-media-skipped",
        [
            _chunk(
                [
                    {"executableCode": {"language": "PYTHON", "code": "1+1"}},
                    {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "2"}},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBO"}},
                ],
                "STOP",
                {"promptTokenCount": 2},
            )
        ],
        [
            StreamStart(),
            StreamText("```python\n1+1\n```"),
            StreamText("2"),
            StreamUsage(Usage(input_tokens=2, total_tokens=2)),
            StreamFinish("stop"),
        ],
    ),
    (
        "error-chunk-ends-the-stream",
        [
            _chunk([{"text": "a"}]),
            json.dumps({"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}),
        ],
        [StreamStart(), StreamText("a"), StreamError("quota", 429, "rate_limit_error")],
    ),
    (
        "unparseable-chunk-is-an-error",
        ["{not json"],
        [StreamError("upstream sent a stream chunk that is not JSON", 502)],
    ),
    (
        "alt-json-array-of-chunks",
        [json.dumps([json.loads(_chunk([{"text": "a"}])), json.loads(_chunk([{"text": "b"}], "STOP", {}))])],
        [StreamStart(), StreamText("a"), StreamText("b"), StreamUsage(Usage()), StreamFinish("stop")],
    ),
    ("empty-stream", ["[DONE]"], []),
]


@pytest.mark.parametrize(
    ("chunks", "expected"), [c[1:] for c in DECODE_CASES], ids=[c[0] for c in DECODE_CASES]
)
def test_decoder(chunks: list[str], expected: list[StreamEvent]) -> None:
    assert _decode(chunks) == expected


def test_decoder_reads_crlf_framing_and_huge_lines() -> None:  # §8.38
    image = "A" * (2 * 1024 * 1024)
    first = _chunk([{"text": "see"}, {"inlineData": {"mimeType": "image/png", "data": image}}])
    last = _chunk([{"text": "!"}], "STOP", {"promptTokenCount": 3})
    raw = f"data: {first}\r\n\r\ndata: {last}\r\n\r\n".encode()
    parser, decoder = SSEParser(), gemini.new_decoder()
    events: list[StreamEvent] = []
    for start in range(0, len(raw), 65536):
        for event in parser.feed(raw[start : start + 65536]):
            events += decoder.feed(event)
    assert events == [
        StreamStart(),
        StreamText("see"),
        StreamText("!"),
        StreamUsage(Usage(input_tokens=3, total_tokens=3)),
        StreamFinish("stop"),
    ]


CTX = ResponseContext(id="resp-9", created=1_700_000_000, model="gemini-2.5-pro")
TAIL = ',"modelVersion":"gemini-2.5-pro","responseId":"resp-9"}\n\n'


def _frame(candidate: str, usage: str = "") -> bytes:
    return f'data: {{"candidates":[{candidate}]{usage}{TAIL}'.encode()


ENCODE_CASES: list[tuple[str, list[StreamEvent], list[bytes]]] = [
    (
        "claude-stream-to-gemini-client",
        [
            StreamStart(id="msg_1", model="claude", usage=Usage(input_tokens=50)),
            StreamThinking(text="Hmm"),
            StreamThinking(signature="c2ln"),
            StreamText("Hi"),
            StreamText(""),
            StreamToolCallStart(0, "toolu_9", "get_time"),
            StreamToolCallArgs(0, '{"tz":'),
            StreamToolCallArgs(0, '"UTC"}'),
            StreamToolCallEnd(0),
            StreamUsage(Usage(input_tokens=60, output_tokens=12, cached_tokens=10)),
            StreamFinish("tool_calls"),
        ],
        [
            _frame('{"content":{"role":"model","parts":[{"text":"Hmm","thought":true}]}}'),
            _frame(
                '{"content":{"role":"model","parts":[{"text":"","thought":true,"thoughtSignature":"c2ln"}]}}'
            ),
            _frame('{"content":{"role":"model","parts":[{"text":"Hi"}]}}'),
            _frame(
                '{"content":{"role":"model","parts":[{"functionCall":'
                '{"id":"toolu_9","name":"get_time","args":{"tz":"UTC"}}}]}}'
            ),
            _frame(
                '{"content":{"role":"model","parts":[]},"finishReason":"STOP"}',
                ',"usageMetadata":{"promptTokenCount":60,"candidatesTokenCount":12,"totalTokenCount":72,'
                '"cachedContentTokenCount":10}',
            ),
        ],
    ),
    (
        "openai-usage-after-finish",
        [
            StreamStart(),
            StreamText("cut"),
            StreamFinish("length"),
            StreamUsage(Usage(input_tokens=3, output_tokens=4, reasoning_tokens=1, total_tokens=7)),
        ],
        [
            _frame('{"content":{"role":"model","parts":[{"text":"cut"}]}}'),
            _frame(
                '{"content":{"role":"model","parts":[]},"finishReason":"MAX_TOKENS"}',
                ',"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":3,"totalTokenCount":7,'
                '"thoughtsTokenCount":1}',
            ),
        ],
    ),
    (
        "upstream-ended-without-finish-flushes-open-call",
        [
            StreamStart(),
            StreamToolCallStart(0, "c1", "f", {"thoughtSignature": "c2ln"}),
            StreamToolCallArgs(0, "{"),
        ],
        [
            _frame(  # finish() writes the pending call and the final chunk
                '{"content":{"role":"model","parts":[{"functionCall":{"id":"c1","name":"f","args":{"params":"{"}},'
                '"thoughtSignature":"c2ln"}]}}'
            )
            + _frame('{"content":{"role":"model","parts":[]},"finishReason":"STOP"}'),
        ],
    ),
    (
        "error-mid-stream",
        [StreamText("a", {"thoughtSignature": "c2ln"}), StreamError("overloaded", 503), StreamText("late")],
        [
            _frame('{"content":{"role":"model","parts":[{"text":"a","thoughtSignature":"c2ln"}]}}'),
            b'data: {"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}\n\n',
        ],
    ),
    (
        "start-usage-is-the-fallback",
        [StreamStart(usage=Usage(input_tokens=8)), StreamFinish("content_filter")],
        [
            _frame(
                '{"content":{"role":"model","parts":[]},"finishReason":"SAFETY"}',
                ',"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":0,"totalTokenCount":8}',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("events", "expected"), [c[1:] for c in ENCODE_CASES], ids=[c[0] for c in ENCODE_CASES]
)
def test_encoder(events: list[StreamEvent], expected: list[bytes]) -> None:
    encoder = gemini.new_encoder(CTX)
    frames = [encoder.encode(e) for e in events] + [encoder.finish()]
    out = [f for f in frames if f]
    assert out == expected
    assert encoder.finish() == b""  # the end is written exactly once
    for frame in b"".join(out).split(b"\n\n")[:-1]:
        body = json.loads(frame.removeprefix(b"data: "))
        if "error" not in body:
            genai.GenerateContentResponse.model_validate(body)


def test_gemini_stream_relayed_through_the_ir_keeps_its_content() -> None:
    chunks = [
        _chunk([{"text": "Plan", "thought": True}], responseId="r1"),
        _chunk([{"text": "Hi", "thoughtSignature": "dHh0"}]),
        _chunk([{"functionCall": {"id": "f1", "name": "f", "args": {"a": 1}}, "thoughtSignature": "Zm4="}]),
        _chunk([], "STOP", USAGE_META),
    ]
    encoder = gemini.new_encoder(CTX)
    out = b"".join(encoder.encode(e) for e in _decode(chunks)) + encoder.finish()
    bodies = [json.loads(line[6:]) for line in out.decode().split("\n\n") if line]
    assert [b["candidates"][0]["content"]["parts"] for b in bodies] == [
        [{"text": "Plan", "thought": True}],
        [{"text": "Hi", "thoughtSignature": "dHh0"}],
        [{"functionCall": {"id": "f1", "name": "f", "args": {"a": 1}}, "thoughtSignature": "Zm4="}],
        [],
    ]
    assert bodies[-1]["usageMetadata"] == USAGE_META
    assert bodies[-1]["candidates"][0]["finishReason"] == "STOP"
