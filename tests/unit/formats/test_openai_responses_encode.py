"""IR stream events → Responses client SSE: exact bytes, event order, and what the openai SDK accepts."""

from __future__ import annotations

import itertools
import json

import httpx
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from server.formats import ir
from server.formats.openai_responses import new_encoder, parse_request
from server.formats.sse import SSEParser
from server.jsontypes import JSONObject

EVENTS = TypeAdapter(ResponseStreamEvent)


def _ctx(request: ir.Request | None = None) -> ir.ResponseContext:
    counter = itertools.count()
    return ir.ResponseContext(
        "resp_1", 1700000000, "my-model", request, new_id=lambda p: f"{p}{next(counter)}"
    )


def _encode(events: list[ir.StreamEvent], ctx: ir.ResponseContext | None = None) -> bytes:
    encoder = new_encoder(ctx or _ctx())
    return b"".join(encoder.encode(e) for e in events) + encoder.finish()


def _parsed(wire: bytes) -> list[tuple[str, JSONObject]]:
    parser = SSEParser()
    return [(e.event, json.loads(e.data)) for e in parser.feed(wire) + parser.flush()]


def _frame(kind: str, seq: int, **fields: object) -> bytes:
    data = json.dumps({"type": kind, "sequence_number": seq, **fields}, separators=(",", ":"))
    return f"event: {kind}\ndata: {data}\n\n".encode()


def _response(status: str, output: list[JSONObject], usage: JSONObject | None) -> JSONObject:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "truncation": "disabled",
        "user": None,
        "metadata": {},
        "model": "my-model",
        "output": output,
        "usage": usage,
    }


def test_appendix_a3_exact_bytes() -> None:
    """OpenAI-compatible chunks (text, one tool call, usage after the finish chunk) → Responses."""
    events: list[ir.StreamEvent] = [
        ir.StreamStart("chatcmpl-1", "upstream-model"),
        ir.StreamText("Sure."),
        ir.StreamToolCallStart(0, "call_a", "ls"),
        ir.StreamToolCallArgs(0, '{"p":1}'),
        ir.StreamFinish("tool_calls"),
        ir.StreamUsage(ir.Usage(input_tokens=30, output_tokens=9, total_tokens=39)),
    ]
    text = {"type": "output_text", "annotations": [], "logprobs": [], "text": "Sure."}
    message = {
        "id": "msg_0",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [text],
    }
    call = {
        "id": "fc_1",
        "type": "function_call",
        "status": "completed",
        "arguments": '{"p":1}',
        "call_id": "call_a",
        "name": "ls",
    }
    at0 = {"item_id": "msg_0", "output_index": 0, "content_index": 0}
    at1 = {"item_id": "fc_1", "output_index": 1}
    usage = {
        "input_tokens": 30,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 9,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 39,
    }
    expected = [
        _frame("response.created", 0, response=_response("in_progress", [], None)),
        _frame("response.in_progress", 1, response=_response("in_progress", [], None)),
        _frame(
            "response.output_item.added",
            2,
            output_index=0,
            item={**message, "status": "in_progress", "content": []},
        ),
        _frame("response.content_part.added", 3, **at0, part={**text, "text": ""}),
        _frame("response.output_text.delta", 4, **at0, delta="Sure.", logprobs=[]),
        _frame("response.output_text.done", 5, **at0, text="Sure.", logprobs=[]),
        _frame("response.content_part.done", 6, **at0, part=text),
        _frame("response.output_item.done", 7, output_index=0, item=message),
        _frame(
            "response.output_item.added",
            8,
            output_index=1,
            item={**call, "status": "in_progress", "arguments": ""},
        ),
        _frame("response.function_call_arguments.delta", 9, **at1, delta='{"p":1}'),
        _frame("response.function_call_arguments.done", 10, **at1, arguments='{"p":1}'),
        _frame("response.output_item.done", 11, output_index=1, item=call),
        _frame("response.completed", 12, response=_response("completed", [message, call], usage)),
    ]
    assert _encode(events) == b"".join(expected)


SEQUENCES: list[tuple[str, list[ir.StreamEvent], list[str], str]] = [
    (
        "claude-thinking-text-tool",
        [
            ir.StreamStart("msg_1", "claude", ir.Usage(input_tokens=50)),
            ir.StreamThinking("Plan"),
            ir.StreamThinking(signature="EqQB"),
            ir.StreamText("Reading."),
            ir.StreamToolCallStart(0, "toolu_1", "Read"),
            ir.StreamToolCallArgs(0, '{"path":'),
            ir.StreamToolCallArgs(0, '"a"}'),
            ir.StreamToolCallEnd(0),
            ir.StreamUsage(ir.Usage(output_tokens=12)),
            ir.StreamFinish("tool_calls"),
        ],
        [
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ],
        "completed",
    ),
    (
        "codex-reasoning-items-through-another-client",
        [
            ir.StreamThinking("A"),
            ir.StreamThinking(redacted="gAAAAA1"),
            ir.StreamThinking(redacted="gAAAAA2"),
            ir.StreamText("done"),
            ir.StreamFinish("stop"),
        ],
        [
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ],
        "completed",
    ),
    (
        "truncated-answer",
        [ir.StreamText("cut"), ir.StreamFinish("length")],
        [
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.incomplete",
        ],
        "incomplete",
    ),
    ("upstream-ended-without-anything", [], ["response.completed"], "completed"),
    (
        "arguments-without-a-start",
        [ir.StreamToolCallArgs(0, "{}"), ir.StreamFinish("tool_calls")],
        [
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ],
        "completed",
    ),
    (
        "error-mid-stream",
        [
            ir.StreamText("par"),
            ir.StreamError("Rate limited", status=429, type="rate_limit_error"),
            ir.StreamText("x"),
        ],
        [
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "error",
            "response.failed",
        ],
        "failed",
    ),
]


@pytest.mark.parametrize(
    ("events", "kinds", "status"), [c[1:] for c in SEQUENCES], ids=[c[0] for c in SEQUENCES]
)
def test_event_order_and_sdk_types(events: list[ir.StreamEvent], kinds: list[str], status: str) -> None:
    frames = _parsed(_encode(events))
    assert [name for name, _ in frames] == ["response.created", "response.in_progress", *kinds]
    assert [payload["type"] for _, payload in frames] == [name for name, _ in frames]
    assert [payload["sequence_number"] for _, payload in frames] == list(range(len(frames)))
    for _, payload in frames:
        EVENTS.validate_python(payload)
    final = frames[-1][1]["response"]
    assert final["status"] == status
    assert [item["id"] for item in final["output"]] == sorted(
        (item["id"] for item in final["output"]), key=lambda i: int(i.split("_")[-1])
    )
    Response.model_validate(final)


def test_final_response_contents() -> None:
    frames = _parsed(_encode(SEQUENCES[0][1]))
    final = frames[-1][1]["response"]
    assert final["output"] == [
        {
            "id": "rs_0",
            "type": "reasoning",
            "status": "completed",
            "summary": [{"type": "summary_text", "text": "Plan"}],
            "encrypted_content": "EqQB",  # Claude's signature comes back in the next request
        },
        {
            "id": "msg_1",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "Reading."}],
        },
        {
            "id": "fc_2",
            "type": "function_call",
            "status": "completed",
            "arguments": '{"path":"a"}',
            "call_id": "toolu_1",
            "name": "Read",
        },
    ]
    assert (final["usage"]["input_tokens"], final["usage"]["output_tokens"]) == (50, 12)


def test_error_frames() -> None:
    frames = _parsed(_encode(SEQUENCES[-1][1]))
    assert frames[-2][1] == {
        "type": "error",
        "sequence_number": 5,
        "code": "rate_limit_exceeded",
        "message": "Rate limited",
        "param": None,
    }
    failed = frames[-1][1]["response"]
    assert failed["error"] == {
        "code": "rate_limit_exceeded",
        "message": "Rate limited",
        "type": "rate_limit_error",
    }
    assert failed["output"][0]["status"] == "incomplete"
    assert failed["output"][0]["content"][0]["text"] == "par"


def test_client_request_is_echoed_and_namespaces_restored() -> None:
    request = parse_request(
        {
            "model": "my-model",
            "input": "hi",
            "instructions": "Be brief.",
            "tools": [
                {
                    "type": "namespace",
                    "name": "multi_agent_v1",
                    "description": "Agents",
                    "tools": [{"type": "function", "name": "spawn", "parameters": {"type": "object"}}],
                },
                {"type": "function", "name": "mcp__srv__" + "y" * 60, "parameters": {"type": "object"}},
            ],
            "tool_choice": "required",
            "parallel_tool_calls": False,
        }
    )
    events: list[ir.StreamEvent] = [
        ir.StreamToolCallStart(0, "call_1", "spawn"),
        ir.StreamToolCallEnd(0),
        ir.StreamToolCallStart(1, "call_2", "mcp__" + "y" * 59),
        ir.StreamFinish("tool_calls"),
    ]
    frames = _parsed(_encode(events, _ctx(request)))
    final = frames[-1][1]["response"]
    assert (final["instructions"], final["tool_choice"], final["parallel_tool_calls"]) == (
        "Be brief.",
        "required",
        False,
    )
    assert final["tools"][0]["type"] == "namespace"
    assert [(i["name"], i.get("namespace")) for i in final["output"]] == [
        ("spawn", "multi_agent_v1"),
        ("mcp__srv__" + "y" * 60, None),
    ]
    assert final["output"][1]["arguments"] == "{}"


def test_openai_sdk_reads_the_stream() -> None:
    wire = _encode(SEQUENCES[0][1])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=wire)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = openai.OpenAI(api_key="test", base_url="http://proxy.test/v1", http_client=http)
        with client.responses.stream(model="my-model", input="hi") as stream:
            kinds = [event.type for event in stream]
            final = stream.get_final_response()
    assert kinds[-1] == "response.completed"
    assert final.output_text == "Reading."
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
