"""Responses API answers: the ``response`` object ↔ IR (``parse_response``, ``build_response``).

Also the pieces the stream encoder shares: output item shapes, usage, the terminal status of a
finish reason, the request fields echoed in every ``response`` object, and the HTTP status of an
upstream ``error`` object.
"""

from __future__ import annotations

import json
from typing import Any

from server.errors import UpstreamError
from server.formats import ir
from server.formats.openai_responses_build import request_body, tool_name_map
from server.formats.openai_responses_items import (
    BEFORE,
    ITEM,
    P,
    build_content_part,
    call_part,
    parse_content_part,
    reasoning_item,
    reasoning_part,
)
from server.formats.openai_responses_request import NAMESPACE
from server.jsontypes import JSONObject

__all__ = [
    "build_response",
    "call_output_item",
    "echo_fields",
    "error_status",
    "error_type",
    "item_id",
    "message_item",
    "output_text",
    "parse_response",
    "response_object",
    "restore_names",
    "terminal_status",
    "usage_from_json",
    "usage_json",
]

_TAIL = P + "_tail"
_ECHO = (
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "parallel_tool_calls",
    "previous_response_id",
    "prompt_cache_key",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "truncation",
    "user",
    "metadata",
)
_ECHO_DEFAULTS: JSONObject = {
    "instructions": None,
    "max_output_tokens": None,
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "text": {"format": {"type": "text"}},
    "tool_choice": "auto",
    "tools": [],
    "truncation": "disabled",
    "user": None,
    "metadata": {},
}
_STATUS_BY_WORD = (
    ("rate_limit", 429),
    ("usage_limit", 429),
    ("quota", 429),
    ("authentication", 401),
    ("invalid_api_key", 401),
    ("permission", 403),
    ("not_found", 404),
    ("invalid", 400),
    ("context_length", 400),
)
_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# -- shared pieces ----------------------------------------------------------------------------------


def usage_from_json(raw: Any) -> ir.Usage | None:
    if not isinstance(raw, dict):
        return None
    inp, out = raw.get("input_tokens_details"), raw.get("output_tokens_details")
    return ir.Usage(
        input_tokens=_int(raw.get("input_tokens")),
        output_tokens=_int(raw.get("output_tokens")),
        cached_tokens=_int(inp.get("cached_tokens")) if isinstance(inp, dict) else 0,
        cache_creation_tokens=_int(inp.get("cache_write_tokens")) if isinstance(inp, dict) else 0,
        reasoning_tokens=_int(out.get("reasoning_tokens")) if isinstance(out, dict) else 0,
        total_tokens=_int(raw.get("total_tokens")),
    )


def usage_json(usage: ir.Usage) -> JSONObject:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cached_tokens,
            "cache_write_tokens": usage.cache_creation_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total(),
    }


def terminal_status(reason: ir.FinishReason) -> tuple[str, str]:
    """``(status, incomplete reason)`` of a response that ended for ``reason``."""
    if reason == "length":
        return "incomplete", "max_output_tokens"
    if reason == "content_filter":
        return "incomplete", "content_filter"
    return ("failed" if reason == "error" else "completed"), ""


def error_status(error: JSONObject) -> int:
    """HTTP status for an upstream ``error`` object: its own status, else by type/code (§7)."""
    for key in ("status", "status_code"):
        if _int(error.get(key)) >= 400:
            return _int(error[key])
    words = f"{error.get('type') or ''} {error.get('code') or ''}".lower()
    return next((status for word, status in _STATUS_BY_WORD if word in words), 502)


def error_type(status: int) -> str:
    return _TYPE_BY_STATUS.get(status, "api_error")


def echo_fields(ctx: ir.ResponseContext) -> JSONObject:
    """The client's request parameters as every ``response`` object repeats them (§5.3)."""
    out = dict(_ECHO_DEFAULTS)
    if ctx.request is not None:
        body = request_body(ctx.request, ctx.model, shorten=False, echo=True)
        out.update({key: body[key] for key in _ECHO if key in body})
    return out


def response_object(
    ctx: ir.ResponseContext,
    echo: JSONObject,
    status: str,
    output: list[JSONObject],
    usage: ir.Usage | None,
    *,
    incomplete: str = "",
    error: JSONObject | None = None,
) -> JSONObject:
    obj: JSONObject = {
        "id": ctx.id,
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
    }
    obj.update(echo)
    obj["model"] = ctx.model
    obj["output"] = output
    obj["usage"] = usage_json(usage) if usage is not None else None
    return obj


def item_id(ctx: ir.ResponseContext, prefix: str, n: int) -> str:
    """A fresh item id from ``ctx.new_id`` (``msg_``, ``rs_``, ``fc_``), else ``<prefix><resp id>_<n>``."""
    return ctx.new_id(prefix) if ctx.new_id is not None else f"{prefix}{ctx.id}_{n}"


def _marked_id(marker: JSONObject, ctx: ir.ResponseContext, prefix: str, n: int) -> str:
    ident = marker.get("id")
    return ident if isinstance(ident, str) and ident else item_id(ctx, prefix, n)


def output_text(text: str) -> JSONObject:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def message_item(ident: str, status: str, content: list[JSONObject]) -> JSONObject:
    return {"id": ident, "type": "message", "status": status, "role": "assistant", "content": content}


def call_output_item(
    ident: str, status: str, call_id: str, name: str, arguments: str, namespace: str = ""
) -> JSONObject:
    out: JSONObject = {
        "id": ident,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }
    if namespace:
        out["namespace"] = namespace
    return out


def restore_names(ctx: ir.ResponseContext) -> tuple[dict[str, str], dict[str, str]]:
    """(shortened → original tool name, tool name → namespace) for the client's request."""
    if ctx.request is None:
        return {}, {}
    spaces = {}
    for tool in ctx.request.tools:
        space = tool.extras.get(NAMESPACE)
        if isinstance(space, dict) and isinstance(space.get("name"), str):
            spaces[tool.name] = space["name"]
    return {short: name for name, short in tool_name_map(ctx.request).items()}, spaces


# -- parse ------------------------------------------------------------------------------------------


def _unwrap(body: JSONObject) -> JSONObject:
    """The ``response`` object itself, or the one inside a ``response.completed`` event."""
    inner = body.get("response")
    return inner if body.get("object") != "response" and isinstance(inner, dict) else body


def _parse_output(items: Any) -> tuple[list[ir.Part], list[JSONObject]]:
    parts: list[ir.Part] = []
    pending: list[JSONObject] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        new: list[ir.Part] = []
        if kind == "message" and isinstance(item.get("content"), list):
            new = [p for raw in item["content"] if (p := parse_content_part(raw, "output_text")) is not None]
            if new:
                new[0].extras[ITEM] = {k: v for k, v in item.items() if k not in ("content", "role")}
        elif kind == "function_call":
            new = [call_part(item)]
        elif kind == "reasoning":
            new = [reasoning_part(item)]
        else:
            pending.append(item)
            continue
        if new and pending:
            new[0].extras[BEFORE], pending = pending, []
        parts.extend(new)
    return parts, pending


def parse_response(body: JSONObject) -> ir.Response:
    """A ``response`` object (or a ``response.completed`` / ``response.incomplete`` event) as IR.

    A ``failed`` response raises ``UpstreamError`` with the status its error implies (§7).
    """
    obj = _unwrap(body)
    status = obj.get("status")
    if status == "failed" or (status is None and isinstance(obj.get("error"), dict)):
        found = obj.get("error")
        error: JSONObject = found if isinstance(found, dict) else {}
        raw = json.dumps({"error": error or {"message": "upstream response failed"}}).encode()
        raise UpstreamError(error_status(error), raw)
    parts, tail = _parse_output(obj.get("output"))
    finish: ir.FinishReason = "stop"
    details = obj.get("incomplete_details")
    if status == "incomplete":
        reason = details.get("reason") if isinstance(details, dict) else None
        finish = "content_filter" if reason == "content_filter" else "length"
    elif any(isinstance(p, ir.ToolCallPart) for p in parts):
        finish = "tool_calls"
    created = obj.get("created_at")
    return ir.Response(
        id=str(obj.get("id") or ""),
        model=str(obj.get("model") or ""),
        parts=parts,
        finish_reason=finish,
        usage=usage_from_json(obj.get("usage")) or ir.Usage(),
        created=int(created) if isinstance(created, int | float) else 0,
        extras={_TAIL: tail} if tail else {},
    )


# -- build ------------------------------------------------------------------------------------------


def build_response(response: ir.Response, ctx: ir.ResponseContext) -> JSONObject:
    """The ``response`` object for ``response`` as the client's answer (echoing its request)."""
    status, incomplete = terminal_status(response.finish_reason)
    item_status = "incomplete" if status == "incomplete" else "completed"
    names, spaces = restore_names(ctx)
    output: list[JSONObject] = []
    message: JSONObject | None = None
    for part in response.parts:
        raw = part.extras.get(BEFORE)
        if isinstance(raw, list):
            output.extend(raw)
            message = None
        found = part.extras.get(ITEM)
        marker: JSONObject = found if isinstance(found, dict) else {}
        native = isinstance(found, dict)
        n = len(output)
        if isinstance(part, ir.TextPart):
            if message is None or native:
                if not (part.text or native):
                    continue
                message = message_item(_marked_id(marker, ctx, "msg_", n), item_status, [])
                output.append({**message, **marker} if native else message)
                message = output[-1]
            content = build_content_part(part, "output_text") or output_text(part.text)
            if content["type"] == "output_text":
                content = {**output_text(part.text), **content}
            message["content"].append(content)
            continue
        message = None
        if isinstance(part, ir.ThinkingPart):
            if not (native or part.text or part.redacted or part.signature):
                continue
            item = reasoning_item(part, {"type": "reasoning"}, upstream=False)
            output.append({"id": _marked_id(marker, ctx, "rs_", n), **item})
        elif isinstance(part, ir.ToolCallPart):
            name = names.get(part.name, part.name)
            call_id = part.id or item_id(ctx, "call_", n)
            ident = _marked_id(marker, ctx, "fc_", n)
            item = call_output_item(
                ident, item_status, call_id, name, part.arguments or "{}", spaces.get(name, "")
            )
            output.append({**item, **marker})
    tail = response.extras.get(_TAIL)
    if isinstance(tail, list):
        output.extend(tail)
    error = (
        {"code": "server_error", "message": "the upstream failed to answer"} if status == "failed" else None
    )
    echo = echo_fields(ctx)
    return response_object(ctx, echo, status, output, response.usage, incomplete=incomplete, error=error)
