"""Anthropic client endpoints: /v1/messages and /v1/messages/count_tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.api.context import Edge, client_endpoint
from server.api.openai import require_model
from server.api.relay import answer_at, read_json
from server.pipeline import ProxyRequest

__all__ = ["count_tokens", "messages"]


@client_endpoint("claude")
async def messages(request: Request, edge: Edge, key: str) -> Response:
    body = await read_json(request, edge.body_limit)
    proxy_request = ProxyRequest(
        fmt="claude",
        model=require_model(body),
        body=body,
        stream=body.get("stream") not in (None, False),
        headers={k.lower(): v for k, v in request.headers.items()},
        client_key=key,
    )
    return await answer_at(edge, proxy_request, "claude")


@client_endpoint("claude")
async def count_tokens(request: Request, edge: Edge, key: str) -> Response:
    body = await read_json(request, edge.body_limit)
    proxy_request = ProxyRequest(
        fmt="claude",
        model=require_model(body),
        body=body,
        stream=False,
        action="count_tokens",
        headers={k.lower(): v for k, v in request.headers.items()},
        client_key=key,
    )
    return await answer_at(edge, proxy_request, "claude")
