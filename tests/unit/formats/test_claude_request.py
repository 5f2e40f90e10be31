"""Claude requests: wire → IR (parse_request) for what Claude clients send."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from server.formats import claude, ir
from server.formats.claude_content import BLOCK, NATIVE, SOURCE
from server.jsontypes import JSONObject


def _sig(tail: bytes = b"claude-thinking-signature") -> str:
    """A signature with the shape of Anthropic's (protobuf field 2 holding field 1)."""
    inner = b"\x0a" + bytes([len(tail)]) + tail
    return base64.b64encode(b"\x12" + bytes([len(inner)]) + inner).decode()


SIG = _sig()
CACHE = {"type": "ephemeral"}


def _req(extras: JSONObject | None = None, **fields: Any) -> ir.Request:
    """The IR a Claude body parses to: native marker set, no stream unless given."""
    return ir.Request(extras={NATIVE: True, **(extras or {})}, **fields)


PARSE_CASES: list[tuple[str, JSONObject, ir.Request]] = [
    (
        "minimal-strings",
        {
            "model": "m",
            "max_tokens": 10,
            "system": "be brief",
            "messages": [{"role": "user", "content": "hi"}],
        },
        _req(
            model="m",
            max_tokens=10,
            system=[ir.TextPart("be brief")],
            messages=[ir.Message("user", [ir.TextPart("hi")])],
        ),
    ),
    (
        "claude-code-shape",
        {
            "model": "gemini-2.5-flash",
            "max_tokens": 32000,
            "stream": True,
            "system": [
                {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"},
                {"type": "text", "text": "You are Claude Code.", "cache_control": CACHE},
            ],
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "<system-reminder>r</system-reminder>"}],
                },
                {"role": "system", "content": "mid-conversation note"},
            ],
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": "high"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "metadata": {"user_id": '{"device_id":"d","session_id":"s"}'},
        },
        _req(
            model="gemini-2.5-flash",
            max_tokens=32000,
            stream=True,
            system=[
                ir.TextPart("x-anthropic-billing-header: cc_version=2.1"),
                ir.TextPart("You are Claude Code.", {"cache_control": CACHE}),
                ir.TextPart("mid-conversation note", {claude.SYSTEM_MESSAGE: 1}),
            ],
            messages=[ir.Message("user", [ir.TextPart("<system-reminder>r</system-reminder>")])],
            reasoning=ir.Reasoning(effort="high"),
            user='{"device_id":"d","session_id":"s"}',
            extras={
                "claude:output_config": {"effort": "high"},
                "claude:context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
                claude.THINKING: {"type": "adaptive"},
            },
        ),
    ),
    (
        "tool-round-trip",
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "read it"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": "plan", "signature": SIG},
                        {"type": "redacted_thinking", "data": SIG},
                        {"type": "text", "text": "Reading."},
                        {
                            "type": "tool_use",
                            "id": "toolu_01AbC",
                            "name": "Read",
                            "input": {"p": "a", "n": [1, 2]},
                        },
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_01AbC",
                            "content": [
                                {"type": "text", "text": "contents"},
                                {
                                    "type": "image",
                                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
                                },
                            ],
                            "cache_control": CACHE,
                        },
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_x",
                            "content": "boom",
                            "is_error": True,
                        },
                    ],
                },
            ],
        },
        _req(
            model="m",
            messages=[
                ir.Message("user", [ir.TextPart("read it")]),
                ir.Message(
                    "assistant",
                    [
                        ir.ThinkingPart("plan", SIG, extras={NATIVE: True}),
                        ir.ThinkingPart(redacted=SIG, extras={NATIVE: True}),
                        ir.TextPart("Reading."),
                        ir.ToolCallPart("toolu_01AbC", "Read", '{"p":"a","n":[1,2]}'),
                    ],
                ),
                ir.Message(
                    "user",
                    [
                        ir.ToolResultPart(
                            "toolu_01AbC",
                            [ir.TextPart("contents"), ir.ImagePart("image/png", "iVBO")],
                            "Read",
                            extras={"cache_control": CACHE},
                        ),
                        ir.ToolResultPart("toolu_x", [ir.TextPart("boom")], "", is_error=True),
                    ],
                ),
            ],
        ),
    ),
    (
        "media-sources",
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}},
                        {"type": "image", "source": {"type": "file", "file_id": "file_1"}},
                        {
                            "type": "document",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                            "title": "a.pdf",
                            "citations": {"enabled": True},
                        },
                        {
                            "type": "document",
                            "source": {"type": "text", "media_type": "text/plain", "data": "héllo"},
                        },
                        {"type": "document", "source": {"type": "url", "url": "https://x/b.pdf"}},
                    ],
                }
            ],
        },
        _req(
            model="m",
            messages=[
                ir.Message(
                    "user",
                    [
                        ir.ImagePart(url="https://x/a.png"),
                        ir.ImagePart(extras={SOURCE: {"type": "file", "file_id": "file_1"}}),
                        ir.DocumentPart(
                            "application/pdf",
                            "JVBE",
                            filename="a.pdf",
                            extras={"citations": {"enabled": True}},
                        ),
                        ir.DocumentPart("text/plain", base64.b64encode("héllo".encode()).decode()),
                        ir.DocumentPart(url="https://x/b.pdf"),
                    ],
                )
            ],
        ),
    ),
    (
        "tools-choice-sampling",
        {
            "model": "m",
            "max_tokens": 5,
            "temperature": 0.5,
            "top_k": 40,
            "stop_sequences": ["END"],
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search"}],
                }
            ],
            "tools": [
                {
                    "name": "Bash",
                    "description": "run",
                    "input_schema": {"type": "object"},
                    "cache_control": CACHE,
                },
                {
                    "type": "custom",
                    "name": "Edit",
                    "input_schema": {"type": "object"},
                    "strict": True,
                    "defer_loading": True,
                },
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
            ],
            "tool_choice": {"type": "tool", "name": "Bash", "disable_parallel_tool_use": True},
            "service_tier": "auto",
            "betas": ["context-1m-2025-08-07"],
        },
        _req(
            model="m",
            max_tokens=5,
            temperature=0.5,
            top_k=40,
            stop=["END"],
            messages=[
                ir.Message(
                    "user",
                    [
                        ir.TextPart(
                            "", {BLOCK: {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search"}}
                        )
                    ],
                )
            ],
            tools=[
                ir.Tool("Bash", "run", {"type": "object"}, extras={"cache_control": CACHE}),
                ir.Tool(
                    "Edit",
                    "",
                    {"type": "object"},
                    True,
                    {"claude:type": "custom", "claude:defer_loading": True},
                ),
                ir.Tool(
                    "web_search",
                    extras={"builtin": {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}},
                ),
            ],
            tool_choice=ir.ToolChoice("tool", "Bash", parallel=False),
            extras={"claude:service_tier": "auto", "claude:betas": ["context-1m-2025-08-07"]},
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_request(body: JSONObject, expected: ir.Request) -> None:
    assert claude.parse_request(body) == expected


@pytest.mark.parametrize(
    ("thinking", "output_config", "expected"),
    [
        ({"type": "enabled", "budget_tokens": 31999}, None, ir.Reasoning(budget=31999)),
        ({"type": "enabled"}, None, ir.Reasoning(budget=-1)),
        ({"type": "disabled"}, None, ir.Reasoning(budget=0)),
        ({"type": "adaptive"}, None, ir.Reasoning(budget=-1)),
        ({"type": "adaptive"}, {"effort": "max"}, ir.Reasoning(effort="max")),
        (None, {"effort": "low"}, None),
    ],
    ids=["enabled-budget", "enabled-no-budget", "disabled", "adaptive", "adaptive-effort", "effort-only"],
)
def test_parse_thinking(
    thinking: JSONObject | None, output_config: JSONObject | None, expected: ir.Reasoning | None
) -> None:
    body: JSONObject = {"model": "m", "messages": []}
    if thinking is not None:
        body["thinking"] = thinking
    if output_config is not None:
        body["output_config"] = output_config
    assert claude.parse_request(body).reasoning == expected


@pytest.mark.parametrize(
    ("body", "stream"),
    [({}, False), ({"stream": False}, False), ({"stream": None}, False), ({"stream": True}, True)],
    ids=["absent", "false", "null", "true"],
)
def test_parse_stream_flag(body: JSONObject, stream: bool) -> None:
    assert claude.parse_request({"model": "m", "messages": [], **body}).stream is stream


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"type": "auto"}, ir.ToolChoice("auto")),
        ({"type": "any"}, ir.ToolChoice("required")),
        ({"type": "none"}, ir.ToolChoice("none")),
        ({"type": "auto", "disable_parallel_tool_use": False}, ir.ToolChoice("auto", parallel=True)),
        ({"type": "bogus"}, None),
    ],
    ids=["auto", "any", "none", "parallel-allowed", "unknown"],
)
def test_parse_tool_choice(choice: JSONObject, expected: ir.ToolChoice | None) -> None:
    assert claude.parse_request({"model": "m", "messages": [], "tool_choice": choice}).tool_choice == expected


def test_output_config_format_becomes_response_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    body = {
        "model": "m",
        "messages": [],
        "output_config": {"format": {"type": "json_schema", "schema": schema}},
    }
    assert claude.parse_request(body).response_format == ir.ResponseFormat("json_schema", schema)
