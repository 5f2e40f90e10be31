"""IR from other formats → Responses API request bodies (exact JSON), and the 64-char name map."""

from __future__ import annotations

import pytest

from server.formats import ir
from server.formats.openai_responses import build_request, tool_name_map
from server.jsontypes import JSONObject

CTX = ir.BuildContext(model="gpt-5")
SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
LONG = "mcp__some_server_with_a_long_name__" + "do_something_even_longer_than_sixty_four_characters"

BUILD_CASES: list[tuple[str, ir.Request, JSONObject]] = [
    (
        "claude-code-turn",
        ir.Request(
            "claude-sonnet-4-5",
            system=[
                ir.TextPart("x-anthropic-billing-header: cc_version=2"),
                ir.TextPart("You are Claude Code.", {"cache_control": {"type": "ephemeral"}}),
            ],
            messages=[
                ir.Message("user", [ir.TextPart("Read a.txt")]),
                ir.Message(
                    "assistant",
                    [
                        ir.ThinkingPart("Plan", signature="EqQBCkgIBxABGAIqQ"),
                        ir.TextPart("Reading."),
                        ir.ToolCallPart("toolu_01A", "Read", '{"path":"a.txt"}'),
                    ],
                ),
                ir.Message(
                    "user",
                    [
                        ir.ToolResultPart("toolu_01A", [ir.TextPart("line 1"), ir.TextPart("line 2")]),
                        ir.TextPart("go"),
                    ],
                ),
            ],
            tools=[
                ir.Tool(
                    "Read", "Reads a file", {"$schema": "http://json-schema.org/draft-07/schema#", **SCHEMA}
                )
            ],
            tool_choice=ir.ToolChoice("tool", "Read", parallel=False),
            max_tokens=32000,
            reasoning=ir.Reasoning(budget=8192),
            user='{"device_id":"d"}',
            extras={"claude:context_management": {"edits": []}},
        ),
        {
            "model": "gpt-5",
            "input": [
                {
                    "type": "message",
                    "role": "developer",
                    "content": [{"type": "input_text", "text": "You are Claude Code."}],
                },
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Read a.txt"}],
                },
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Reading."}],
                },
                {
                    "type": "function_call",
                    "call_id": "toolu_01A",
                    "name": "Read",
                    "arguments": '{"path":"a.txt"}',
                },
                {"type": "function_call_output", "call_id": "toolu_01A", "output": "line 1\nline 2"},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
            ],
            "tools": [
                {
                    "type": "function",
                    "name": "Read",
                    "description": "Reads a file",
                    "parameters": SCHEMA,
                    "strict": False,
                }
            ],
            "tool_choice": {"type": "function", "name": "Read"},
            "parallel_tool_calls": False,
            "max_output_tokens": 32000,
            "reasoning": {"effort": "medium", "summary": "auto"},
            "include": ["reasoning.encrypted_content"],
            "user": '{"device_id":"d"}',
        },
    ),
    (
        "gemini-schema-and-builtins",
        ir.Request(
            "gemini-2.5-pro",
            messages=[ir.Message("user", [ir.TextPart("hi")])],
            tools=[
                ir.Tool(
                    "find",
                    parameters={
                        "type": "OBJECT",
                        "properties": {
                            "type": {"type": "STRING", "enum": ["A", "B"]},
                            "n": {"type": ["INTEGER", "NULL"]},
                        },
                    },
                ),
                ir.Tool("googleSearch", extras={"builtin": {"googleSearch": {}}}),
                ir.Tool(
                    "web_search", extras={"builtin": {"type": "web_search_20250305", "name": "web_search"}}
                ),
                ir.Tool("code_execution", extras={"builtin": {"codeExecution": {}}}),
                ir.Tool("empty"),
            ],
            reasoning=ir.Reasoning(budget=-1, include_thoughts=True),
            response_format=ir.ResponseFormat("json_schema", {"type": "object"}),
        ),
        {
            "model": "gpt-5",
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
            "tools": [
                {
                    "type": "function",
                    "name": "find",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["A", "B"]},
                            "n": {"type": ["integer", "null"]},
                        },
                    },
                    "strict": False,
                },
                {"type": "web_search"},
                {"type": "web_search"},
                {
                    "type": "function",
                    "name": "empty",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": False,
                },
            ],
            "reasoning": {"summary": "auto"},
            "include": ["reasoning.encrypted_content"],
            "text": {"format": {"type": "json_schema", "name": "response", "schema": {"type": "object"}}},
        },
    ),
    (
        "foreign-reasoning-replayed-only-when-openai-encrypted",
        ir.Request(
            "m",
            messages=[
                ir.Message("user", [ir.TextPart("q")]),
                ir.Message(
                    "assistant",
                    [
                        ir.ThinkingPart(redacted="EmwKAhgBEgy3va3pzix"),  # Claude redacted thinking: dropped
                        ir.ThinkingPart(
                            "sum", redacted="gAAAAABenc"
                        ),  # Codex reasoning that went through Claude
                        ir.ThinkingPart("", signature="gAAAAABsig"),
                        ir.TextPart(""),
                        ir.ToolCallPart("call_1", "f", "{}"),
                    ],
                ),
                ir.Message(
                    "user",
                    [
                        ir.ToolResultPart(
                            "call_1", [ir.TextPart("see"), ir.ImagePart("image/png", "QUJD")], is_error=True
                        )
                    ],
                ),
            ],
            response_format=ir.ResponseFormat("json_object"),
        ),
        {
            "model": "gpt-5",
            "input": [
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q"}]},
                {
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "sum"}],
                    "encrypted_content": "gAAAAABenc",
                },
                {"type": "reasoning", "summary": [], "encrypted_content": "gAAAAABsig"},
                {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
                {
                    "type": "function_call_output",
                    "call_id": "call_1",
                    "output": [
                        {"type": "input_text", "text": "see"},
                        {"type": "input_image", "image_url": "data:image/png;base64,QUJD"},
                    ],
                },
            ],
            "text": {"format": {"type": "json_object"}},
        },
    ),
    (
        "long-tool-names-shortened-everywhere",
        ir.Request(
            "m",
            messages=[ir.Message("assistant", [ir.ToolCallPart("c1", LONG, "{}")])],
            tools=[ir.Tool(LONG, parameters={"type": "object", "properties": {}})],
            tool_choice=ir.ToolChoice("tool", LONG),
        ),
        {
            "model": "gpt-5",
            "input": [
                {
                    "type": "function_call",
                    "call_id": "c1",
                    "name": "mcp__do_something_even_longer_than_sixty_four_characters",
                    "arguments": "{}",
                }
            ],
            "tools": [
                {
                    "type": "function",
                    "name": "mcp__do_something_even_longer_than_sixty_four_characters",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": False,
                }
            ],
            "tool_choice": {
                "type": "function",
                "name": "mcp__do_something_even_longer_than_sixty_four_characters",
            },
        },
    ),
    (
        "documents-and-images-in-user-turns",
        ir.Request(
            "m",
            messages=[
                ir.Message(
                    "user",
                    [
                        ir.TextPart("look"),
                        ir.ImagePart(url="https://x.test/a.png", detail="low"),
                        ir.DocumentPart("application/pdf", "UERG", filename="a.pdf"),
                    ],
                )
            ],
            temperature=0.5,
            top_p=0.8,
            reasoning=ir.Reasoning(effort="auto"),
        ),
        {
            "model": "gpt-5",
            "input": [
                {
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "look"},
                        {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "low"},
                        {
                            "type": "input_file",
                            "file_data": "data:application/pdf;base64,UERG",
                            "filename": "a.pdf",
                        },
                    ],
                }
            ],
            "temperature": 0.5,
            "top_p": 0.8,
            "reasoning": {"summary": "auto"},
            "include": ["reasoning.encrypted_content"],
        },
    ),
]


@pytest.mark.parametrize(
    ("request_ir", "expected"), [c[1:] for c in BUILD_CASES], ids=[c[0] for c in BUILD_CASES]
)
def test_build_request_from_other_formats(request_ir: ir.Request, expected: JSONObject) -> None:
    assert build_request(request_ir, CTX) == expected


def test_stream_flag_comes_from_the_context() -> None:
    request = ir.Request("m", [ir.Message("user", [ir.TextPart("x")])])
    assert build_request(request, ir.BuildContext(model="gpt-5", stream=True))["stream"] is True
    assert "stream" not in build_request(request, CTX)


NAME_MAPS: list[tuple[str, list[str], dict[str, str]]] = [
    ("short-names-untouched", ["Read", "a" * 64], {}),
    ("plain-long-name-cut", ["b" * 70], {"b" * 70: "b" * 64}),
    ("mcp-keeps-last-segment", ["mcp__srv__" + "x" * 60], {"mcp__srv__" + "x" * 60: "mcp__" + "x" * 59}),
    (
        "collisions-get-suffixes",
        ["c" * 70, "c" * 71, "c" * 64],
        {"c" * 70: "c" * 62 + "_1", "c" * 71: "c" * 62 + "_2"},
    ),
]


@pytest.mark.parametrize(("names", "expected"), [c[1:] for c in NAME_MAPS], ids=[c[0] for c in NAME_MAPS])
def test_tool_name_map(names: list[str], expected: dict[str, str]) -> None:
    shortened = tool_name_map(ir.Request("m", tools=[ir.Tool(n) for n in names]))
    assert shortened == expected
    assert all(len(v) <= 64 for v in shortened.values())
