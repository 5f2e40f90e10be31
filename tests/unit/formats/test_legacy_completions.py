"""The legacy completions API through chat (§1.6): request → chat body, chat answers → text_completion."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types import Completion

from server.errors import BadRequest
from server.formats.legacy_completions import CompletionStream, chat_request, completion_body, echo_text
from server.jsontypes import JSONObject

USER = {"role": "user", "content": "hi"}


@pytest.mark.parametrize(
    ("body", "chat"),
    [
        ({"model": "m", "prompt": "hi"}, {"model": "m", "messages": [USER]}),
        ({"model": "m"}, {"model": "m", "messages": [{"role": "user", "content": "Complete this:"}]}),
        (
            {"model": "m", "prompt": ""},
            {"model": "m", "messages": [{"role": "user", "content": "Complete this:"}]},
        ),
        (
            {"model": "m", "prompt": ["a", "b"]},
            {"model": "m", "messages": [{"role": "user", "content": "a\nb"}]},
        ),
        (
            {
                "model": "m",
                "prompt": "hi",
                "max_tokens": 5,
                "temperature": 0.1,
                "top_p": 0.9,
                "frequency_penalty": 0.3,
                "presence_penalty": 0.4,
                "stop": ["\n"],
                "stream": True,
                "stream_options": {"include_usage": True},
                "echo": True,
                "best_of": 2,
                "suffix": "x",
            },
            {
                "model": "m",
                "max_tokens": 5,
                "temperature": 0.1,
                "top_p": 0.9,
                "frequency_penalty": 0.3,
                "presence_penalty": 0.4,
                "stop": ["\n"],
                "stream": True,
                "stream_options": {"include_usage": True},
                "messages": [USER],
            },
        ),
        (
            {"model": "m", "prompt": "hi", "logprobs": 3},
            {"model": "m", "messages": [USER], "logprobs": True, "top_logprobs": 3},
        ),
        (
            {"model": "m", "prompt": "hi", "logprobs": True, "top_logprobs": 1},
            {"model": "m", "top_logprobs": 1, "messages": [USER], "logprobs": True},
        ),
    ],
    ids=[
        "prompt",
        "default-prompt",
        "empty-prompt",
        "prompt-list",
        "copied-fields",
        "logprobs-count",
        "chat-style",
    ],
)
def test_chat_request(body: JSONObject, chat: JSONObject) -> None:
    assert chat_request(body) == chat


@pytest.mark.parametrize(
    "prompt", [[1, 2, 3], [[1, 2]], 7, {"text": "x"}], ids=["tokens", "batches", "number", "object"]
)
def test_token_or_odd_prompts_are_bad_requests(prompt: Any) -> None:
    with pytest.raises(BadRequest, match="prompt"):
        chat_request({"model": "m", "prompt": prompt})


def test_echo_text() -> None:
    assert echo_text({"prompt": "Q:", "echo": True}) == "Q:"
    assert echo_text({"prompt": "Q:", "echo": False}) == ""
    assert echo_text({"echo": True}) == "Complete this:"


CHAT_ANSWER: JSONObject = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "up-model",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi there", "reasoning_content": "hidden"},
            "finish_reason": "length",
            "logprobs": {
                "content": [
                    {"token": "Hi", "logprob": -0.1, "top_logprobs": [{"token": "Hi", "logprob": -0.1}]},
                    {"token": " there", "logprob": -0.5, "top_logprobs": []},
                ]
            },
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


def test_completion_body() -> None:
    out = completion_body(CHAT_ANSWER, echo="Q:", model="client-model")
    assert out == {
        "id": "chatcmpl-1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "client-model",
        "choices": [
            {
                "index": 0,
                "text": "Q:Hi there",
                "finish_reason": "length",
                "logprobs": {
                    "tokens": ["Hi", " there"],
                    "token_logprobs": [-0.1, -0.5],
                    "top_logprobs": [{"Hi": -0.1}, {}],
                    "text_offset": [2, 4],
                },
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    Completion.model_validate(out)
    answer: JSONObject = {
        "choices": [{"index": 0, "message": {"content": None}, "finish_reason": "tool_calls"}]
    }
    plain = completion_body(answer)
    assert plain["choices"] == [{"index": 0, "text": "", "finish_reason": "stop", "logprobs": None}]


def _sse(obj: Any) -> bytes:
    return b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n"


def _chunk(delta: JSONObject | None, finish: str | None = None, **fields: Any) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return _sse(
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "up",
            "choices": choices,
            **fields,
        }
    )


def test_stream_chunks_in_the_completion_shape() -> None:
    stream = CompletionStream(echo="Q:", model="client-model")
    raw = b"".join(
        [
            _chunk({"role": "assistant", "content": ""}),
            _chunk({"reasoning_content": "hidden"}),
            _chunk({"content": "Hel"}),
            _chunk({"content": "lo"}),
            _chunk({}, "stop"),
            _chunk(None, usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
            b"data: [DONE]\n\n",
        ]
    )
    out = stream.feed(raw[:37]) + stream.feed(raw[37:]) + stream.finish()
    frames = out.split(b"\n\n")
    assert frames[-2:] == [b"data: [DONE]", b""]
    chunks = [json.loads(f.removeprefix(b"data: ")) for f in frames[:-2]]
    head = {"id": "c1", "object": "text_completion", "created": 1, "model": "client-model"}
    assert chunks == [
        {**head, "choices": [{"index": 0, "text": "Q:", "finish_reason": None, "logprobs": None}]},
        {**head, "choices": [{"index": 0, "text": "Hel", "finish_reason": None, "logprobs": None}]},
        {**head, "choices": [{"index": 0, "text": "lo", "finish_reason": None, "logprobs": None}]},
        {**head, "choices": [{"index": 0, "text": "", "finish_reason": "stop", "logprobs": None}]},
        {**head, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}},
    ]
    for chunk in chunks:  # the SDK reads stream chunks unvalidated: only finished ones fit its type
        if all(choice["finish_reason"] for choice in chunk["choices"]):
            Completion.model_validate(chunk)


def test_stream_error_frame_passes_through() -> None:
    error = {"error": {"message": "boom", "type": "server_error", "code": "internal_server_error"}}
    stream = CompletionStream()
    assert stream.feed(_chunk({"content": "a"}) + _sse(error)).endswith(_sse(error))
    assert stream.finish() == b""
