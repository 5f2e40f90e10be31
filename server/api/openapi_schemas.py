"""JSON Schemas and operation builders shared by the OpenAPI document's client and management parts.

Request schemas describe the fields the proxy and its translators read; every object stays open
(``additionalProperties`` allowed) because unknown fields are relayed to the upstream untouched.
"""

from __future__ import annotations

from server.jsontypes import JSONObject

__all__ = [
    "ANTHROPIC_ERROR",
    "CHAT_REQUEST",
    "CLAUDE_COUNT_REQUEST",
    "CLAUDE_REQUEST",
    "COMPLETIONS_REQUEST",
    "GEMINI_ERROR",
    "GEMINI_REQUEST",
    "MANAGEMENT_ERROR",
    "OPENAI_ERROR",
    "RESPONSES_REQUEST",
    "body",
    "json_answer",
    "operation",
    "path_param",
    "query_param",
]

_STRING: JSONObject = {"type": "string"}
_TEXT_OR_PARTS: JSONObject = {"oneOf": [_STRING, {"type": "array", "items": {"type": "object"}}]}
_TOOLS: JSONObject = {"type": "array", "items": {"type": "object"}}

CHAT_REQUEST: JSONObject = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": _STRING,
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["role"],
                "properties": {
                    "role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool"]},
                    "content": {"oneOf": [*_TEXT_OR_PARTS["oneOf"], {"type": "null"}]},
                    "tool_calls": _TOOLS,
                    "tool_call_id": _STRING,
                    "name": _STRING,
                },
            },
        },
        "stream": {"type": "boolean"},
        "max_tokens": {"type": "integer", "minimum": 1},
        "max_completion_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number"},
        "top_p": {"type": "number"},
        "tools": _TOOLS,
        "tool_choice": {"oneOf": [_STRING, {"type": "object"}]},
        "reasoning_effort": _STRING,
        "stop": {"oneOf": [_STRING, {"type": "array", "items": _STRING}]},
        "response_format": {"type": "object"},
    },
}
COMPLETIONS_REQUEST: JSONObject = {
    "type": "object",
    "required": ["model", "prompt"],
    "properties": {
        "model": _STRING,
        "prompt": {"oneOf": [_STRING, {"type": "array", "items": _STRING}]},
        "stream": {"type": "boolean"},
        "max_tokens": {"type": "integer", "minimum": 1},
        "echo": {"type": "boolean"},
        "temperature": {"type": "number"},
    },
}
RESPONSES_REQUEST: JSONObject = {
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": _STRING,
        "input": _TEXT_OR_PARTS,
        "instructions": _STRING,
        "stream": {"type": "boolean"},
        "max_output_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number"},
        "tools": _TOOLS,
        "reasoning": {"type": "object", "properties": {"effort": _STRING, "summary": _STRING}},
    },
}
_CLAUDE_MESSAGES: JSONObject = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["role", "content"],
        "properties": {"role": {"type": "string", "enum": ["user", "assistant"]}, "content": _TEXT_OR_PARTS},
    },
}
CLAUDE_REQUEST: JSONObject = {
    "type": "object",
    "required": ["model", "messages", "max_tokens"],
    "properties": {
        "model": _STRING,
        "messages": _CLAUDE_MESSAGES,
        "max_tokens": {"type": "integer", "minimum": 1},
        "system": _TEXT_OR_PARTS,
        "stream": {"type": "boolean"},
        "temperature": {"type": "number"},
        "tools": _TOOLS,
        "tool_choice": {"type": "object"},
        "thinking": {"type": "object", "properties": {"type": _STRING, "budget_tokens": {"type": "integer"}}},
        "stop_sequences": {"type": "array", "items": _STRING},
    },
}
CLAUDE_COUNT_REQUEST: JSONObject = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {"model": _STRING, "messages": _CLAUDE_MESSAGES, "system": _TEXT_OR_PARTS, "tools": _TOOLS},
}
GEMINI_REQUEST: JSONObject = {
    "type": "object",
    "required": ["contents"],
    "properties": {
        "contents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["parts"],
                "properties": {
                    "role": {"type": "string", "enum": ["user", "model"]},
                    "parts": {"type": "array", "items": {"type": "object", "properties": {"text": _STRING}}},
                },
            },
        },
        "systemInstruction": {"type": "object"},
        "generationConfig": {
            "type": "object",
            "properties": {
                "maxOutputTokens": {"type": "integer"},
                "temperature": {"type": "number"},
                "thinkingConfig": {"type": "object"},
            },
        },
        "tools": _TOOLS,
    },
}

OPENAI_ERROR: JSONObject = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {"message": _STRING, "type": _STRING, "code": {"type": ["string", "null"]}},
        }
    },
}
ANTHROPIC_ERROR: JSONObject = {
    "type": "object",
    "required": ["type", "error"],
    "properties": {
        "type": {"const": "error"},
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {"type": _STRING, "message": _STRING},
        },
    },
}
GEMINI_ERROR: JSONObject = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "properties": {"code": {"type": "integer"}, "message": _STRING, "status": _STRING},
        }
    },
}
MANAGEMENT_ERROR: JSONObject = {"type": "object", "required": ["error"], "properties": {"error": _STRING}}


def body(schema: JSONObject, media_type: str = "application/json", *, required: bool = True) -> JSONObject:
    return {"required": required, "content": {media_type: {"schema": schema}}}


def json_answer(description: str = "OK") -> JSONObject:
    return {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}


def path_param(name: str, description: str = "") -> JSONObject:
    return {"name": name, "in": "path", "required": True, "schema": _STRING, "description": description}


def query_param(name: str, schema: JSONObject | None = None) -> JSONObject:
    return {"name": name, "in": "query", "required": False, "schema": schema or _STRING}


def operation(
    summary: str,
    error: str,
    *,
    request_body: JSONObject | None = None,
    parameters: list[JSONObject] | None = None,
    stream: bool = False,
) -> JSONObject:
    """An operation answering JSON (or SSE when ``stream``), with ``error`` (a component) for failures."""
    ok = json_answer()
    if stream:
        ok["content"]["text/event-stream"] = {"schema": {"type": "string"}}
    error_answer = {
        "description": "An error in the caller's own API format",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{error}"}}},
    }
    op: JSONObject = {"summary": summary, "responses": {"200": ok, "default": error_answer}}
    if parameters:
        op["parameters"] = parameters
    if request_body is not None:
        op["requestBody"] = request_body
    return op
