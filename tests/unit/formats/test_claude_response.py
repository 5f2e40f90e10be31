"""Claude message objects: parse_response, build_response (checked against the SDK), counts."""

from __future__ import annotations

import itertools

import anthropic
import pytest

from server.formats import claude, claude_stream, ir
from server.formats.base import WireFormatModule
from server.formats.claude_content import BLOCK, NATIVE
from server.formats.claude_stream import (
    finish_from_stop_reason,
    stop_reason_for,
    usage_from_wire,
    usage_to_wire,
)
from server.jsontypes import JSONObject

NATIVE_MESSAGE: JSONObject = {
    "id": "msg_01XYZ",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "thinking", "thinking": "Let me look.", "signature": "EqQBCgIYAhIM"},
        {"type": "redacted_thinking", "data": "EmwKAhgB"},
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}},
        {
            "type": "text",
            "text": "Found it.",
            "citations": [
                {
                    "type": "char_location",
                    "cited_text": "a",
                    "document_index": 0,
                    "start_char_index": 0,
                    "end_char_index": 1,
                }
            ],
        },
        {"type": "tool_use", "id": "toolu_01A", "name": "Read", "input": {"path": "a.txt"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 25,
        "cache_creation_input_tokens": 5,
        "cache_read_input_tokens": 100,
        "output_tokens": 40,
        "service_tier": "standard",
    },
    "container": None,
}


def _ctx(id: str = "msg_proxy", model: str = "client-model") -> ir.ResponseContext:
    counter = itertools.count(1)
    return ir.ResponseContext(id, 1700000000, model, new_id=lambda prefix: f"{prefix}{next(counter)}")


def test_parse_native_message() -> None:
    response = claude.parse_response(NATIVE_MESSAGE)
    assert response == ir.Response(
        id="msg_01XYZ",
        model="claude-sonnet-4-5-20250929",
        parts=[
            ir.ThinkingPart("Let me look.", "EqQBCgIYAhIM", extras={NATIVE: True}),
            ir.ThinkingPart(redacted="EmwKAhgB", extras={NATIVE: True}),
            ir.TextPart("", {BLOCK: NATIVE_MESSAGE["content"][2]}),
            ir.TextPart("Found it.", {"citations": NATIVE_MESSAGE["content"][3]["citations"]}),
            ir.ToolCallPart("toolu_01A", "Read", '{"path":"a.txt"}'),
        ],
        finish_reason="tool_calls",
        usage=ir.Usage(130, 40, 100, 5, 0, 170),
        extras={"claude:container": None, "claude:usage": {"service_tier": "standard"}},
    )


def test_native_message_round_trips() -> None:
    built = claude.build_response(
        claude.parse_response(NATIVE_MESSAGE), _ctx(id="msg_01XYZ", model=NATIVE_MESSAGE["model"])
    )
    assert built == NATIVE_MESSAGE
    anthropic.types.Message.model_validate(built)


def test_build_from_foreign_answer() -> None:
    response = ir.Response(
        id="resp_1",
        model="gemini-2.5-pro",
        parts=[
            ir.ThinkingPart("Plan", "c2ln"),
            ir.ThinkingPart("summary", redacted="gAAAAenc"),
            ir.ThinkingPart(redacted="opaque"),
            ir.TextPart(""),
            ir.TextPart("Hello", {"gemini:thoughtSignature": "x"}),
            ir.ImagePart("image/png", "iVBOR"),
            ir.ToolCallPart("", "Read", '{"path":"a"}'),
            ir.ToolCallPart("call_9", "ls", "{broken"),
        ],
        finish_reason="stop",
        usage=ir.Usage(input_tokens=100, output_tokens=25, cached_tokens=40, reasoning_tokens=5),
    )
    built = claude.build_response(response, _ctx())
    assert built == {
        "id": "msg_proxy",
        "type": "message",
        "role": "assistant",
        "model": "client-model",
        "content": [
            {"type": "thinking", "thinking": "Plan", "signature": "c2ln"},
            {"type": "thinking", "thinking": "summary", "signature": "gAAAAenc"},
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "text", "text": "Hello"},
            {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"path": "a"}},
            {"type": "tool_use", "id": "call_9", "name": "ls", "input": {}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 60,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 40,
            "output_tokens": 25,
        },
    }
    anthropic.types.Message.model_validate(built)


@pytest.mark.parametrize(
    ("reason", "stop_sequence", "has_calls", "expected"),
    [
        ("stop", "", False, "end_turn"),
        ("stop", "###", False, "stop_sequence"),
        ("stop", "", True, "tool_use"),
        ("tool_calls", "", False, "tool_use"),
        ("length", "", True, "max_tokens"),
        ("content_filter", "", False, "refusal"),
        ("refusal", "", False, "refusal"),
        ("pause", "", False, "pause_turn"),
        ("error", "", False, "end_turn"),
    ],
    ids=[
        "stop",
        "stop-sequence",
        "tool-seen-wins",
        "tool-calls",
        "truncated-call",
        "content-filter",
        "refusal",
        "pause",
        "error",
    ],
)
def test_stop_reason_for(reason: ir.FinishReason, stop_sequence: str, has_calls: bool, expected: str) -> None:
    assert stop_reason_for(reason, stop_sequence, has_calls) == expected


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("pause_turn", "pause"),
        ("refusal", "refusal"),
        (None, "stop"),
        ("something_new", "stop"),
    ],
    ids=[
        "end-turn",
        "stop-sequence",
        "max-tokens",
        "context-window",
        "tool-use",
        "pause",
        "refusal",
        "null",
        "unknown",
    ],
)
def test_finish_from_stop_reason(stop_reason: str | None, expected: str) -> None:
    assert finish_from_stop_reason(stop_reason) == expected


def test_stop_sequence_survives() -> None:
    body = {
        **NATIVE_MESSAGE,
        "content": [{"type": "text", "text": "a"}],
        "stop_reason": "stop_sequence",
        "stop_sequence": "###",
    }
    response = claude.parse_response(body)
    assert (response.finish_reason, response.stop_sequence) == ("stop", "###")
    built = claude.build_response(response, _ctx())
    assert (built["stop_reason"], built["stop_sequence"]) == ("stop_sequence", "###")


@pytest.mark.parametrize(
    ("wire", "usage"),
    [
        ({"input_tokens": 10, "output_tokens": 2}, ir.Usage(10, 2, 0, 0, 0, 12)),
        (
            {
                "input_tokens": 3,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 7,
                "output_tokens": 1,
            },
            ir.Usage(110, 1, 100, 7, 0, 111),
        ),
        ({"input_tokens": None, "output_tokens": True}, ir.Usage()),
    ],
    ids=["plain", "cached", "junk"],
)
def test_usage_conversion(wire: JSONObject, usage: ir.Usage) -> None:
    assert usage_from_wire(wire) == usage
    back = usage_to_wire(usage)
    assert (
        back["input_tokens"] + back["cache_read_input_tokens"] + back["cache_creation_input_tokens"]
        == usage.input_tokens
    )


def test_usage_to_wire_never_negative() -> None:
    assert usage_to_wire(ir.Usage(input_tokens=5, cached_tokens=9))["input_tokens"] == 0


@pytest.mark.parametrize(
    ("body", "tokens"),
    [({"input_tokens": 42}, 42), ({}, 0), ({"input_tokens": "x"}, 0)],
    ids=["value", "missing", "junk"],
)
def test_count_tokens(body: JSONObject, tokens: int) -> None:
    assert claude.parse_count_response(body) == tokens


def test_count_response_shape() -> None:
    assert claude.count_response(17) == {"input_tokens": 17}
    anthropic.types.MessageTokensCount.model_validate(claude.count_response(17))


def test_module_has_the_format_shape() -> None:
    module: WireFormatModule = claude  # checked by mypy against the protocol
    assert isinstance(module.new_decoder(), claude_stream.ClaudeStreamDecoder)
    assert isinstance(module.new_encoder(_ctx()), claude_stream.ClaudeStreamEncoder)
