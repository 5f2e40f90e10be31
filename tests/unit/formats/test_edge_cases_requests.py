"""§8 edge cases on requests: schemas (16–19), messages (21–26), thinking (31), parameters (46–50)."""

from __future__ import annotations

from typing import Any

import pytest

from server.formats import ir
from server.jsontypes import JSONObject
from server.providers.antigravity_body import antigravity_body
from server.translation import Translation
from tests.unit.formats.edge_support import up

# -- schemas ---------------------------------------------------------------------------------------

_GEMINI_REJECTS = {
    "$ref", "$defs", "$schema", "definitions", "const", "additionalProperties", "propertyNames",
    "patternProperties", "anyOf", "oneOf", "allOf", "default", "examples", "format",
    "x-google-enum-descriptions", "nullable", "title",
}  # fmt: skip


def _schema_keys(node: Any, found: set[str]) -> None:
    """Every schema keyword under ``node`` (property names are data, not keywords)."""
    if isinstance(node, list):
        for item in node:
            _schema_keys(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    _schema_keys(sub, found)
            elif key not in ("enum", "required", "description"):
                _schema_keys(value, found)


def test_case_16_hard_schema_is_cleaned_for_gemini_and_keyword_named_properties_survive() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "$defs": {"Mode": {"type": "string", "enum": ["fast", "slow"]}},
        "additionalProperties": False,
        "propertyNames": {"pattern": "^[a-z]+$"},
        "patternProperties": {"^x-": {"type": "string"}},
        "x-google-enum-descriptions": ["ignored"],
        "properties": {
            "format": {
                "type": "string",
                "format": "uri",
                "default": "https://x.test",
                "examples": ["https://y"],
            },
            "title": {"type": ["string", "null"]},
            "default": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "mode": {"$ref": "#/$defs/Mode"},
            "pick": {
                "oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": {"type": "string"}}}]
            },
            "both": {
                "allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]
            },
            "kind": {"const": "file"},
        },
        "required": ["format", "missing"],
    }
    body = {
        "model": "claude",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "fetch", "description": "get", "input_schema": schema}],
    }
    (decl,) = up("claude", body, "gemini")["tools"][0]["functionDeclarations"]
    cleaned = decl["parametersJsonSchema"]
    assert set(cleaned["properties"]) == {"format", "title", "default", "mode", "pick", "both", "kind"}
    assert cleaned["required"] == ["format"]
    found: set[str] = set()
    _schema_keys(cleaned, found)
    assert not found & _GEMINI_REJECTS
    assert cleaned["properties"]["title"]["type"] == "string"
    assert cleaned["properties"]["mode"]["enum"] == ["fast", "slow"]
    assert cleaned["properties"]["kind"]["enum"] == ["file"]


def test_case_18_antigravity_claude_empty_object_schema_gets_a_placeholder() -> None:
    body = {
        "model": "claude",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "noargs", "input_schema": {"type": "object"}}],
    }
    built = up("claude", body, "gemini")
    sent = antigravity_body(built, "claude-sonnet-4-5", project="p", request_id="r", session_id="s")
    (decl,) = sent["request"]["tools"][0]["functionDeclarations"]
    assert "parametersJsonSchema" not in decl
    assert decl["parameters"]["type"] == "object"
    assert decl["parameters"]["properties"]  # VALIDATED mode rejects an object without properties


CLAUDE_CODE_TOOLS = [
    {
        "name": "Read",
        "description": "read",
        "input_schema": {"type": "object", "properties": {"p": {"type": "string"}}},
        "cache_control": {"type": "ephemeral"},
        "defer_loading": True,
        "eager_input_streaming": True,
        "input_examples": [{"p": "x"}],
        "strict": True,
    },
    {"type": "custom", "name": "Edit", "input_schema": {"type": "object", "properties": {}}},
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
]


def test_case_19_claude_tool_keys_are_removed_for_gemini_and_codex() -> None:
    body = {"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    body["tools"] = CLAUDE_CODE_TOOLS
    assert up("claude", body, "gemini")["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "Read",
                    "description": "read",
                    "parametersJsonSchema": {"type": "object", "properties": {"p": {"type": "string"}}},
                },
                {"name": "Edit", "parametersJsonSchema": {"type": "object", "properties": {}}},
            ]
        }
    ]
    assert up("claude", body, "responses")["tools"] == [
        {
            "type": "function",
            "name": "Read",
            "description": "read",
            "parameters": {"type": "object", "properties": {"p": {"type": "string"}}},
            "strict": False,
        },
        {
            "type": "function",
            "name": "Edit",
            "parameters": {"type": "object", "properties": {}},
            "strict": False,
        },
        {"type": "web_search"},
    ]


# -- messages and content --------------------------------------------------------------------------

_BILLING = "x-anthropic-billing-header: cc_version=2.1.0; cc_entrypoint=cli"


def test_case_21_claude_system_string_and_billing_line() -> None:
    base = {"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    assert up("claude", {**base, "system": "Be brief."}, "gemini")["systemInstruction"] == {
        "parts": [{"text": "Be brief."}]
    }
    system = [{"type": "text", "text": _BILLING}, {"type": "text", "text": "You are Claude Code."}]
    body = {**base, "system": system}
    assert up("claude", body, "gemini")["systemInstruction"] == {"parts": [{"text": "You are Claude Code."}]}
    assert up("claude", body, "chat")["messages"][0] == {"role": "system", "content": "You are Claude Code."}
    assert up("claude", body, "responses")["input"][0] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "You are Claude Code."}],
    }
    assert up("claude", body, "claude")["system"] == system  # Anthropic keeps its own attribution line


def test_case_22_every_openai_system_text_is_kept_in_order() -> None:
    body = {
        "model": "gpt",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]},
            {"role": "system", "content": "three"},
            {"role": "user", "content": "hi"},
        ],
    }
    assert up("chat", body, "gemini")["systemInstruction"] == {
        "parts": [{"text": "one"}, {"text": "two"}, {"text": "three"}]
    }
    assert up("chat", body, "claude")["system"] == [
        {"type": "text", "text": "one"},
        {"type": "text", "text": "two"},
        {"type": "text", "text": "three"},
    ]


def test_case_24_http_image_urls_are_never_lost() -> None:
    chat = {
        "model": "gpt",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "https://x.test/cat.png"}},
                ],
            }
        ],
    }
    url_block = {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.png"}}
    assert up("chat", chat, "claude")["messages"][0]["content"][1] == url_block
    assert up("chat", chat, "gemini")["contents"][0]["parts"][1] == {
        "fileData": {"fileUri": "https://x.test/cat.png", "mimeType": "image/png"}
    }
    responses = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": [{"type": "input_image", "image_url": "https://x.test/cat.png"}]}
        ],
    }
    assert up("responses", responses, "claude")["messages"][0]["content"] == [url_block]


def test_case_25_responses_string_input_is_one_user_message_everywhere() -> None:
    body = {"model": "gpt-5", "input": "hello"}
    assert up("responses", body, "gemini")["contents"] == [{"role": "user", "parts": [{"text": "hello"}]}]
    assert up("responses", body, "claude")["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hello"}]}
    ]
    assert up("responses", body, "chat")["messages"] == [{"role": "user", "content": "hello"}]


def test_case_26_developer_role_is_system_for_claude_and_gemini_and_developer_for_codex() -> None:
    responses = {
        "model": "gpt-5",
        "input": [{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "hi"}],
    }
    assert up("responses", responses, "claude")["system"] == [{"type": "text", "text": "Be terse."}]
    assert up("responses", responses, "gemini")["systemInstruction"] == {"parts": [{"text": "Be terse."}]}
    chat = {
        "model": "gpt",
        "messages": [{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "hi"}],
    }
    assert up("chat", chat, "claude")["system"] == [{"type": "text", "text": "Be terse."}]
    assert up("chat", chat, "gemini")["systemInstruction"] == {"parts": [{"text": "Be terse."}]}
    assert up("chat", chat, "responses")["input"][0] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "Be terse."}],
    }


# -- thinking --------------------------------------------------------------------------------------


def test_case_31_replayed_thinking_foreign_signatures_dropped_and_thought_parts_keep_text() -> None:
    gemini_history = {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {"role": "model", "parts": [{"thought": True, "thoughtSignature": "c2ln"}, {"text": "hello"}]},
            {"role": "user", "parts": [{"text": "again"}]},
        ]
    }
    assert up("gemini", gemini_history, "gemini")["contents"][1]["parts"] == [
        {"text": "", "thought": True, "thoughtSignature": "c2ln"},  # Google 500s on a thought without text
        {"text": "hello"},
    ]
    assert up("gemini", gemini_history, "claude")["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "hello"}],  # a Gemini signature cannot be replayed to Claude
    }
    claude_history = {
        "model": "claude",
        "max_tokens": 10,
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "plan", "signature": ""},
                    {"type": "text", "text": "hello"},
                ],
            },
            {"role": "user", "content": "again"},
        ],
    }
    assert up("claude", claude_history, "claude")["messages"][1]["content"] == [
        {"type": "text", "text": "hello"}
    ]
    assert up("claude", claude_history, "gemini")["contents"][1] == {
        "role": "model",
        "parts": [{"text": "hello"}],
    }


# -- parameters ------------------------------------------------------------------------------------


def test_case_46_stop_string_max_completion_tokens_and_n() -> None:
    body = {
        "model": "gpt",
        "messages": [{"role": "user", "content": "hi"}],
        "stop": "END",
        "max_completion_tokens": 100,
        "n": 2,
    }
    sent = up("chat", body, "claude")
    assert (sent["stop_sequences"], sent["max_tokens"]) == (["END"], 100)
    assert up("chat", body, "gemini")["generationConfig"] == {
        "maxOutputTokens": 100,
        "candidateCount": 2,
        "stopSequences": ["END"],
    }


def test_case_47_json_modes_across_formats() -> None:
    chat = {
        "model": "gpt",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
    }
    assert up("chat", chat, "gemini")["generationConfig"] == {"responseMimeType": "application/json"}
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    chat["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    assert up("chat", chat, "gemini")["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    responses = {
        "model": "gpt-5",
        "input": "hi",
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True}},
    }
    assert up("responses", responses, "chat")["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": schema, "strict": True},
    }
    responses["text"] = {"format": {"type": "json_object"}}
    assert up("responses", responses, "chat")["response_format"] == {"type": "json_object"}


def test_case_49_parallel_tool_use_switch_both_ways() -> None:
    tool = {"name": "ls", "input_schema": {"type": "object", "properties": {}}}
    claude_body = {
        "model": "claude",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [tool],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    }
    sent = up("claude", claude_body, "chat")
    assert (sent["tool_choice"], sent["parallel_tool_calls"]) == ("auto", False)
    chat_body = {
        "model": "gpt",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "ls", "parameters": {"type": "object"}}}],
        "parallel_tool_calls": False,
    }
    assert up("chat", chat_body, "claude")["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }


SUFFIX_CASES = [
    pytest.param(
        None,
        ir.Reasoning(effort="high"),
        {"thinkingBudget": 24576, "includeThoughts": True},
        id="case-50-suffix-alone",
    ),
    pytest.param(
        {"type": "enabled", "budget_tokens": 2048},
        ir.Reasoning(budget=2048),
        {"thinkingBudget": 2048, "includeThoughts": True},
        id="case-50-body-thinking-wins",
    ),
]


@pytest.mark.parametrize(("thinking", "reasoning", "config"), SUFFIX_CASES)
def test_case_50_model_suffix_applies_only_when_the_body_has_no_thinking(
    thinking: JSONObject | None, reasoning: ir.Reasoning, config: JSONObject
) -> None:
    body: JSONObject = {
        "model": "gemini-2.5-flash(high)",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}],
    }
    if thinking is not None:
        body["thinking"] = thinking
    translation = Translation.start(
        "claude",
        "gemini",
        body,
        client_model="gemini-2.5-flash(high)",
        stream=False,
        reasoning=ir.Reasoning(effort="high"),
        created=0,
    )
    assert translation.request.reasoning == reasoning
    sent: Any = translation.upstream_body("gemini-2.5-flash", None)
    assert sent["model"] == "gemini-2.5-flash"
    assert sent["generationConfig"]["thinkingConfig"] == config
    assert translation.ctx.model == "gemini-2.5-flash(high)"
