"""OpenAI Chat ``messages`` to and from the IR's system parts and user/assistant messages.

Reading: ``system``/``developer`` messages (wherever they stand) become ``Request.system`` text
parts, marked with their role and position; ``tool`` (and legacy ``function``) messages become
``ToolResultPart``s of one user message per run of consecutive tool messages, named after the
call they answer; assistant ``reasoning_content`` becomes a leading ``ThinkingPart`` and
``refusal`` a ``TextPart`` marked as refusal. Legacy ``function_call``s get ids
``legacy_call_<n>`` that their ``function`` results are paired with (FIFO per name).

Writing: system messages go back where they stood (at the front for other formats); tool results
become ``tool`` messages ahead of the rest of their user turn, images in them move to that user
turn (Chat tool messages take text only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.formats.ir import (
    DocumentPart,
    ImagePart,
    Message,
    Part,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from server.formats.openai_chat_parts import (
    ARRAY,
    AT,
    FIELD,
    FUNCTION,
    GROUP,
    LEGACY,
    MSG,
    PREFIX,
    RAW,
    RAW_CALLS,
    REFUSAL,
    ROLE,
    UNTYPED,
    content_out,
    parse_content,
    restore_extras,
    with_raw,
)
from server.jsontypes import JSON, JSONObject

__all__ = ["build_messages", "parse_messages", "tool_arguments"]

_MESSAGE_KEYS = {"role", "content", "name"}
_ASSISTANT_KEYS = _MESSAGE_KEYS | {"tool_calls", "function_call", "reasoning_content", "refusal"}

# -- reading ---------------------------------------------------------------------------------------


def parse_messages(raw: JSON) -> tuple[list[TextPart], list[Message]]:
    """The system parts and the conversation of a Chat ``messages`` list."""
    reader = _Reader()
    for message in raw if isinstance(raw, list) else []:
        if isinstance(message, dict):
            reader.read(message)
    return reader.system, reader.messages


@dataclass(slots=True)
class _Reader:
    system: list[TextPart] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    pending_legacy: list[ToolCallPart] = field(default_factory=list)
    legacy_count: int = 0
    system_count: int = 0
    tool_run: Message | None = None

    def read(self, raw: JSONObject) -> None:
        role = raw.get("role")
        if role in ("tool", "function"):
            self._tool_result(raw, legacy=role == "function")
            return
        self.tool_run = None
        if role in ("system", "developer"):
            self._system(raw, str(role))
        elif role == "assistant":
            self._assistant(raw)
        elif role == "user":
            parts, extras = parse_content(raw.get("content"))
            extras.update(_message_rest(raw, _MESSAGE_KEYS))
            self.messages.append(Message("user", parts, extras))
        # any other role is not Chat and is dropped

    def _system(self, raw: JSONObject, role: str) -> None:
        parts, content_extras = parse_content(raw.get("content"))
        texts = [part for part in parts if isinstance(part, TextPart)]
        marks: JSONObject = {}
        if role == "developer":
            marks[ROLE] = role
        if self.messages:
            marks[AT] = len(self.messages)
        if self.system_count:
            marks[GROUP] = self.system_count
        if content_extras.get(ARRAY):
            marks[ARRAY] = True
        self.system_count += 1
        rest = {k: v for k, v in raw.items() if k not in ("role", "content")}
        for i, text in enumerate(texts):
            text.extras.update(marks)
            if i == 0 and rest:
                text.extras[MSG] = rest
        self.system.extend(texts)

    def _assistant(self, raw: JSONObject) -> None:
        parts: list[Part] = []
        used = set(_ASSISTANT_KEYS)
        thinking = raw.get("reasoning_content")
        if isinstance(thinking, str) and thinking:
            parts.append(ThinkingPart(thinking))
        elif isinstance(raw.get("reasoning"), str) and raw["reasoning"]:
            parts.append(ThinkingPart(raw["reasoning"], extras={FIELD: "reasoning"}))
            used.add("reasoning")
        content, extras = parse_content(raw.get("content"))
        parts.extend(content)
        refusal = raw.get("refusal")
        if isinstance(refusal, str) and refusal:
            parts.append(TextPart(refusal, {REFUSAL: "field"}))
        raw_calls: list[JSON] = []
        tool_calls = raw.get("tool_calls")
        for position, call in enumerate(tool_calls if isinstance(tool_calls, list) else []):
            part = _tool_call(call)
            if part is None:
                raw_calls.append([position, call])
                continue
            self.names[part.id] = part.name
            parts.append(part)
        if raw_calls:
            extras[RAW_CALLS] = raw_calls
        legacy = raw.get("function_call")
        if isinstance(legacy, dict) and isinstance(legacy.get("name"), str):
            call_id = f"legacy_call_{self.legacy_count}"
            self.legacy_count += 1
            arguments = tool_arguments(legacy.get("arguments"))
            part = ToolCallPart(call_id, legacy["name"], arguments, {LEGACY: True})
            self.pending_legacy.append(part)
            parts.append(part)
        extras.update(_message_rest(raw, used))
        self.messages.append(Message("assistant", parts, extras))

    def _tool_result(self, raw: JSONObject, *, legacy: bool) -> None:
        content, extras = parse_content(raw.get("content"))
        wire_name = _str(raw.get("name"))
        if legacy:
            extras[LEGACY] = True
            call = self._pop_legacy(wire_name)
            call_id = call.id if call is not None else f"legacy_call_{self.legacy_count}"
            if call is None:
                self.legacy_count += 1
            name = wire_name
            used = {"role", "content", "name"}
        else:
            call_id = _str(raw.get("tool_call_id"))
            if wire_name:
                extras[PREFIX + "name"] = wire_name
            name = wire_name or self.names.get(call_id, "")
            used = {"role", "content", "name", "tool_call_id"}
        extras.update({PREFIX + k: v for k, v in raw.items() if k not in used})
        if self.tool_run is None:
            self.tool_run = Message("user")
            self.messages.append(self.tool_run)
        self.tool_run.parts.append(ToolResultPart(call_id, content, name, extras=extras))

    def _pop_legacy(self, name: str) -> ToolCallPart | None:
        for i, call in enumerate(self.pending_legacy):
            if call.name == name:
                return self.pending_legacy.pop(i)
        return self.pending_legacy.pop(0) if self.pending_legacy else None


def _message_rest(raw: JSONObject, used: set[str]) -> JSONObject:
    extras: JSONObject = {PREFIX + k: v for k, v in raw.items() if k not in used}
    if isinstance(raw.get("name"), str):
        extras["name"] = raw["name"]
    elif "name" in raw:
        extras[PREFIX + "name"] = raw["name"]
    return extras


def _tool_call(raw: JSON) -> ToolCallPart | None:
    if not isinstance(raw, dict) or raw.get("type", "function") != "function":
        return None
    function = raw.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return None
    call_id = _str(raw.get("id"))
    extras: JSONObject = {PREFIX + k: v for k, v in raw.items() if k not in ("id", "type", "function")}
    if "type" not in raw:
        extras[UNTYPED] = True
    inner = {k: v for k, v in function.items() if k not in ("name", "arguments")}
    if inner:
        extras[FUNCTION] = inner
    return ToolCallPart(call_id, function["name"], tool_arguments(function.get("arguments")), extras)


def tool_arguments(value: JSON) -> str:
    """Tool-call arguments as JSON text (some servers send an object instead of a string)."""
    if isinstance(value, str):
        return value
    return "{}" if value is None else json.dumps(value, ensure_ascii=False)


# -- writing ---------------------------------------------------------------------------------------


_BILLING = "x-anthropic-billing-header:"


def build_messages(system: list[TextPart], messages: list[Message]) -> list[JSONObject]:
    """Chat ``messages`` for the IR conversation, system messages back at their positions
    (Claude Code's ``x-anthropic-billing-header:`` attribution line is for Anthropic only)."""
    groups = _system_messages([part for part in system if not part.text.startswith(_BILLING)])
    out: list[JSONObject] = []
    pending = 0
    for index, message in enumerate(messages):
        while pending < len(groups) and groups[pending][0] <= index:
            out.append(groups[pending][1])
            pending += 1
        out.extend(_user(message) if message.role == "user" else [_assistant(message)])
    out.extend(message for _, message in groups[pending:])
    return out


def _system_messages(system: list[TextPart]) -> list[tuple[int, JSONObject]]:
    runs: list[tuple[tuple[str, int, int], list[TextPart]]] = []
    for part in system:
        key = (
            "developer" if part.extras.get(ROLE) == "developer" else "system",
            _int(part.extras.get(AT)),
            _int(part.extras.get(GROUP)),
        )
        if runs and runs[-1][0] == key:
            runs[-1][1].append(part)
        else:
            runs.append((key, [part]))
    out: list[tuple[int, JSONObject]] = []
    for (role, at, _), parts in runs:
        message: JSONObject = {"role": role, "content": content_out(parts, bool(parts[0].extras.get(ARRAY)))}
        rest = parts[0].extras.get(MSG)
        if isinstance(rest, dict):
            for key, value in rest.items():
                message.setdefault(key, value)
        out.append((at, message))
    return out


def _user(message: Message) -> list[JSONObject]:
    out: list[JSONObject] = []
    moved: list[Part] = []
    rest: list[Part] = []
    for part in message.parts:
        if isinstance(part, ToolResultPart):
            out.append(_tool_message(part, moved))
        elif isinstance(part, TextPart | ImagePart | DocumentPart):
            rest.append(part)
    raw = message.extras.get(RAW)
    if out and not rest and not moved and not raw:
        return out
    array = bool(message.extras.get(ARRAY) or moved)
    user: JSONObject = {"role": "user", "content": content_out(moved + rest, array, raw)}
    _name_and_rest(user, message.extras)
    out.append(user)
    return out


def _tool_message(part: ToolResultPart, moved: list[Part]) -> JSONObject:
    if part.extras.get(ARRAY):
        content: JSON = content_out(part.content, True, part.extras.get(RAW))
    else:
        texts = []
        for item in part.content:
            if isinstance(item, TextPart):
                texts.append(item.text)
            elif isinstance(item, ImagePart | DocumentPart):
                moved.append(item)  # Chat tool messages take text only: the user turn carries them
        content = "\n".join(texts)
    if part.extras.get(LEGACY):
        message: JSONObject = {"role": "function", "name": part.name, "content": content}
    else:
        message = {"role": "tool", "tool_call_id": part.call_id, "content": content}
    restore_extras(message, part.extras)
    return message


def _assistant(message: Message) -> JSONObject:
    thinking: list[ThinkingPart] = []
    content: list[Part] = []
    calls: list[JSONObject] = []
    out: JSONObject = {"role": "assistant"}
    for part in message.parts:
        if isinstance(part, ThinkingPart):
            if part.text:
                thinking.append(part)
        elif isinstance(part, TextPart):
            if part.extras.get(REFUSAL) == "field":
                out["refusal"] = part.text
            else:
                content.append(part)
        elif isinstance(part, ToolCallPart):
            if part.extras.get(LEGACY):
                out["function_call"] = {"name": part.name, "arguments": part.arguments or "{}"}
            else:
                calls.append(_call_out(part))
    raw = message.extras.get(RAW)
    if content or message.extras.get(ARRAY) or raw:
        out["content"] = content_out(content, bool(message.extras.get(ARRAY)), raw)
    else:
        out["content"] = None if calls or len(out) > 1 else ""
    if thinking:
        key = "reasoning" if thinking[0].extras.get(FIELD) == "reasoning" else "reasoning_content"
        out[key] = "\n\n".join(part.text for part in thinking)
    raw_calls = message.extras.get(RAW_CALLS)
    if calls or raw_calls:
        out["tool_calls"] = with_raw(calls, raw_calls)
    _name_and_rest(out, message.extras)
    return out


def _call_out(part: ToolCallPart) -> JSONObject:
    function: JSONObject = {"name": part.name, "arguments": part.arguments or "{}"}
    inner = part.extras.get(FUNCTION)
    if isinstance(inner, dict):
        for key, value in inner.items():
            function.setdefault(key, value)
    call: JSONObject = {"id": part.id, "function": function}
    if not part.extras.get(UNTYPED):
        call = {"id": part.id, "type": "function", "function": function}
    restore_extras(call, part.extras)
    return call


def _name_and_rest(target: JSONObject, extras: JSONObject) -> None:
    if isinstance(extras.get("name"), str):
        target["name"] = extras["name"]
    restore_extras(target, extras)


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _int(value: JSON) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
