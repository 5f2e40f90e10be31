"""What a request to the fake upstream asked for, read in the wire format it arrived in.

Tests use these readers to assert on translated bodies the same way for every upstream family:
declared tools, tool calls and results replayed in the history, the max-tokens field, the
thinking field, and the image parts (in each format's own shape).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from server.jsontypes import JSON, JSONObject
from tests.fakes.script import Recorded

__all__ = [
    "ReceivedCall",
    "ReceivedResult",
    "ReceivedThinking",
    "body_of",
    "declared_tools",
    "image_sources",
    "max_tokens",
    "thinking",
    "tool_calls",
    "tool_results",
]


@dataclass(frozen=True, slots=True)
class ReceivedCall:
    """A tool call replayed in the history: id ("" when the format has none), name, arguments."""

    id: str
    name: str
    arguments: JSON


@dataclass(frozen=True, slots=True)
class ReceivedResult:
    """A tool result in the history: the call id and/or function name it answers, and its text."""

    id: str
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class ReceivedThinking:
    """The thinking a request asked for: Claude/Gemini budget, OpenAI effort, Gemini include flag."""

    budget: int | None = None
    effort: str | None = None
    include_thoughts: bool | None = None
    kind: str = ""
    """Claude ``thinking.type``; "" elsewhere."""


def body_of(record: Recorded) -> JSONObject:
    """The request body (the inner ``request`` of a Gemini CLI envelope)."""
    body = record.json if isinstance(record.json, dict) else {}
    inner = body.get("request")
    return inner if record.family == "gemini-cli" and isinstance(inner, dict) else body


def _gemini(record: Recorded) -> bool:
    return record.family in ("gemini", "gemini-cli")


def _dicts(value: JSON) -> Iterator[JSONObject]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _get(node: JSONObject, *keys: str) -> JSON:
    """The first of ``keys`` present in ``node`` (camel and snake spellings)."""
    for key in keys:
        if key in node:
            return node[key]
    return None


def declared_tools(record: Recorded) -> list[tuple[str, JSONObject]]:
    """(name, JSON schema) of every function tool the request declares."""
    body = body_of(record)
    out: list[tuple[str, JSONObject]] = []
    for tool in _dicts(body.get("tools")):
        if record.family == "claude":
            entries = [(tool.get("name"), tool.get("input_schema"))]
        elif _gemini(record):
            declarations = _get(tool, "functionDeclarations", "function_declarations")
            keys = ("parametersJsonSchema", "parameters_json_schema", "parameters")
            entries = [(d.get("name"), _get(d, *keys)) for d in _dicts(declarations)]
        elif record.family == "responses":
            entries = [(tool.get("name"), tool.get("parameters"))] if tool.get("type") == "function" else []
        else:
            function = tool.get("function")
            entries = (
                [(function.get("name"), function.get("parameters"))] if isinstance(function, dict) else []
            )
        out += [(str(name), schema if isinstance(schema, dict) else {}) for name, schema in entries]
    return out


def tool_calls(record: Recorded) -> list[ReceivedCall]:
    """The assistant tool calls replayed in the request's history, in order."""
    body = body_of(record)
    calls: list[ReceivedCall] = []
    if record.family == "claude":
        for message in _dicts(body.get("messages")):
            for block in _dicts(message.get("content")):
                if block.get("type") == "tool_use":
                    calls.append(
                        ReceivedCall(str(block.get("id")), str(block.get("name")), block.get("input"))
                    )
    elif _gemini(record):
        for content in _dicts(body.get("contents")):
            for part in _dicts(content.get("parts")):
                call = _get(part, "functionCall", "function_call")
                if isinstance(call, dict):
                    calls.append(
                        ReceivedCall(str(call.get("id") or ""), str(call.get("name")), call.get("args"))
                    )
    elif record.family == "responses":
        for item in _dicts(body.get("input")):
            if item.get("type") == "function_call":
                arguments = _loads(item.get("arguments"))
                calls.append(ReceivedCall(str(item.get("call_id")), str(item.get("name")), arguments))
    else:
        for message in _dicts(body.get("messages")):
            for call in _dicts(message.get("tool_calls")):
                function = call.get("function")
                function = function if isinstance(function, dict) else {}
                arguments = _loads(function.get("arguments"))
                calls.append(ReceivedCall(str(call.get("id")), str(function.get("name")), arguments))
    return calls


def tool_results(record: Recorded) -> list[ReceivedResult]:
    """The tool results in the request's history, in order, with their content as text."""
    body = body_of(record)
    results: list[ReceivedResult] = []
    if record.family == "claude":
        for message in _dicts(body.get("messages")):
            for block in _dicts(message.get("content")):
                if block.get("type") == "tool_result":
                    results.append(
                        ReceivedResult(str(block.get("tool_use_id")), "", _text(block.get("content")))
                    )
    elif _gemini(record):
        for content in _dicts(body.get("contents")):
            for part in _dicts(content.get("parts")):
                response = _get(part, "functionResponse", "function_response")
                if isinstance(response, dict):
                    text = json.dumps(response.get("response"))
                    results.append(
                        ReceivedResult(str(response.get("id") or ""), str(response.get("name")), text)
                    )
    elif record.family == "responses":
        for item in _dicts(body.get("input")):
            if item.get("type") == "function_call_output":
                results.append(ReceivedResult(str(item.get("call_id")), "", _text(item.get("output"))))
    else:
        for message in _dicts(body.get("messages")):
            if message.get("role") == "tool":
                results.append(
                    ReceivedResult(str(message.get("tool_call_id")), "", _text(message.get("content")))
                )
    return results


def max_tokens(record: Recorded) -> int | None:
    """The output-token limit in the format's own field."""
    body = body_of(record)
    if _gemini(record):
        config = _get(body, "generationConfig", "generation_config")
        value = _get(config, "maxOutputTokens", "max_output_tokens") if isinstance(config, dict) else None
    elif record.family == "responses":
        value = body.get("max_output_tokens")
    elif record.family == "claude":
        value = body.get("max_tokens")
    else:
        value = _get(body, "max_completion_tokens", "max_tokens")
    return value if isinstance(value, int) else None


def thinking(record: Recorded) -> ReceivedThinking:
    """The thinking the request asks for, in the format's own field."""
    body = body_of(record)
    if record.family == "claude":
        raw = body.get("thinking")
        if not isinstance(raw, dict):
            return ReceivedThinking()
        budget = raw.get("budget_tokens")
        config = body.get("output_config")
        effort = config.get("effort") if isinstance(config, dict) else None
        return ReceivedThinking(
            budget if isinstance(budget, int) else None,
            effort if isinstance(effort, str) else None,
            kind=str(raw.get("type", "")),
        )
    if _gemini(record):
        generation = _get(body, "generationConfig", "generation_config")
        config = (
            _get(generation, "thinkingConfig", "thinking_config") if isinstance(generation, dict) else None
        )
        if not isinstance(config, dict):
            return ReceivedThinking()
        budget = _get(config, "thinkingBudget", "thinking_budget")
        level = _get(config, "thinkingLevel", "thinking_level")
        include = _get(config, "includeThoughts", "include_thoughts")
        return ReceivedThinking(
            budget if isinstance(budget, int) else None,
            level if isinstance(level, str) else None,
            include if isinstance(include, bool) else None,
        )
    if record.family == "responses":
        reasoning = body.get("reasoning")
        effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
        return ReceivedThinking(effort=effort if isinstance(effort, str) else None)
    effort = body.get("reasoning_effort")
    return ReceivedThinking(effort=effort if isinstance(effort, str) else None)


def image_sources(record: Recorded) -> list[tuple[str, str]]:
    """(media type, base64 data) of every inline image part, read from the format's own shape;
    parts of another format's shape (or URL images) are listed as ("?", <part as JSON>)."""
    out: list[tuple[str, str]] = []
    for part in record.images:
        family = record.family
        source = part.get("source")
        inline = _get(part, "inlineData", "inline_data")
        nested = part.get("image_url")
        if family == "claude" and part.get("type") == "image" and isinstance(source, dict):
            out.append((str(source.get("media_type")), str(source.get("data"))))
        elif family in ("gemini", "gemini-cli") and isinstance(inline, dict):
            out.append((str(_get(inline, "mimeType", "mime_type")), str(inline.get("data"))))
        elif family == "responses" and part.get("type") == "input_image" and isinstance(nested, str):
            out.append(_data_url(nested))
        elif family == "openai" and part.get("type") == "image_url" and isinstance(nested, dict):
            out.append(_data_url(str(nested.get("url"))))
        else:
            out.append(("?", json.dumps(part)))
    return out


def _data_url(url: str) -> tuple[str, str]:
    head, _, data = url.partition(";base64,")
    return (head.removeprefix("data:"), data) if head.startswith("data:") and data else ("?", url)


def _loads(text: JSON) -> JSON:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def _text(content: JSON) -> str:
    """Tool-result content as text: a string as is, text blocks/parts joined, anything else as JSON."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [str(block.get("text")) for block in _dicts(content) if "text" in block]
        if texts:
            return "".join(texts)
    return json.dumps(content)
