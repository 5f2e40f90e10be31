"""IR requests from other formats → Gemini bodies (§4.1–§4.3 and the §8 edge cases for Gemini)."""

from __future__ import annotations

import pytest

from server.formats import gemini
from server.formats.gemini_parts import BYPASS_SIGNATURE
from server.formats.ir import (
    BuildContext,
    ImagePart,
    Message,
    Reasoning,
    Request,
    ResponseFormat,
    TextPart,
    ThinkingPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo, ThinkingRange

SKIP = {"thoughtSignature": BYPASS_SIGNATURE}
FLASH = ModelInfo(
    "gemini-2.5-flash", thinking=ThinkingRange(0, 24576, zero_allowed=True, dynamic_allowed=True)
)
PRO = ModelInfo(
    "gemini-2.5-pro", thinking=ThinkingRange(128, 32768, zero_allowed=False, dynamic_allowed=True)
)
NO_DYNAMIC = ModelInfo("m", thinking=ThinkingRange(1024, 8192, zero_allowed=False, dynamic_allowed=False))
NO_THINKING = ModelInfo("gemini-2.0-flash")


def _build(request: Request, model: str = "gemini-2.5-pro", info: ModelInfo | None = None) -> JSONObject:
    return gemini.build_request(request, BuildContext(model=model, info=info))


def _user_text(text: str) -> Message:
    return Message("user", [TextPart(text)])


CONTENT_CASES: list[tuple[str, list[Message], list[JSONObject]]] = [
    (
        "claude-tool-round-trip-a1",  # Appendix A.1: name from the call, bypass signature
        [
            _user_text("read a.txt"),
            Message(
                "assistant",
                [
                    ThinkingPart("Plan…", signature="claude-sig"),
                    TextPart("Reading the file."),
                    ToolCallPart("Read-1733-1", "Read", '{"path":"a.txt"}'),
                ],
            ),
            Message("user", [ToolResultPart("Read-1733-1", [TextPart("hello")])]),
        ],
        [
            {"role": "user", "parts": [{"text": "read a.txt"}]},
            {
                "role": "model",
                "parts": [
                    {"text": "Reading the file."},
                    {
                        "functionCall": {"id": "Read-1733-1", "name": "Read", "args": {"path": "a.txt"}},
                        **SKIP,
                    },
                ],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "Read-1733-1",
                            "name": "Read",
                            "response": {"result": "hello"},
                        }
                    }
                ],
            },
        ],
    ),
    (
        "toolu-id-name-from-history-map",  # §8.4
        [
            Message("assistant", [ToolCallPart("toolu_01AbC", "Bash", '{"command":"ls"}')]),
            Message("user", [ToolResultPart("toolu_01AbC", [TextPart('{"files":["a"]}')])]),
        ],
        [
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"id": "toolu_01AbC", "name": "Bash", "args": {"command": "ls"}}, **SKIP}
                ],
            },
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "toolu_01AbC",
                            "name": "Bash",
                            "response": {"result": {"files": ["a"]}},
                        }
                    }
                ],
            },
        ],
    ),
    (
        "result-without-call-falls-back-to-id-pattern",
        [
            Message(
                "user",
                [
                    ToolResultPart("Bash-17338-4", [TextPart("ok")]),
                    ToolResultPart("toolu_9", [TextPart("ok")], is_error=True),
                ],
            )
        ],
        [
            {
                "role": "user",
                "parts": [
                    {
                        "functionResponse": {
                            "id": "Bash-17338-4",
                            "name": "Bash",
                            "response": {"result": "ok"},
                        }
                    },
                    {"functionResponse": {"id": "toolu_9", "name": "toolu_9", "response": {"error": "ok"}}},
                ],
            }
        ],
    ),
    (
        "tool-result-images-follow-the-responses",  # §8.23
        [
            Message("assistant", [ToolCallPart("c1", "shot", "{}"), ToolCallPart("c2", "shot", "{}")]),
            Message(
                "user",
                [
                    ToolResultPart("c1", [TextPart("one"), ImagePart(media_type="image/png", data="AAA")]),
                    ToolResultPart("c2", [TextPart("two")]),
                    TextPart("what do you see?"),
                ],
            ),
        ],
        [
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"id": "c1", "name": "shot", "args": {}}, **SKIP},
                    {"functionCall": {"id": "c2", "name": "shot", "args": {}}, **SKIP},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"id": "c1", "name": "shot", "response": {"result": "one"}}},
                    {"functionResponse": {"id": "c2", "name": "shot", "response": {"result": "two"}}},
                    {"inlineData": {"mimeType": "image/png", "data": "AAA"}},
                    {"text": "what do you see?"},
                ],
            },
        ],
    ),
    (
        "invalid-arguments-ride-as-params",
        [
            Message("assistant", [ToolCallPart("c", "f", "{'a': 1")]),
            Message("user", [ToolResultPart("c", [])]),
        ],
        [
            {
                "role": "model",
                "parts": [{"functionCall": {"id": "c", "name": "f", "args": {"params": "{'a': 1"}}, **SKIP}],
            },
            {
                "role": "user",
                "parts": [{"functionResponse": {"id": "c", "name": "f", "response": {"result": ""}}}],
            },
        ],
    ),
    (
        "images-data-url-base64-and-http",  # §8.24: http(s) → fileData, never lost
        [
            Message(
                "user",
                [
                    ImagePart(url="data:image/jpeg;base64,QUJD"),
                    ImagePart(media_type="image/webp", data="UklG"),
                    ImagePart(url="https://example.com/cat.png?size=2"),
                    ImagePart(url="https://example.com/photo"),
                ],
            )
        ],
        [
            {
                "role": "user",
                "parts": [
                    {"inlineData": {"mimeType": "image/jpeg", "data": "QUJD"}},
                    {"inlineData": {"mimeType": "image/webp", "data": "UklG"}},
                    {"fileData": {"fileUri": "https://example.com/cat.png?size=2", "mimeType": "image/png"}},
                    {"fileData": {"fileUri": "https://example.com/photo"}},
                ],
            }
        ],
    ),
    (
        "empty-text-turn-dropped-and-foreign-thinking-dropped",  # §8.20, §8.31
        [
            _user_text("hi"),
            Message("assistant", [TextPart(""), ThinkingPart("hidden", signature="sig")]),
            _user_text("again"),
        ],
        [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "user", "parts": [{"text": "again"}]}],
    ),
    (
        "trailing-unanswered-call-dropped",
        [_user_text("go"), Message("assistant", [ToolCallPart("c", "f", "{}")])],
        [{"role": "user", "parts": [{"text": "go"}]}],
    ),
    (
        "other-formats-extras-do-not-leak",
        [Message("user", [TextPart("x", {"cache_control": {"type": "ephemeral"}})])],
        [{"role": "user", "parts": [{"text": "x"}]}],
    ),
]


@pytest.mark.parametrize(
    ("messages", "expected"), [c[1:] for c in CONTENT_CASES], ids=[c[0] for c in CONTENT_CASES]
)
def test_contents(messages: list[Message], expected: list[JSONObject]) -> None:
    assert _build(Request(model="x", messages=messages))["contents"] == expected


def test_system_prompt_drops_billing_header_and_uses_camel_key() -> None:  # §8.21
    request = Request(
        model="claude-sonnet-4-5",
        messages=[_user_text("hi")],
        system=[TextPart("x-anthropic-billing-header: cc_version=2"), TextPart("You are helpful.")],
    )
    out = _build(request)
    assert out == {
        "model": "gemini-2.5-pro",
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "You are helpful."}]},
    }


def test_system_only_conversation_becomes_the_user_turn() -> None:
    out = _build(Request(model="x", system=[TextPart("only me")]))
    assert out["contents"] == [{"role": "user", "parts": [{"text": "only me"}]}]
    assert "systemInstruction" not in out


THINKING_CASES: list[tuple[str, Reasoning, str, ModelInfo | None, JSONObject | None]] = [
    ("high-clamped-to-flash-max", Reasoning(effort="high"), "gemini-2.5-flash", FLASH,
     {"thinkingBudget": 24576, "includeThoughts": True}),
    ("none-on-flash-turns-thinking-off", Reasoning(effort="none"), "gemini-2.5-flash", FLASH,
     {"thinkingBudget": 0}),
    ("none-on-pro-gets-minimum-without-thoughts", Reasoning(effort="none"), "gemini-2.5-pro", PRO,
     {"thinkingBudget": 128}),
    ("auto-is-dynamic", Reasoning(effort="auto"), "gemini-2.5-pro", PRO,
     {"thinkingBudget": -1, "includeThoughts": True}),
    ("dynamic-without-support-is-midpoint", Reasoning(budget=-1), "m", NO_DYNAMIC,
     {"thinkingBudget": 4608, "includeThoughts": True}),
    ("claude-budget-with-explicit-include", Reasoning(budget=31999, include_thoughts=True), "gemini-2.5-pro",
     PRO, {"thinkingBudget": 31999, "includeThoughts": True}),
    ("unknown-model-keeps-budget", Reasoning(budget=5000), "gemini-2.5-pro", None,
     {"thinkingBudget": 5000, "includeThoughts": True}),
    ("gemini-3-high-is-a-level", Reasoning(effort="high"), "gemini-3-pro-preview", None,
     {"thinkingLevel": "high", "includeThoughts": True}),
    ("gemini-3-minimal-is-low", Reasoning(effort="minimal"), "gemini-3.1-pro-preview", None,
     {"thinkingLevel": "low", "includeThoughts": True}),
    ("gemini-3-medium-falls-back-to-budget", Reasoning(effort="medium"), "gemini-3-pro-preview", None,
     {"thinkingBudget": 8192, "includeThoughts": True}),
    ("gemini-3-explicit-budget", Reasoning(budget=2048), "gemini-3-flash-preview", None,
     {"thinkingBudget": 2048, "includeThoughts": True}),
    ("model-without-thinking-gets-none", Reasoning(effort="high"), "gemini-2.0-flash", NO_THINKING, None),
    ("include-false-is-not-sent", Reasoning(budget=1024, include_thoughts=False), "gemini-2.5-pro", None,
     {"thinkingBudget": 1024}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("reasoning", "model", "info", "expected"),
    [c[1:] for c in THINKING_CASES],
    ids=[c[0] for c in THINKING_CASES],
)
def test_thinking_config(
    reasoning: Reasoning, model: str, info: ModelInfo | None, expected: JSONObject | None
) -> None:
    out = _build(Request(model="client", messages=[_user_text("q")], reasoning=reasoning), model, info)
    assert out.get("generationConfig", {}).get("thinkingConfig") == expected


def test_generation_config_from_openai_fields() -> None:  # §4.19, §8.46, §8.47
    request = Request(
        model="gpt-4o",
        messages=[_user_text("q")],
        max_tokens=500,
        temperature=0.3,
        top_p=0.9,
        top_k=20,
        stop=["\n\n", "END"],
        n=2,
        seed=1,
        presence_penalty=0.5,
        frequency_penalty=0.1,
        response_format=ResponseFormat("json_schema", {"type": "object", "properties": {}}, "out", True),
    )
    assert _build(request)["generationConfig"] == {
        "temperature": 0.3,
        "topP": 0.9,
        "topK": 20,
        "maxOutputTokens": 500,
        "candidateCount": 2,
        "seed": 1,
        "stopSequences": ["\n\n", "END"],
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object", "properties": {}},
    }


def test_json_object_sets_only_the_mime_type() -> None:  # §8.47
    request = Request(model="x", messages=[_user_text("q")], response_format=ResponseFormat("json_object"))
    assert _build(request)["generationConfig"] == {"responseMimeType": "application/json"}


TOOLS = [
    Tool(
        "Read",
        "Read a file",
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "file_path": {"type": "string"},
                "offset": {"type": "integer", "exclusiveMinimum": 0},
            },
            "required": ["file_path"],
            "additionalProperties": False,
        },
        strict=True,
        extras={"cache_control": {"type": "ephemeral"}, "defer_loading": True},
    ),
    Tool("mcp__srv__do/thing @v2", "", {}),
    Tool("9lives", "", {"type": "object", "properties": {}}),
    Tool("web_search", extras={"builtin": {"type": "web_search_20250305", "name": "web_search"}}),
    Tool("googleSearch", extras={"builtin": {"googleSearch": {}}}),
]


def test_tools_are_cleaned_renamed_and_builtins_filtered() -> None:  # §8.6, §8.16, §8.19
    out = _build(Request(model="x", messages=[_user_text("q")], tools=TOOLS, tool_choice=ToolChoice("auto")))
    assert out["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "Read",
                    "description": "Read a file",
                    "parametersJsonSchema": {
                        "type": "object",
                        "properties": {
                            "file_path": {"type": "string"},
                            "offset": {"type": "integer", "description": "exclusiveMinimum: 0"},
                        },
                        "required": ["file_path"],
                    },
                },
                {
                    "name": "mcp__srv__do_thing__v2",
                    "parametersJsonSchema": {"type": "object", "properties": {}},
                },
                {"name": "_9lives", "parametersJsonSchema": {"type": "object", "properties": {}}},
            ]
        },
        {"googleSearch": {}},
    ]
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ToolChoice("auto"), {"mode": "AUTO"}),
        (ToolChoice("none"), {"mode": "NONE"}),
        (ToolChoice("required", parallel=False), {"mode": "ANY"}),
        (
            ToolChoice("tool", "mcp__srv__do/thing @v2"),
            {"mode": "ANY", "allowedFunctionNames": ["mcp__srv__do_thing__v2"]},
        ),
    ],
    ids=["auto", "none", "required", "specific-sanitised"],
)
def test_tool_choice(choice: ToolChoice, expected: JSONObject) -> None:  # §4.18
    out = _build(Request(model="x", messages=[_user_text("q")], tools=TOOLS, tool_choice=choice))
    assert out["toolConfig"] == {"functionCallingConfig": expected}


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "toolConfig" not in _build(
        Request(model="x", messages=[_user_text("q")], tool_choice=ToolChoice("auto"))
    )


@pytest.mark.parametrize(
    ("names", "sent"),
    [
        (["get_weather"], ["get_weather"]),
        (["a/b", "a_b"], ["a_b_1", "a_b"]),
        (["a/b", "a@b", "a b"], ["a_b", "a_b_1", "a_b_2"]),
        (["x" * 70], ["x" * 64]),
        (["ns.tool:v1-2"], ["ns.tool:v1-2"]),
        (["über"], ["_ber"]),
        ([""], ["_"]),
    ],
    ids=["valid-unchanged", "valid-name-keeps-its-spelling", "collisions-numbered", "cut-to-64",
         "dots-colons-dashes-allowed", "non-ascii", "empty"],
)  # fmt: skip
def test_tool_names_sanitised_and_restored(names: list[str], sent: list[str]) -> None:  # §8.6
    request = Request(model="x", tools=[Tool(n) for n in names])
    mapping = gemini.tool_name_map(request)
    assert [mapping[n] for n in names] == sent
    assert [gemini.restore_tool_name(request, s) for s in sent] == names
    assert gemini.restore_tool_name(request, "unknown_tool") == "unknown_tool"


def test_same_family_extras_are_not_written_for_other_formats() -> None:
    request = Request(
        model="x",
        messages=[_user_text("q")],
        extras={"claude:context_management": {"edits": []}, "openai-responses:include": ["x"]},
    )
    assert _build(request) == {
        "model": "gemini-2.5-pro",
        "contents": [{"role": "user", "parts": [{"text": "q"}]}],
    }
