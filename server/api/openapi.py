"""The OpenAPI 3.1 description of the proxy (client and management endpoints), served at ``/openapi.json``.

The document is public, like ``/`` and ``/healthz``: it is built from code only, identical for every
installation, and carries no config value, key, account, path or whether management is enabled — the
routes it lists are those of the open-source program anyone can read. Keeping it public lets API tools
(Swagger UI, schemathesis, SDK generators) load it without a secret. Every route of the app is described
(``tests/hardening/test_fuzz_openapi.py`` compares the route table with this document).
"""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import __version__
from server.api.openapi_management import management_paths
from server.api.openapi_schemas import (
    ANTHROPIC_ERROR,
    CHAT_REQUEST,
    CLAUDE_COUNT_REQUEST,
    CLAUDE_REQUEST,
    COMPLETIONS_REQUEST,
    GEMINI_ERROR,
    GEMINI_REQUEST,
    MANAGEMENT_ERROR,
    OPENAI_ERROR,
    RESPONSES_REQUEST,
    body,
    json_answer,
    operation,
    path_param,
)
from server.jsontypes import JSONObject

__all__ = ["OPENAPI_PATH", "openapi_document", "openapi_routes"]

OPENAPI_PATH = "/openapi.json"

_CLIENT_SECURITY: list[JSONObject] = [{"bearer": []}, {"xApiKey": []}, {"xGoogApiKey": []}, {"queryKey": []}]
_MODEL = path_param("model", "A model id; Gemini paths also accept ``models/<id>``.")
_TARGET = path_param("target", "``<model>:generateContent``, ``:streamGenerateContent`` or ``:countTokens``.")
_ALT: JSONObject = {
    "name": "alt",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["sse", "json"]},
    "description": "``sse`` streams server-sent events; otherwise a streamed JSON array.",
}


def _client(
    summary: str,
    error: str,
    request: JSONObject | None = None,
    *,
    parameters: list[JSONObject] | None = None,
    stream: bool = False,
) -> JSONObject:
    request_body = body(request) if request is not None else None
    op = operation(summary, error, request_body=request_body, parameters=parameters, stream=stream)
    op["security"] = _CLIENT_SECURITY
    op["tags"] = ["client"]
    return op


def _public(summary: str) -> JSONObject:
    return {"summary": summary, "tags": ["public"], "security": [], "responses": {"200": json_answer()}}


def _gemini_models(summary: str) -> JSONObject:
    return _client(summary, "GeminiError", parameters=[_MODEL])


def _client_paths() -> JSONObject:
    action = _client(
        "Gemini generateContent / streamGenerateContent / countTokens",
        "GeminiError",
        GEMINI_REQUEST,
        parameters=[_TARGET, _ALT],
        stream=True,
    )
    return {
        "/": {"get": _public("Server name, version and main endpoints"), "head": _public("Same as GET")},
        "/healthz": {"get": _public("Liveness probe"), "head": _public("Same as GET")},
        OPENAPI_PATH: {"get": _public("This document")},
        "/management.html": {
            "get": {
                **_public("The original's web control panel, when its file is installed (else 404)"),
                "responses": {"200": {"description": "An HTML page", "content": {"text/html": {}}}},
            }
        },
        "/v1/models": {
            "get": _client(
                "List models (OpenAI shape; Anthropic or Gemini shape for their SDKs)", "OpenAIError"
            )
        },
        "/v1/models/{model}": {
            "get": _client("One model (OpenAI shape)", "OpenAIError", parameters=[_MODEL]),
            "post": {**action, "parameters": [path_param("model", _TARGET["description"]), _ALT]},
        },
        "/v1/chat/completions": {
            "post": _client("OpenAI Chat Completions", "OpenAIError", CHAT_REQUEST, stream=True)
        },
        "/v1/completions": {
            "post": _client(
                "Legacy completions (answered through chat)", "OpenAIError", COMPLETIONS_REQUEST, stream=True
            )
        },
        "/v1/responses": {"post": _client("OpenAI Responses", "OpenAIError", RESPONSES_REQUEST, stream=True)},
        "/v1/messages": {
            "post": _client("Anthropic Messages", "AnthropicError", CLAUDE_REQUEST, stream=True)
        },
        "/v1/messages/count_tokens": {
            "post": _client("Anthropic token counting", "AnthropicError", CLAUDE_COUNT_REQUEST)
        },
        "/v1beta/models": {"get": _client("List models (Gemini shape)", "GeminiError")},
        "/v1beta/models/{model}": {
            "get": _gemini_models("One model (Gemini shape)"),
            "post": {**action, "parameters": [path_param("model", _TARGET["description"]), _ALT]},
        },
    }


def _callback_paths() -> JSONObject:
    """The OAuth redirect targets on the main port (answer an HTML page)."""
    paths: JSONObject = {}
    for name in ("anthropic", "codex", "google", "iflow", "antigravity"):
        op: JSONObject = {
            "summary": f"OAuth redirect target of the {name} login",
            "tags": ["oauth"],
            "security": [],
            "parameters": [
                {"name": key, "in": "query", "required": False, "schema": {"type": "string"}}
                for key in ("code", "state", "error")
            ],
            "responses": {"200": {"description": "An HTML page", "content": {"text/html": {}}}},
        }
        paths[f"/{name}/callback"] = {"get": op, "head": op}
    return paths


@cache
def _document_text() -> str:
    document: JSONObject = {
        "openapi": "3.1.0",
        "info": {
            "title": "CLIProxyAPI for desktop",
            "version": __version__,
            "description": (
                "A local proxy for OpenAI, Anthropic and Gemini API clients. Every client error comes back "
                'in the calling API\'s own format; management errors are {"error": message}.'
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8317"}],
        "paths": {**_client_paths(), **management_paths(), **_callback_paths()},
        "components": {
            "schemas": {
                "OpenAIError": OPENAI_ERROR,
                "AnthropicError": ANTHROPIC_ERROR,
                "GeminiError": GEMINI_ERROR,
                "ManagementError": MANAGEMENT_ERROR,
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A client key of api-keys"},
                "xApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "xGoogApiKey": {"type": "apiKey", "in": "header", "name": "x-goog-api-key"},
                "queryKey": {"type": "apiKey", "in": "query", "name": "key"},
                "managementKey": {"type": "apiKey", "in": "header", "name": "X-Management-Key"},
            },
        },
    }
    return json.dumps(document, separators=(",", ":"))


def openapi_document() -> JSONObject:
    """A fresh copy of the document (callers may change it)."""
    parsed = json.loads(_document_text())
    assert isinstance(parsed, dict)
    return parsed


async def _serve(request: Request) -> Response:
    return Response(_document_text(), media_type="application/json")


def openapi_routes() -> list[Route]:
    return [Route(OPENAPI_PATH, _serve, methods=["GET"])]
