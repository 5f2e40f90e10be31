"""OpenAI Chat answers: chat.completion → IR, IR → chat.completion (SDK-valid), token counts."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from server.formats import openai_chat
from server.formats.ir import (
    ImagePart,
    Part,
    Response,
    ResponseContext,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)


def _completion(message: dict[str, Any], finish: str | None = "stop", **fields: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        **fields,
    }


def _response(*parts: Part, **fields: Any) -> Response:
    base: dict[str, Any] = {"id": "chatcmpl-1", "model": "gpt-4o-2024-08-06", "created": 1700000000}
    return Response(parts=list(parts), **{**base, **fields})


USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 30,
    "total_tokens": 150,
    "prompt_tokens_details": {"cached_tokens": 100, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 12, "audio_tokens": 0},
}
CALL = {"id": "call_Q1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}}

PARSE = [
    (
        _completion({"content": "Hello!", "refusal": None}, usage=USAGE, system_fingerprint="fp_1"),
        _response(
            TextPart("Hello!"),
            usage=Usage(120, 30, cached_tokens=100, reasoning_tokens=12, total_tokens=150),
            extras={"openai:system_fingerprint": "fp_1"},
        ),
    ),
    (
        _completion({"content": None, "reasoning_content": "Think.", "tool_calls": [CALL]}, "tool_calls"),
        _response(
            ThinkingPart("Think."),
            ToolCallPart("call_Q1", "weather", '{"city":"Oslo"}'),
            finish_reason="tool_calls",
        ),
    ),
    (
        _completion({"content": "", "tool_calls": [{**CALL, "id": ""}, {"function": {"name": "t"}}]}, "stop"),
        _response(
            ToolCallPart("call_chatcmpl-1_0", "weather", '{"city":"Oslo"}'),
            ToolCallPart("call_chatcmpl-1_1", "t", "{}"),
            finish_reason="tool_calls",
        ),
    ),
    (
        _completion({"content": None, "function_call": {"name": "f", "arguments": "{}"}}, "function_call"),
        _response(ToolCallPart("call_chatcmpl-1_0", "f", "{}"), finish_reason="tool_calls"),
    ),
    (
        _completion({"content": None, "refusal": "No."}, "content_filter"),
        _response(TextPart("No.", {"openai:_refusal": "field"}), finish_reason="content_filter"),
    ),
    (
        _completion(
            {"content": "cut", "reasoning": "r"},
            "length",
            usage={"prompt_tokens": 10, "completion_tokens": 5, "prompt_cache_hit_tokens": 8},
        ),
        _response(
            ThinkingPart("r"), TextPart("cut"), finish_reason="length", usage=Usage(10, 5, cached_tokens=8)
        ),
    ),
    (
        _completion(
            {
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                "images": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}},
                    {"type": "image_url", "image_url": {"url": "https://x.test/i.png"}},
                ],
                "annotations": [],
            },
            "insufficient_system_resource",
        ),
        _response(
            TextPart("a"),
            TextPart("b"),
            ImagePart(media_type="image/png", data="iVBOR"),
            ImagePart(url="https://x.test/i.png"),
            extras={"openai:_message": {"annotations": []}},
        ),
    ),
    ({}, Response()),
]
PARSE_IDS = [
    "text-usage-details",
    "thinking-and-tool-call",
    "missing-ids-generated-and-stop-with-calls-is-tool-calls",
    "legacy-function-call",
    "refusal",
    "length-reasoning-field-deepseek-cache",
    "content-parts-images-unknown-finish",
    "empty-body",
]


@pytest.mark.parametrize(("body", "expected"), PARSE, ids=PARSE_IDS)
def test_parse_response(body: dict[str, Any], expected: Response) -> None:
    assert openai_chat.parse_response(body) == expected


def _ctx(**fields: Any) -> ResponseContext:
    counter = itertools.count(1)
    return ResponseContext(
        "chatcmpl-abc", 1710000000, "my-model", new_id=lambda prefix: f"{prefix}gen{next(counter)}", **fields
    )


def _out(message: dict[str, Any], finish: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1710000000,
        "model": "my-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish,
                "logprobs": None,
            }
        ],
        "usage": usage or {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


BUILD = [
    (
        Response(
            parts=[
                ThinkingPart("Plan", signature="sig"),
                ThinkingPart(signature="only-sig"),
                TextPart("Hi "),
                TextPart("there"),
                ToolCallPart("toolu_01ABC", "get_time", '{"tz":"UTC"}'),
                ToolCallPart("", "other", ""),
            ],
            finish_reason="stop",
            usage=Usage(60, 12, cached_tokens=10, cache_creation_tokens=5, reasoning_tokens=3),
        ),
        _out(
            {
                "content": "Hi there",
                "reasoning_content": "Plan",
                "tool_calls": [
                    {
                        "id": "toolu_01ABC",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": '{"tz":"UTC"}'},
                    },
                    {"id": "call_gen1", "type": "function", "function": {"name": "other", "arguments": "{}"}},
                ],
            },
            "tool_calls",
            {
                "prompt_tokens": 60,
                "completion_tokens": 12,
                "total_tokens": 72,
                "prompt_tokens_details": {"cached_tokens": 10},
                "completion_tokens_details": {"reasoning_tokens": 3},
            },
        ),
    ),
    (
        Response(parts=[ToolCallPart("c", "f")], finish_reason="stop"),
        _out(
            {
                "content": None,
                "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            "tool_calls",
        ),
    ),
    (
        Response(parts=[TextPart("truncated")], finish_reason="length", usage=Usage(5, 7, total_tokens=13)),
        _out(
            {"content": "truncated"},
            "length",
            {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 13},
        ),
    ),
    (Response(finish_reason="refusal"), _out({"content": ""}, "content_filter")),
    (Response(finish_reason="pause"), _out({"content": ""}, "stop")),
    (Response(finish_reason="error"), _out({"content": ""}, "stop")),
    (
        Response(parts=[TextPart("No.", {"openai:_refusal": "field"})], finish_reason="content_filter"),
        _out({"content": None, "refusal": "No."}, "content_filter"),
    ),
    (
        Response(parts=[ImagePart(media_type="image/webp", data="UklG"), TextPart("done")]),
        _out(
            {
                "content": "done",
                "images": [
                    {"type": "image_url", "image_url": {"url": "data:image/webp;base64,UklG"}, "index": 0}
                ],
            },
            "stop",
        ),
    ),
]
BUILD_IDS = [
    "claude-like-answer-ids-kept-signature-only-thinking-skipped",
    "tool-call-only-content-null",
    "length",
    "refusal-reason",
    "pause-turn",
    "error-reason",
    "refusal-field",
    "gemini-image-output",
]


@pytest.mark.parametrize(("response", "expected"), BUILD, ids=BUILD_IDS)
def test_build_response(response: Response, expected: dict[str, Any]) -> None:
    body = openai_chat.build_response(response, _ctx())
    assert body == expected
    ChatCompletion.model_validate(body)


@pytest.mark.parametrize(
    "body",
    [
        _completion({"content": "Hello!"}, usage=USAGE | {"prompt_tokens_details": {"cached_tokens": 100}}),
        _completion(
            {"content": None, "tool_calls": [CALL]},
            "tool_calls",
            usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            system_fingerprint="fp",
            service_tier="default",
        ),
        {
            **_completion(
                {"content": "a"}, usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
            ),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "a"},
                    "finish_reason": "stop",
                    "logprobs": {"content": []},
                },
                {"index": 1, "message": {"role": "assistant", "content": "b"}, "finish_reason": "stop"},
            ],
        },
    ],
    ids=["text", "tool-call-and-top-level-fields", "n-2-and-logprobs"],
)
def test_chat_response_round_trip(body: dict[str, Any]) -> None:
    ctx = ResponseContext(body["id"], body["created"], body["model"])
    rebuilt = openai_chat.build_response(openai_chat.parse_response(copy.deepcopy(body)), ctx)
    expected = copy.deepcopy(body)
    expected["choices"][0].setdefault("logprobs", None)
    if "audio_tokens" in str(body):
        expected["usage"]["completion_tokens_details"] = {"reasoning_tokens": 12}
    assert rebuilt == expected
    ChatCompletion.model_validate(rebuilt)


def test_count_response() -> None:
    assert openai_chat.count_response(42) == {"input_tokens": 42}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"prompt_tokens": 7}, 7),
        ({"input_tokens": 9}, 9),
        ({"usage": {"prompt_tokens": 11, "total_tokens": 20}}, 11),
        ({"input_tokens": True}, 0),
        ({}, 0),
    ],
    ids=["prompt-tokens", "input-tokens", "usage-object", "bool-is-not-a-count", "empty"],
)
def test_parse_count_response(body: dict[str, Any], expected: int) -> None:
    assert openai_chat.parse_count_response(body) == expected
