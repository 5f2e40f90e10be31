"""OpenAI client endpoints: /v1/chat/completions, /v1/responses, /v1/completions, /v1/models."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from server.api import gemini
from server.api.context import Edge, client_endpoint
from server.api.error_bodies import ErrorFormat
from server.api.relay import RelayStreamingResponse, answer_at, read_json
from server.api.waiting import WaitingResponse
from server.errors import BadRequest, ModelNotFound
from server.formats import legacy_completions as legacy
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.pipeline import ProxyRequest
from server.providers.base import WireFormat

__all__ = [
    "chat_completions",
    "completions",
    "get_model",
    "list_models",
    "models_format",
    "require_model",
    "responses",
]


def _headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def require_model(body: JSONObject) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise BadRequest("Invalid request: 'model' must be a non-empty string")
    return model.strip()


async def _openai_family(request: Request, edge: Edge, key: str, fmt: WireFormat) -> Response:
    body = await read_json(request, edge.body_limit)
    proxy_request = ProxyRequest(
        fmt=fmt,
        model=require_model(body),
        body=body,
        stream=body.get("stream") is True,
        headers=_headers(request),
        client_key=key,
    )
    return await answer_at(edge, proxy_request, "openai" if fmt == "openai" else "openai-responses")


@client_endpoint("openai")
async def chat_completions(request: Request, edge: Edge, key: str) -> Response:
    return await _openai_family(request, edge, key, "openai")


@client_endpoint("openai-responses")
async def responses(request: Request, edge: Edge, key: str) -> Response:
    return await _openai_family(request, edge, key, "openai-responses")


@client_endpoint("openai")
async def completions(request: Request, edge: Edge, key: str) -> Response:
    """The legacy completions API, answered as a chat request and converted back (§1.6)."""
    body = await read_json(request, edge.body_limit)
    chat = legacy.chat_request(body)
    model = require_model(body)
    proxy_request = ProxyRequest(
        fmt="openai",
        model=model,
        body=chat,
        stream=chat.get("stream") is True,
        headers=_headers(request),
        client_key=key,
    )
    response = await answer_at(edge, proxy_request, "openai")
    echo = legacy.echo_text(body)
    if isinstance(response, WaitingResponse):
        return response.then(lambda done: _as_completion(done, echo, model))
    return _as_completion(response, echo, model)


def _as_completion(response: Response, echo: str, model: str) -> Response:
    """The chat answer ``response`` rewritten as a legacy completion (an error passes unchanged)."""
    if response.status_code != 200:
        return response  # already an OpenAI error body
    if isinstance(response, RelayStreamingResponse):
        return _RewrittenStream(response, legacy.CompletionStream(echo, model))
    try:
        answered = json.loads(bytes(response.body))
    except ValueError:
        return response
    if not isinstance(answered, dict):
        return response
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    }
    return JSONResponse(legacy.completion_body(answered, echo, model), headers=headers)


class _RewrittenStream(Response):
    """A relayed chat stream whose body chunks go through a ``CompletionStream`` on the way out
    (keep-alive comments pass untouched)."""

    def __init__(self, inner: Response, stream: legacy.CompletionStream) -> None:
        self._inner = inner
        self._stream = stream
        self.status_code = inner.status_code
        self.background = None
        self.raw_headers = inner.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.body":
                body = bytes(message.get("body", b""))
                out = body if body.startswith(b":") else self._stream.feed(body)
                if not message.get("more_body", False):
                    out += self._stream.finish()
                message = {**message, "body": out}
            await send(message)

        await self._inner(scope, receive, rewrite)


def models_format(request: Request) -> ErrorFormat:
    """Claude Code and Anthropic SDK callers get the Anthropic list shape; Google's SDKs (they send
    ``x-goog-api-client`` and google-genai defaults to ``/v1``) get the Gemini shape."""
    if "x-goog-api-client" in request.headers:
        return "gemini"
    agent = request.headers.get("user-agent", "")
    if agent.startswith("claude-cli") or "anthropic-version" in request.headers:
        return "claude"
    return "openai"


@client_endpoint(models_format)
async def list_models(request: Request, edge: Edge, key: str) -> Response:
    if models_format(request) == "gemini":
        return await gemini.list_models(request)
    models = edge.state.pool.list_models(edge.clock())
    if models_format(request) == "claude":
        return JSONResponse(_claude_list(models))
    return JSONResponse({"object": "list", "data": [_openai_model(m) for m in models]})


@client_endpoint(models_format)
async def get_model(request: Request, edge: Edge, key: str) -> Response:
    if models_format(request) == "gemini":
        return await gemini.get_model(request)
    wanted = request.path_params["model"]
    for model in edge.state.pool.list_models(edge.clock()):
        if model.id == wanted:
            if models_format(request) == "claude":
                return JSONResponse(_claude_list([model])["data"][0])
            return JSONResponse(_openai_model(model))
    raise ModelNotFound(wanted)


def _openai_model(model: ModelInfo) -> JSONObject:
    return {"id": model.id, "object": "model", "created": model.created, "owned_by": model.owned_by}


def _claude_list(models: list[ModelInfo]) -> JSONObject:
    data = [
        {
            "id": m.id,
            "type": "model",
            "display_name": m.display_name or m.id,
            "created_at": datetime.fromtimestamp(m.created, UTC).isoformat().replace("+00:00", "Z"),
            "object": "model",
            "owned_by": m.owned_by,
            "created": m.created,
        }
        for m in models
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
