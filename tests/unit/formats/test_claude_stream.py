"""Claude streams: upstream SSE transcripts → IR events, IR events → exact client SSE bytes."""

from __future__ import annotations

import itertools
import json
from typing import Any

import anthropic
import pytest
from anthropic.lib.streaming._messages import accumulate_event

from server.formats import claude, ir
from server.formats.sse import SSEEvent, SSEParser
from server.jsontypes import JSONObject


def _transcript(events: list[JSONObject]) -> bytes:
    """Native Anthropic framing: ``event: <type>`` + one compact data line."""
    return b"".join(
        f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events
    )


def _decode(raw: bytes) -> list[ir.StreamEvent]:
    parser, decoder = SSEParser(), claude.new_decoder()
    out: list[ir.StreamEvent] = []
    for chunk in (raw[i : i + 7] for i in range(0, len(raw), 7)):  # split mid-line on purpose
        for event in parser.feed(chunk):
            out.extend(decoder.feed(event))
    for event in parser.flush():
        out.extend(decoder.feed(event))
    return out + decoder.finish()


def _start(usage: JSONObject | None = None) -> JSONObject:
    message: JSONObject = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 50,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 10,
            "output_tokens": 1,
        },
    }
    return {"type": "message_start", "message": message}


def _block(index: int, block: JSONObject) -> JSONObject:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, delta: JSONObject) -> JSONObject:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> JSONObject:
    return {"type": "content_block_stop", "index": index}


def _message_delta(reason: str | None, output: int, stop_sequence: str | None = None) -> JSONObject:
    delta = {"stop_reason": reason, "stop_sequence": stop_sequence}
    return {"type": "message_delta", "delta": delta, "usage": {"output_tokens": output}}


PING: JSONObject = {"type": "ping"}
STOP: JSONObject = {"type": "message_stop"}
START_USAGE = ir.Usage(60, 1, 10, 0, 0, 61)

DECODE_CASES: list[tuple[str, list[JSONObject], list[ir.StreamEvent]]] = [
    (
        "text",
        [
            _start(),
            PING,
            _block(0, {"type": "text", "text": ""}),
            _delta(0, {"type": "text_delta", "text": "Hi"}),
            _delta(0, {"type": "text_delta", "text": " there"}),
            _stop(0),
            _message_delta("end_turn", 12),
            STOP,
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamText("Hi"),
            ir.StreamText(" there"),
            ir.StreamUsage(ir.Usage(60, 12, 10, 0, 0, 72)),
            ir.StreamFinish("stop"),
        ],
    ),
    (
        "thinking-text-tool",
        [
            _start(),
            _block(0, {"type": "thinking", "thinking": "", "signature": ""}),
            _delta(0, {"type": "thinking_delta", "thinking": "Plan"}),
            _delta(0, {"type": "signature_delta", "signature": "EqQB"}),
            _stop(0),
            _block(1, {"type": "text", "text": ""}),
            _delta(1, {"type": "text_delta", "text": "Hi"}),
            _stop(1),
            _block(2, {"type": "tool_use", "id": "toolu_9", "name": "get_time", "input": {}}),
            _delta(2, {"type": "input_json_delta", "partial_json": ""}),
            _delta(2, {"type": "input_json_delta", "partial_json": '{"tz":'}),
            _delta(2, {"type": "input_json_delta", "partial_json": '"UTC"}'}),
            _stop(2),
            _message_delta("tool_use", 12),
            STOP,
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamThinking(text="Plan"),
            ir.StreamThinking(signature="EqQB"),
            ir.StreamText("Hi"),
            ir.StreamToolCallStart(0, "toolu_9", "get_time"),
            ir.StreamToolCallArgs(0, '{"tz":'),
            ir.StreamToolCallArgs(0, '"UTC"}'),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(ir.Usage(60, 12, 10, 0, 0, 72)),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "server-tools-redacted-citations",
        [
            _start(),
            _block(0, {"type": "redacted_thinking", "data": "EmwK"}),
            _stop(0),
            _block(1, {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}),
            _delta(1, {"type": "input_json_delta", "partial_json": '{"query":"x"}'}),
            _stop(1),
            _block(2, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}),
            _stop(2),
            _block(3, {"type": "text", "text": ""}),
            _delta(3, {"type": "citations_delta", "citation": {"type": "web_search_result_location"}}),
            _delta(3, {"type": "text_delta", "text": "cited"}),
            _stop(3),
            _message_delta("end_turn", 3),
            STOP,
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamThinking(redacted="EmwK"),
            ir.StreamText("cited"),
            ir.StreamUsage(ir.Usage(60, 3, 10, 0, 0, 63)),
            ir.StreamFinish("stop"),
        ],
    ),
    (
        "stop-sequence-and-cumulative-usage",
        [
            _start({"input_tokens": 5, "output_tokens": 1}),
            _block(0, {"type": "text", "text": "x"}),
            _stop(0),
            {
                "type": "message_delta",
                "delta": {"stop_reason": "stop_sequence", "stop_sequence": "###"},
                "usage": {"input_tokens": 7, "cache_read_input_tokens": 2, "output_tokens": 4},
            },
            STOP,
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", ir.Usage(5, 1, 0, 0, 0, 6)),
            ir.StreamText("x"),
            ir.StreamUsage(ir.Usage(9, 4, 2, 0, 0, 13)),
            ir.StreamFinish("stop", "###"),
        ],
    ),
    (
        "max-tokens",
        [
            _start(),
            _block(0, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}),
            _delta(0, {"type": "input_json_delta", "partial_json": '{"a'}),
            _message_delta("max_tokens", 9),
            STOP,
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamToolCallStart(0, "toolu_1", "f"),
            ir.StreamToolCallArgs(0, '{"a'),
            ir.StreamUsage(ir.Usage(60, 9, 10, 0, 0, 69)),
            ir.StreamToolCallEnd(0),
            ir.StreamFinish("length"),
        ],
    ),
    (
        "error-event-ends-the-stream",
        [
            _start(),
            _block(0, {"type": "text", "text": ""}),
            _delta(0, {"type": "text_delta", "text": "a"}),
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            _delta(0, {"type": "text_delta", "text": "late"}),
        ],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamText("a"),
            ir.StreamError("Overloaded", 529, "overloaded_error"),
        ],
    ),
    (
        "cut-off-without-message-stop",
        [_start(), _block(0, {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"k": 1}})],
        [
            ir.StreamStart("msg_1", "claude-sonnet-4-5-20250929", START_USAGE),
            ir.StreamToolCallStart(0, "toolu_1", "f"),
            ir.StreamToolCallArgs(0, '{"k":1}'),
            ir.StreamToolCallEnd(0),
            ir.StreamFinish("tool_calls"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("events", "expected"), [c[1:] for c in DECODE_CASES], ids=[c[0] for c in DECODE_CASES]
)
def test_decoder(events: list[JSONObject], expected: list[ir.StreamEvent]) -> None:
    assert _decode(_transcript(events)) == expected


def test_decoder_unparseable_event_is_an_error() -> None:
    decoder = claude.new_decoder()
    assert decoder.feed(SSEEvent("{not json", "message_start")) == [
        ir.StreamError("unparseable upstream event: {not json", 502, "api_error")
    ]
    assert decoder.feed(SSEEvent(json.dumps(_start()))) == []
    assert decoder.finish() == []


def test_decoder_reads_type_from_data_without_event_lines() -> None:
    raw = b"".join(
        f"data: {json.dumps(e)}\n\n".encode() for e in [_start(), _message_delta("end_turn", 2), STOP]
    )
    assert _decode(raw)[-1] == ir.StreamFinish("stop")


# -- encoder -----------------------------------------------------------------------------------


def _ctx() -> ir.ResponseContext:
    counter = itertools.count(1)
    return ir.ResponseContext("msg_proxy", 1700000000, "client-model", new_id=lambda p: f"{p}{next(counter)}")


def _encode(events: list[ir.StreamEvent]) -> bytes:
    encoder = claude.new_encoder(_ctx())
    return b"".join(encoder.encode(e) for e in events) + encoder.finish()


def _frames(*frames: tuple[str, JSONObject]) -> bytes:
    return b"".join(
        f"event: {n}\ndata: {json.dumps(d, separators=(',', ':'), ensure_ascii=False)}\n\n".encode()
        for n, d in frames
    )


def _ms(usage: JSONObject | None = None) -> tuple[str, JSONObject]:
    message: JSONObject = {
        "id": "msg_proxy",
        "type": "message",
        "role": "assistant",
        "model": "client-model",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage
        or {
            "input_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 0,
        },
    }
    return ("message_start", {"type": "message_start", "message": message})


def _cbs(index: int, block: JSONObject) -> tuple[str, JSONObject]:
    return ("content_block_start", _block(index, block))


def _cbd(index: int, delta: JSONObject) -> tuple[str, JSONObject]:
    return ("content_block_delta", _delta(index, delta))


def _cbe(index: int) -> tuple[str, JSONObject]:
    return ("content_block_stop", _stop(index))


def _md(
    reason: str, inp: int, out: int, cached: int = 0, stop_sequence: str | None = None
) -> tuple[str, JSONObject]:
    usage = {
        "input_tokens": inp,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": out,
    }
    return (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": reason, "stop_sequence": stop_sequence},
            "usage": usage,
        },
    )


MSG_STOP = ("message_stop", {"type": "message_stop"})
THINKING_BLOCK = {"type": "thinking", "thinking": "", "signature": ""}
TEXT_BLOCK = {"type": "text", "text": ""}

ENCODE_CASES: list[tuple[str, list[ir.StreamEvent], bytes]] = [
    (
        "gemini-a1-thinking-text-tool",  # Appendix A.1
        [
            ir.StreamStart("r1", "gemini-2.5-pro"),
            ir.StreamThinking(text="Plan…"),
            ir.StreamText("Reading the file."),
            ir.StreamToolCallStart(0, "Read-1", "Read"),
            ir.StreamToolCallArgs(0, '{"path":"a.txt"}'),
            ir.StreamToolCallEnd(0),
            ir.StreamThinking(signature="c2ln"),
            ir.StreamFinish("stop"),
            ir.StreamUsage(ir.Usage(100, 25, 0, 0, 5, 125)),
        ],
        _frames(
            _ms(),
            _cbs(0, THINKING_BLOCK),
            _cbd(0, {"type": "thinking_delta", "thinking": "Plan…"}),
            _cbe(0),
            _cbs(1, TEXT_BLOCK),
            _cbd(1, {"type": "text_delta", "text": "Reading the file."}),
            _cbe(1),
            _cbs(2, {"type": "tool_use", "id": "Read-1", "name": "Read", "input": {}}),
            _cbd(2, {"type": "input_json_delta", "partial_json": '{"path":"a.txt"}'}),
            _cbe(2),
            _cbs(3, THINKING_BLOCK),
            _cbd(3, {"type": "signature_delta", "signature": "c2ln"}),
            _cbe(3),
            _md("tool_use", 100, 25),
            MSG_STOP,
        ),
    ),
    (
        "claude-usage-before-finish-signature-before-stop",
        [
            ir.StreamStart("msg_1", "m", ir.Usage(60, 1, 10, 0, 0, 61)),
            ir.StreamThinking(text="a"),
            ir.StreamThinking(text="b"),
            ir.StreamThinking(signature="EqQB"),
            ir.StreamText("Hi"),
            ir.StreamUsage(ir.Usage(60, 12, 10)),
            ir.StreamFinish("stop", "###"),
        ],
        _frames(
            _ms(
                {
                    "input_tokens": 50,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 10,
                    "output_tokens": 1,
                }
            ),
            _cbs(0, THINKING_BLOCK),
            _cbd(0, {"type": "thinking_delta", "thinking": "a"}),
            _cbd(0, {"type": "thinking_delta", "thinking": "b"}),
            _cbd(0, {"type": "signature_delta", "signature": "EqQB"}),
            _cbe(0),
            _cbs(1, TEXT_BLOCK),
            _cbd(1, {"type": "text_delta", "text": "Hi"}),
            _cbe(1),
            _md("stop_sequence", 50, 12, cached=10, stop_sequence="###"),
            MSG_STOP,
        ),
    ),
    (
        "openai-usage-after-finish-late-text-dropped",
        [
            ir.StreamToolCallStart(0, "call_a", "ls"),
            ir.StreamToolCallArgs(0, '{"p":'),
            ir.StreamToolCallArgs(0, "1}"),
            ir.StreamToolCallEnd(0),
            ir.StreamToolCallStart(1, "", "cat"),
            ir.StreamFinish("tool_calls"),
            ir.StreamUsage(ir.Usage(30, 9, 0, 0, 0, 39)),
            ir.StreamText("after the end"),
        ],
        _frames(
            _ms(),
            _cbs(0, {"type": "tool_use", "id": "call_a", "name": "ls", "input": {}}),
            _cbd(0, {"type": "input_json_delta", "partial_json": '{"p":'}),
            _cbd(0, {"type": "input_json_delta", "partial_json": "1}"}),
            _cbe(0),
            _cbs(1, {"type": "tool_use", "id": "toolu_1", "name": "cat", "input": {}}),
            _cbe(1),
            _md("tool_use", 30, 9),
            MSG_STOP,
        ),
    ),
    (
        "nothing-at-all",
        [],
        _frames(_ms(), _md("end_turn", 0, 0), MSG_STOP),
    ),
    (
        "finish-without-usage-uses-start-usage",
        [
            ir.StreamStart(usage=ir.Usage(input_tokens=7)),
            ir.StreamText(""),
            ir.StreamText("x"),
            ir.StreamFinish("length"),
        ],
        _frames(
            _ms(
                {
                    "input_tokens": 7,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": 0,
                }
            ),
            _cbs(0, TEXT_BLOCK),
            _cbd(0, {"type": "text_delta", "text": "x"}),
            _cbe(0),
            _md("max_tokens", 7, 0),
            MSG_STOP,
        ),
    ),
    (
        "redacted-and-orphan-args",
        [
            ir.StreamText("a"),
            ir.StreamThinking(redacted="EmwK"),
            ir.StreamToolCallArgs(3, "{}"),
            ir.StreamFinish("pause"),
        ],
        _frames(
            _ms(),
            _cbs(0, TEXT_BLOCK),
            _cbd(0, {"type": "text_delta", "text": "a"}),
            _cbe(0),
            _cbs(1, {"type": "redacted_thinking", "data": "EmwK"}),
            _cbe(1),
            _cbs(2, {"type": "tool_use", "id": "toolu_1", "name": "tool_3", "input": {}}),
            _cbd(2, {"type": "input_json_delta", "partial_json": "{}"}),
            _cbe(2),
            _md("pause_turn", 0, 0),
            MSG_STOP,
        ),
    ),
    (
        "error-mid-stream",
        [
            ir.StreamStart(),
            ir.StreamText("par"),
            ir.StreamError("upstream broke", 502, "upstream_error"),
            ir.StreamText("x"),
        ],
        _frames(
            _ms(),
            _cbs(0, TEXT_BLOCK),
            _cbd(0, {"type": "text_delta", "text": "par"}),
            ("error", {"type": "error", "error": {"type": "api_error", "message": "upstream broke"}}),
        ),
    ),
    (
        "error-first",
        [ir.StreamError("slow down", 429, "rate_limit_exceeded")],
        _frames(("error", {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})),
    ),
]


@pytest.mark.parametrize(
    ("events", "expected"), [c[1:] for c in ENCODE_CASES], ids=[c[0] for c in ENCODE_CASES]
)
def test_encoder_bytes(events: list[ir.StreamEvent], expected: bytes) -> None:
    assert _encode(events) == expected


def test_encoder_finish_is_idempotent_and_closes_exactly_once() -> None:
    encoder = claude.new_encoder(_ctx())
    first = encoder.encode(ir.StreamText("x")) + encoder.finish()
    assert first.count(b"event: message_stop") == 1
    assert encoder.finish() == b""
    assert encoder.encode(ir.StreamText("y")) == b""


def _accumulate(raw: bytes) -> anthropic.types.Message:
    snapshot: Any = None
    json_bufs: dict[int, bytes] = {}
    for event in SSEParser().feed(raw):
        assert event.event == json.loads(event.data)["type"]  # the event name always equals the type
        snapshot = accumulate_event(
            event=json.loads(event.data), current_snapshot=snapshot, json_bufs=json_bufs
        )
    return anthropic.types.Message.model_validate(snapshot.model_dump())


@pytest.mark.parametrize("case", [c for c in ENCODE_CASES if "error" not in c[0]], ids=lambda c: c[0])
def test_encoder_output_accumulates_in_the_sdk(case: tuple[str, list[ir.StreamEvent], bytes]) -> None:
    message = _accumulate(_encode(case[1]))
    assert message.id == "msg_proxy"
    assert message.model == "client-model"


def test_claude_to_claude_stream_keeps_the_message() -> None:
    """Decoding a native transcript and encoding it again gives the SDK the same message."""
    events = next(c[1] for c in DECODE_CASES if c[0] == "thinking-text-tool")
    native = _accumulate(_transcript(events))
    encoder = claude.new_encoder(ir.ResponseContext("msg_1", 0, "claude-sonnet-4-5-20250929"))
    relayed = b"".join(encoder.encode(e) for e in _decode(_transcript(events))) + encoder.finish()
    assert _accumulate(relayed) == native
    assert native.usage.output_tokens == 12
    assert native.content[0].model_dump() == {"type": "thinking", "thinking": "Plan", "signature": "EqQB"}
