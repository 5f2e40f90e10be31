"""The fake's Anthropic Messages wire format (message object, named stream events, error shape)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

from server.jsontypes import JSONObject
from tests.fakes.script import Answer, Family, new_id, sse

__all__ = ["CLAUDE", "claude_error", "claude_error_type"]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def claude_error_type(status: int) -> str:
    """Anthropic ``error.type`` for an HTTP status."""
    if status in _ERROR_TYPES:
        return _ERROR_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def claude_error(status: int, message: str, retry_after: float | None) -> tuple[JSONObject, dict[str, str]]:
    """Anthropic error body; a 429 with a hint carries ``retry-after`` (whole seconds, rounded up)."""
    body: JSONObject = {"type": "error", "error": {"type": claude_error_type(status), "message": message}}
    body["request_id"] = new_id("req_")
    headers = (
        {"retry-after": str(math.ceil(retry_after))} if status == 429 and retry_after is not None else {}
    )
    return body, headers


def _tool_request(body: JSONObject) -> tuple[str, JSONObject] | None:
    tools = [tool for tool in body.get("tools") or [] if isinstance(tool, dict) and tool.get("name")]
    choice = body.get("tool_choice")
    if not tools or (isinstance(choice, dict) and choice.get("type") == "none"):
        return None
    messages = body.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        content = messages[-1].get("content")
        if isinstance(content, list) and any(
            isinstance(block, dict) and block.get("type") == "tool_result" for block in content
        ):
            return None
    schema = tools[0].get("input_schema")
    return str(tools[0]["name"]), schema if isinstance(schema, dict) else {}


def _usage(answer: Answer, output_tokens: int) -> JSONObject:
    return {
        "input_tokens": answer.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
    }


def _stop_reason(answer: Answer) -> str:
    return "tool_use" if answer.tool else "end_turn"


def _message(answer: Answer, content: list[JSONObject], stop: str | None, output_tokens: int) -> JSONObject:
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": _usage(answer, output_tokens),
    }


def _thinking_request(body: JSONObject) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def _non_stream(answer: Answer) -> JSONObject:
    content: list[JSONObject] = []
    if answer.thinking:
        thought = answer.thinking
        content.append({"type": "thinking", "thinking": thought.text, "signature": thought.signature})
    if answer.tool:
        content.append(
            {
                "type": "tool_use",
                "id": new_id("toolu_"),
                "name": answer.tool.name,
                "input": json.loads(answer.tool.arguments),
            }
        )
    else:
        content.append({"type": "text", "text": answer.text})
    return _message(answer, content, _stop_reason(answer), answer.output_tokens)


def _blocks(answer: Answer) -> Iterator[tuple[JSONObject, list[JSONObject]]]:
    """Each content block as its start form and its deltas."""
    if answer.thinking:
        thought = answer.thinking
        deltas = [{"type": "thinking_delta", "thinking": piece} for piece in thought.pieces]
        deltas.append({"type": "signature_delta", "signature": thought.signature})
        yield {"type": "thinking", "thinking": "", "signature": ""}, deltas
    if answer.tool:
        block: JSONObject = {
            "type": "tool_use",
            "id": new_id("toolu_"),
            "name": answer.tool.name,
            "input": {},
        }
        yield block, [{"type": "input_json_delta", "partial_json": piece} for piece in answer.tool.pieces]
    else:
        yield {"type": "text", "text": ""}, [{"type": "text_delta", "text": piece} for piece in answer.pieces]


def _stream(answer: Answer) -> Iterator[bytes]:
    def event(kind: str, payload: JSONObject) -> bytes:
        return sse({"type": kind, **payload}, event=kind)

    yield event("message_start", {"message": _message(answer, [], None, 1)})
    yield event("ping", {})
    for index, (block, deltas) in enumerate(_blocks(answer)):
        yield event("content_block_start", {"index": index, "content_block": block})
        for delta in deltas:
            yield event("content_block_delta", {"index": index, "delta": delta})
        yield event("content_block_stop", {"index": index})
    yield event(
        "message_delta",
        {
            "delta": {"stop_reason": _stop_reason(answer), "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        },
    )
    yield event("message_stop", {})


def _count_tokens(answer: Answer) -> JSONObject:
    return {"input_tokens": answer.input_tokens}


CLAUDE = Family(
    name="claude",
    non_stream=_non_stream,
    stream=_stream,
    count_tokens=_count_tokens,
    error=claude_error,
    tool_request=_tool_request,
    broken_frame=b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{\n\n',
    thinking_request=_thinking_request,
)
