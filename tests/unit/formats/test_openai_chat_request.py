"""OpenAI Chat requests: wire → IR (exact), IR → wire (exact), and Chat → Chat round trips."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.formats import openai_chat
from server.formats.ir import (
    BuildContext,
    DocumentPart,
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
from server.formats.thinking import FROM_MODEL_SUFFIX
from server.modelinfo import ModelInfo, ThinkingRange

WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER_TOOL = {"type": "function", "function": {"name": "weather", "parameters": WEATHER}}
AUDIO = {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}}


def _body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": list(messages), **fields}


def _req(*messages: Message, **fields: Any) -> Request:
    return Request(model="gpt-4o", messages=list(messages), **fields)


def _user(text: str) -> Message:
    return Message("user", [TextPart(text)])


# -- wire → IR -------------------------------------------------------------------------------------

PARSE = [
    (_body({"role": "user", "content": "hi"}), _req(_user("hi"))),
    (
        _body(
            {"role": "system", "content": "be brief"},
            {"role": "developer", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "late", "name": "ops"},
        ),
        _req(
            _user("hi"),
            system=[
                TextPart("be brief"),
                TextPart("a", {"openai:_role": "developer", "openai:_message": 1, "openai:_array": True}),
                TextPart("b", {"openai:_role": "developer", "openai:_message": 1, "openai:_array": True}),
                TextPart("late", {"openai:_at": 1, "openai:_message": 2, "openai:_msg": {"name": "ops"}}),
            ],
        ),
    ),
    (
        _body(
            {
                "role": "user",
                "name": "ann",
                "content": [
                    {"type": "text", "text": "look", "cache_control": {"type": "ephemeral"}},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,iVBOR", "detail": "low"},
                    },
                    {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg"}},
                    AUDIO,
                    {
                        "type": "file",
                        "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
                    },
                    {"type": "file", "file": {"filename": "notes.txt", "file_data": "aGVsbG8="}},
                    {"type": "file", "file": {"file_id": "file-123"}},
                ],
            }
        ),
        _req(
            Message(
                "user",
                [
                    TextPart(
                        "look",
                        {
                            "openai:cache_control": {"type": "ephemeral"},
                            "cache_control": {"type": "ephemeral"},
                        },
                    ),
                    ImagePart(media_type="image/png", data="iVBOR", detail="low"),
                    ImagePart(url="https://x.test/cat.jpg"),
                    DocumentPart(media_type="application/pdf", data="JVBE", filename="a.pdf"),
                    DocumentPart(
                        media_type="text/plain",
                        data="aGVsbG8=",
                        filename="notes.txt",
                        extras={"openai:_raw_data": True},
                    ),
                ],
                {
                    "openai:_array": True,
                    "openai:_raw_parts": [[3, AUDIO], [6, {"type": "file", "file": {"file_id": "file-123"}}]],
                    "name": "ann",
                },
            )
        ),
    ),
    (
        _body(
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": "Checking.",
                "reasoning_content": "need a tool",
                "tool_calls": [
                    {
                        "id": "toolu_01A",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"c":1}'},
                    },
                    {"id": "call_b", "type": "function", "function": {"name": "time", "arguments": "{}"}},
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_01A", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_b", "content": [{"type": "text", "text": "noon"}]},
            {"role": "user", "content": "thanks"},
        ),
        _req(
            _user("weather?"),
            Message(
                "assistant",
                [
                    ThinkingPart("need a tool"),
                    TextPart("Checking."),
                    ToolCallPart("toolu_01A", "weather", '{"c":1}'),
                    ToolCallPart("call_b", "time", "{}"),
                ],
            ),
            Message(
                "user",
                [
                    ToolResultPart("toolu_01A", [TextPart("sunny")], "weather"),
                    ToolResultPart("call_b", [TextPart("noon")], "time", extras={"openai:_array": True}),
                ],
            ),
            _user("thanks"),
        ),
    ),
    (
        _body({"role": "assistant", "content": None, "refusal": "I can't help with that."}),
        _req(Message("assistant", [TextPart("I can't help with that.", {"openai:_refusal": "field"})])),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
            {"role": "function", "name": "f", "content": "42"},
            functions=[{"name": "f", "parameters": {"type": "object", "properties": {}}}],
            function_call={"name": "f"},
        ),
        _req(
            _user("hi"),
            Message("assistant", [ToolCallPart("legacy_call_0", "f", "{}", {"openai:_legacy": True})]),
            Message(
                "user",
                [ToolResultPart("legacy_call_0", [TextPart("42")], "f", extras={"openai:_legacy": True})],
            ),
            tools=[
                Tool("f", parameters={"type": "object", "properties": {}}, extras={"openai:_legacy": True})
            ],
            tool_choice=ToolChoice("tool", "f"),
            extras={"openai:_legacy_tool_choice": {"name": "f"}},
        ),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            temperature=0.2,
            top_p=0.9,
            top_k=40,
            n=2,
            seed=7,
            presence_penalty=0.5,
            frequency_penalty=-0.5,
            stop="END",
            max_completion_tokens=300,
            max_tokens=200,
            user="u-1",
            stream=True,
            stream_options={"include_usage": True},
            metadata={"k": "v"},
            store=False,
            logit_bias={"50256": -100},
        ),
        _req(
            _user("hi"),
            temperature=0.2,
            top_p=0.9,
            top_k=40,
            n=2,
            seed=7,
            presence_penalty=0.5,
            frequency_penalty=-0.5,
            stop=["END"],
            max_tokens=300,
            user="u-1",
            stream=True,
            extras={
                "openai:_max_tokens_key": "max_completion_tokens",
                "openai:_stop": "END",
                "openai:max_tokens": 200,
                "openai:stream_options": {"include_usage": True},
                "openai:metadata": {"k": "v"},
                "openai:store": False,
                "openai:logit_bias": {"50256": -100},
            },
        ),
    ),
    (
        _body({"role": "user", "content": "hi"}, temperature="hot", stop=[]),
        _req(_user("hi"), extras={"openai:temperature": "hot", "openai:stop": []}),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            tools=[WEATHER_TOOL, {"type": "function", "function": {"name": "noop", "strict": True}}],
            tool_choice={"type": "function", "function": {"name": "weather"}},
            parallel_tool_calls=False,
        ),
        _req(
            _user("hi"),
            tools=[
                Tool("weather", parameters=WEATHER),
                Tool(
                    "noop",
                    strict=True,
                    extras={
                        "openai:_raw": {"type": "function", "function": {"name": "noop", "strict": True}}
                    },
                ),
            ],
            tool_choice=ToolChoice("tool", "weather", parallel=False),
        ),
    ),
    (
        _body({"role": "user", "content": "hi"}, tools=[WEATHER_TOOL], parallel_tool_calls=True),
        _req(
            _user("hi"),
            tools=[Tool("weather", parameters=WEATHER)],
            tool_choice=ToolChoice("auto", parallel=True),
            extras={"openai:_implicit_tool_choice": True},
        ),
    ),
    (
        _body({"role": "user", "content": "hi"}, tools=[WEATHER_TOOL], tool_choice="required"),
        _req(_user("hi"), tools=[Tool("weather", parameters=WEATHER)], tool_choice=ToolChoice("required")),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            tools=[WEATHER_TOOL],
            tool_choice={
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [{"type": "function", "function": {"name": "weather"}}],
                },
            },
        ),
        _req(
            _user("hi"),
            tools=[Tool("weather", parameters=WEATHER)],
            tool_choice=ToolChoice("tool", "weather"),
            extras={
                "openai:_tool_choice": {
                    "type": "allowed_tools",
                    "allowed_tools": {
                        "mode": "required",
                        "tools": [{"type": "function", "function": {"name": "weather"}}],
                    },
                }
            },
        ),
    ),
    (
        _body({"role": "user", "content": "hi"}, tools=[{"type": "web_search_preview"}]),
        _req(
            _user("hi"),
            tools=[
                Tool(
                    "web_search_preview",
                    extras={"builtin": {"type": "web_search_preview"}, "openai:_native": True},
                )
            ],
        ),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": WEATHER, "strict": True},
            },
            reasoning_effort="high",
        ),
        _req(
            _user("hi"),
            response_format=ResponseFormat("json_schema", WEATHER, "r", True),
            reasoning=Reasoning(effort="high"),
            extras={"openai:_reasoning_effort": "high"},
        ),
    ),
    (
        _body({"role": "user", "content": "hi"}, response_format={"type": "json_object"}),
        _req(_user("hi"), response_format=ResponseFormat("json_object")),
    ),
    (
        _body(
            {"role": "user", "content": "hi"},
            extra_body={"google": {"thinking_config": {"thinking_budget": 2048}}},
        ),
        _req(
            _user("hi"),
            reasoning=Reasoning(budget=2048, include_thoughts=True),
            extras={
                "openai:_reasoning_from_extra_body": True,
                "openai:extra_body": {"google": {"thinking_config": {"thinking_budget": 2048}}},
            },
        ),
    ),
    (
        _body(
            {"role": "tool", "tool_call_id": "a", "content": "1"},
            {"role": "system", "content": "s"},
            {"role": "tool", "tool_call_id": "b", "content": "2"},
        ),
        _req(
            Message("user", [ToolResultPart("a", [TextPart("1")])]),
            Message("user", [ToolResultPart("b", [TextPart("2")])]),
            system=[TextPart("s", {"openai:_at": 1})],
        ),
    ),
]
PARSE_IDS = [
    "plain-user",
    "system-developer-and-late-system-to-system-list",
    "user-parts-image-file-audio",
    "assistant-thinking-text-tool-calls-and-tool-results",
    "assistant-refusal",
    "legacy-functions",
    "sampling-limits-and-extras",
    "wrong-types-kept-raw",
    "tools-and-named-tool-choice",
    "parallel-without-tool-choice",
    "tool-choice-required",
    "tool-choice-allowed-tools-single",
    "builtin-tool",
    "json-schema-and-effort",
    "json-object",
    "extra-body-google-thinking",
    "system-between-tool-messages-splits-runs",
]


@pytest.mark.parametrize(("body", "expected"), PARSE, ids=PARSE_IDS)
def test_parse_request(body: dict[str, Any], expected: Request) -> None:
    assert openai_chat.parse_request(copy.deepcopy(body)) == expected


# -- IR → wire (requests from other formats: no openai markers) -------------------------------------

THINKER = ModelInfo("o3", thinking=ThinkingRange(1024, 32768))
BUILD = [
    (
        _req(
            _user("hi"),
            system=[TextPart("A", {"cache_control": {"type": "ephemeral"}}), TextPart("B")],
            max_tokens=100,
            stop=["x"],
        ),
        BuildContext("up-model"),
        {
            "model": "up-model",
            "messages": [
                {"role": "system", "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]},
                {"role": "user", "content": "hi"},
            ],
            "max_tokens": 100,
            "stop": ["x"],
        },
    ),
    (
        _req(
            Message(
                "assistant",
                [
                    ThinkingPart("", signature="sig"),
                    TextPart("Let me check."),
                    ToolCallPart("toolu_01XYZ", "weather", '{"city":"Paris"}'),
                ],
            ),
            Message(
                "user",
                [
                    TextPart("and also"),
                    ToolResultPart(
                        "toolu_01XYZ",
                        [TextPart("rain"), TextPart("cold"), ImagePart(media_type="image/png", data="iVBOR")],
                        "weather",
                        is_error=True,
                    ),
                ],
            ),
        ),
        BuildContext("m", stream=True),
        {
            "model": "m",
            "messages": [
                {
                    "role": "assistant",
                    "content": "Let me check.",
                    "tool_calls": [
                        {
                            "id": "toolu_01XYZ",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "toolu_01XYZ", "content": "rain\ncold"},
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                        {"type": "text", "text": "and also"},
                    ],
                },
            ],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    ),
    (
        _req(
            Message(
                "user",
                [
                    DocumentPart(url="https://x.test/a.pdf", media_type="application/pdf"),
                    DocumentPart(media_type="application/pdf", data="JVBE", filename="a.pdf"),
                    ImagePart(url="https://x.test/cat.png", detail="high"),
                ],
            ),
            Message("assistant", [ThinkingPart("plan"), ThinkingPart("more"), TextPart("a"), TextPart("b")]),
            Message("assistant", [ToolCallPart("c1", "f", "")]),
        ),
        BuildContext("m"),
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "File: https://x.test/a.pdf (Type: application/pdf)"},
                        {
                            "type": "file",
                            "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
                        },
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://x.test/cat.png", "detail": "high"},
                        },
                    ],
                },
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                    "reasoning_content": "plan\n\nmore",
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
            ],
        },
    ),
    (
        _req(
            _user("hi"),
            tools=[
                Tool(
                    "weather",
                    "Weather now",
                    WEATHER,
                    strict=False,
                    extras={"cache_control": {"type": "ephemeral"}},
                ),
                Tool("empty"),
                Tool("web_search", extras={"builtin": {"type": "web_search_20250305", "name": "web_search"}}),
            ],
            tool_choice=ToolChoice("none", parallel=False),
        ),
        BuildContext("m"),
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "weather",
                        "description": "Weather now",
                        "parameters": WEATHER,
                        "strict": False,
                    },
                },
                {
                    "type": "function",
                    "function": {"name": "empty", "parameters": {"type": "object", "properties": {}}},
                },
            ],
            "tool_choice": "none",
            "parallel_tool_calls": False,
        },
    ),
    (
        _req(_user("hi"), tool_choice=ToolChoice("tool", "weather"), reasoning=Reasoning(budget=4000)),
        BuildContext("m", info=THINKER),
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "medium"},
    ),
    (
        _req(_user("hi"), reasoning=Reasoning(budget=4000)),
        BuildContext("m", info=ModelInfo("gpt-4o")),
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "medium"},
    ),
    (
        _req(_user("hi"), reasoning=Reasoning(budget=4000), extras={FROM_MODEL_SUFFIX: True}),
        BuildContext("m", info=ModelInfo("gpt-4o")),
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    ),
    (
        _req(
            _user("hi"),
            tools=[Tool("weather", parameters=WEATHER)],
            tool_choice=ToolChoice("tool", "weather"),
            response_format=ResponseFormat("json_schema", WEATHER),
            extras={"claude:context_management": {"edits": []}, "openai-responses:include": ["x"]},
        ),
        BuildContext("m"),
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [WEATHER_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "weather"}},
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": WEATHER},
            },
        },
    ),
    (
        _req(Message("user", []), Message("assistant", [ThinkingPart(redacted="opaque")])),
        BuildContext("m"),
        {"model": "m", "messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]},
    ),
]
BUILD_IDS = [
    "claude-system-blocks-one-system-message-no-cache-control",
    "tool-results-first-images-moved-to-user-turn",
    "documents-images-and-multi-part-assistant",
    "tools-foreign-builtin-dropped-tool-choice-none",
    "tool-choice-without-tools-dropped-effort-for-thinking-model",
    "client-effort-forwarded-to-model-without-thinking-info",
    "suffix-effort-dropped-for-model-without-thinking",
    "named-tool-choice-json-schema-other-formats-extras-ignored",
    "empty-messages-kept-for-alternation",
]


@pytest.mark.parametrize(("request_ir", "ctx", "expected"), BUILD, ids=BUILD_IDS)
def test_build_request(request_ir: Request, ctx: BuildContext, expected: dict[str, Any]) -> None:
    assert openai_chat.build_request(request_ir, ctx) == expected


# -- Chat → Chat round trips --------------------------------------------------------------------

ROUND_TRIPS = [body for body, _ in PARSE if "stream" not in body] + [
    _body(
        {"role": "user", "content": [{"type": "image_url", "image_url": "https://x.test/a.png"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "x"}, {"type": "refusal", "refusal": "no"}],
            "reasoning": "r",
            "tool_calls": [
                {"id": "c", "function": {"name": "f", "arguments": "{}"}, "index": 0},
                {"id": "d", "type": "custom", "custom": {"name": "g", "input": "raw"}},
            ],
            "audio": {"id": "audio_1"},
        },
        {"role": "tool", "tool_call_id": "c", "content": "ok", "name": "f"},
        tools=[{"type": "function", "function": {"name": "f", "description": "", "parameters": {}}}],
        tool_choice={"type": "function", "name": "f"},
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "r", "description": "d", "schema": {}},
        },
        reasoning_effort="Minimal",
        parallel_tool_calls=True,
        modalities=["text"],
    ),
]


@pytest.mark.parametrize(
    "body", ROUND_TRIPS, ids=[*(i for i in PARSE_IDS if i != "sampling-limits-and-extras"), "odd-forms"]
)
def test_chat_round_trip_is_exact(body: dict[str, Any]) -> None:
    request = openai_chat.parse_request(copy.deepcopy(body))
    assert openai_chat.build_request(request, BuildContext("gpt-4o")) == body


def test_streaming_round_trip_forces_include_usage() -> None:
    body = _body(
        {"role": "user", "content": "hi"}, stream=True, stream_options={"include_usage": False, "x": 1}
    )
    out = openai_chat.build_request(openai_chat.parse_request(body), BuildContext("gpt-4o", stream=True))
    assert out == {**body, "stream_options": {"include_usage": True, "x": 1}}


def test_model_suffix_reasoning_replaces_client_effort_form() -> None:
    request = openai_chat.parse_request(_body({"role": "user", "content": "hi"}, reasoning_effort="low"))
    request.reasoning = Reasoning(budget=30000)
    out = openai_chat.build_request(request, BuildContext("o3", info=THINKER))
    assert out["reasoning_effort"] == "xhigh"


# -- property: any valid Chat request survives parse → build ----------------------------------------

_text = st.text(max_size=12)
_name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
_text_part = st.builds(lambda t: {"type": "text", "text": t}, _text)
_image_part = st.builds(
    lambda url, detail: {"type": "image_url", "image_url": {"url": url, **detail}},
    st.sampled_from(["https://x.test/a.png", "data:image/jpeg;base64,/9j/4AAQ"]),
    st.sampled_from([{}, {"detail": "low"}, {"detail": "auto"}]),
)
_call = st.builds(
    lambda call_id, name, args: {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": args},
    },
    st.from_regex(r"(call_|toolu_)[A-Za-z0-9]{1,24}", fullmatch=True),
    _name,
    st.sampled_from(["{}", '{"a":1}', '{"q":"x y"}']),
)
_system = st.builds(
    lambda role, content: {"role": role, "content": content},
    st.sampled_from(["system", "developer"]),
    st.one_of(st.text(min_size=1, max_size=12), st.lists(_text_part, min_size=1, max_size=3)),
)
_user_message = st.builds(
    lambda content: {"role": "user", "content": content},
    st.one_of(_text, st.lists(st.one_of(_text_part, _image_part), max_size=3)),
)
_assistant = st.builds(
    lambda content, calls, thinking: {
        "role": "assistant",
        "content": content,
        **({"tool_calls": calls} if calls else {}),
        **({"reasoning_content": thinking} if thinking else {}),
    },
    st.one_of(st.none(), st.text(min_size=1, max_size=12), st.lists(_text_part, min_size=1, max_size=2)),
    st.lists(_call, max_size=2),
    _text,
)
_tool_message = st.builds(
    lambda call_id, content: {"role": "tool", "tool_call_id": call_id, "content": content},
    st.from_regex(r"call_[A-Za-z0-9]{1,8}", fullmatch=True),
    st.one_of(_text, st.lists(_text_part, min_size=1, max_size=2)),
)
_tool = st.builds(
    lambda name, extra: {"type": "function", "function": {"name": name, **extra}},
    _name,
    st.fixed_dictionaries(
        {},
        optional={
            "description": _text,
            "parameters": st.just(WEATHER),
            "strict": st.booleans(),
        },
    ),
)
_number = st.floats(min_value=-2, max_value=2, allow_nan=False)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "temperature": _number,
        "top_p": st.floats(min_value=0, max_value=1, allow_nan=False),
        "top_k": st.integers(1, 100),
        "max_tokens": st.integers(1, 10**6),
        "max_completion_tokens": st.integers(1, 10**6),
        "stop": st.one_of(_text, st.lists(_text, min_size=1, max_size=4)),
        "n": st.integers(1, 4),
        "seed": st.integers(-(2**31), 2**31),
        "presence_penalty": _number,
        "frequency_penalty": _number,
        "user": _text,
        "metadata": st.dictionaries(_name, _text, max_size=2),
        "store": st.booleans(),
        "logit_bias": st.dictionaries(st.from_regex(r"[0-9]{1,5}", fullmatch=True), st.integers(-100, 100)),
        "response_format": st.sampled_from(
            [
                {"type": "text"},
                {"type": "json_object"},
                {"type": "json_schema", "json_schema": {"name": "r", "schema": WEATHER, "strict": True}},
                {"type": "json_schema", "json_schema": {"name": "r", "schema": WEATHER, "description": "d"}},
            ]
        ),
        "reasoning_effort": st.sampled_from(["none", "minimal", "low", "medium", "high", "xhigh"]),
        "stream": st.booleans(),
    },
)
_tool_fields = st.fixed_dictionaries(
    {"tools": st.lists(_tool, min_size=1, max_size=3)},
    optional={
        "tool_choice": st.one_of(
            st.sampled_from(["auto", "none", "required"]),
            st.builds(lambda n: {"type": "function", "function": {"name": n}}, _name),
        ),
        "parallel_tool_calls": st.booleans(),
    },
)
_requests = st.builds(
    lambda messages, fields, tools: {"model": "gpt-4o", "messages": messages, **fields, **tools},
    st.lists(st.one_of(_system, _user_message, _assistant, _tool_message), min_size=1, max_size=8),
    _fields,
    st.one_of(st.just({}), _tool_fields),
)


def _normalised(body: dict[str, Any]) -> dict[str, Any]:
    """What a Chat body means, ignoring forms that mean the same thing."""
    out = copy.deepcopy(body)
    if out.get("stream") is False:
        del out["stream"]
    if out.get("stream"):
        out["stream_options"] = {**out.get("stream_options", {}), "include_usage": True}
    for message in out["messages"]:
        if message["role"] == "assistant" and not message.get("content"):
            message["content"] = None if message.get("tool_calls") else ""
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests)
def test_any_chat_request_survives_parse_and_build(body: dict[str, Any]) -> None:
    request = openai_chat.parse_request(copy.deepcopy(body))
    rebuilt = openai_chat.build_request(request, BuildContext("gpt-4o", stream=request.stream))
    assert _normalised(rebuilt) == _normalised(body)
