"""The Antigravity request body: the Code Assist envelope plus what the IDE backend expects.

Pure (ids are passed in). providers.md §3.4 / translation.md §2.3: ``userAgent: "antigravity"``,
``requestId``, ``request.sessionId``; ``request.safetySettings`` removed; function calling mode
``VALIDATED``; a ``thinkingLevel`` becomes ``thinkingBudget: -1`` outside ``gemini-3-*``; Claude-backed
models get plain ``parameters`` schemas without the keywords they reject and a thinking budget that
fits below the output limit; other models lose ``maxOutputTokens``.
"""

from __future__ import annotations

import copy

from server.jsontypes import JSON, JSONObject
from server.providers.google_models import antigravity_client_name, antigravity_model_info

__all__ = ["antigravity_body", "strip_claude_schema"]

_CLAUDE_REJECTED = frozenset(
    {"$schema", "maxItems", "minItems", "minLength", "maxLength", "exclusiveMinimum", "exclusiveMaximum",
     "$ref", "$defs"}
)  # fmt: skip


def antigravity_body(
    body: JSONObject, model: str, *, project: str, request_id: str, session_id: str
) -> JSONObject:
    """The envelope for upstream ``model`` around the Gemini ``body`` (left unchanged)."""
    request = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("model", "session_id")}
    request.pop("safetySettings", None)
    request.pop("safety_settings", None)
    _validated_tools(request)
    request["sessionId"] = session_id
    config = request.get("generationConfig")
    if isinstance(config, dict):
        _fit_thinking(config, model)
        if not _is_claude(model):
            config.pop("maxOutputTokens", None)
    if _is_claude(model):
        _claude_schemas(request)
    return {
        "model": model,
        "userAgent": "antigravity",
        "project": project,
        "requestId": request_id,
        "request": request,
    }


def _is_claude(model: str) -> bool:
    return "claude" in model.lower()


def _validated_tools(request: JSONObject) -> None:
    """``toolConfig.functionCallingConfig.mode = VALIDATED`` (a client's explicit NONE is kept:
    forcing VALIDATED there would let the model call tools the client ruled out)."""
    config, snake = request.pop("toolConfig", None), request.pop("tool_config", None)
    if not isinstance(config, dict):
        config = snake if isinstance(snake, dict) else {}
    calling = config.pop("functionCallingConfig", None)
    snake = config.pop("function_calling_config", None)
    if not isinstance(calling, dict):
        calling = snake if isinstance(snake, dict) else {}
    if str(calling.get("mode", "")).upper() != "NONE":
        calling["mode"] = "VALIDATED"
    config["functionCallingConfig"] = calling
    request["toolConfig"] = config


def _fit_thinking(config: JSONObject, model: str) -> None:
    thinking = config.get("thinkingConfig")
    if not isinstance(thinking, dict):
        return
    if not model.lower().startswith("gemini-3-") and "thinkingLevel" in thinking:
        del thinking["thinkingLevel"]
        thinking["thinkingBudget"] = -1
    if not _is_claude(model) or "thinkingBudget" not in thinking:
        return
    info = antigravity_model_info(antigravity_client_name(model) or model)
    limit = config.get("maxOutputTokens")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        limit = info.max_completion_tokens
        if limit > 0:
            config["maxOutputTokens"] = limit
    budget = thinking["thinkingBudget"]
    if not isinstance(budget, int) or isinstance(budget, bool):
        return
    if limit > 0 and budget >= limit:
        budget = limit - 1
    minimum = info.thinking.min if info.thinking is not None else 0
    if budget < minimum or budget < 0:
        del config["thinkingConfig"]
        return
    thinking["thinkingBudget"] = budget


def _claude_schemas(request: JSONObject) -> None:
    tools = request.get("tools")
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        for key in ("functionDeclarations", "function_declarations"):
            declarations = tool.get(key)
            for decl in declarations if isinstance(declarations, list) else []:
                if not isinstance(decl, dict):
                    continue
                schema = decl.pop("parametersJsonSchema", None)
                schema = decl.pop("parameters_json_schema", schema)
                if schema is None:
                    schema = decl.get("parameters")
                if schema is not None:
                    decl["parameters"] = _with_placeholder(strip_claude_schema(schema))


def _with_placeholder(schema: JSON) -> JSON:
    """An object schema without properties gets one optional placeholder property: Antigravity's
    VALIDATED mode rejects a Claude tool whose object has none (translation.md §8 case 18)."""
    if isinstance(schema, dict) and schema.get("type") == "object" and not schema.get("properties"):
        placeholder = {"type": "boolean", "description": "Unused: this tool takes no arguments."}
        return {**schema, "properties": {"_placeholder": placeholder}}
    return schema


def strip_claude_schema(schema: JSON) -> JSON:
    """``schema`` without the keywords Claude-backed models reject; each ``anyOf`` collapses to
    its first alternative (merged into the node that held it)."""
    if isinstance(schema, list):
        return [strip_claude_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node: JSONObject = {}
    for key, value in schema.items():
        if key in _CLAUDE_REJECTED or key == "anyOf":
            continue
        node[key] = strip_claude_schema(value)
    alternatives = schema.get("anyOf")
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        first = strip_claude_schema(alternatives[0])
        if isinstance(first, dict):
            node.update(first)
    return node
