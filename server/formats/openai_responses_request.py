"""Responses API requests → IR (``parse_request``).

``instructions`` become system text; ``input`` items become IR turns: consecutive user-side items
(user messages, ``function_call_output``) form one user turn and consecutive assistant-side items
(assistant messages, ``function_call``, ``reasoning``) one assistant turn, so other formats get
strictly alternating turns with parallel calls together. ``system`` / ``developer`` input messages
go to ``Request.system`` with their role and position (``ROLE``/``AT``) so they can be put back in
place. Top-level fields the IR has no slot for are kept under ``openai-responses:<field>``.
"""

from __future__ import annotations

from typing import Any

from server.errors import BadRequest
from server.formats import ir
from server.formats.openai_responses_items import (
    BEFORE,
    FIELDS,
    ITEM,
    STRING,
    P,
    call_part,
    parse_content_part,
    reasoning_part,
)
from server.jsontypes import JSONObject

__all__ = [
    "AT",
    "INPUT_STRING",
    "INSTRUCTIONS",
    "NAMESPACE",
    "NATIVE",
    "NO_PARAMETERS",
    "NO_TOOL_CHOICE",
    "RAW_REASONING",
    "RAW_TEXT",
    "RAW_TOOL_CHOICE",
    "ROLE",
    "TAIL",
    "parse_request",
]

ROLE = P + "role"
"""System-side text parts: the role of the input message they came from (system / developer)."""
AT = P + "at"
"""System-side text parts: the index of the IR message the input message preceded."""
INSTRUCTIONS = P + "instructions"
"""System text parts that came from top-level ``instructions``."""
NAMESPACE = P + "namespace"
"""Tool extras: the ``namespace`` tool (without its ``tools``) a flattened function came from."""
NATIVE = P + "native"
"""Tool extras: the tool was written for this format (used as is, no schema clean-up)."""
NO_PARAMETERS = P + "no_parameters"
# Request.extras markers (the leading "_" keeps them apart from raw top-level fields):
INPUT_STRING = P + "_input_string"
TAIL = P + "_tail"
RAW_TOOL_CHOICE = P + "_tool_choice"
NO_TOOL_CHOICE = P + "_no_tool_choice"
RAW_REASONING = P + "_reasoning"
RAW_TEXT = P + "_text"

_MAPPED = frozenset(
    {
        "model",
        "input",
        "instructions",
        "stream",
        "max_output_tokens",
        "temperature",
        "top_p",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "text",
        "user",
    }
)
_SUMMARY_LEVELS = ("auto", "concise", "detailed")


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None


class _Input:
    """Turns ``input`` items into IR messages and system parts."""

    def __init__(self) -> None:
        self.messages: list[ir.Message] = []
        self.system: list[ir.TextPart] = []
        self.pending: list[JSONObject] = []
        self.call_names: dict[str, str] = {}
        self.split = False

    def add(self, role: ir.Role, part: ir.Part) -> None:
        if self.pending:
            part.extras[BEFORE] = self.pending
            self.pending = []
        last = self.messages[-1] if self.messages else None
        if last is not None and last.role == role and not self.split:
            last.parts.append(part)
        else:
            self.messages.append(ir.Message(role, [part]))
        self.split = False

    def item(self, item: Any) -> None:
        if not isinstance(item, dict):
            raise BadRequest("Invalid request: every `input` item must be an object")
        kind = item.get("type")
        if kind == "message" or (kind is None and "role" in item):
            self.message(item)
        elif kind == "function_call":
            part = call_part(item)
            self.call_names[part.id] = part.name
            self.add("assistant", part)
        elif kind == "function_call_output":
            self.add("user", self.output(item))
        elif kind == "reasoning":
            self.add("assistant", reasoning_part(item))
        else:
            self.pending.append(item)

    def message(self, item: JSONObject) -> None:
        role = item.get("role") if isinstance(item.get("role"), str) else "user"
        content = item.get("content")
        marker: JSONObject = {k: v for k, v in item.items() if k not in ("role", "content")}
        parts: list[ir.Part] = []
        if isinstance(content, str):
            parts.append(ir.TextPart(content, {STRING: True}))
        elif isinstance(content, list):
            default = "output_text" if role == "assistant" else "input_text"
            parts = [p for raw in content if (p := parse_content_part(raw, default)) is not None]
        if role in ("system", "developer"):
            texts = [p for p in parts if isinstance(p, ir.TextPart)]  # system text only, as in every format
            if not texts:
                return
            texts[0].extras[ITEM] = marker
            if self.pending:
                texts[0].extras[BEFORE], self.pending = self.pending, []
            for text in texts:
                text.extras[ROLE] = role
                text.extras[AT] = len(self.messages)
            self.system.extend(texts)
            self.split = True
            return
        if not parts:
            return
        parts[0].extras[ITEM] = marker
        ir_role: ir.Role = "assistant" if role == "assistant" else "user"
        for part in parts:
            self.add(ir_role, part)

    def output(self, item: JSONObject) -> ir.ToolResultPart:
        call_id = item.get("call_id") if isinstance(item.get("call_id"), str) else ""
        output = item.get("output")
        extras: JSONObject = {ITEM: {k: v for k, v in item.items() if k not in ("call_id", "output")}}
        content: list[ir.Part] = []
        if isinstance(output, str):
            extras[STRING] = True
            if output:
                content.append(ir.TextPart(output))
        elif isinstance(output, list):
            content = [p for raw in output if (p := parse_content_part(raw, "input_text")) is not None]
        return ir.ToolResultPart(str(call_id), content, self.call_names.get(str(call_id), ""), extras=extras)


def _tools(raw: Any) -> list[ir.Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest("Invalid request: `tools` must be an array")
    tools: list[ir.Tool] = []
    for tool in raw:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") == "namespace" and isinstance(tool.get("tools"), list) and tool["tools"]:
            space = {k: v for k, v in tool.items() if k != "tools"}
            for inner in tool["tools"]:
                if isinstance(inner, dict):
                    parsed = _tool(inner)
                    parsed.extras[NAMESPACE] = space
                    tools.append(parsed)
        else:
            tools.append(_tool(tool))
    return tools


def _tool(raw: JSONObject) -> ir.Tool:
    name = raw.get("name") if isinstance(raw.get("name"), str) else ""
    extras: JSONObject = {NATIVE: True}
    if raw.get("type") != "function":
        extras["builtin"] = raw
        return ir.Tool(str(name or raw.get("type") or ""), extras=extras)
    params = raw.get("parameters")
    if not isinstance(params, dict):
        extras[NO_PARAMETERS] = True
    if rest := {
        k: v for k, v in raw.items() if k not in ("type", "name", "description", "parameters", "strict")
    }:
        extras[FIELDS] = rest
    strict = raw.get("strict")
    return ir.Tool(
        str(name),
        description=raw["description"] if isinstance(raw.get("description"), str) else "",
        parameters=params if isinstance(params, dict) else {},
        strict=strict if isinstance(strict, bool) else None,
        extras=extras,
    )


def _tool_choice(body: JSONObject, extras: JSONObject) -> ir.ToolChoice | None:
    raw = body.get("tool_choice")
    parallel = body.get("parallel_tool_calls")
    choice = ir.ToolChoice(parallel=parallel if isinstance(parallel, bool) else None)
    if raw is None:
        if choice.parallel is None:
            return None
        extras[NO_TOOL_CHOICE] = True
    elif raw in ("auto", "none", "required"):
        choice.mode = raw
    elif isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
        choice.mode, choice.name = "tool", raw["name"]
    else:
        # allowed_tools, hosted-tool and mcp choices: kept raw; for other formats only the mode counts
        extras[RAW_TOOL_CHOICE] = raw
        if isinstance(raw, dict) and raw.get("mode") in ("auto", "required"):
            choice.mode = raw["mode"]
    return choice


def _reasoning(raw: Any, extras: JSONObject) -> ir.Reasoning | None:
    if not isinstance(raw, dict):
        return None
    extras[RAW_REASONING] = raw
    effort, summary = raw.get("effort"), raw.get("summary")
    summary = summary if isinstance(summary, str) else None
    return ir.Reasoning(
        effort=effort if isinstance(effort, str) else None,
        summary=summary,
        include_thoughts=True if summary in _SUMMARY_LEVELS else None,
    )


def _response_format(raw: Any, extras: JSONObject) -> ir.ResponseFormat | None:
    if not isinstance(raw, dict):
        return None
    extras[RAW_TEXT] = raw
    fmt = raw.get("format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        return None
    schema, strict, name = fmt.get("schema"), fmt.get("strict"), fmt.get("name")
    return ir.ResponseFormat(
        type=fmt["type"],
        schema=schema if isinstance(schema, dict) else None,
        name=name if isinstance(name, str) else "",
        strict=strict if isinstance(strict, bool) else None,
    )


def parse_request(body: JSONObject) -> ir.Request:
    """A Responses API request body as IR (raises ``BadRequest`` for a malformed ``input``)."""
    if not isinstance(body, dict):
        raise BadRequest("Invalid request: the body must be a JSON object")
    extras: JSONObject = {P + k: v for k, v in body.items() if k not in _MAPPED}
    system: list[ir.TextPart] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        system.append(ir.TextPart(instructions, {INSTRUCTIONS: True}))
    elif "instructions" in body:
        extras[P + "instructions"] = instructions
    reader = _Input()
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        extras[INPUT_STRING] = True
        reader.messages.append(ir.Message("user", [ir.TextPart(raw_input)]))
    elif isinstance(raw_input, list):
        for item in raw_input:
            reader.item(item)
    elif raw_input is not None:
        raise BadRequest("Invalid request: `input` must be a string or an array of items")
    if reader.pending:
        extras[TAIL] = reader.pending
    if body.get("tools") == []:
        extras[P + "tools"] = []  # an explicit empty list is sent back as such
    request = ir.Request(
        model=str(body.get("model") or ""),
        messages=reader.messages,
        system=system + reader.system,
        tools=_tools(body.get("tools")),
        tool_choice=_tool_choice(body, extras),
        stream=body.get("stream") is True,
        temperature=_number(body.get("temperature")),
        top_p=_number(body.get("top_p")),
        reasoning=_reasoning(body.get("reasoning"), extras),
        response_format=_response_format(body.get("text"), extras),
        user=body["user"] if isinstance(body.get("user"), str) else "",
        extras=extras,
    )
    max_tokens = body.get("max_output_tokens")
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool):
        request.max_tokens = max_tokens
    used: dict[str, object] = {"max_output_tokens": request.max_tokens, "user": request.user or None}
    used.update(temperature=request.temperature, top_p=request.top_p)
    for key, value in used.items():
        if body.get(key) is not None and value is None:
            extras[P + key] = body[key]  # a value of the wrong type (or an empty user) goes upstream as sent
    stop = body.get("stop_sequences")  # not an official field; Responses→Gemini reads it (§4.3)
    if isinstance(stop, list):
        request.stop = [s for s in stop if isinstance(s, str)]
    return request
