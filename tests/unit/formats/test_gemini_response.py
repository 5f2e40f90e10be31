"""Gemini answers ↔ IR: parts, finish reasons, usage (§6), token counts; SDK-validated output."""

from __future__ import annotations

import pytest
from google.genai import types as genai

from server.formats import gemini
from server.formats.base import WireFormatModule
from server.formats.gemini_parts import derived_call_id
from server.formats.ir import (
    FinishReason,
    ImagePart,
    Response,
    ResponseContext,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from server.jsontypes import JSONObject

CTX = ResponseContext(id="resp-1", created=1_700_000_000, model="gemini-client-alias")

A1_BODY: JSONObject = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Plan…", "thought": True},
                    {"text": "Reading the file."},
                    {"functionCall": {"name": "Read", "args": {"path": "a.txt"}}, "thoughtSignature": "c2ln"},
                ],
            },
            "finishReason": "STOP",
            "index": 0,
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 100,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 5,
        "totalTokenCount": 125,
    },
    "modelVersion": "gemini-2.5-pro",
    "responseId": "r1",
    "createTime": "2025-08-15T02:52:03.884209123Z",
}
A1_ID = derived_call_id("r1", 0, "Read", '{"path":"a.txt"}')
A1 = Response(
    id="r1",
    model="gemini-2.5-pro",
    parts=[
        ThinkingPart("Plan…", extras={"thought": True}),
        TextPart("Reading the file."),
        ToolCallPart(A1_ID, "Read", '{"path":"a.txt"}', {"thoughtSignature": "c2ln"}),
    ],
    finish_reason="tool_calls",
    usage=Usage(input_tokens=100, output_tokens=25, reasoning_tokens=5, total_tokens=125),
    created=1755226323,
    extras={"gemini:finishReason": "STOP"},
)


def _answer(parts: list[JSONObject], reason: str | None = "STOP", **top: object) -> JSONObject:
    candidate: JSONObject = {"content": {"role": "model", "parts": parts}}
    if reason is not None:
        candidate["finishReason"] = reason
    return {"candidates": [candidate], **top}


PARSE_CASES: list[tuple[str, JSONObject, Response]] = [
    ("appendix-a1-thought-text-call", A1_BODY, A1),
    ("gemini-cli-envelope", {"response": A1_BODY, "traceId": "t"}, A1),
    (
        "bare-signature-closes-the-thought",  # §8.33
        _answer([{"text": "hmm", "thought": True}, {"text": "", "thoughtSignature": "c2ln"}, {"text": "ok"}]),
        Response(
            parts=[ThinkingPart("hmm", "c2ln", extras={"thought": True}), TextPart("ok")],
            extras={"gemini:finishReason": "STOP"},
        ),
    ),
    (
        "call-with-id-and-image-output",
        _answer(
            [
                {"inlineData": {"mimeType": "image/png", "data": "iVBO"}},
                {"functionCall": {"id": "fc-1", "name": "f", "args": {}}},
            ]
        ),
        Response(
            parts=[ImagePart(media_type="image/png", data="iVBO"), ToolCallPart("fc-1", "f", "{}")],
            finish_reason="tool_calls",
            extras={"gemini:finishReason": "STOP"},
        ),
    ),
    (
        "blocked-prompt-without-candidates",
        {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 4}},
        Response(
            finish_reason="content_filter",
            usage=Usage(input_tokens=4, total_tokens=4),
            extras={"gemini:promptFeedback": {"blockReason": "SAFETY"}},
        ),
    ),
    (
        "grounding-and-cached-tokens",
        {
            **_answer([{"text": "x"}]),
            "usageMetadata": {
                "promptTokenCount": 10,
                "cachedContentTokenCount": 6,
                "candidatesTokenCount": 2,
            },
        }
        | {"candidates": [{**_answer([{"text": "x"}])["candidates"][0], "groundingMetadata": {"x": 1}}]},
        Response(
            parts=[TextPart("x")],
            usage=Usage(input_tokens=10, output_tokens=2, cached_tokens=6, total_tokens=12),
            extras={"gemini:finishReason": "STOP", "gemini:candidate": {"groundingMetadata": {"x": 1}}},
        ),
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_response(body: JSONObject, expected: Response) -> None:
    assert gemini.parse_response(body) == expected


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("MALFORMED_FUNCTION_CALL", "error"),
        ("OTHER", "stop"),
        ("FINISH_REASON_UNSPECIFIED", "stop"),
    ],
    ids=lambda v: str(v),
)
def test_finish_reasons(reason: str, expected: FinishReason) -> None:
    assert gemini.parse_response(_answer([{"text": "x"}], reason)).finish_reason == expected


def test_derived_call_ids_are_deterministic_and_distinct() -> None:
    body = _answer(
        [{"functionCall": {"name": "f", "args": {"a": 1}}}, {"functionCall": {"name": "f", "args": {"a": 1}}}]
    )
    first = [
        p.id for p in gemini.parse_response({**body, "responseId": "x"}).parts if isinstance(p, ToolCallPart)
    ]
    again = [
        p.id for p in gemini.parse_response({**body, "responseId": "x"}).parts if isinstance(p, ToolCallPart)
    ]
    other = [
        p.id for p in gemini.parse_response({**body, "responseId": "y"}).parts if isinstance(p, ToolCallPart)
    ]
    assert first == again
    assert len(set(first + other)) == 4
    assert all(i.startswith("call_") and len(i) <= 40 for i in first)


BUILD_CASES: list[tuple[str, Response, JSONObject]] = [
    (
        "claude-answer-with-thinking-and-tool-use",
        Response(
            id="msg_1",
            model="claude-sonnet-4-5",
            parts=[
                ThinkingPart("Let me look.", signature="RXVZ"),
                TextPart("Checking."),
                ToolCallPart("toolu_01A", "get_time", '{"tz":"UTC"}'),
            ],
            finish_reason="tool_calls",
            usage=Usage(input_tokens=60, output_tokens=12, cached_tokens=10),
        ),
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "Let me look.", "thought": True, "thoughtSignature": "RXVZ"},
                            {"text": "Checking."},
                            {"functionCall": {"id": "toolu_01A", "name": "get_time", "args": {"tz": "UTC"}}},
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 60,
                "candidatesTokenCount": 12,
                "totalTokenCount": 72,
                "cachedContentTokenCount": 10,
            },
            "modelVersion": "gemini-client-alias",
            "responseId": "resp-1",
            "createTime": "2023-11-14T22:13:20Z",
        },
    ),
    (
        "truncated-openai-answer",
        Response(
            parts=[TextPart("partial"), TextPart("")],
            finish_reason="length",
            usage=Usage(5, 7, reasoning_tokens=3),
        ),
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "partial"}]},
                    "finishReason": "MAX_TOKENS",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 5,
                "candidatesTokenCount": 4,
                "totalTokenCount": 12,
                "thoughtsTokenCount": 3,
            },
            "modelVersion": "gemini-client-alias",
            "responseId": "resp-1",
            "createTime": "2023-11-14T22:13:20Z",
        },
    ),
    (
        "content-filter-is-safety",
        Response(finish_reason="content_filter"),
        {
            "candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "SAFETY", "index": 0}],
            "usageMetadata": {"promptTokenCount": 0, "candidatesTokenCount": 0, "totalTokenCount": 0},
            "modelVersion": "gemini-client-alias",
            "responseId": "resp-1",
            "createTime": "2023-11-14T22:13:20Z",
        },
    ),
]


@pytest.mark.parametrize(
    ("response", "expected"), [c[1:] for c in BUILD_CASES], ids=[c[0] for c in BUILD_CASES]
)
def test_build_response(response: Response, expected: JSONObject) -> None:
    body = gemini.build_response(response, CTX)
    assert body == expected
    genai.GenerateContentResponse.model_validate(body)


def test_gemini_answer_survives_a_round_trip() -> None:
    body: JSONObject = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Plan", "thought": True, "thoughtSignature": "c2ln"},
                        {"text": "Hi", "thoughtSignature": "dHh0"},
                        {
                            "functionCall": {"id": "f1", "name": "f", "args": {"a": [1]}},
                            "thoughtSignature": "Zm4=",
                        },
                    ],
                },
                "finishReason": "STOP",
                "index": 0,
                "safetyRatings": [],
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 3,
            "candidatesTokenCount": 4,
            "thoughtsTokenCount": 2,
            "cachedContentTokenCount": 1,
            "totalTokenCount": 9,
        },
        "modelVersion": "gemini-client-alias",
        "responseId": "resp-1",
        "createTime": "2023-11-14T22:13:20Z",
    }
    assert gemini.build_response(gemini.parse_response(body), CTX) == body


def test_malformed_function_call_round_trips_its_reason() -> None:
    response = gemini.parse_response(_answer([], "MALFORMED_FUNCTION_CALL"))
    assert gemini.build_response(response, CTX)["candidates"][0]["finishReason"] == "MALFORMED_FUNCTION_CALL"


def test_count_tokens() -> None:
    assert gemini.count_response(42) == {
        "totalTokens": 42,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 42}],
    }
    # (not SDK-validated: google-genai's CountTokensResponse type lacks promptTokensDetails, which
    # the real API sends and the SDK's wire converter skips)
    assert gemini.parse_count_response({"totalTokens": 17, "promptTokensDetails": []}) == 17
    assert gemini.parse_count_response({"response": {"totalTokens": 5}}) == 5
    assert gemini.parse_count_response({}) == 0


def test_module_has_the_wire_format_shape() -> None:
    shape: list[str] = [n for n in dir(WireFormatModule) if not n.startswith("_")]
    assert shape and all(callable(getattr(gemini, name)) for name in shape)
    assert set(shape) <= set(gemini.__all__)
