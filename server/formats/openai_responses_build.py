"""IR → Responses API request bodies (``build_request``), and the long-tool-name map (§4.0).

Parts that came from this format carry their item fields in extras and are written back exactly;
parts from other formats get the conventions of translation.md: foreign system text becomes a
leading ``developer`` message ([HEAD] §4.8/4.9), foreign reasoning is replayed only when it holds
an OpenAI ``encrypted_content``, foreign tool schemas are cleaned (lower-case types, object root,
no ``$schema``, ``strict: false``), ``web_search`` built-ins of other formats become
``{"type": "web_search"}`` and function names over 64 characters are shortened.
"""

from __future__ import annotations

from typing import Any

from server.formats import ir
from server.formats.openai_responses_items import (
    BEFORE,
    FIELDS,
    ITEM,
    STRING,
    P,
    build_content_part,
    call_item,
    is_openai_encrypted,
    reasoning_item,
)
from server.formats.openai_responses_request import (
    AT,
    INPUT_STRING,
    INSTRUCTIONS,
    NAMESPACE,
    NATIVE,
    NO_PARAMETERS,
    NO_TOOL_CHOICE,
    RAW_REASONING,
    RAW_TEXT,
    RAW_TOOL_CHOICE,
    ROLE,
    TAIL,
)
from server.formats.thinking import effort_for
from server.jsontypes import JSONObject

__all__ = ["build_request", "request_body", "tool_name_map"]

_MAX_NAME = 64
_BILLING = "x-anthropic-billing-header:"
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = ("enum", "const", "default", "examples", "required")


def _short(name: str) -> str:
    if name.startswith("mcp__") and "__" in name[5:]:
        name = "mcp__" + name.rsplit("__", 1)[1]
    return name[:_MAX_NAME]


def tool_name_map(request: ir.Request) -> dict[str, str]:
    """Original → shortened name for every tool name over 64 characters (Codex/OpenAI limit).

    ``mcp__server__tool`` keeps ``mcp__`` + the part after the last ``__``; other names keep
    their first 64 characters; collisions get ``_1``, ``_2`` … The same request always gives the
    same map, so the answer's names can be restored (invert the map) for the client.
    """
    names = [t.name for t in request.tools]
    used = {n for n in names if len(n) <= _MAX_NAME}
    out: dict[str, str] = {}
    for name in names:
        if len(name) <= _MAX_NAME or name in out:
            continue
        candidate = base = _short(name)
        n = 0
        while candidate in used:
            n += 1
            candidate = base[: _MAX_NAME - len(f"_{n}")] + f"_{n}"
        used.add(candidate)
        out[name] = candidate
    return out


def _lower_types(node: Any) -> Any:
    """Lower-case every schema ``type`` (Gemini writes ``OBJECT``); property names are untouched."""
    if isinstance(node, list):
        return [_lower_types(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: JSONObject = {}
    for key, value in node.items():
        if key == "type":
            kinds = value if isinstance(value, list) else [value]
            lowered = [k.lower() if isinstance(k, str) else k for k in kinds]
            out[key] = lowered if isinstance(value, list) else lowered[0]
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _lower_types(sub) for name, sub in value.items()}
        elif key in _SCHEMA_VALUES:
            out[key] = value
        else:
            out[key] = _lower_types(value)
    return out


def _foreign_schema(schema: JSONObject) -> JSONObject:
    out: JSONObject = _lower_types(schema) if schema else {}
    out.pop("$schema", None)
    out.setdefault("type", "object")
    if out["type"] == "object":
        out.setdefault("properties", {})
    return out


def _tool_json(tool: ir.Tool, names: dict[str, str], keep_strict: bool) -> JSONObject | None:
    builtin = tool.extras.get("builtin")
    native = bool(tool.extras.get(NATIVE))
    if isinstance(builtin, dict):
        if native:
            return builtin
        kind = str(builtin.get("type") or "")
        if kind.startswith("web_search") or "googleSearch" in builtin or "google_search" in builtin:
            return {"type": "web_search"}  # Claude web_search_20250305, Chat web_search*, Gemini googleSearch
        return None  # another family's built-in tool
    out: JSONObject = {"type": "function", "name": names.get(tool.name, tool.name)}
    if tool.description:
        out["description"] = tool.description
    if not native:
        out["parameters"] = _foreign_schema(tool.parameters)
        out["strict"] = tool.strict if tool.strict is not None and keep_strict else False
        return out
    if not tool.extras.get(NO_PARAMETERS):
        out["parameters"] = tool.parameters
    if tool.strict is not None:
        out["strict"] = tool.strict
    if isinstance(tool.extras.get(FIELDS), dict):
        out.update(tool.extras[FIELDS])
    return out


def _tools(request: ir.Request, names: dict[str, str]) -> list[JSONObject]:
    """Function and built-in tools; consecutive functions of one namespace are regrouped.

    Anthropic's ``strict`` is not OpenAI's (which needs every property required): tools of a
    Claude request go out with ``strict: false`` (§8.19)."""
    out: list[JSONObject] = []
    keep_strict = request.extras.get("claude.native") is not True
    for tool in request.tools:
        space = tool.extras.get(NAMESPACE)
        made = _tool_json(tool, names, keep_strict)
        if made is None:
            continue
        if not isinstance(space, dict):
            out.append(made)
        elif out and out[-1].get("type") == "namespace" and _same_space(out[-1], space):
            out[-1]["tools"].append(made)
        else:
            out.append({**space, "tools": [made]})
    return out


def _same_space(group: JSONObject, space: JSONObject) -> bool:
    return {k: v for k, v in group.items() if k != "tools"} == space


def _tool_choice(request: ir.Request, names: dict[str, str], body: JSONObject) -> None:
    choice = request.tool_choice
    if choice is None:
        return
    if not request.extras.get(NO_TOOL_CHOICE):
        raw = request.extras.get(RAW_TOOL_CHOICE)
        if raw is not None:
            body["tool_choice"] = raw
        elif choice.mode == "tool":
            body["tool_choice"] = {"type": "function", "name": names.get(choice.name, choice.name)}
        else:
            body["tool_choice"] = choice.mode
    if choice.parallel is not None:
        body["parallel_tool_calls"] = choice.parallel


_ENCRYPTED = "reasoning.encrypted_content"


def _reasoning(request: ir.Request) -> JSONObject | None:
    reasoning = request.reasoning
    if reasoning is None:
        return None
    raw = request.extras.get(RAW_REASONING)
    out: JSONObject = dict(raw) if isinstance(raw, dict) else {}
    effort = effort_for(reasoning)
    effort = None if effort == "auto" else effort  # dynamic thinking: the model's default effort
    summary = reasoning.summary
    foreign = not isinstance(raw, dict)  # asked in another format: show it as Codex does (§4.8-4.10)
    if summary is None and (reasoning.include_thoughts or (foreign and reasoning.include_thoughts is None)):
        summary = "auto" if effort != "none" else None
    for key, value in (("effort", effort), ("summary", summary)):
        if value is not None:
            out[key] = value
        elif out.get(key) is not None:
            del out[key]
    return out


def _text(request: ir.Request) -> JSONObject | None:
    raw = request.extras.get(RAW_TEXT)
    out: JSONObject = dict(raw) if isinstance(raw, dict) else {}
    fmt = request.response_format
    if fmt is None:
        out.pop("format", None)
        return out if out or raw is not None else None
    old = out.get("format")
    same = isinstance(old, dict) and old.get("type") == fmt.type
    new: JSONObject = dict(old) if same and isinstance(old, dict) else {"type": fmt.type}
    if fmt.type == "json_schema":
        if fmt.name:
            new["name"] = fmt.name
        elif not same:
            new["name"] = "response"
        if fmt.schema is not None or not same:
            new["schema"] = fmt.schema or {}
        if fmt.strict is not None:
            new["strict"] = fmt.strict
    out["format"] = new
    return out


class _Items:
    """Writes input items, keeping message items open while text-like parts continue them."""

    def __init__(self, names: dict[str, str]) -> None:
        self.items: list[JSONObject] = []
        self.names = names
        self._open: JSONObject | None = None
        self._content: list[JSONObject] = []
        self._string = False

    def flush(self) -> None:
        if self._open is not None:
            one = len(self._content) == 1 and "text" in self._content[0]
            self._open["content"] = self._content[0]["text"] if self._string and one else self._content
            self.items.append(self._open)
        self._open, self._content, self._string = None, [], False

    def raw(self, item: JSONObject) -> None:
        self.flush()
        self.items.append(item)

    def before(self, part: ir.Part) -> None:
        raw = part.extras.get(BEFORE)
        if isinstance(raw, list):
            self.flush()
            self.items.extend(raw)

    def content(self, part: ir.Part, role: str, default: str) -> None:
        made = build_content_part(part, default)
        if made is None:
            return
        marker = part.extras.get(ITEM)
        if marker is not None or self._open is None or self._open.get("role") != role:
            self.flush()
            self._open = dict(marker) if isinstance(marker, dict) else {"type": "message"}
            self._open["role"] = role
            self._string = bool(part.extras.get(STRING))
        self._content.append(made)

    def message(self, message: ir.Message) -> None:
        native = any(ITEM in p.extras for p in message.parts)
        assistant = message.role == "assistant"
        for part in message.parts:
            self.before(part)
            if isinstance(part, ir.ToolCallPart):
                self.raw(call_item(part, self.names.get(part.name, part.name)))
            elif isinstance(part, ir.ToolResultPart):
                self.raw(_output_item(part))
            elif isinstance(part, ir.ThinkingPart):
                if assistant and (ITEM in part.extras or _replayable(part)):
                    self.raw(reasoning_item(part, {"type": "reasoning"}, upstream=True))
            elif isinstance(part, ir.TextPart) and not part.text and not native:
                continue
            elif assistant and not isinstance(part, ir.TextPart):
                continue  # images and files cannot be assistant output content
            else:
                self.content(part, message.role, "output_text" if assistant else "input_text")


def _replayable(part: ir.ThinkingPart) -> bool:
    return is_openai_encrypted(part.redacted) or is_openai_encrypted(part.signature)


def _output_item(part: ir.ToolResultPart) -> JSONObject:
    marker = part.extras.get(ITEM)
    out: JSONObject = dict(marker) if isinstance(marker, dict) else {"type": "function_call_output"}
    out["call_id"] = part.call_id
    texts = [p.text for p in part.content if isinstance(p, ir.TextPart)]
    as_string = part.extras.get(STRING) if isinstance(marker, dict) else len(texts) == len(part.content)
    if as_string:
        out["output"] = "\n".join(texts)
    else:
        out["output"] = [c for p in part.content if (c := build_content_part(p, "input_text")) is not None]
    return out


def _input(request: ir.Request, names: dict[str, str]) -> str | list[JSONObject]:
    messages = request.messages
    if (
        request.extras.get(INPUT_STRING)
        and len(messages) == 1
        and not any(ROLE in p.extras for p in request.system)
    ):
        parts = messages[0].parts
        if messages[0].role == "user" and len(parts) == 1 and isinstance(parts[0], ir.TextPart):
            return parts[0].text
    writer = _Items(names)
    foreign = [
        p
        for p in request.system
        if ROLE not in p.extras
        and INSTRUCTIONS not in p.extras
        and p.text
        and not p.text.startswith(_BILLING)
    ]
    if foreign:
        content = [{"type": "input_text", "text": p.text} for p in foreign]
        writer.raw({"type": "message", "role": "developer", "content": content})
    placed = [p for p in request.system if ROLE in p.extras]
    for index in range(len(messages) + 1):
        for part in placed:
            at = part.extras.get(AT)
            if at == index or (index == len(messages) and isinstance(at, int) and at > index):
                writer.before(part)
                writer.content(part, str(part.extras[ROLE]), "input_text")
        writer.flush()
        if index < len(messages):
            writer.message(messages[index])
    writer.flush()
    tail = request.extras.get(TAIL)
    return writer.items + (tail if isinstance(tail, list) else [])


def request_body(request: ir.Request, model: str, *, shorten: bool = True, echo: bool = False) -> JSONObject:
    """The Responses body for ``request`` (without ``stream``); ``shorten`` applies the name map;
    ``echo`` leaves out ``input`` (for the parameters a ``response`` object repeats)."""
    names = tool_name_map(request) if shorten else {}
    body: JSONObject = {"model": model}
    instructions = [p.text for p in request.system if p.extras.get(INSTRUCTIONS)]
    if instructions:
        body["instructions"] = "\n\n".join(instructions)
    if not echo:
        body["input"] = _input(request, names)
    if request.tools:
        body["tools"] = _tools(request, names)
    _tool_choice(request, names, body)
    if request.max_tokens is not None:
        body["max_output_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if (reasoning := _reasoning(request)) is not None:
        body["reasoning"] = reasoning
        if reasoning.get("summary") is not None and RAW_REASONING not in request.extras and not echo:
            # reasoning asked in another format: its signature (encrypted content) must come back
            body["include"] = [_ENCRYPTED]
    if (text := _text(request)) is not None:
        body["text"] = text
    if request.user:
        body["user"] = request.user
    for key, value in request.extras.items():
        if key.startswith(P) and not key.startswith(P + "_"):
            body.setdefault(key[len(P) :], value)
    return body


def build_request(request: ir.Request, ctx: ir.BuildContext) -> JSONObject:
    """A Responses API request for ``ctx.model``; ``stream: true`` when ``ctx.stream``."""
    body = request_body(request, ctx.model)
    if ctx.stream:
        body["stream"] = True
    return body
