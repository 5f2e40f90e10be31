"""What every client endpoint needs: the live state, the pipeline, limits, and the auth check."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from server.api.error_bodies import ErrorFormat, error_response
from server.api.keys import authenticate
from server.errors import ProxyError
from server.pipeline import Pipeline
from server.state import ProxyState

__all__ = ["DEFAULT_BODY_LIMIT", "Edge", "client_endpoint", "edge_of"]

DEFAULT_BODY_LIMIT = 64 * 1024 * 1024
"""Large enough for a few images in base64; bigger bodies get 413."""

Handler = Callable[[Request, "Edge", str], Awaitable[Response]]


@dataclass(slots=True)
class Edge:
    state: ProxyState
    pipeline: Pipeline
    body_limit: int = DEFAULT_BODY_LIMIT
    clock: Callable[[], float] = time.monotonic

    def keepalive(self) -> float:
        """Seconds of upstream silence after which a stream gets an SSE keep-alive comment."""
        return float(max(0, self.state.config.streaming.keepalive_seconds))

    def nonstream_keepalive(self) -> int:
        """Seconds between the newlines a slow non-stream answer gets (0: off), from the live config."""
        return self.state.config.nonstream_keepalive_interval


def edge_of(request: Request) -> Edge:
    edge = request.app.state.edge
    assert isinstance(edge, Edge)
    return edge


def client_endpoint(
    fmt: ErrorFormat | Callable[[Request], ErrorFormat],
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: check the client key, render any ProxyError in ``fmt``.

    The handler receives the request, the edge, and the matched client key ("" when open).
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            chosen = fmt(request) if callable(fmt) else fmt
            edge = edge_of(request)
            try:
                key = authenticate(request, edge.state.config.api_keys)
                return await handler(request, edge, key)
            except ProxyError as exc:
                return error_response(chosen, exc)

        endpoint.__name__ = handler.__name__
        return endpoint

    return wrap
