"""The client API's per-token routes without Starlette's router and exception layers.

Starlette runs every request through ``ServerErrorMiddleware``, the user middleware, ``ExceptionMiddleware``,
the router (trying routes in order) and the route's own exception wrapper: five ``send`` wrappers per
message and a tenth of the proxy's CPU per request. The client endpoints answer every error
themselves (in the client's format), so for ``POST`` to one of their fixed paths ``ProxyApp`` goes
from the same user middleware (CORS, request log, an embedder's) straight to the endpoint. Every
other request — and anything an embedder adds — takes Starlette's full stack as before; an error
that escapes a hot endpoint reaches uvicorn, which logs it and answers 500 as Starlette would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Endpoint", "ProxyApp"]

Endpoint = Callable[[Request], Awaitable[Response]]


class ProxyApp(Starlette):
    """A Starlette app whose ``hot_paths`` (POST only) skip the router and exception layers."""

    hot_paths: Mapping[str, Endpoint] = {}

    def build_middleware_stack(self) -> ASGIApp:
        full = super().build_middleware_stack()
        if not self.hot_paths:
            return full
        fast: ASGIApp = _Endpoints(self.hot_paths)
        # the same middleware as the full stack (one more instance of each class)
        for cls, args, kwargs in reversed(self.user_middleware):
            fast = cls(fast, *args, **kwargs)
        return _Dispatch(full, fast, frozenset(self.hot_paths))


class _Dispatch:
    __slots__ = ("_full", "_fast", "_paths")

    def __init__(self, full: ASGIApp, fast: ASGIApp, paths: frozenset[str]) -> None:
        self._full, self._fast, self._paths = full, fast, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self._paths:
            await self._fast(scope, receive, send)
        else:
            await self._full(scope, receive, send)


class _Endpoints:
    __slots__ = ("_endpoints",)

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        self._endpoints = dict(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoints[scope["path"]]
        scope["endpoint"], scope["path_params"] = endpoint, {}  # what the router would have set
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
