"""Claude requests: IR → wire (build_request) for Claude upstreams, from foreign and Claude sources."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from server.formats import claude, ir
from server.formats.claude_content import NATIVE
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo, ThinkingRange

SONNET = ModelInfo(
    "claude-sonnet-4-5-20250929",
    max_completion_tokens=64000,
    thinking=ThinkingRange(1024, 100000, False, True),
)
SONNET_37 = ModelInfo("claude-3-7-sonnet-20250219", max_completion_tokens=8192)
CACHE = {"type": "ephemeral"}


def _sig(tail: bytes = b"claude-thinking-signature") -> str:
    inner = b"\x0a" + bytes([len(tail)]) + tail
    return base64.b64encode(b"\x12" + bytes([len(inner)]) + inner).decode()


SIG = _sig()
HI = [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


def _build(request: ir.Request, info: ModelInfo | None = None, stream: bool = False) -> JSONObject:
    return claude.build_request(request, ir.BuildContext("claude-up", info, stream))


def _hi(**fields: Any) -> ir.Request:
    return ir.Request("client-model", [ir.Message("user", [ir.TextPart("hi")])], **fields)


FOREIGN_CASES: list[tuple[str, ir.Request, JSONObject]] = [
    (
        "openai-tool-loop",
        ir.Request(
            "gpt",
            system=[
                ir.TextPart("sys one"),
                ir.TextPart(""),
                ir.TextPart("sys two", {"cache_control": CACHE}),
            ],
            messages=[
                ir.Message(
                    "user",
                    [
                        ir.TextPart("look"),
                        ir.ImagePart(url="data:image/jpeg;base64,/9j/AA"),
                        ir.ImagePart(url="https://x/cat.png", detail="high"),
                    ],
                ),
                ir.Message(
                    "assistant",
                    [
                        ir.ToolCallPart("call.1:a", "ls", '{"p":1}'),
                        ir.TextPart("Listing."),
                        ir.ToolCallPart("call_2", "cat", "not json"),
                    ],
                    {"openai:name": "bot"},
                ),
                ir.Message("user", [ir.ToolResultPart("call.1:a", [ir.TextPart("a b")])]),
                ir.Message("user", [ir.ToolResultPart("call_2", [ir.TextPart("")], is_error=True)]),
                ir.Message("user", [ir.TextPart("thanks")]),
            ],
            user="u-1",
            stop=["END"],
        ),
        {
            "model": "claude-up",
            "system": [
                {"type": "text", "text": "sys one"},
                {"type": "text", "text": "sys two", "cache_control": CACHE},
            ],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "look"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/AA"},
                        },
                        {"type": "image", "source": {"type": "url", "url": "https://x/cat.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Listing."},
                        {"type": "tool_use", "id": "call_1_a", "name": "ls", "input": {"p": 1}},
                        {"type": "tool_use", "id": "call_2", "name": "cat", "input": {}},
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "call_1_a", "content": "a b"},
                        {"type": "tool_result", "tool_use_id": "call_2", "content": "", "is_error": True},
                        {"type": "text", "text": "thanks"},
                    ],
                },
            ],
            "max_tokens": 32000,
            "stop_sequences": ["END"],
            "metadata": {"user_id": "u-1"},
        },
    ),
    (
        "documents-and-raw-image-types",
        ir.Request(
            "gpt",
            messages=[
                ir.Message(
                    "user",
                    [
                        ir.DocumentPart("text/plain", base64.b64encode(b"plain").decode(), filename="n.txt"),
                        ir.DocumentPart("application/pdf", "JVBE"),
                        ir.DocumentPart(url="data:application/pdf;base64,JVBF"),
                        ir.DocumentPart(url="https://x/d.pdf"),
                        ir.ImagePart(data="R0lGODlh"),
                        ir.ImagePart(),
                        ir.DocumentPart("application/pdf", url="gs://bucket/r.pdf"),
                    ],
                )
            ],
        ),
        {
            "model": "claude-up",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "document",
                            "source": {"type": "text", "media_type": "text/plain", "data": "plain"},
                            "title": "n.txt",
                        },
                        {
                            "type": "document",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                        },
                        {
                            "type": "document",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBF"},
                        },
                        {"type": "document", "source": {"type": "url", "url": "https://x/d.pdf"}},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/gif", "data": "R0lGODlh"},
                        },
                        {"type": "text", "text": "File: gs://bucket/r.pdf (Type: application/pdf)"},
                    ],
                }
            ],
            "max_tokens": 32000,
        },
    ),
    (
        "tools-builtins-and-schemas",
        _hi(
            tools=[
                ir.Tool(
                    "lookup",
                    "find",
                    {
                        "type": "OBJECT",
                        "properties": {"type": {"type": "STRING"}, "n": {"type": ["INTEGER", "null"]}},
                    },
                    strict=True,
                    extras={"cache_control": CACHE, "gemini:behavior": "BLOCKING"},
                ),
                ir.Tool("noargs"),
                ir.Tool(
                    "web_search", extras={"builtin": {"type": "web_search", "external_web_access": False}}
                ),
                ir.Tool("", extras={"builtin": {"googleSearch": {}}}),
                ir.Tool(
                    "multi_agent_v1", extras={"builtin": {"type": "namespace", "name": "multi_agent_v1"}}
                ),
            ],
            tool_choice=ir.ToolChoice("required", parallel=False),
        ),
        {
            "model": "claude-up",
            "messages": HI,
            "max_tokens": 32000,
            "tools": [
                {
                    "name": "lookup",
                    "description": "find",
                    "input_schema": {
                        "type": "object",
                        "properties": {"type": {"type": "string"}, "n": {"type": ["integer", "null"]}},
                    },
                    "cache_control": CACHE,
                },
                {"name": "noargs", "input_schema": {"type": "object", "properties": {}}},
                {"type": "web_search_20250305", "name": "web_search"},
                {"type": "web_search_20250305", "name": "web_search"},
            ],
            "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
        },
    ),
    (
        "system-only-conversation",
        ir.Request("gpt", system=[ir.TextPart("only a system prompt")]),
        {
            "model": "claude-up",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "only a system prompt"}]}],
            "max_tokens": 32000,
        },
    ),
    (
        "empty-turns-dropped",
        ir.Request(
            "gpt",
            messages=[
                ir.Message("user", [ir.TextPart("q")]),
                ir.Message("assistant", [ir.TextPart(""), ir.ThinkingPart("no signature")]),
                ir.Message("user", [ir.TextPart("again")]),
            ],
        ),
        {
            "model": "claude-up",
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "q"}, {"type": "text", "text": "again"}],
                }
            ],
            "max_tokens": 32000,
        },
    ),
]


@pytest.mark.parametrize(
    ("request_", "expected"), [c[1:] for c in FOREIGN_CASES], ids=[c[0] for c in FOREIGN_CASES]
)
def test_build_from_foreign_ir(request_: ir.Request, expected: JSONObject) -> None:
    assert _build(request_) == expected


# -- thinking, max_tokens and sampling (§4.17, §4.19, §8.28, §8.29) ---------------------------------

THINKING_CASES: list[tuple[str, ir.Request, ModelInfo | None, JSONObject]] = [
    (
        "effort-high",
        _hi(reasoning=ir.Reasoning(effort="high")),
        None,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 24576}},
    ),
    (
        "effort-minimal-raised-to-1024",
        _hi(reasoning=ir.Reasoning(effort="minimal")),
        None,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 1024}},
    ),
    (
        "effort-auto-gets-a-budget",
        _hi(reasoning=ir.Reasoning(effort="auto")),
        SONNET,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 8192}},
    ),
    (
        "dynamic-budget",
        _hi(reasoning=ir.Reasoning(budget=-1)),
        None,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 8192}},
    ),
    (
        "effort-none-disables",
        _hi(reasoning=ir.Reasoning(effort="none"), temperature=0.2),
        SONNET,
        {"max_tokens": 32000, "thinking": {"type": "disabled"}, "temperature": 0.2},
    ),
    (
        "budget-zero-disables-even-when-model-forbids-zero",
        _hi(reasoning=ir.Reasoning(budget=0)),
        SONNET,
        {"max_tokens": 32000, "thinking": {"type": "disabled"}},
    ),
    (
        "budget-clamped-to-model-range",
        _hi(reasoning=ir.Reasoning(budget=200000)),
        SONNET,
        {"max_tokens": 64000, "thinking": {"type": "enabled", "budget_tokens": 63999}},
    ),
    (
        "max-tokens-raised-above-budget",
        _hi(max_tokens=1000, reasoning=ir.Reasoning(budget=2048)),
        SONNET,
        {"max_tokens": 6144, "thinking": {"type": "enabled", "budget_tokens": 2048}},
    ),
    (
        "max-tokens-raised-unknown-model",
        _hi(max_tokens=24576, reasoning=ir.Reasoning(effort="high")),
        None,
        {"max_tokens": 28672, "thinking": {"type": "enabled", "budget_tokens": 24576}},
    ),
    (
        "budget-lowered-under-model-limit",
        _hi(reasoning=ir.Reasoning(effort="high")),
        SONNET_37,
        {"max_tokens": 8192, "thinking": {"type": "enabled", "budget_tokens": 8191}},
    ),
    ("default-max-tokens-capped-by-model", _hi(), SONNET_37, {"max_tokens": 8192}),
    ("explicit-max-tokens-kept", _hi(max_tokens=100), SONNET_37, {"max_tokens": 100}),
    (
        "include-thoughts-alone-is-no-thinking",
        _hi(reasoning=ir.Reasoning(include_thoughts=True)),
        None,
        {"max_tokens": 32000},
    ),
    (
        "thinking-drops-temperature-top-k-low-top-p",
        _hi(reasoning=ir.Reasoning(budget=4096), temperature=0.7, top_p=0.5, top_k=5),
        None,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 4096}},
    ),
    (
        "thinking-keeps-high-top-p",
        _hi(reasoning=ir.Reasoning(budget=4096), top_p=0.97),
        None,
        {"max_tokens": 32000, "thinking": {"type": "enabled", "budget_tokens": 4096}, "top_p": 0.97},
    ),
    (
        "temperature-wins-over-top-p",
        _hi(temperature=0.3, top_p=0.9, top_k=7),
        None,
        {"max_tokens": 32000, "temperature": 0.3, "top_k": 7},
    ),
    ("top-p-alone", _hi(top_p=0.9), None, {"max_tokens": 32000, "top_p": 0.9}),
]


@pytest.mark.parametrize(
    ("request_", "info", "expected"), [c[1:] for c in THINKING_CASES], ids=[c[0] for c in THINKING_CASES]
)
def test_thinking_and_sampling(request_: ir.Request, info: ModelInfo | None, expected: JSONObject) -> None:
    assert _build(request_, info) == {"model": "claude-up", "messages": HI, **expected}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ir.ToolChoice("auto"), {"type": "auto"}),
        (ir.ToolChoice("none", parallel=False), {"type": "none"}),
        (ir.ToolChoice("required"), {"type": "any"}),
        (
            ir.ToolChoice("tool", "f", parallel=True),
            {"type": "tool", "name": "f", "disable_parallel_tool_use": False},
        ),
    ],
    ids=["auto", "none", "required", "named"],
)
def test_tool_choice_matrix(choice: ir.ToolChoice, expected: JSONObject) -> None:
    body = _build(_hi(tools=[ir.Tool("f", parameters={"type": "object"})], tool_choice=choice))
    assert body["tool_choice"] == expected


def test_tool_choice_without_tools_is_dropped() -> None:
    assert "tool_choice" not in _build(_hi(tool_choice=ir.ToolChoice("required")))


# -- thinking replay (§4.17, §8.31) ------------------------------------------------------------------

GEMINI_SIG = base64.b64encode(b"\x0a\x24gemini-signature-bytes-here-xx").decode()


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (ir.ThinkingPart("t", SIG), {"type": "thinking", "thinking": "t", "signature": SIG}),
        (ir.ThinkingPart("", SIG), {"type": "thinking", "thinking": "", "signature": SIG}),
        (ir.ThinkingPart(redacted=SIG), {"type": "redacted_thinking", "data": SIG}),
        (
            ir.ThinkingPart("summary", redacted=SIG),
            {"type": "thinking", "thinking": "summary", "signature": SIG},
        ),
        (
            ir.ThinkingPart("t", base64.b64encode(SIG.encode()).decode()),
            {"type": "thinking", "thinking": "t", "signature": SIG},
        ),
        (ir.ThinkingPart("t", GEMINI_SIG), None),
        (ir.ThinkingPart("t", "skip_thought_signature_validator"), None),
        (ir.ThinkingPart("t", redacted="gAAAAABpZ2V0LWNvZGV4LWVuY3J5cHRlZA=="), None),
        (ir.ThinkingPart("t"), None),
        (ir.ThinkingPart("t", "Eabc", extras={NATIVE: True}), None),
    ],
    ids=[
        "claude",
        "claude-empty-text",
        "claude-redacted",
        "summary-with-claude-carrier",
        "antigravity-double-base64",
        "gemini",
        "gemini-bypass",
        "codex-encrypted",
        "unsigned",
        "native-but-malformed",
    ],
)
def test_only_claude_signatures_are_replayed(part: ir.ThinkingPart, expected: JSONObject | None) -> None:
    request = ir.Request(
        "m",
        [ir.Message("user", [ir.TextPart("q")]), ir.Message("assistant", [part, ir.TextPart("a")])],
    )
    blocks = _build(request)["messages"][1]["content"]
    assert blocks == ([expected] if expected else []) + [{"type": "text", "text": "a"}]


def _tool_loop(first: ir.Part) -> ir.Request:
    return ir.Request(
        "m",
        [
            ir.Message("user", [ir.TextPart("q")]),
            ir.Message("assistant", [first, ir.ToolCallPart("toolu_1", "f", "{}")]),
            ir.Message("user", [ir.ToolResultPart("toolu_1", [ir.TextPart("r")])]),
        ],
        reasoning=ir.Reasoning(budget=2048),
        temperature=0.5,
    )


def test_open_tool_loop_without_replayable_thinking_turns_thinking_off() -> None:
    body = _build(_tool_loop(ir.ThinkingPart("foreign", GEMINI_SIG)))
    assert "thinking" not in body
    assert body["temperature"] == 0.5
    assert body["messages"][1]["content"][0]["type"] == "tool_use"


def test_open_tool_loop_with_claude_thinking_keeps_thinking() -> None:
    body = _build(_tool_loop(ir.ThinkingPart("mine", SIG)))
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "temperature" not in body


# -- Claude → Claude (§8.28) ----------------------------------------------------------------------


def test_native_budget_below_minimum_is_raised_and_above_max_tokens_raises_max_tokens() -> None:
    low = claude.parse_request(
        {
            "model": "m",
            "max_tokens": 4000,
            "messages": HI,
            "thinking": {"type": "enabled", "budget_tokens": 500},
        }
    )
    assert _build(low)["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    high = claude.parse_request(
        {
            "model": "m",
            "max_tokens": 32000,
            "messages": HI,
            "thinking": {"type": "enabled", "budget_tokens": 40000},
        }
    )
    body = _build(high, SONNET)
    assert (body["max_tokens"], body["thinking"]) == (44096, {"type": "enabled", "budget_tokens": 40000})


def test_native_adaptive_follows_a_changed_effort() -> None:
    request = claude.parse_request(
        {
            "model": "m",
            "max_tokens": 9,
            "messages": HI,
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": "high", "x": 1},
        }
    )
    request.reasoning = ir.Reasoning(effort="xhigh")
    body = _build(request)
    assert (body["thinking"], body["output_config"]) == ({"type": "adaptive"}, {"effort": "high", "x": 1})


def test_native_system_messages_go_back_where_they_were() -> None:
    body: JSONObject = {
        "model": "m",
        "max_tokens": 9,
        "system": "top",
        "messages": [
            {"role": "system", "content": "first"},
            {"role": "user", "content": "q"},
            {
                "role": "system",
                "content": [
                    {"type": "text", "text": "a"},
                    {"type": "text", "text": "b", "cache_control": CACHE},
                ],
            },
            {"role": "system", "content": "c"},
            {"role": "assistant", "content": "x"},
            {"role": "system", "content": "last"},
        ],
    }
    built = _build(claude.parse_request(body))
    assert built["system"] == [{"type": "text", "text": "top"}]
    assert [(m["role"], [b["text"] for b in m["content"]]) for m in built["messages"]] == [
        ("system", ["first"]),
        ("user", ["q"]),
        ("system", ["a", "b"]),
        ("system", ["c"]),
        ("assistant", ["x"]),
        ("system", ["last"]),
    ]
    assert built["messages"][2]["content"][1]["cache_control"] == CACHE


def test_native_consecutive_turns_are_not_merged_and_stream_is_set() -> None:
    body: JSONObject = {
        "model": "m",
        "max_tokens": 9,
        "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
    }
    built = _build(claude.parse_request(body), stream=True)
    assert [m["content"] for m in built["messages"]] == [
        [{"type": "text", "text": "a"}],
        [{"type": "text", "text": "b"}],
    ]
    assert built["stream"] is True
