"""Upstream Responses SSE transcripts (OpenAI / Codex event orders, §2.5/§5.3) → exact IR events."""

from __future__ import annotations

import json

import pytest

from server.formats import ir
from server.formats.openai_responses import new_decoder
from server.formats.openai_responses_stream import DISCONNECTED
from server.formats.sse import SSEEvent, SSEParser
from server.jsontypes import JSONObject

RESP = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1,
    "status": "in_progress",
    "model": "gpt-5-codex",
    "output": [],
}
USAGE = {
    "input_tokens": 50,
    "input_tokens_details": {"cached_tokens": 10},
    "output_tokens": 20,
    "output_tokens_details": {"reasoning_tokens": 5},
    "total_tokens": 70,
}
IR_USAGE = ir.Usage(input_tokens=50, output_tokens=20, cached_tokens=10, reasoning_tokens=5, total_tokens=70)
MSG = {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant"}
FC = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "exec_command"}


def ev(kind: str, **fields: object) -> JSONObject:
    return {"type": kind, **fields}


def completed(output: list[JSONObject] | None = None, **fields: object) -> JSONObject:
    return ev(
        "response.completed",
        response={**RESP, "status": "completed", "output": output or [], "usage": USAGE, **fields},
    )


HEAD = [ev("response.created", response=RESP), ev("response.in_progress", response=RESP)]
START = ir.StreamStart("resp_1", "gpt-5-codex")

TRANSCRIPTS: list[tuple[str, list[JSONObject], list[ir.StreamEvent]]] = [
    (
        "codex-reasoning-text-and-tool-call",
        [
            *HEAD,
            ev(
                "response.output_item.added",
                output_index=0,
                item={"id": "rs_1", "type": "reasoning", "summary": []},
            ),
            ev("response.reasoning_summary_part.added", item_id="rs_1", output_index=0, summary_index=0),
            ev(
                "response.reasoning_summary_text.delta",
                item_id="rs_1",
                output_index=0,
                summary_index=0,
                delta="Plan",
            ),
            ev(
                "response.reasoning_summary_text.done",
                item_id="rs_1",
                output_index=0,
                summary_index=0,
                text="Plan",
            ),
            ev("response.reasoning_summary_part.done", item_id="rs_1", output_index=0, summary_index=0),
            ev("response.reasoning_summary_part.added", item_id="rs_1", output_index=0, summary_index=1),
            ev(
                "response.reasoning_summary_text.delta",
                item_id="rs_1",
                output_index=0,
                summary_index=1,
                delta="More",
            ),
            ev(
                "response.output_item.done",
                output_index=0,
                item={
                    "id": "rs_1",
                    "type": "reasoning",
                    "summary": [
                        {"type": "summary_text", "text": "Plan"},
                        {"type": "summary_text", "text": "More"},
                    ],
                    "encrypted_content": "gAAAAAenc",
                },
            ),
            ev(
                "response.output_item.added",
                output_index=1,
                item={**MSG, "status": "in_progress", "content": []},
            ),
            ev("response.content_part.added", item_id="msg_1", output_index=1, content_index=0),
            ev(
                "response.output_text.delta",
                item_id="msg_1",
                output_index=1,
                content_index=0,
                delta="Let me ",
            ),
            ev("response.output_text.delta", item_id="msg_1", output_index=1, content_index=0, delta="look."),
            ev(
                "response.output_text.done",
                item_id="msg_1",
                output_index=1,
                content_index=0,
                text="Let me look.",
            ),
            ev(
                "response.content_part.done",
                item_id="msg_1",
                output_index=1,
                content_index=0,
                part={"type": "output_text", "text": "Let me look."},
            ),
            ev(
                "response.output_item.done",
                output_index=1,
                item={**MSG, "content": [{"type": "output_text", "text": "Let me look."}]},
            ),
            ev(
                "response.output_item.added",
                output_index=2,
                item={**FC, "status": "in_progress", "arguments": ""},
            ),
            ev("response.function_call_arguments.delta", item_id="fc_1", output_index=2, delta='{"cmd":'),
            ev("response.function_call_arguments.delta", item_id="fc_1", output_index=2, delta='"ls"}'),
            ev(
                "response.function_call_arguments.done",
                item_id="fc_1",
                output_index=2,
                arguments='{"cmd":"ls"}',
            ),
            ev(
                "response.output_item.done",
                output_index=2,
                item={**FC, "status": "completed", "arguments": '{"cmd":"ls"}'},
            ),
            completed(),
        ],
        [
            START,
            ir.StreamThinking("Plan"),
            ir.StreamThinking("\n\nMore"),
            ir.StreamThinking(signature="gAAAAAenc"),
            ir.StreamText("Let me "),
            ir.StreamText("look."),
            ir.StreamToolCallStart(0, "call_1", "exec_command"),
            ir.StreamToolCallArgs(0, '{"cmd":'),
            ir.StreamToolCallArgs(0, '"ls"}'),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "arguments-only-in-done-event",
        [
            *HEAD,
            ev("response.output_item.added", output_index=0, item={**FC, "arguments": ""}),
            ev("response.function_call_arguments.done", output_index=0, item_id="fc_1", arguments='{"a":1}'),
            ev("response.output_item.done", output_index=0, item={**FC, "arguments": '{"a":1}'}),
            completed(),
        ],
        [
            START,
            ir.StreamToolCallStart(0, "call_1", "exec_command"),
            ir.StreamToolCallArgs(0, '{"a":1}'),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "arguments-only-in-output-item-done",
        [
            *HEAD,
            ev("response.output_item.added", output_index=0, item={**FC, "arguments": ""}),
            ev("response.output_item.done", output_index=0, item={**FC, "arguments": '{"b":2}'}),
            completed(),
        ],
        [
            START,
            ir.StreamToolCallStart(0, "call_1", "exec_command"),
            ir.StreamToolCallArgs(0, '{"b":2}'),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "deltas-before-the-item-is-announced",
        [
            *HEAD,
            ev("response.function_call_arguments.delta", output_index=0, item_id="fc_1", delta="{}"),
            ev("response.output_item.done", output_index=0, item={**FC, "arguments": "{}"}),
            completed(),
        ],
        [
            START,
            ir.StreamToolCallStart(0, "call_1", "exec_command"),
            ir.StreamToolCallArgs(0, "{}"),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "text-only-in-done-events",
        [
            *HEAD,
            ev("response.output_item.added", output_index=0, item={**MSG, "content": []}),
            ev("response.output_text.done", item_id="msg_1", output_index=0, content_index=0, text="Hi"),
            ev(
                "response.content_part.done",
                item_id="msg_1",
                output_index=0,
                content_index=0,
                part={"type": "output_text", "text": "Hi"},
            ),
            ev(
                "response.output_item.done",
                output_index=0,
                item={**MSG, "content": [{"type": "output_text", "text": "Hi"}]},
            ),
            completed(),
        ],
        [START, ir.StreamText("Hi"), ir.StreamUsage(IR_USAGE), ir.StreamFinish("stop")],
    ),
    (
        "output-only-in-response-completed",
        [
            *HEAD,
            completed(
                [
                    {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "S"}]},
                    {**MSG, "content": [{"type": "output_text", "text": "Answer"}]},
                    {**FC, "arguments": "{}"},
                ]
            ),
        ],
        [
            START,
            ir.StreamThinking("S"),
            ir.StreamText("Answer"),
            ir.StreamToolCallStart(0, "call_1", "exec_command"),
            ir.StreamToolCallArgs(0, "{}"),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("tool_calls"),
        ],
    ),
    (
        "incomplete-max-output-tokens",
        [
            *HEAD,
            ev("response.output_text.delta", item_id="msg_1", output_index=0, content_index=0, delta="cut"),
            ev(
                "response.incomplete",
                response={
                    **RESP,
                    "status": "incomplete",
                    "incomplete_details": {"reason": "max_output_tokens"},
                },
            ),
        ],
        [START, ir.StreamText("cut"), ir.StreamFinish("length")],
    ),
    (
        "response-failed",
        [
            *HEAD,
            ev(
                "response.failed",
                response={
                    **RESP,
                    "status": "failed",
                    "error": {"code": "rate_limit_exceeded", "message": "Slow down"},
                },
            ),
        ],
        [START, ir.StreamError("Slow down", status=429, type="rate_limit_error")],
    ),
    (
        "error-event-first",
        [ev("error", code="invalid_request_error", message="Bad input", param=None, sequence_number=0)],
        [ir.StreamError("Bad input", status=400, type="invalid_request_error")],
    ),
    (
        "nested-error-event",
        [*HEAD, ev("error", error={"type": "server_error", "message": "boom"})],
        [START, ir.StreamError("boom", status=502, type="api_error")],
    ),
    (
        "raw-reasoning-text-and-refusal",
        [
            *HEAD,
            ev("response.reasoning_text.delta", item_id="rs_1", output_index=0, content_index=0, delta="raw"),
            ev("response.reasoning_text.done", item_id="rs_1", output_index=0, content_index=0, text="raw"),
            ev("response.refusal.delta", item_id="msg_1", output_index=1, content_index=0, delta="No."),
            completed(),
        ],
        [
            START,
            ir.StreamThinking("raw"),
            ir.StreamText("No."),
            ir.StreamUsage(IR_USAGE),
            ir.StreamFinish("stop"),
        ],
    ),
]


def _decode(events: list[JSONObject], *, named: bool = True) -> list[ir.StreamEvent]:
    decoder = new_decoder()
    out: list[ir.StreamEvent] = []
    for event in events:
        out += decoder.feed(SSEEvent(json.dumps(event), str(event["type"]) if named else ""))
    return out + decoder.finish()


@pytest.mark.parametrize(
    ("events", "expected"), [c[1:] for c in TRANSCRIPTS], ids=[c[0] for c in TRANSCRIPTS]
)
def test_decoder(events: list[JSONObject], expected: list[ir.StreamEvent]) -> None:
    assert _decode(events) == expected
    assert _decode(events, named=False) == expected  # data-only framing: the JSON type decides


def test_decoder_from_raw_bytes_with_done_marker_and_late_events() -> None:
    wire = b"".join(
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
        for e in [
            *HEAD,
            ev("response.output_text.delta", output_index=0, content_index=0, delta="x"),
            completed(),
        ]
    )
    parser, decoder = SSEParser(), new_decoder()
    events = parser.feed(wire + b"data: [DONE]\n\n") + [
        SSEEvent(json.dumps(ev("response.output_text.delta", delta="late")))
    ]
    out = [e for event in events for e in decoder.feed(event)] + decoder.finish()
    assert out == [START, ir.StreamText("x"), ir.StreamUsage(IR_USAGE), ir.StreamFinish("stop")]


EDGES: list[tuple[str, list[SSEEvent], list[ir.StreamEvent]]] = [
    (
        "closed-before-response-completed",
        [SSEEvent(json.dumps(HEAD[0]), "response.created")],
        [
            START,
            ir.StreamError(DISCONNECTED, status=408, type="api_error"),
        ],
    ),
    (
        "unreadable-event",
        [SSEEvent("{not json", "response.output_text.delta")],
        [ir.StreamError("upstream sent an unreadable stream event", status=502)],
    ),
    (
        "unknown-events-ignored",
        [SSEEvent('{"type":"response.web_search_call.searching"}'), SSEEvent(json.dumps(completed()))],
        [START, ir.StreamUsage(IR_USAGE), ir.StreamFinish("stop")],
    ),
]


@pytest.mark.parametrize(("events", "expected"), [c[1:] for c in EDGES], ids=[c[0] for c in EDGES])
def test_decoder_edges(events: list[SSEEvent], expected: list[ir.StreamEvent]) -> None:
    decoder = new_decoder()
    assert [e for event in events for e in decoder.feed(event)] + decoder.finish() == expected
