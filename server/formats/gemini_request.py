"""Gemini ``GenerateContentRequest`` ↔ IR request: contents, system instruction, generation config.

Same-family round trips are lossless: what the IR has no slot for is kept in ``Request.extras``
(``gemini:<topLevelKey>`` for safetySettings, cachedContent, labels …; ``gemini:generationConfig``
for the config keys the IR lacks; ``gemini:toolConfig`` and ``gemini:thinkingLevel`` as sent) and
in ``Tool.extras["gemini:declaration"]`` (the declaration as sent). Other formats ignore them.
"""

from __future__ import annotations

import re

from server.formats import gemini_parts as gp
from server.formats.gemini_schema import lower_types
from server.formats.gemini_tools import (
    build_tool_config,
    build_tools,
    read_tool_choice,
    read_tools,
    sanitize_name,
    tool_name_map,
)
from server.formats.ir import (
    BuildContext,
    Message,
    Part,
    Reasoning,
    Request,
    ResponseFormat,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from server.formats.thinking import budget_for
from server.jsontypes import JSON, JSONObject

__all__ = ["build_request", "parse_request"]

_CONSUMED = frozenset(
    {"model", "contents", "systemInstruction", "generationConfig", "tools", "toolConfig", "sessionId"}
)
_LEVELS = {"none": "low", "minimal": "low", "low": "low", "high": "high", "xhigh": "high", "max": "high"}
_BILLING = "x-anthropic-billing-header:"
_GENERATION = re.compile(r"gemini-(\d+)")


def _camel_keys(obj: JSONObject) -> JSONObject:
    return {gp.camel(k): v for k, v in obj.items()}


def _number(value: JSON) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: JSON) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- parse -----------------------------------------------------------------------------------------


class _Pairing:
    """Pairs functionResponses with functionCalls: by id, else the oldest open call of that name."""

    def __init__(self) -> None:
        self._open: list[tuple[str, str]] = []
        self._calls = 0
        self._orphans = 0

    def call(self, fc: JSONObject) -> ToolCallPart:
        name = str(fc.get("name") or "")
        raw_id = fc.get("id")
        extras: JSONObject = {}
        if isinstance(raw_id, str) and raw_id:
            call_id = raw_id
        else:
            call_id, extras[gp.NO_ID] = gp.derived_call_id(name, self._calls), True
        self._calls += 1
        self._open.append((call_id, name))
        args = fc.get("args")
        return ToolCallPart(call_id, name, gp.dumps(args if isinstance(args, dict) else {}), extras)

    def result(self, fr: JSONObject) -> tuple[str, str, bool]:
        """(call id, function name, whether the id was derived)."""
        name = str(fr.get("name") or "")
        raw_id = fr.get("id")
        if isinstance(raw_id, str) and raw_id:
            for i, (call_id, call_name) in enumerate(self._open):
                if call_id == raw_id:
                    del self._open[i]
                    return raw_id, name or call_name, False
            return raw_id, name, False
        for i, (call_id, call_name) in enumerate(self._open):
            if not name or call_name == name:
                del self._open[i]
                return call_id, name or call_name, True
        self._orphans += 1
        return gp.derived_call_id("result", name, self._orphans), name, True


def parse_request(body: JSONObject) -> Request:
    """A Gemini request (or a Gemini CLI ``{model, project, request}`` envelope) as IR."""
    if isinstance(body.get("request"), dict) and "contents" not in body:
        body = {**body["request"], "model": body.get("model", "")}
    body = _camel_keys(body)
    model = str(body.get("model") or "")
    request = Request(model=model.removeprefix("models/"))
    request.messages = _messages(body.get("contents"))
    request.system = _system(body.get("systemInstruction"))
    config = body.get("generationConfig")
    if isinstance(config, dict):
        _read_config(_camel_keys(config), request)
    request.tools = read_tools(body.get("tools"))
    tool_config = body.get("toolConfig")
    if isinstance(tool_config, dict):
        tool_config = _camel_keys(tool_config)
        request.tool_choice = read_tool_choice(tool_config)
        request.extras["gemini:toolConfig"] = tool_config
    for key, value in body.items():
        if key not in _CONSUMED:
            request.extras[f"gemini:{key}"] = value
    return request


def _messages(contents: JSON) -> list[Message]:
    pairing = _Pairing()
    messages: list[Message] = []
    for content in contents if isinstance(contents, list) else []:
        if not isinstance(content, dict):
            continue
        raw_role = content.get("role")
        role: Role
        if raw_role == "model":
            role = "assistant"
        elif raw_role in ("user", "function", "tool"):
            role = "user"
        else:  # missing or unknown: alternate, starting with the user
            role = "assistant" if messages and messages[-1].role == "user" else "user"
        parts: list[Part] = []
        raw_parts = content.get("parts")
        for raw in raw_parts if isinstance(raw_parts, list) else []:
            if isinstance(raw, dict) and (part := _part(raw, pairing)) is not None:
                parts.append(part)
        messages.append(Message(role, parts))
    return messages


def _part(raw: JSONObject, pairing: _Pairing) -> Part | None:
    fc = gp.field(raw, "functionCall", "function_call")
    if isinstance(fc, dict):
        call = pairing.call(fc)
        call.extras.update(gp.part_extras(raw))
        return call
    fr = gp.field(raw, "functionResponse", "function_response")
    if isinstance(fr, dict):
        call_id, name, derived = pairing.result(fr)
        content, is_error = gp.result_content(fr.get("response"), fr.get("parts"))
        extras: JSONObject = {**gp.part_extras(raw), "gemini:functionResponse": fr}
        if derived:
            extras[gp.NO_ID] = True
        return ToolResultPart(call_id, content, name, is_error, extras)
    return gp.read_part(raw)


def _system(raw: JSON) -> list[TextPart]:
    if isinstance(raw, str):
        return [TextPart(raw)] if raw else []
    parts = raw.get("parts") if isinstance(raw, dict) else None
    return [
        TextPart(p["text"]) for p in parts or [] if isinstance(p, dict) and isinstance(p.get("text"), str)
    ]


def _read_config(config: JSONObject, request: Request) -> None:
    rest = dict(config)
    request.temperature = _number(rest.pop("temperature", None))
    request.top_p = _number(rest.pop("topP", None))
    request.top_k = _integer(rest.pop("topK", None))
    request.max_tokens = _integer(rest.pop("maxOutputTokens", None))
    request.n = _integer(rest.pop("candidateCount", None))
    request.seed = _integer(rest.pop("seed", None))
    stop = rest.pop("stopSequences", None)
    request.stop = [s for s in stop if isinstance(s, str)] if isinstance(stop, list) else []
    # penalties are read for other upstreams but stay in the leftovers: Gemini 2.5+ rejects them,
    # so build_request only sends them back to Gemini when the client itself did
    request.presence_penalty = _number(rest.get("presencePenalty"))
    request.frequency_penalty = _number(rest.get("frequencyPenalty"))
    mime = rest.get("responseMimeType")
    schema = rest.get("responseJsonSchema", rest.get("responseSchema"))
    if mime == "application/json":
        rest.pop("responseMimeType")
        rest.pop("responseJsonSchema", None)
        if isinstance(schema, dict):
            request.response_format = ResponseFormat("json_schema", lower_types(schema))
        else:
            request.response_format = ResponseFormat("json_object")
    elif mime == "text/plain":
        request.response_format = ResponseFormat("text")
        rest.pop("responseMimeType")
    thinking = rest.pop("thinkingConfig", None)
    if isinstance(thinking, dict):
        request.reasoning = _reasoning(_camel_keys(thinking), request)
    if rest:
        request.extras["gemini:generationConfig"] = rest


def _reasoning(thinking: JSONObject, request: Request) -> Reasoning:
    level = thinking.get("thinkingLevel")
    if isinstance(level, str) and level:
        request.extras["gemini:thinkingLevel"] = level
    include = thinking.get("includeThoughts")
    return Reasoning(
        effort=level.lower() if isinstance(level, str) and level else None,
        budget=_integer(thinking.get("thinkingBudget")),
        include_thoughts=include if isinstance(include, bool) else False,  # Gemini's default
    )


# -- build -----------------------------------------------------------------------------------------


def build_request(request: Request, ctx: BuildContext) -> JSONObject:
    """The Gemini body for ``request`` sent to model ``ctx.model``."""
    names = tool_name_map(request)
    out: JSONObject = {"model": ctx.model}
    contents = _contents(request, names)
    system = [p.text for p in request.system if p.text and not p.text.startswith(_BILLING)]
    if not contents and system:  # a system-only conversation is sent as the user turn
        contents, system = [{"role": "user", "parts": [{"text": t} for t in system]}], []
    out["contents"] = contents
    if system:
        out["systemInstruction"] = {"parts": [{"text": t} for t in system]}
    tools = build_tools(request, names)
    if tools:
        out["tools"] = tools
    tool_config = build_tool_config(request, names, bool(tools))
    if tool_config:
        out["toolConfig"] = tool_config
    config = _build_config(request, ctx)
    if config:
        out["generationConfig"] = config
    for key, value in request.extras.items():
        if key.startswith("gemini:") and key[7:] not in ("generationConfig", "toolConfig", "thinkingLevel"):
            out.setdefault(key[7:], value)
    return out


def _contents(request: Request, names: dict[str, str]) -> list[JSONObject]:
    call_names = {p.id: p.name for m in request.messages for p in m.parts if isinstance(p, ToolCallPart)}
    contents: list[JSONObject] = []
    for message in request.messages:
        parts: list[JSONObject] = []
        media: list[JSONObject] = []  # images of tool results follow the run of functionResponses
        for part in message.parts:
            if isinstance(part, ToolResultPart):
                name = part.name or call_names.get(part.call_id) or _name_from_id(part.call_id)
                response, *extra = gp.write_result(part, names.get(name) or sanitize_name(name))
                parts.append(response)
                media += extra
                continue
            parts += media
            media = []
            if isinstance(part, ToolCallPart):
                parts.append(gp.write_call(part, names.get(part.name, part.name), bypass=True))
            elif (written := gp.write_part(part, foreign_thinking=False)) is not None:
                parts.append(written)
        parts += media
        if parts:
            contents.append({"role": "model" if message.role == "assistant" else "user", "parts": parts})
    if (
        contents
        and contents[-1]["role"] == "model"
        and any("functionCall" in p for p in contents[-1]["parts"])
    ):
        contents.pop()  # an unanswered call at the end is a Gemini 400 (§4.2 [HEAD])
    return contents


def _name_from_id(call_id: str) -> str:
    """§4.0 fallback when no call in the history names it: ``Bash-17338-4`` → ``Bash`` (trailing
    numeric segments dropped); an id without that pattern is used whole."""
    segments = call_id.split("-")
    while len(segments) > 1 and segments[-1].isdigit():
        segments.pop()
    return "-".join(segments)


def _build_config(request: Request, ctx: BuildContext) -> JSONObject:
    config: JSONObject = {}
    for key, value in (
        ("temperature", request.temperature),
        ("topP", request.top_p),
        ("topK", request.top_k),
        ("maxOutputTokens", request.max_tokens),
        ("candidateCount", request.n),
        ("seed", request.seed),
    ):
        if value is not None:
            config[key] = value
    if request.stop:
        config["stopSequences"] = list(request.stop)
    rf = request.response_format
    if rf is not None:
        config["responseMimeType"] = "text/plain" if rf.type == "text" else "application/json"
        if rf.type == "json_schema" and rf.schema is not None:
            config["responseJsonSchema"] = rf.schema
    thinking = _thinking_config(request, ctx)
    if thinking:
        config["thinkingConfig"] = thinking
    rest = request.extras.get("gemini:generationConfig")
    for key, value in (rest if isinstance(rest, dict) else {}).items():
        config.setdefault(key, value)
    if "responseSchema" in config:  # the client used the OpenAPI-style key: keep it alone
        config.pop("responseJsonSchema", None)
    return config


def _thinking_config(request: Request, ctx: BuildContext) -> JSONObject:
    reasoning = request.reasoning
    if reasoning is None or (ctx.info is not None and ctx.info.thinking is None):
        return {}  # no thinking asked for, or a model without thinking support (§4.17)
    out: JSONObject = {}
    effort = (reasoning.effort or "").lower()
    generation = _GENERATION.search(ctx.model.lower())
    raw_level = request.extras.get("gemini:thinkingLevel")
    if generation and int(generation[1]) >= 3 and effort:
        level = effort if isinstance(raw_level, str) and raw_level.lower() == effort else _LEVELS.get(effort)
        if level:
            out["thinkingLevel"] = level
    asked = budget_for(reasoning)
    if not out:
        budget = budget_for(reasoning, ctx.info)
        if budget is not None:
            out["thinkingBudget"] = budget
    include = reasoning.include_thoughts
    if include is None:
        include = bool(out) and asked != 0
    if include:
        out["includeThoughts"] = True
    return out
