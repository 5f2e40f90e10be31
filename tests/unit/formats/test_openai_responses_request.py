"""Responses API requests → IR: exact IR for real-looking bodies (Codex CLI, SDK), and bad bodies."""

from __future__ import annotations

import pytest

from server.errors import BadRequest
from server.formats import ir
from server.formats.openai_responses import parse_request
from server.jsontypes import JSONObject

P = "openai-responses:"
ITEM, STRING, ROLE, AT = P + "item", P + "string", P + "role", P + "at"

CODEX_TOOL = {
    "type": "function",
    "name": "exec_command",
    "description": "Runs a command",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {"cmd": {"type": "string"}},
        "additionalProperties": False,
    },
}
EXEC = ir.Tool(
    "exec_command",
    "Runs a command",
    {"type": "object", "properties": {"cmd": {"type": "string"}}, "additionalProperties": False},
    strict=False,
    extras={P + "native": True},
)

PARSE_CASES: list[tuple[str, JSONObject, ir.Request]] = [
    (
        "string-input",
        {"model": "gpt-5", "input": "hello"},
        ir.Request("gpt-5", [ir.Message("user", [ir.TextPart("hello")])], extras={P + "_input_string": True}),
    ),
    (
        "instructions-and-developer-messages",
        {
            "model": "gpt-5",
            "instructions": "Be brief.",
            "input": [
                {
                    "type": "message",
                    "role": "developer",
                    "id": "msg_d",
                    "content": [{"type": "input_text", "text": "Rules"}],
                },
                {"role": "user", "content": "hi"},
            ],
        },
        ir.Request(
            "gpt-5",
            [ir.Message("user", [ir.TextPart("hi", {STRING: True, ITEM: {}})])],
            system=[
                ir.TextPart("Be brief.", {P + "instructions": True}),
                ir.TextPart("Rules", {ITEM: {"type": "message", "id": "msg_d"}, ROLE: "developer", AT: 0}),
            ],
        ),
    ),
    (
        "codex-tool-round-trip",
        {
            "model": "gpt-5-codex",
            "stream": True,
            "store": False,
            "include": ["reasoning.encrypted_content"],
            "prompt_cache_key": "sess-1",
            "client_metadata": {"a": "b"},
            "reasoning": {"summary": "auto"},
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "tools": [CODEX_TOOL],
            "input": [
                {
                    "type": "message",
                    "role": "user",
                    "id": "msg_u",
                    "content": [{"type": "input_text", "text": "ls"}],
                },
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [
                        {"type": "summary_text", "text": "Plan"},
                        {"type": "summary_text", "text": "More"},
                    ],
                    "encrypted_content": "gAAAAAenc",
                },
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "exec_command",
                    "arguments": '{"cmd":"ls"}',
                    "status": "completed",
                },
                {"type": "function_call_output", "id": "fco_1", "call_id": "call_1", "output": "a.txt"},
            ],
        },
        ir.Request(
            "gpt-5-codex",
            [
                ir.Message("user", [ir.TextPart("ls", {ITEM: {"type": "message", "id": "msg_u"}})]),
                ir.Message(
                    "assistant",
                    [
                        ir.ThinkingPart(
                            "Plan\n\nMore",
                            redacted="gAAAAAenc",
                            extras={
                                ITEM: {"type": "reasoning", "id": "rs_1"},
                                P + "summary": ["Plan", "More"],
                            },
                        ),
                        ir.ToolCallPart(
                            "call_1",
                            "exec_command",
                            '{"cmd":"ls"}',
                            {ITEM: {"type": "function_call", "id": "fc_1", "status": "completed"}},
                        ),
                    ],
                ),
                ir.Message(
                    "user",
                    [
                        ir.ToolResultPart(
                            "call_1",
                            [ir.TextPart("a.txt")],
                            "exec_command",
                            extras={ITEM: {"type": "function_call_output", "id": "fco_1"}, STRING: True},
                        )
                    ],
                ),
            ],
            tools=[EXEC],
            tool_choice=ir.ToolChoice("auto", parallel=True),
            stream=True,
            reasoning=ir.Reasoning(summary="auto", include_thoughts=True),
            extras={
                P + "store": False,
                P + "include": ["reasoning.encrypted_content"],
                P + "prompt_cache_key": "sess-1",
                P + "client_metadata": {"a": "b"},
                P + "_reasoning": {"summary": "auto"},
            },
        ),
    ),
    (
        "parallel-calls-share-one-turn",
        {
            "model": "m",
            "input": [
                {"type": "function_call", "call_id": "c1", "name": "a", "arguments": "{}"},
                {"type": "function_call", "call_id": "c2", "name": "b", "arguments": "{}"},
                {
                    "type": "function_call_output",
                    "call_id": "c2",
                    "output": [{"type": "input_text", "text": "B"}],
                },
                {"type": "function_call_output", "call_id": "c1", "output": "A"},
            ],
        },
        ir.Request(
            "m",
            [
                ir.Message(
                    "assistant",
                    [
                        ir.ToolCallPart("c1", "a", "{}", {ITEM: {"type": "function_call"}}),
                        ir.ToolCallPart("c2", "b", "{}", {ITEM: {"type": "function_call"}}),
                    ],
                ),
                ir.Message(
                    "user",
                    [
                        ir.ToolResultPart(
                            "c2", [ir.TextPart("B")], "b", extras={ITEM: {"type": "function_call_output"}}
                        ),
                        ir.ToolResultPart(
                            "c1",
                            [ir.TextPart("A")],
                            "a",
                            extras={ITEM: {"type": "function_call_output"}, STRING: True},
                        ),
                    ],
                ),
            ],
        ),
    ),
    (
        "images-and-files",
        {
            "model": "m",
            "input": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_image", "image_url": "data:image/png;base64,QUJD", "detail": "high"},
                        {"type": "input_image", "image_url": "https://x.test/a.jpg"},
                        {"type": "input_image", "file_id": "file-1"},
                        {
                            "type": "input_file",
                            "filename": "a.pdf",
                            "file_data": "data:application/pdf;base64,UERG",
                        },
                        {"type": "input_file", "file_url": "https://x.test/b.pdf"},
                    ],
                }
            ],
        },
        ir.Request(
            "m",
            [
                ir.Message(
                    "user",
                    [
                        ir.ImagePart("image/png", "QUJD", detail="high", extras={ITEM: {}}),
                        ir.ImagePart(url="https://x.test/a.jpg"),
                        ir.ImagePart(extras={P + "file_id": "file-1"}),
                        ir.DocumentPart("application/pdf", "UERG", filename="a.pdf"),
                        ir.DocumentPart(url="https://x.test/b.pdf"),
                    ],
                )
            ],
        ),
    ),
    (
        "namespace-flattened-builtins-kept-raw",
        {
            "model": "m",
            "input": [],
            "tools": [
                {
                    "type": "namespace",
                    "name": "multi_agent_v1",
                    "description": "Agents",
                    "tools": [{"type": "function", "name": "spawn", "parameters": {"type": "object"}}],
                },
                {"type": "web_search", "external_web_access": False},
            ],
        },
        ir.Request(
            "m",
            tools=[
                ir.Tool(
                    "spawn",
                    parameters={"type": "object"},
                    extras={
                        P + "native": True,
                        P + "namespace": {
                            "type": "namespace",
                            "name": "multi_agent_v1",
                            "description": "Agents",
                        },
                    },
                ),
                ir.Tool(
                    "web_search",
                    extras={
                        P + "native": True,
                        "builtin": {"type": "web_search", "external_web_access": False},
                    },
                ),
            ],
        ),
    ),
    (
        "sampling-reasoning-text-format",
        {
            "model": "m",
            "input": [],
            "max_output_tokens": 500,
            "temperature": 0.2,
            "top_p": 0.9,
            "user": "u-1",
            "reasoning": {"effort": "high", "summary": "detailed"},
            "text": {
                "format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": True}
            },
        },
        ir.Request(
            "m",
            max_tokens=500,
            temperature=0.2,
            top_p=0.9,
            user="u-1",
            reasoning=ir.Reasoning("high", summary="detailed", include_thoughts=True),
            response_format=ir.ResponseFormat("json_schema", {"type": "object"}, "out", True),
            extras={
                P + "_reasoning": {"effort": "high", "summary": "detailed"},
                P + "_text": {
                    "format": {
                        "type": "json_schema",
                        "name": "out",
                        "schema": {"type": "object"},
                        "strict": True,
                    }
                },
            },
        ),
    ),
    (
        "unknown-items-ride-along",
        {
            "model": "m",
            "input": [
                {"type": "item_reference", "id": "x"},
                {"role": "user", "content": "q"},
                {"type": "web_search_call", "id": "ws"},
            ],
        },
        ir.Request(
            "m",
            [
                ir.Message(
                    "user",
                    [
                        ir.TextPart(
                            "q",
                            {STRING: True, ITEM: {}, P + "before": [{"type": "item_reference", "id": "x"}]},
                        )
                    ],
                )
            ],
            extras={P + "_tail": [{"type": "web_search_call", "id": "ws"}]},
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_request(body: JSONObject, expected: ir.Request) -> None:
    assert parse_request(body) == expected


ALLOWED = {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "f"}]}
TOOL_CHOICES: list[tuple[str, JSONObject, ir.ToolChoice | None, JSONObject]] = [
    ("absent", {}, None, {}),
    ("none", {"tool_choice": "none"}, ir.ToolChoice("none"), {}),
    ("required", {"tool_choice": "required"}, ir.ToolChoice("required"), {}),
    ("function", {"tool_choice": {"type": "function", "name": "f"}}, ir.ToolChoice("tool", "f"), {}),
    (
        "parallel-only",
        {"parallel_tool_calls": False},
        ir.ToolChoice("auto", parallel=False),
        {P + "_no_tool_choice": True},
    ),
    ("allowed-tools", {"tool_choice": ALLOWED}, ir.ToolChoice("required"), {P + "_tool_choice": ALLOWED}),
    (
        "hosted-tool",
        {"tool_choice": {"type": "web_search"}},
        ir.ToolChoice("auto"),
        {P + "_tool_choice": {"type": "web_search"}},
    ),
]


@pytest.mark.parametrize(
    ("fields", "choice", "extras"), [c[1:] for c in TOOL_CHOICES], ids=[c[0] for c in TOOL_CHOICES]
)
def test_tool_choice_forms(fields: JSONObject, choice: ir.ToolChoice | None, extras: JSONObject) -> None:
    request = parse_request({"model": "m", "input": [], **fields})
    assert request.tool_choice == choice
    assert request.extras == extras


BAD_BODIES: list[tuple[str, object]] = [
    ("not-an-object", ["input"]),
    ("input-number", {"model": "m", "input": 3}),
    ("item-not-object", {"model": "m", "input": ["hi"]}),
    ("tools-not-list", {"model": "m", "input": "x", "tools": {"type": "function"}}),
]


@pytest.mark.parametrize("body", [c[1] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES])
def test_malformed_requests_are_bad_requests(body: JSONObject) -> None:
    with pytest.raises(BadRequest):
        parse_request(body)


def test_wrong_typed_fields_go_upstream_untouched() -> None:
    request = parse_request({"model": "m", "input": "x", "max_output_tokens": "9", "temperature": "hot"})
    assert request.max_tokens is None and request.temperature is None
    assert request.extras[P + "max_output_tokens"] == "9"
    assert request.extras[P + "temperature"] == "hot"
