"""Gemini requests → IR: contents, parts, pairing of calls and responses, config, tools, extras."""

from __future__ import annotations

import pytest

from server.formats import gemini
from server.formats.gemini_parts import NO_ID, derived_call_id
from server.formats.ir import (
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
from server.jsontypes import JSONObject

READ_SCHEMA: JSONObject = {"type": "object", "properties": {"path": {"type": "string"}}}


def _user(*parts: JSONObject) -> JSONObject:
    return {"role": "user", "parts": list(parts)}


def _model(*parts: JSONObject) -> JSONObject:
    return {"role": "model", "parts": list(parts)}


CASES: list[tuple[str, JSONObject, Request]] = [
    (
        "text-and-system",
        {
            "model": "models/gemini-2.5-pro",
            "contents": [_user({"text": "hi"})],
            "systemInstruction": {"role": "user", "parts": [{"text": "be brief"}, {"text": "really"}]},
        },
        Request(
            model="gemini-2.5-pro",
            messages=[Message("user", [TextPart("hi")])],
            system=[TextPart("be brief"), TextPart("really")],
        ),
    ),
    (
        "gemini-cli-tool-round-trip-keeps-ids-and-signature",
        {
            "model": "gemini-2.5-pro",
            "contents": [
                _user({"text": "read a"}),
                _model(
                    {
                        "functionCall": {"id": "read_file_17_0", "name": "read_file", "args": {"path": "a"}},
                        "thoughtSignature": "c2ln",
                    }
                ),
                _user(
                    {
                        "functionResponse": {
                            "id": "read_file_17_0",
                            "name": "read_file",
                            "response": {"output": "text of a"},
                        }
                    }
                ),
            ],
        },
        Request(
            model="gemini-2.5-pro",
            messages=[
                Message("user", [TextPart("read a")]),
                Message(
                    "assistant",
                    [
                        ToolCallPart(
                            "read_file_17_0", "read_file", '{"path":"a"}', {"thoughtSignature": "c2ln"}
                        )
                    ],
                ),
                Message(
                    "user",
                    [
                        ToolResultPart(
                            "read_file_17_0",
                            [TextPart("text of a")],
                            "read_file",
                            extras={
                                "gemini:functionResponse": {
                                    "id": "read_file_17_0",
                                    "name": "read_file",
                                    "response": {"output": "text of a"},
                                }
                            },
                        )
                    ],
                ),
            ],
        ),
    ),
    (
        "calls-without-ids-pair-by-name-fifo",
        {
            "contents": [
                _model(
                    {"functionCall": {"name": "ls", "args": {"p": 1}}},
                    {"functionCall": {"name": "cat", "args": {}}},
                    {"functionCall": {"name": "ls", "args": {"p": 2}}},
                ),
                _user(
                    {"functionResponse": {"name": "cat", "response": {"result": "c"}}},
                    {"functionResponse": {"name": "ls", "response": {"result": "l1"}}},
                    {"functionResponse": {"name": "", "response": {"result": "l2"}}},
                ),
            ]
        },
        Request(
            model="",
            messages=[
                Message(
                    "assistant",
                    [
                        ToolCallPart(derived_call_id("ls", 0), "ls", '{"p":1}', {NO_ID: True}),
                        ToolCallPart(derived_call_id("cat", 1), "cat", "{}", {NO_ID: True}),
                        ToolCallPart(derived_call_id("ls", 2), "ls", '{"p":2}', {NO_ID: True}),
                    ],
                ),
                Message(
                    "user",
                    [
                        ToolResultPart(
                            derived_call_id("cat", 1),
                            [TextPart("c")],
                            "cat",
                            extras={
                                "gemini:functionResponse": {"name": "cat", "response": {"result": "c"}},
                                NO_ID: True,
                            },
                        ),
                        ToolResultPart(
                            derived_call_id("ls", 0),
                            [TextPart("l1")],
                            "ls",
                            extras={
                                "gemini:functionResponse": {"name": "ls", "response": {"result": "l1"}},
                                NO_ID: True,
                            },
                        ),
                        ToolResultPart(
                            derived_call_id("ls", 2),
                            [TextPart("l2")],
                            "ls",
                            extras={
                                "gemini:functionResponse": {"name": "", "response": {"result": "l2"}},
                                NO_ID: True,
                            },
                        ),
                    ],
                ),
            ],
        ),
    ),
    (
        "media-parts-and-thoughts",
        {
            "contents": [
                _user(
                    {"inlineData": {"mimeType": "image/png", "data": "iVBO"}},
                    {"inline_data": {"mime_type": "application/pdf", "data": "JVBE"}},
                    {"fileData": {"fileUri": "https://x/cat.jpg", "mimeType": "image/jpeg"}},
                    {"file_data": {"file_uri": "gs://b/doc.pdf", "mime_type": "application/pdf"}},
                ),
                _model(
                    {"text": "plan", "thought": True, "thoughtSignature": "c2ln"},
                    {"text": "answer", "thoughtSignature": "dHh0"},
                ),
            ]
        },
        Request(
            model="",
            messages=[
                Message(
                    "user",
                    [
                        ImagePart(media_type="image/png", data="iVBO"),
                        DocumentPart(media_type="application/pdf", data="JVBE"),
                        ImagePart(media_type="image/jpeg", url="https://x/cat.jpg"),
                        DocumentPart(media_type="application/pdf", url="gs://b/doc.pdf"),
                    ],
                ),
                Message(
                    "assistant",
                    [
                        ThinkingPart(text="plan", signature="c2ln", extras={"thought": True}),
                        TextPart("answer", {"thoughtSignature": "dHh0"}),
                    ],
                ),
            ],
        ),
    ),
    (
        "missing-roles-alternate-and-function-role-is-user",
        {
            "contents": [
                {"parts": [{"text": "a"}]},
                {"parts": [{"text": "b"}]},
                {"role": "function", "parts": [{"text": "c"}]},
            ]
        },
        Request(
            model="",
            messages=[
                Message("user", [TextPart("a")]),
                Message("assistant", [TextPart("b")]),
                Message("user", [TextPart("c")]),
            ],
        ),
    ),
    (
        "google-genai-snake-case",
        {
            "model": "gemini-2.5-flash",
            "contents": [_user({"text": "q"})],
            "system_instruction": {"parts": [{"text": "s"}]},
            "generation_config": {
                "max_output_tokens": 100,
                "top_p": 0.5,
                "thinking_config": {"include_thoughts": True, "thinking_budget": 1024},
            },
            "tools": [
                {
                    "function_declarations": [
                        {
                            "name": "f",
                            "parameters": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}},
                        }
                    ]
                }
            ],
            "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["f"]}},
            "safety_settings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "OFF"}],
        },
        Request(
            model="gemini-2.5-flash",
            messages=[Message("user", [TextPart("q")])],
            system=[TextPart("s")],
            max_tokens=100,
            top_p=0.5,
            reasoning=Reasoning(budget=1024, include_thoughts=True),
            tools=[
                Tool(
                    "f",
                    parameters={"type": "object", "properties": {"x": {"type": "string"}}},
                    extras={
                        "gemini:declaration": {
                            "name": "f",
                            "parameters": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}},
                        }
                    },
                )
            ],
            tool_choice=ToolChoice("tool", "f"),
            extras={
                "gemini:toolConfig": {
                    "functionCallingConfig": {"mode": "ANY", "allowed_function_names": ["f"]}
                },
                "gemini:safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "OFF"}],
            },
        ),
    ),
    (
        "generation-config-and-leftovers",
        {
            "contents": [_user({"text": "q"})],
            "generationConfig": {
                "temperature": 0.2,
                "topK": 40,
                "stopSequences": ["END"],
                "candidateCount": 2,
                "seed": 7,
                "presencePenalty": 0.5,
                "responseMimeType": "application/json",
                "responseSchema": {"type": "OBJECT"},
                "responseModalities": ["TEXT"],
                "thinkingConfig": {"thinkingLevel": "HIGH"},
            },
            "cachedContent": "cachedContents/1",
            "labels": {"team": "a"},
        },
        Request(
            model="",
            messages=[Message("user", [TextPart("q")])],
            temperature=0.2,
            top_k=40,
            stop=["END"],
            n=2,
            seed=7,
            presence_penalty=0.5,
            response_format=ResponseFormat("json_schema", {"type": "object"}),
            reasoning=Reasoning(effort="high", include_thoughts=False),
            extras={
                "gemini:thinkingLevel": "HIGH",
                "gemini:generationConfig": {
                    "presencePenalty": 0.5,
                    "responseSchema": {"type": "OBJECT"},
                    "responseModalities": ["TEXT"],
                },
                "gemini:cachedContent": "cachedContents/1",
                "gemini:labels": {"team": "a"},
            },
        ),
    ),
    (
        "json-mime-without-schema-is-json-object",
        {"contents": [], "generationConfig": {"responseMimeType": "application/json"}},
        Request(model="", response_format=ResponseFormat("json_object")),
    ),
    (
        "builtin-tools-kept-raw",
        {
            "contents": [],
            "tools": [{"googleSearch": {}}, {"code_execution": {}}, {"urlContext": {}}],
        },
        Request(
            model="",
            tools=[
                Tool("googleSearch", extras={"builtin": {"googleSearch": {}}}),
                Tool("codeExecution", extras={"builtin": {"codeExecution": {}}}),
                Tool("urlContext", extras={"builtin": {"urlContext": {}}}),
            ],
        ),
    ),
    (
        "gemini-cli-envelope-unwrapped",
        {"model": "gemini-2.5-pro", "project": "p-1", "request": {"contents": [_user({"text": "x"})]}},
        Request(model="gemini-2.5-pro", messages=[Message("user", [TextPart("x")])]),
    ),
    (
        "error-response-and-code-execution-part",
        {
            "contents": [
                _model(
                    {"functionCall": {"id": "c1", "name": "run", "args": {}}},
                    {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
                ),
                _user({"functionResponse": {"id": "c1", "name": "run", "response": {"error": {"code": 2}}}}),
            ]
        },
        Request(
            model="",
            messages=[
                Message(
                    "assistant",
                    [
                        ToolCallPart("c1", "run", "{}"),
                        TextPart(
                            "```python\nprint(1)\n```",
                            {"gemini:part": {"executableCode": {"language": "PYTHON", "code": "print(1)"}}},
                        ),
                    ],
                ),
                Message(
                    "user",
                    [
                        ToolResultPart(
                            "c1",
                            [TextPart('{"code":2}')],
                            "run",
                            is_error=True,
                            extras={
                                "gemini:functionResponse": {
                                    "id": "c1",
                                    "name": "run",
                                    "response": {"error": {"code": 2}},
                                }
                            },
                        )
                    ],
                ),
            ],
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_request(body: JSONObject, expected: Request) -> None:
    assert gemini.parse_request(body) == expected


@pytest.mark.parametrize(
    ("mode", "names", "expected"),
    [
        ("AUTO", None, ToolChoice("auto")),
        ("NONE", None, ToolChoice("none")),
        ("ANY", None, ToolChoice("required")),
        ("ANY", ["a"], ToolChoice("tool", "a")),
        ("ANY", ["a", "b"], ToolChoice("required")),
        ("VALIDATED", None, ToolChoice("auto")),
        ("any", None, ToolChoice("required")),
    ],
    ids=["auto", "none", "any", "any-one-name", "any-two-names", "validated", "lower-case"],
)
def test_tool_config_modes(mode: str, names: list[str] | None, expected: ToolChoice) -> None:
    fcc: JSONObject = {"mode": mode}
    if names is not None:
        fcc["allowedFunctionNames"] = names
    body: JSONObject = {"contents": [], "toolConfig": {"functionCallingConfig": fcc}}
    assert gemini.parse_request(body).tool_choice == expected


@pytest.mark.parametrize(
    ("thinking", "expected"),
    [
        ({"thinkingBudget": 0}, Reasoning(budget=0, include_thoughts=False)),
        ({"thinking_budget": -1, "include_thoughts": True}, Reasoning(budget=-1, include_thoughts=True)),
        ({"thinking_level": "low"}, Reasoning(effort="low", include_thoughts=False)),
        ({"includeThoughts": True}, Reasoning(include_thoughts=True)),
    ],
    ids=["budget-zero", "snake-dynamic", "snake-level", "include-only"],
)
def test_thinking_config_camel_and_snake(thinking: JSONObject, expected: Reasoning) -> None:
    body: JSONObject = {"contents": [], "generationConfig": {"thinkingConfig": thinking}}
    assert gemini.parse_request(body).reasoning == expected


def test_parameters_json_schema_preferred_over_parameters() -> None:
    decl: JSONObject = {"name": "f", "parametersJsonSchema": READ_SCHEMA, "parameters": {"type": "OBJECT"}}
    tool = gemini.parse_request({"contents": [], "tools": [{"functionDeclarations": [decl]}]}).tools[0]
    assert tool.parameters == READ_SCHEMA


def test_orphan_response_gets_a_derived_id() -> None:
    body: JSONObject = {"contents": [_user({"functionResponse": {"name": "x", "response": {}}})]}
    part = gemini.parse_request(body).messages[0].parts[0]
    assert isinstance(part, ToolResultPart)
    assert (part.call_id, part.name, part.content) == (
        derived_call_id("result", "x", 1),
        "x",
        [TextPart("{}")],
    )
