"""OpenAI Chat Completions answers to and from ``ir.Response``: message, finish reason, usage.

Only ``choices[0]`` is translated; further choices (``n > 1``) and top-level fields the IR has no
slot for (``system_fingerprint``, ``service_tier`` …) ride along as ``openai:*`` extras so a
Chat→Chat relay keeps them. Usage follows translation.md §6.2: ``prompt_tokens`` includes cached
tokens, ``completion_tokens`` includes reasoning tokens.
"""

from __future__ import annotations

from server.formats.ir import (
    FinishReason,
    ImagePart,
    Part,
    Response,
    ResponseContext,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from server.formats.json_repair import repair_json
from server.formats.openai_chat_messages import tool_arguments
from server.formats.openai_chat_parts import PREFIX, REFUSAL, data_url, restore_extras, split_data_url
from server.jsontypes import JSON, JSONObject

__all__ = [
    "build_response",
    "finish_from_chat",
    "finish_to_chat",
    "parse_response",
    "usage_from_chat",
    "usage_to_chat",
]

_CHOICE = "openai:_choice"
"""Response: fields of ``choices[0]`` besides index/message/finish_reason (``logprobs`` …)."""
_MESSAGE = "openai:_message"
"""Response: fields of ``choices[0].message`` the IR has no slot for (``annotations`` …)."""
_MORE = "openai:_more_choices"
"""Response: ``choices[1:]`` as they came."""
_FROM_CHAT: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}
_TO_CHAT: dict[FinishReason, str] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "content_filter": "content_filter",
    "refusal": "content_filter",
}
_MESSAGE_KEYS = {
    "role",
    "content",
    "reasoning_content",
    "reasoning",
    "refusal",
    "tool_calls",
    "function_call",
    "images",
}


def finish_from_chat(reason: JSON, saw_tool_call: bool) -> FinishReason:
    """The IR reason for a Chat ``finish_reason``; any tool call makes it ``tool_calls``."""
    if saw_tool_call:
        return "tool_calls"
    return _FROM_CHAT.get(reason, "stop") if isinstance(reason, str) else "stop"


def finish_to_chat(reason: FinishReason, saw_tool_call: bool) -> str:
    """The Chat ``finish_reason`` for an IR reason (``pause``/``error`` have none: ``stop``)."""
    return "tool_calls" if saw_tool_call else _TO_CHAT.get(reason, "stop")


def usage_from_chat(raw: JSON) -> Usage | None:
    """IR usage of a Chat ``usage`` object (DeepSeek's ``prompt_cache_hit_tokens`` understood)."""
    if not isinstance(raw, dict):
        return None
    prompt = raw.get("prompt_tokens_details")
    completion = raw.get("completion_tokens_details")
    cached = _count(prompt.get("cached_tokens")) if isinstance(prompt, dict) else 0
    return Usage(
        input_tokens=_count(raw.get("prompt_tokens")),
        output_tokens=_count(raw.get("completion_tokens")),
        cached_tokens=cached or _count(raw.get("prompt_cache_hit_tokens")),
        reasoning_tokens=_count(completion.get("reasoning_tokens")) if isinstance(completion, dict) else 0,
        total_tokens=_count(raw.get("total_tokens")),
    )


def usage_to_chat(usage: Usage) -> JSONObject:
    """A Chat ``usage`` object; the details objects appear only when they are non-zero."""
    out: JSONObject = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total(),
    }
    if usage.cached_tokens:
        out["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    if usage.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return out


def parse_response(body: JSONObject) -> Response:
    """The IR of a ``chat.completion`` body."""
    choices = _list(body.get("choices"))
    choice = _dict(choices[0]) if choices else {}
    message = _dict(choice.get("message"))
    response_id = _str(body.get("id"))
    parts = _message_parts(message, response_id)
    created = body.get("created")
    response = Response(
        id=response_id,
        model=_str(body.get("model")),
        parts=parts,
        finish_reason=finish_from_chat(
            choice.get("finish_reason"), any(isinstance(p, ToolCallPart) for p in parts)
        ),
        usage=usage_from_chat(body.get("usage")) or Usage(),
        created=created if isinstance(created, int) and not isinstance(created, bool) else 0,
    )
    skip = {"id", "object", "created", "model", "choices", "usage"}
    response.extras.update({PREFIX + k: v for k, v in body.items() if k not in skip})
    rest = {k: v for k, v in choice.items() if k not in ("index", "message", "finish_reason")}
    if rest:
        response.extras[_CHOICE] = rest
    rest = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
    if rest:
        response.extras[_MESSAGE] = rest
    if len(choices) > 1:
        response.extras[_MORE] = choices[1:]
    return response


def _message_parts(message: JSONObject, response_id: str) -> list[Part]:
    parts: list[Part] = []
    thinking = message.get("reasoning_content")
    if not isinstance(thinking, str):
        thinking = message.get("reasoning")
    if isinstance(thinking, str) and thinking:
        parts.append(ThinkingPart(thinking))
    content = message.get("content")
    if isinstance(content, str) and content:
        parts.append(TextPart(content))
    elif isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(TextPart(item["text"]))
    if isinstance(message.get("refusal"), str) and message["refusal"]:
        parts.append(TextPart(message["refusal"], {REFUSAL: "field"}))
    calls = _list(message.get("tool_calls"))
    legacy = message.get("function_call")
    if not calls and isinstance(legacy, dict):
        calls = [{"function": legacy}]
    for index, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            call_id = f"call_{response_id}_{index}" if response_id else f"call_{index}"
        arguments = repair_json(tool_arguments(function.get("arguments")))  # §8.15
        parts.append(ToolCallPart(call_id, function["name"], arguments))
    for image in message.get("images") or []:
        url = image.get("image_url", {}).get("url") if isinstance(image, dict) else None
        split = split_data_url(url) if isinstance(url, str) else None
        if split is not None:
            parts.append(ImagePart(media_type=split[0], data=split[1]))
        elif isinstance(url, str) and url:
            parts.append(ImagePart(url=url))
    return parts


def build_response(response: Response, ctx: ResponseContext) -> JSONObject:
    """A ``chat.completion`` body showing ``ctx.id`` / ``ctx.model`` / ``ctx.created``."""
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[JSONObject] = []
    images: list[JSONObject] = []
    message: JSONObject = {"role": "assistant"}
    for part in response.parts:
        if isinstance(part, TextPart):
            if part.extras.get(REFUSAL):
                message["refusal"] = part.text
            else:
                texts.append(part.text)
        elif isinstance(part, ThinkingPart):
            if part.text:
                thinking.append(part.text)
        elif isinstance(part, ToolCallPart):
            call_id = part.id or _new_id(ctx, len(calls))
            function = {"name": part.name, "arguments": part.arguments or "{}"}
            calls.append({"id": call_id, "type": "function", "function": function})
        elif isinstance(part, ImagePart) and (part.data or part.url):
            url = part.url or data_url(part.media_type or "image/png", part.data)
            images.append({"type": "image_url", "image_url": {"url": url}, "index": len(images)})
    text = "".join(texts)
    message["content"] = text if text or not (calls or "refusal" in message) else None
    if thinking:
        message["reasoning_content"] = "".join(thinking)
    if calls:
        message["tool_calls"] = calls
    if images:
        message["images"] = images
    extra_message = response.extras.get(_MESSAGE)
    if isinstance(extra_message, dict):
        restore_extras(message, {PREFIX + k: v for k, v in extra_message.items()})
    choice: JSONObject = {
        "index": 0,
        "message": message,
        "finish_reason": finish_to_chat(response.finish_reason, bool(calls)),
        "logprobs": None,
    }
    extra_choice = response.extras.get(_CHOICE)
    if isinstance(extra_choice, dict):
        choice.update(extra_choice)
    more = response.extras.get(_MORE)
    body: JSONObject = {
        "id": ctx.id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.model,
        "choices": [choice, *(more if isinstance(more, list) else [])],
        "usage": usage_to_chat(response.usage),
    }
    restore_extras(body, response.extras)
    return body


def _new_id(ctx: ResponseContext, index: int) -> str:
    return ctx.new_id("call_") if ctx.new_id is not None else f"call_{ctx.id}_{index}"


def _count(value: JSON) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _dict(value: JSON) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""
