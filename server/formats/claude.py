"""Anthropic Messages wire format: requests and message objects ↔ IR.

Content blocks live in ``claude_content``, streams in ``claude_stream``. Top-level body keys the
IR has no slot for (``context_management``, ``output_config``, ``service_tier``, ``betas``,
``mcp_servers``, ``container`` …) ride in ``Request.extras`` as ``claude:<key>`` and come back only
from this builder. Markers (never sent): ``claude.native`` on the request, ``claude.thinking`` (the
client's raw ``thinking``, so ``adaptive`` survives a Claude → Claude trip) and
``claude.system_message`` on system TextParts that were a ``role: "system"`` message (Claude Code
sends those for models it does not know, clients.md): other formats read them as system text;
this builder puts them back at their position in ``messages``.
"""

from __future__ import annotations

import re
from typing import Literal

from server.formats import claude_content as content
from server.formats import claude_stream as stream
from server.formats import ir
from server.formats.thinking import budget_for
from server.jsontypes import JSON, JSONObject

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "SYSTEM_MESSAGE",
    "THINKING",
    "build_request",
    "build_response",
    "count_response",
    "new_decoder",
    "new_encoder",
    "parse_count_response",
    "parse_request",
    "parse_response",
]

THINKING = "claude.thinking"
SYSTEM_MESSAGE = "claude.system_message"
DEFAULT_MAX_TOKENS = 32000
"""``max_tokens`` when the source format had none (Anthropic requires it; §4.19)."""

_MIN_BUDGET = 1024
_DYNAMIC_BUDGET = 8192
"""``budget_tokens`` for a dynamic (-1) request: Claude's ``enabled`` thinking needs a number."""
_BUDGET_HEADROOM = 4096
_REQUEST_KEYS = frozenset(
    ("model", "messages", "system", "tools", "tool_choice", "max_tokens", "temperature", "top_p", "top_k")
    + ("stop_sequences", "stream", "thinking", "metadata")
)
_RESPONSE_KEYS = frozenset(
    ("id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage")
)
_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
_SERVER_TOOL = re.compile(r"[a-z_]+_\d{8}|mcp_toolset")
_EFFORTS = {"minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "high", "max": "max"}
_Mode = Literal["auto", "none", "required", "tool"]
_CHOICES: dict[str, _Mode] = {"auto": "auto", "any": "required", "none": "none", "tool": "tool"}


# -- requests ----------------------------------------------------------------------------------


def parse_request(body: JSONObject) -> ir.Request:
    """A ``/v1/messages`` body as IR."""
    extras: JSONObject = {content.NATIVE: True}
    extras.update({f"claude:{k}": v for k, v in body.items() if k not in _REQUEST_KEYS})
    system = [p for p in content.parse_blocks(body.get("system")) if isinstance(p, ir.TextPart)]
    messages: list[ir.Message] = []
    names: dict[str, str] = {}
    for position, raw in enumerate(_list(body.get("messages"))):
        if not isinstance(raw, dict):
            continue
        parts = content.parse_blocks(raw.get("content"), names)
        if raw.get("role") == "system":  # folded into the system prompt, position remembered
            for part in parts:
                if isinstance(part, ir.TextPart):
                    part.extras[SYSTEM_MESSAGE] = position
                    system.append(part)
            continue
        role: ir.Role = "assistant" if raw.get("role") == "assistant" else "user"
        messages.append(ir.Message(role, parts, content.block_extras(raw, "role", "content")))
    metadata = _object(body.get("metadata"))
    if rest := {k: v for k, v in metadata.items() if k != "user_id"}:
        extras["claude:metadata"] = rest
    thinking, output_config = body.get("thinking"), _object(body.get("output_config"))
    if isinstance(thinking, dict):
        extras[THINKING] = thinking
    choice = _object(body.get("tool_choice"))
    tool_choice = None
    if (mode := _CHOICES.get(_str(choice.get("type")))) is not None:
        tool_choice = ir.ToolChoice(mode, _str(choice.get("name")) if mode == "tool" else "")
        if isinstance(choice.get("disable_parallel_tool_use"), bool):
            tool_choice.parallel = not choice["disable_parallel_tool_use"]
    return ir.Request(
        model=_str(body.get("model")),
        messages=messages,
        system=system,
        tools=[_tool(t) for t in _list(body.get("tools")) if isinstance(t, dict)],
        tool_choice=tool_choice,
        stream=body.get("stream") not in (None, False),
        max_tokens=_opt_int(body.get("max_tokens")),
        temperature=_opt_float(body.get("temperature")),
        top_p=_opt_float(body.get("top_p")),
        top_k=_opt_int(body.get("top_k")),
        stop=[s for s in _list(body.get("stop_sequences")) if isinstance(s, str)],
        response_format=_response_format(output_config.get("format")),
        reasoning=_reasoning(thinking, output_config.get("effort")),
        user=_str(metadata.get("user_id")),
        extras=extras,
    )


def _tool(raw: JSONObject) -> ir.Tool:
    if "input_schema" not in raw and raw.get("type") not in (None, "custom"):
        return ir.Tool(_str(raw.get("name")), extras={"builtin": raw})  # server tool, kept raw
    strict = raw.get("strict") if isinstance(raw.get("strict"), bool) else None
    extras = content.block_extras(raw, "name", "description", "input_schema", "strict")
    return ir.Tool(
        _str(raw.get("name")), _str(raw.get("description")), _object(raw.get("input_schema")), strict, extras
    )


def _reasoning(thinking: JSON, effort: JSON) -> ir.Reasoning | None:
    if not isinstance(thinking, dict):
        return None
    if thinking.get("type") == "disabled":
        return ir.Reasoning(budget=0)
    if thinking.get("type") == "enabled":
        return ir.Reasoning(budget=_opt_int(thinking.get("budget_tokens")) or -1)
    return ir.Reasoning(effort=effort) if isinstance(effort, str) and effort else ir.Reasoning(budget=-1)


def _response_format(fmt: JSON) -> ir.ResponseFormat | None:
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    return ir.ResponseFormat("json_schema", fmt["schema"] if isinstance(fmt.get("schema"), dict) else None)


def build_request(request: ir.Request, ctx: ir.BuildContext) -> JSONObject:
    """A ``/v1/messages`` body for ``ctx.model`` (``"stream": true`` when ``ctx.stream``)."""
    native = request.extras.get(content.NATIVE) is True
    body: JSONObject = {"model": ctx.model}
    body.update({k[7:]: v for k, v in request.extras.items() if k.startswith("claude:")})
    system = [content.text_block(p) for p in request.system if SYSTEM_MESSAGE not in p.extras and p.text]
    messages = _messages(request, native)
    if not messages and system:  # Anthropic needs a message: a system-only conversation becomes one
        messages, system = [{"role": "user", "content": system}], []
    if system:
        body["system"] = system
    body["messages"] = messages
    limit = ctx.info.max_completion_tokens if ctx.info is not None else 0
    max_tokens = request.max_tokens or (min(DEFAULT_MAX_TOKENS, limit) if limit > 0 else DEFAULT_MAX_TOKENS)
    thinking = _thinking(request, ctx)
    thinking_on = thinking is not None and thinking["type"] != "disabled"
    if thinking_on and _loop_without_thinking(messages):
        # Anthropic rejects an open tool loop whose assistant turn has no (replayable) thinking first
        thinking, thinking_on = None, False
    if thinking is not None and thinking["type"] == "enabled" and thinking["budget_tokens"] >= max_tokens:
        # budget < max_tokens: raise max_tokens (within the model's limit), else lower the budget
        max_tokens = thinking["budget_tokens"] + _BUDGET_HEADROOM
        max_tokens = min(max_tokens, limit) if limit > 0 else max_tokens
        thinking["budget_tokens"] = min(thinking["budget_tokens"], max_tokens - 1)
        if thinking["budget_tokens"] < _MIN_BUDGET:
            thinking, thinking_on = None, False
    body["max_tokens"] = max_tokens
    if thinking is not None:
        body["thinking"] = thinking
        effort = _EFFORTS.get((request.reasoning.effort or "").lower()) if request.reasoning else None
        if thinking["type"] == "adaptive" and effort:
            body["output_config"] = {**_object(body.get("output_config")), "effort": effort}
    # thinking forbids temperature and top_k and allows top_p ≥ 0.95; newer models take one of
    # temperature / top_p only (§4.5 [REC])
    if request.temperature is not None and not thinking_on:
        body["temperature"] = request.temperature
    if request.top_p is not None and (request.top_p >= 0.95 if thinking_on else request.temperature is None):
        body["top_p"] = request.top_p
    if request.top_k is not None and not thinking_on:
        body["top_k"] = request.top_k
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    tools = [t for t in (_tool_entry(t, native) for t in request.tools) if t is not None]
    if tools:
        body["tools"] = tools
        if request.tool_choice is not None:
            body["tool_choice"] = _tool_choice_entry(request.tool_choice)
    if request.user:
        body["metadata"] = {**_object(body.get("metadata")), "user_id": request.user}
    if ctx.stream:
        body["stream"] = True
    return body


def _messages(request: ir.Request, native: bool) -> list[JSONObject]:
    out: list[JSONObject] = []
    for msg in request.messages:
        blocks = [b for b in (content.request_block(p, msg.role) for p in msg.parts) if b is not None]
        if not blocks:
            continue  # Anthropic rejects empty turns
        if native:
            out.append({"role": msg.role, "content": blocks, **content.wire_extras(msg.extras)})
            continue
        if out and out[-1]["role"] == msg.role:  # merged: tool results of parallel calls, §8.13
            blocks = out.pop()["content"] + blocks
        out.append({"role": msg.role, "content": _ordered(blocks, msg.role)})
    at_positions: dict[int, list[JSONObject]] = {}
    for part in request.system:
        if isinstance(at := part.extras.get(SYSTEM_MESSAGE), int) and part.text:
            at_positions.setdefault(at, []).append(content.text_block(part))
    for at in sorted(at_positions):  # ascending, so each lands at its original index
        out.insert(min(at, len(out)), {"role": "system", "content": at_positions[at]})
    return out


def _ordered(blocks: list[JSONObject], role: str) -> list[JSONObject]:
    """Tool results first (one per call id, §8.13) in a user turn; thinking first, tool calls last."""
    if role == "user":
        at: dict[str, int] = {}
        kept: list[JSONObject] = []
        for b in blocks:  # a repeated tool result: the last one wins, in the first one's place
            i = at.setdefault(b["tool_use_id"], len(kept)) if b["type"] == "tool_result" else len(kept)
            kept[i : i + 1] = [b]
        return sorted(kept, key=lambda b: b["type"] != "tool_result")
    return sorted(blocks, key=lambda b: 0 if "thinking" in b["type"] else 2 if b["type"] == "tool_use" else 1)


def _loop_without_thinking(messages: list[JSONObject]) -> bool:
    turns = [m for m in messages if m["role"] != "system"]
    if not turns or not any(b["type"] == "tool_result" for b in turns[-1]["content"]):
        return False
    turn = next((m["content"] for m in reversed(turns) if m["role"] == "assistant"), None)
    if not turn or not any(b["type"] == "tool_use" for b in turn):
        return False
    return turn[0]["type"] not in ("thinking", "redacted_thinking")


def _thinking(request: ir.Request, ctx: ir.BuildContext) -> JSONObject | None:
    reasoning = request.reasoning
    if reasoning is None or (reasoning.budget is None and reasoning.effort is None):
        return None
    if reasoning.budget == 0 or (reasoning.effort or "").lower() == "none":
        return {"type": "disabled"}
    raw = _object(request.extras.get(THINKING))
    if raw.get("type") in ("adaptive", "auto"):
        return dict(raw)
    budget = budget_for(reasoning, ctx.info)
    budget = _DYNAMIC_BUDGET if budget is None or budget < 0 else max(budget, _MIN_BUDGET)
    keep = raw.get("type") == "enabled"
    return {**{k: v for k, v in raw.items() if keep}, "type": "enabled", "budget_tokens": budget}


def _tool_entry(tool: ir.Tool, native: bool) -> JSONObject | None:
    builtin = tool.extras.get("builtin")
    if isinstance(builtin, dict):
        kind = builtin.get("type")
        if isinstance(kind, str) and _SERVER_TOOL.fullmatch(kind):
            return builtin
        if kind in ("web_search", "web_search_preview") or {"googleSearch", "google_search"} & builtin.keys():
            return {"type": "web_search_20250305", "name": "web_search"}
        return None  # another provider's built-in tool
    entry: JSONObject = {"name": tool.name}
    if tool.description:
        entry["description"] = tool.description
    entry["input_schema"] = dict(tool.parameters) if native else _foreign_schema(tool.parameters)
    if native and tool.strict is not None:  # strict needs a beta a foreign client did not ask for
        entry["strict"] = tool.strict
    return {**entry, **content.wire_extras(tool.extras)}


def _foreign_schema(schema: JSONObject) -> JSONObject:
    """Root ``type: object`` (with ``properties``) and lower-case type names (Gemini's ``OBJECT``)."""
    out = _object(_lower_types(schema))
    out.setdefault("type", "object")
    if out["type"] == "object":
        out.setdefault("properties", {})
    return out


def _lower_types(node: JSON) -> JSON:
    if isinstance(node, list):
        return [_lower_types(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: JSONObject = {}
    for key, value in node.items():
        if key == "type":
            out[key] = [_lower(v) for v in value] if isinstance(value, list) else _lower(value)
        elif key in ("properties", "patternProperties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: _lower_types(sub) for name, sub in value.items()}  # names stay as they are
        elif key in ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf", "prefixItems"):
            out[key] = _lower_types(value)
        else:
            out[key] = value
    return out


def _lower(value: JSON) -> JSON:
    return value.lower() if isinstance(value, str) else value


def _tool_choice_entry(choice: ir.ToolChoice) -> JSONObject:
    kind = {"auto": "auto", "required": "any", "tool": "tool", "none": "none"}[choice.mode]
    entry: JSONObject = {"type": kind, "name": choice.name} if kind == "tool" else {"type": kind}
    if choice.parallel is not None and kind != "none":
        entry["disable_parallel_tool_use"] = not choice.parallel
    return entry


# -- answers -----------------------------------------------------------------------------------


def parse_response(body: JSONObject) -> ir.Response:
    """A message object as IR (usage converted per §6.2; unknown keys kept as ``claude:<key>``)."""
    parts = [p for p in content.parse_blocks(body.get("content")) if not _empty_text(p)]
    usage = _object(body.get("usage"))
    extras: JSONObject = {f"claude:{k}": v for k, v in body.items() if k not in _RESPONSE_KEYS}
    if rest := {k: v for k, v in usage.items() if k not in _USAGE_KEYS}:
        extras["claude:usage"] = rest
    return ir.Response(
        id=_str(body.get("id")),
        model=_str(body.get("model")),
        parts=parts,
        finish_reason=stream.finish_from_stop_reason(body.get("stop_reason")),
        stop_sequence=_str(body.get("stop_sequence")),
        usage=stream.usage_from_wire(usage),
        extras=extras,
    )


def build_response(response: ir.Response, ctx: ir.ResponseContext) -> JSONObject:
    """A message object for a Claude client (id from ``ctx``, model = the requested one)."""
    out: list[JSONObject] = []
    for n, part in enumerate(response.parts):
        if isinstance(part, ir.ToolCallPart) and not part.id:  # the source format had no ids
            new_id = ctx.new_id("toolu_") if ctx.new_id is not None else f"toolu_{n:024d}"
            part = ir.ToolCallPart(new_id, part.name, part.arguments, part.extras)
        if (block := content.response_block(part)) is not None:
            out.append(block)
    has_calls = any(b["type"] == "tool_use" for b in out)
    usage = stream.usage_to_wire(response.usage)
    usage.update(_object(response.extras.get("claude:usage")))
    body: JSONObject = {
        "id": ctx.id or response.id,
        "type": "message",
        "role": "assistant",
        "model": ctx.model or response.model,
        "content": out,
        "stop_reason": stream.stop_reason_for(response.finish_reason, response.stop_sequence, has_calls),
        "stop_sequence": response.stop_sequence or None,
        "usage": usage,
    }
    body.update(
        {k[7:]: v for k, v in response.extras.items() if k.startswith("claude:") and k != "claude:usage"}
    )
    return body


def count_response(tokens: int) -> JSONObject:
    return {"input_tokens": tokens}


def parse_count_response(body: JSONObject) -> int:
    return _opt_int(body.get("input_tokens")) or 0


def new_decoder() -> stream.ClaudeStreamDecoder:
    return stream.ClaudeStreamDecoder()


def new_encoder(ctx: ir.ResponseContext) -> stream.ClaudeStreamEncoder:
    return stream.ClaudeStreamEncoder(ctx)


# -- small readers -----------------------------------------------------------------------------


def _empty_text(part: ir.Part) -> bool:
    return isinstance(part, ir.TextPart) and not part.text and content.BLOCK not in part.extras


def _object(value: JSON) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _opt_int(value: JSON) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_float(value: JSON) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
