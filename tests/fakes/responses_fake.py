"""The fake's OpenAI Responses / Codex wire format (named SSE events with sequence numbers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from server.jsontypes import JSON, JSONObject
from tests.fakes.openai_fake import openai_error
from tests.fakes.script import Answer, Family, new_id, sse

__all__ = ["RESPONSES", "responses_error"]

_ECHOED = (
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "parallel_tool_calls",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "service_tier",
    "store",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_p",
    "truncation",
    "user",
    "metadata",
)


def responses_error(
    status: int, message: str, retry_after: float | None
) -> tuple[JSONObject, dict[str, str]]:
    """OpenAI error shape; a 429 with a hint is Codex's ``usage_limit_reached`` with ``resets_in_seconds``."""
    if status == 429 and retry_after is not None:
        seconds: JSON = int(retry_after) if float(retry_after).is_integer() else retry_after
        error: JSONObject = {
            "type": "usage_limit_reached",
            "message": "The usage limit has been reached",
            "plan_type": "plus",
            "resets_in_seconds": seconds,
        }
        return {"error": error}, {}
    return openai_error(status, message, None)


def _tool_request(body: JSONObject) -> tuple[str, JSONObject] | None:
    tools = [
        tool for tool in body.get("tools") or [] if isinstance(tool, dict) and tool.get("type") == "function"
    ]
    if not tools or body.get("tool_choice") == "none":
        return None
    items = body.get("input")
    if isinstance(items, list) and items and isinstance(items[-1], dict):
        if items[-1].get("type") == "function_call_output":
            return None
    schema = tools[0].get("parameters")
    return str(tools[0].get("name", "tool")), schema if isinstance(schema, dict) else {}


def _thinking_request(body: JSONObject) -> bool:
    reasoning = body.get("reasoning")
    if not isinstance(reasoning, dict) or reasoning.get("effort") == "none":
        return False
    return reasoning.get("effort") is not None or reasoning.get("summary") is not None


def _shows_summary(answer: Answer) -> bool:
    reasoning = answer.request.get("reasoning")
    return isinstance(reasoning, dict) and reasoning.get("summary") not in (None, "none")


def _encrypts(answer: Answer) -> bool:
    include = answer.request.get("include")
    return isinstance(include, list) and "reasoning.encrypted_content" in include


def _usage(answer: Answer) -> JSONObject:
    return {
        "input_tokens": answer.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": answer.output_tokens,
        "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
        "total_tokens": answer.input_tokens + answer.output_tokens,
    }


def _response(answer: Answer, ident: str, status: str, output: list[JSON], usage: JSON) -> JSONObject:
    response: JSONObject = {
        "id": ident,
        "object": "response",
        "created_at": answer.created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": answer.model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }
    for key in _ECHOED:
        if key in answer.request:
            response[key] = answer.request[key]
    return response


def _reasoning_items(answer: Answer) -> tuple[JSONObject, JSONObject] | None:
    """The reasoning item while in progress and when completed (None without thinking)."""
    if answer.thinking is None:
        return None
    base: JSONObject = {"id": new_id("rs_"), "type": "reasoning"}
    done: JSONObject = {**base, "summary": []}
    if _shows_summary(answer):
        done["summary"] = [{"type": "summary_text", "text": answer.thinking.text}]
    if _encrypts(answer):
        done["encrypted_content"] = answer.thinking.signature
    return {**base, "summary": []}, done


def _items(answer: Answer) -> tuple[JSONObject, JSONObject]:
    """The answer's output item while in progress and when completed."""
    if answer.tool:
        call_id = new_id("call_")
        base: JSONObject = {"id": f"fc_{call_id}", "type": "function_call", "call_id": call_id}
        base["name"] = answer.tool.name
        return (
            {**base, "status": "in_progress", "arguments": ""},
            {**base, "status": "completed", "arguments": answer.tool.arguments},
        )
    base = {"id": new_id("msg_"), "type": "message", "role": "assistant"}
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": answer.text}
    return {**base, "status": "in_progress", "content": []}, {
        **base,
        "status": "completed",
        "content": [part],
    }


def _non_stream(answer: Answer) -> JSONObject:
    reasoning = _reasoning_items(answer)
    _, done = _items(answer)
    output: list[JSON] = [reasoning[1], done] if reasoning else [done]
    return _response(answer, new_id("resp_"), "completed", output, _usage(answer))


def _stream(answer: Answer) -> Iterator[bytes]:
    ident = new_id("resp_")
    sequence = 0

    def event(kind: str, payload: JSONObject) -> bytes:
        nonlocal sequence
        data = {"type": kind, "sequence_number": sequence, **payload}
        sequence += 1
        return sse(data, event=kind)

    yield event("response.created", {"response": _response(answer, ident, "in_progress", [], None)})
    yield event("response.in_progress", {"response": _response(answer, ident, "in_progress", [], None)})
    output: list[JSON] = []
    reasoning = _reasoning_items(answer)
    if reasoning is not None and answer.thinking is not None:
        yield from _reasoning_events(event, answer.thinking.pieces, reasoning, _shows_summary(answer))
        output.append(reasoning[1])
    index = len(output)
    added, done = _items(answer)
    yield event("response.output_item.added", {"output_index": index, "item": added})
    where: JSONObject = {"item_id": added["id"], "output_index": index}
    if answer.tool:
        for piece in answer.tool.pieces:
            yield event("response.function_call_arguments.delta", {**where, "delta": piece})
        yield event("response.function_call_arguments.done", {**where, "arguments": answer.tool.arguments})
    else:
        where["content_index"] = 0
        empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        yield event("response.content_part.added", {**where, "part": empty})
        for piece in answer.pieces:
            yield event("response.output_text.delta", {**where, "delta": piece, "logprobs": []})
        yield event("response.output_text.done", {**where, "text": answer.text, "logprobs": []})
        yield event("response.content_part.done", {**where, "part": {**empty, "text": answer.text}})
    yield event("response.output_item.done", {"output_index": index, "item": done})
    output.append(done)
    completed = _response(answer, ident, "completed", output, _usage(answer))
    yield event("response.completed", {"response": completed})


def _reasoning_events(
    event: Callable[[str, JSONObject], bytes],
    pieces: tuple[str, ...],
    items: tuple[JSONObject, JSONObject],
    summary: bool,
) -> Iterator[bytes]:
    """A reasoning item at output index 0: added, its summary part and deltas, done."""
    added, done = items
    yield event("response.output_item.added", {"output_index": 0, "item": added})
    if summary:
        where: JSONObject = {"item_id": added["id"], "output_index": 0, "summary_index": 0}
        text = "".join(pieces)
        yield event(
            "response.reasoning_summary_part.added", {**where, "part": {"type": "summary_text", "text": ""}}
        )
        for piece in pieces:
            yield event("response.reasoning_summary_text.delta", {**where, "delta": piece})
        yield event("response.reasoning_summary_text.done", {**where, "text": text})
        yield event(
            "response.reasoning_summary_part.done", {**where, "part": {"type": "summary_text", "text": text}}
        )
    yield event("response.output_item.done", {"output_index": 0, "item": done})


def _count_tokens(answer: Answer) -> JSONObject:
    return {"input_tokens": answer.input_tokens}


RESPONSES = Family(
    name="responses",
    non_stream=_non_stream,
    stream=_stream,
    count_tokens=_count_tokens,
    error=responses_error,
    tool_request=_tool_request,
    broken_frame=b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","d\n\n',
    thinking_request=_thinking_request,
)
