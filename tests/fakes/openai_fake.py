"""The fake's OpenAI Chat Completions wire format (also the OpenAI error shape shared with Responses)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from server.jsontypes import JSON, JSONObject
from tests.fakes.script import Answer, Family, new_id, sse

__all__ = ["CHAT", "openai_error", "openai_error_kind"]

_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_quota"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def openai_error_kind(status: int) -> tuple[str, str | None]:
    """OpenAI ``error.type`` and ``error.code`` for an HTTP status."""
    if status in _ERROR_KINDS:
        return _ERROR_KINDS[status]
    if status >= 500:
        return "server_error", "internal_server_error"
    return "invalid_request_error", None


def openai_error(status: int, message: str, retry_after: float | None) -> tuple[JSONObject, dict[str, str]]:
    """OpenAI error body; a 429 with a hint has ``retry-after`` (seconds, ceil) and ``retry-after-ms``."""
    kind, code = openai_error_kind(status)
    body: JSONObject = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    if status != 429 or retry_after is None:
        return body, {}
    return body, {
        "retry-after": str(math.ceil(retry_after)),
        "retry-after-ms": str(round(retry_after * 1000)),
    }


def _tool_request(body: JSONObject) -> tuple[str, JSONObject] | None:
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools or body.get("tool_choice") == "none":
        return None
    messages = body.get("messages")
    if isinstance(messages, list) and messages and _role(messages[-1]) == "tool":
        return None
    first = tools[0] if isinstance(tools[0], dict) else {}
    nested = first.get("function")
    function: JSONObject = nested if isinstance(nested, dict) else first
    schema = function.get("parameters")
    return str(function.get("name", "tool")), schema if isinstance(schema, dict) else {}


def _role(message: JSON) -> str:
    return str(message.get("role", "")) if isinstance(message, dict) else ""


def _usage(answer: Answer) -> JSONObject:
    return {
        "prompt_tokens": answer.input_tokens,
        "completion_tokens": answer.output_tokens,
        "total_tokens": answer.input_tokens + answer.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": answer.reasoning_tokens, "audio_tokens": 0},
    }


def _thinking_request(body: JSONObject) -> bool:
    effort = body.get("reasoning_effort")
    return isinstance(effort, str) and effort != "none"


def _finish(answer: Answer) -> str:
    return "tool_calls" if answer.tool else "stop"


def _non_stream(answer: Answer) -> JSONObject:
    message: JSONObject = {"role": "assistant", "content": answer.text, "refusal": None, "annotations": []}
    if answer.thinking:
        message["reasoning_content"] = answer.thinking.text
    if answer.tool:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": new_id("call_"),
                "type": "function",
                "function": {"name": answer.tool.name, "arguments": answer.tool.arguments},
            }
        ]
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": answer.created,
        "model": answer.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(answer)}],
        "usage": _usage(answer),
        "system_fingerprint": "fp_fake",
    }


def _include_usage(answer: Answer) -> bool:
    options = answer.request.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _stream(answer: Answer) -> Iterator[bytes]:
    ident = new_id("chatcmpl-")
    with_usage = _include_usage(answer)

    def chunk(delta: JSONObject, finish: str | None = None) -> bytes:
        body: JSONObject = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": answer.created,
            "model": answer.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if with_usage:
            body["usage"] = None
        return sse(body)

    if answer.thinking:
        yield chunk({"role": "assistant", "content": None, "reasoning_content": "", "refusal": None})
        for piece in answer.thinking.pieces:
            yield chunk({"reasoning_content": piece})
    if answer.tool:
        yield chunk({"role": "assistant", "content": None, "refusal": None})
        call = {"name": answer.tool.name, "arguments": ""}
        yield chunk(
            {"tool_calls": [{"index": 0, "id": new_id("call_"), "type": "function", "function": call}]}
        )
        for piece in answer.tool.pieces:
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for piece in answer.pieces:
            yield chunk({"content": piece})
    yield chunk({}, _finish(answer))
    if with_usage:
        yield sse(
            {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": answer.created,
                "model": answer.model,
                "system_fingerprint": "fp_fake",
                "choices": [],
                "usage": _usage(answer),
            }
        )
    yield b"data: [DONE]\n\n"


def _count_tokens(answer: Answer) -> JSONObject:
    return {"input_tokens": answer.input_tokens}


CHAT = Family(
    name="openai",
    non_stream=_non_stream,
    stream=_stream,
    count_tokens=_count_tokens,
    error=openai_error,
    tool_request=_tool_request,
    broken_frame=b'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"oops"\n\n',
    thinking_request=_thinking_request,
)
