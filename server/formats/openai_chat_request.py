"""OpenAI Chat Completions request bodies to and from ``ir.Request`` (fields, tools, tool_choice).

Fields the IR has a slot for are read into it when they have the right JSON type; every other
top-level key (``metadata``, ``store``, ``logit_bias``, ``logprobs``, ``modalities``,
``stream_options`` …, and a field of the wrong type) rides along as ``openai:<key>`` and is written
back by this builder only. Where the IR normalises a shape (``stop`` as a string, a non-canonical
``tool_choice`` or ``response_format``, a tool with extra keys), the client's raw value is kept as
``openai:_<field>`` and written back as long as it still means what the IR says.

Building for an upstream: ``stream`` and ``stream_options.include_usage: true`` are set from
``BuildContext.stream``; ``tool_choice`` / ``parallel_tool_calls`` only go out with tools (OpenAI
rejects them otherwise); a ``reasoning_effort`` from a model-name suffix is written only for models
known to think (``ctx.info.thinking``), since non-reasoning OpenAI models reject the field.
"""

from __future__ import annotations

from server.formats.ir import BuildContext, Reasoning, Request, ResponseFormat, Tool, ToolChoice
from server.formats.openai_chat_messages import build_messages, parse_messages
from server.formats.openai_chat_parts import LEGACY, PREFIX, restore_extras
from server.formats.thinking import FROM_MODEL_SUFFIX, effort_for
from server.jsontypes import JSON, JSONObject

__all__ = ["build_request", "parse_request"]

_RAW = "openai:_raw"
"""Tool: the client's tool object, when the canonical form would differ from it."""
_NATIVE = "openai:_native"
"""Tool: a Chat built-in (non-function) tool, kept raw under ``builtin``."""
_MAX_KEY = "openai:_max_tokens_key"
_STOP = "openai:_stop"
_TOOL_CHOICE = "openai:_tool_choice"
_IMPLICIT_CHOICE = "openai:_implicit_tool_choice"
_LEGACY_CHOICE = "openai:_legacy_tool_choice"
_RESPONSE_FORMAT = "openai:_response_format"
_EFFORT = "openai:_reasoning_effort"
_FROM_EXTRA_BODY = "openai:_reasoning_from_extra_body"
_SCALARS = {
    "temperature": float,
    "top_p": float,
    "top_k": int,
    "n": int,
    "seed": int,
    "presence_penalty": float,
    "frequency_penalty": float,
}


def parse_request(body: JSONObject) -> Request:
    """The IR of a Chat Completions request body."""
    system, messages = parse_messages(body.get("messages"))
    request = Request(model=_str(body.get("model")), messages=messages, system=system)
    used = {"model", "messages"}
    extras = request.extras
    if isinstance(body.get("stream"), bool):
        request.stream = body["stream"]
        used.add("stream")
    for key, kind in _SCALARS.items():
        value = body.get(key)
        if _is_number(value) and (kind is float or isinstance(value, int)):
            setattr(request, key, value)
            used.add(key)
    for key in ("max_completion_tokens", "max_tokens"):
        if _is_number(body.get(key)) and isinstance(body[key], int):
            request.max_tokens = body[key]
            used.add(key)
            if key == "max_completion_tokens":
                extras[_MAX_KEY] = key
            break
    stop = _stop(body.get("stop"))
    if stop is not None:
        request.stop = stop
        used.add("stop")
        if body["stop"] != stop:
            extras[_STOP] = body["stop"]
    if isinstance(body.get("user"), str) and body["user"]:
        request.user = body["user"]
        used.add("user")
    _read_tools(body, request, used)
    _read_response_format(body, request, used)
    _read_reasoning(body, request, used)
    extras.update({PREFIX + k: v for k, v in body.items() if k not in used})
    return request


def build_request(request: Request, ctx: BuildContext) -> JSONObject:
    """A Chat Completions request body for ``ctx.model``."""
    extras = request.extras
    body: JSONObject = {"model": ctx.model, "messages": build_messages(request.system, request.messages)}
    if ctx.stream:
        options = extras.get(PREFIX + "stream_options")
        body["stream"] = True
        body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
    if request.max_tokens is not None:
        body[_str(extras.get(_MAX_KEY)) or "max_tokens"] = request.max_tokens
    for key in _SCALARS:
        if (value := getattr(request, key)) is not None:
            body[key] = value
    if request.stop:
        raw_stop = extras.get(_STOP)
        body["stop"] = raw_stop if _stop(raw_stop) == request.stop else list(request.stop)
    if request.user:
        body["user"] = request.user
    _write_tools(request, body)
    if request.response_format is not None:
        raw_format = extras.get(_RESPONSE_FORMAT)
        fmt = request.response_format
        body["response_format"] = (
            raw_format if _response_format(raw_format) == fmt else _response_format_out(fmt)
        )
    effort = _effort_out(request, ctx)
    if effort is not None:
        body["reasoning_effort"] = effort
    for key, value in extras.items():
        if key.startswith(PREFIX) and key != PREFIX + "stream_options":
            restore_extras(body, {key: value})
    return body


# -- tools -----------------------------------------------------------------------------------------


def _read_tools(body: JSONObject, request: Request, used: set[str]) -> None:
    for key, legacy in (("tools", False), ("functions", True)):
        raw_tools = body.get(key)
        if isinstance(raw_tools, list) and all(isinstance(t, dict) for t in raw_tools):
            request.tools.extend(_tool(raw, legacy) for raw in raw_tools)
            used.add(key)
    choice = _tool_choice(body.get("tool_choice"))
    if choice is not None:
        request.tool_choice = choice
        used.add("tool_choice")
        if _tool_choice_out(choice) != body["tool_choice"]:
            request.extras[_TOOL_CHOICE] = body["tool_choice"]
    elif (legacy_choice := _legacy_choice(body.get("function_call"))) is not None:
        request.tool_choice = legacy_choice
        request.extras[_LEGACY_CHOICE] = body["function_call"]
        used.add("function_call")
    if isinstance(body.get("parallel_tool_calls"), bool):
        if request.tool_choice is None:
            request.tool_choice = ToolChoice("auto")
            request.extras[_IMPLICIT_CHOICE] = True
        request.tool_choice.parallel = body["parallel_tool_calls"]
        used.add("parallel_tool_calls")


def _tool(raw: JSONObject, legacy: bool) -> Tool:
    tool = _parse_tool(raw, legacy)
    if _tool_out(tool) != raw:
        tool.extras[_RAW] = raw
    return tool


def _parse_tool(raw: JSONObject, legacy: bool) -> Tool:
    function = raw if legacy else raw.get("function")
    if not legacy and (raw.get("type") != "function" or not isinstance(function, dict)):
        return Tool(name=_str(raw.get("type")), extras={"builtin": raw, _NATIVE: True})
    assert isinstance(function, dict)
    parameters = function.get("parameters")
    strict = function.get("strict")
    tool = Tool(
        name=_str(function.get("name")),
        description=_str(function.get("description")),
        parameters=parameters if isinstance(parameters, dict) else {},
        strict=strict if isinstance(strict, bool) else None,
    )
    if legacy:
        tool.extras[LEGACY] = True
    if isinstance(raw.get("cache_control"), dict):
        tool.extras["cache_control"] = raw["cache_control"]  # the wire name Claude builders read
    return tool


def _tool_out(tool: Tool) -> JSONObject:
    if tool.extras.get(_NATIVE) and isinstance(tool.extras.get("builtin"), dict):
        return dict(tool.extras["builtin"])
    function: JSONObject = {"name": tool.name}
    if tool.description:
        function["description"] = tool.description
    function["parameters"] = tool.parameters or {"type": "object", "properties": {}}
    if tool.strict is not None:
        function["strict"] = tool.strict
    return function if tool.extras.get(LEGACY) else {"type": "function", "function": function}


def _write_tools(request: Request, body: JSONObject) -> None:
    tools: list[JSON] = []
    functions: list[JSON] = []
    for tool in request.tools:
        if "builtin" in tool.extras and not tool.extras.get(_NATIVE):
            continue  # another format's built-in tool (web search …) has no Chat equivalent
        raw = tool.extras.get(_RAW)
        legacy = bool(tool.extras.get(LEGACY))
        out = raw if isinstance(raw, dict) and _parse_tool(raw, legacy) == _without_raw(tool) else None
        (functions if legacy else tools).append(out if out is not None else _tool_out(tool))
    if tools:
        body["tools"] = tools
    if functions:
        body["functions"] = functions
    choice = request.tool_choice
    if choice is None or not (tools or functions):
        return
    extras = request.extras
    legacy_raw = extras.get(_LEGACY_CHOICE)
    if functions and not tools and _same_choice(_legacy_choice(legacy_raw), choice):
        body["function_call"] = legacy_raw
    elif not (extras.get(_IMPLICIT_CHOICE) and choice.mode == "auto"):
        raw = extras.get(_TOOL_CHOICE)
        body["tool_choice"] = raw if _same_choice(_tool_choice(raw), choice) else _tool_choice_out(choice)
    if choice.parallel is not None and tools:
        body["parallel_tool_calls"] = choice.parallel


def _same_choice(parsed: ToolChoice | None, choice: ToolChoice) -> bool:
    return parsed is not None and (parsed.mode, parsed.name) == (choice.mode, choice.name)


def _without_raw(tool: Tool) -> Tool:
    return Tool(
        tool.name,
        tool.description,
        tool.parameters,
        tool.strict,
        {k: v for k, v in tool.extras.items() if k != _RAW},
    )


def _tool_choice(raw: JSON) -> ToolChoice | None:
    if raw in ("auto", "none", "required"):
        return ToolChoice(raw)
    if raw == "any":
        return ToolChoice("required")
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind in ("function", "custom"):
        inner = raw.get(kind)
        name = inner.get("name") if isinstance(inner, dict) else raw.get("name")
        return ToolChoice("tool", name) if isinstance(name, str) and name else None
    if kind == "allowed_tools" and isinstance(raw.get("allowed_tools"), dict):
        allowed = raw["allowed_tools"]
        mode = allowed.get("mode")
        names = [_tool_name(t) for t in allowed.get("tools") or [] if isinstance(t, dict)]
        if mode == "required" and len(names) == 1 and names[0]:
            return ToolChoice("tool", names[0])
        return ToolChoice("required" if mode == "required" else "auto")
    return None


def _tool_name(tool: JSONObject) -> str:
    inner = tool.get(_str(tool.get("type")))
    return _str(inner.get("name")) if isinstance(inner, dict) else _str(tool.get("name"))


def _tool_choice_out(choice: ToolChoice) -> JSON:
    if choice.mode == "tool":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


def _legacy_choice(raw: JSON) -> ToolChoice | None:
    if raw in ("auto", "none"):
        return ToolChoice(raw)
    if isinstance(raw, dict) and isinstance(raw.get("name"), str):
        return ToolChoice("tool", raw["name"])
    return None


# -- response_format, reasoning --------------------------------------------------------------------


def _read_response_format(body: JSONObject, request: Request, used: set[str]) -> None:
    raw = body.get("response_format")
    parsed = _response_format(raw)
    if parsed is None:
        return
    request.response_format = parsed
    used.add("response_format")
    if _response_format_out(parsed) != raw:
        request.extras[_RESPONSE_FORMAT] = raw


def _response_format(raw: JSON) -> ResponseFormat | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind in ("text", "json_object"):
        return ResponseFormat(kind)
    spec = raw.get("json_schema")
    if kind != "json_schema" or not isinstance(spec, dict):
        return None
    schema, strict = spec.get("schema"), spec.get("strict")
    return ResponseFormat(
        "json_schema",
        schema=schema if isinstance(schema, dict) else None,
        name=_str(spec.get("name")),
        strict=strict if isinstance(strict, bool) else None,
    )


def _response_format_out(fmt: ResponseFormat) -> JSONObject:
    if fmt.type != "json_schema":
        return {"type": fmt.type}
    spec: JSONObject = {"name": fmt.name or "response"}
    if fmt.schema is not None:
        spec["schema"] = fmt.schema
    if fmt.strict is not None:
        spec["strict"] = fmt.strict
    return {"type": "json_schema", "json_schema": spec}


def _read_reasoning(body: JSONObject, request: Request, used: set[str]) -> None:
    effort = body.get("reasoning_effort")
    if isinstance(effort, str) and effort:
        request.reasoning = Reasoning(effort=effort.lower())
        request.extras[_EFFORT] = effort
        used.add("reasoning_effort")
        return
    reasoning = _extra_body_thinking(body.get("extra_body"))
    if reasoning is not None:
        request.reasoning = reasoning  # extra_body itself stays raw in extras
        request.extras[_FROM_EXTRA_BODY] = True


def _extra_body_thinking(raw: JSON) -> Reasoning | None:
    """Cherry Studio's ``extra_body.google.thinking_config`` (camel or snake keys)."""
    google = raw.get("google") if isinstance(raw, dict) else None
    config = google.get("thinking_config") if isinstance(google, dict) else None
    if not isinstance(config, dict):
        return None
    budget = config.get("thinkingBudget", config.get("thinking_budget"))
    include = config.get("includeThoughts", config.get("include_thoughts"))
    if not isinstance(budget, int) or isinstance(budget, bool):
        return None
    return Reasoning(budget=budget, include_thoughts=include if isinstance(include, bool) else budget != 0)


def _effort_out(request: Request, ctx: BuildContext) -> str | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    extras = request.extras
    if extras.get(_FROM_EXTRA_BODY) and reasoning == _extra_body_thinking(extras.get(PREFIX + "extra_body")):
        return None
    raw = extras.get(_EFFORT)
    if isinstance(raw, str) and reasoning == Reasoning(effort=raw.lower()):
        return raw
    thinks = ctx.info is not None and ctx.info.thinking is not None and ctx.info.thinking.max > 0
    if thinks:
        return effort_for(reasoning)
    # a model not known to think gets the thinking the client asked for in another format
    # (§4.12 / §4.14), never one from a model-name suffix, and no "none" it would reject
    effort = None if extras.get(FROM_MODEL_SUFFIX) else effort_for(reasoning)
    return effort if effort != "none" else None


# -- helpers ---------------------------------------------------------------------------------------


def _stop(raw: JSON) -> list[str] | None:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(s, str) for s in raw):
        return list(raw)
    return None


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""
