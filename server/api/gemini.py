"""Gemini client endpoints: /v1beta/models, /v1beta/models/{model} and {model}:{method}."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.api.context import Edge, client_endpoint
from server.api.relay import answer_at, read_json
from server.errors import ProxyError
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.pipeline import ProxyRequest
from server.providers.base import Action

__all__ = ["get_model", "list_models", "model_action"]

_METHODS: dict[str, tuple[Action, bool]] = {
    "generateContent": ("generate", False),
    "streamGenerateContent": ("generate", True),
    "countTokens": ("count_tokens", False),
}


class _NotFound(ProxyError):
    status = 404
    error_type = "not_found"


@client_endpoint("gemini")
async def list_models(request: Request, edge: Edge, key: str) -> Response:
    models = edge.state.pool.list_models(edge.clock())
    return JSONResponse({"models": [_gemini_model(m) for m in models]})


@client_endpoint("gemini")
async def get_model(request: Request, edge: Edge, key: str) -> Response:
    wanted = _strip_models(request.path_params["model"]).lower()
    for model in edge.state.pool.list_models(edge.clock()):
        if model.id.lower() == wanted:
            return JSONResponse(_gemini_model(model))
    raise _NotFound(f"models/{wanted} is not found")


@client_endpoint("gemini")
async def model_action(request: Request, edge: Edge, key: str) -> Response:
    target = request.path_params["target"]
    model, sep, method = target.rpartition(":")
    if not sep or not model or method not in _METHODS:
        raise _NotFound(f"{request.url.path} not found.")
    action, stream = _METHODS[method]
    body = await read_json(request, edge.body_limit)
    alt = request.query_params.get("alt") or request.query_params.get("$alt") or ""
    proxy_request = ProxyRequest(
        fmt="gemini",
        model=_strip_models(model),
        body=body,
        stream=stream,
        action=action,
        headers={k.lower(): v for k, v in request.headers.items()},
        alt=alt,
        client_key=key,
    )
    return await answer_at(edge, proxy_request, "gemini")


def _strip_models(name: str) -> str:
    return name[len("models/") :] if name.startswith("models/") else name


def _gemini_model(model: ModelInfo) -> JSONObject:
    entry: JSONObject = {
        "name": f"models/{model.id}",
        "displayName": model.display_name or model.id,
        "supportedGenerationMethods": list(model.generation_methods or ("generateContent",)),
    }
    if model.version:
        entry["version"] = model.version
    if model.description:
        entry["description"] = model.description
    if model.context_length:
        entry["inputTokenLimit"] = model.context_length
    if model.max_completion_tokens:
        entry["outputTokenLimit"] = model.max_completion_tokens
    return entry
