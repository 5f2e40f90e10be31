"""What every management endpoint shares: the per-service context, the auth wrapper, bodies, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from weakref import WeakKeyDictionary

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from server import __version__
from server.api.management.auth import ManagementGuard, Secrets, presented_key
from server.config.edit import ConfigEditor, EditError
from server.jsontypes import JSON, JSONObject, without_lone_surrogates
from server.service import ProxyService

__all__ = [
    "VERSION_HEADERS",
    "ApiError",
    "Handler",
    "Management",
    "json_body",
    "management_for",
    "ok",
    "query_index",
    "route",
    "value_of",
]

_T = TypeVar("_T")

VERSION_HEADERS = {"X-CPA-VERSION": __version__, "X-CPA-COMMIT": "none", "X-CPA-BUILD-DATE": "unknown"}
"""Build metadata sent with every management answer that got past the enablement check."""

_KINDS: dict[type, str] = {bool: "a boolean", int: "an integer", str: "a string"}


class ApiError(Exception):
    """Answer with ``status`` and ``{"error": message}`` (or ``body`` when given)."""

    def __init__(self, status: int, message: str, body: JSONObject | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body

    def response(self) -> Response:
        return JSONResponse(self.body if self.body is not None else {"error": self.message}, self.status)


@dataclass(slots=True)
class Management:
    """The management API's state for one service: the auth guard and the config editor."""

    service: ProxyService
    guard: ManagementGuard
    editor: ConfigEditor


_CONTEXTS: WeakKeyDictionary[ProxyService, Management] = WeakKeyDictionary()


def management_for(service: ProxyService) -> Management:
    """The one Management of ``service`` (created on first use; the event loop is single-threaded)."""
    found = _CONTEXTS.get(service)
    if found is None:
        found = _CONTEXTS[service] = Management(service, ManagementGuard(), ConfigEditor(service))
    return found


Handler = Callable[[Request, Management], Awaitable[Response]]


def _guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        service = request.app.state.service
        assert isinstance(service, ProxyService)
        management = management_for(service)
        remote = service.config.remote_management
        secrets = Secrets.current(
            remote.secret_key, remote.allow_remote, service.options.local_management_key
        )
        peer = request.client.host if request.client is not None else ""
        denied = await management.guard.check(peer, presented_key(request), secrets)
        if denied is not None and denied.status == 404:
            return PlainTextResponse("404 page not found", status_code=404)
        if denied is not None:
            response: Response = JSONResponse({"error": denied.message}, denied.status)
        else:
            try:
                response = await handler(request, management)
            except ApiError as exc:
                response = exc.response()
            except EditError as exc:
                response = JSONResponse({"error": exc.message}, exc.status)
        response.headers.update(VERSION_HEADERS)
        return response

    endpoint.__name__ = handler.__name__
    return endpoint


def route(path: str, handler: Handler, methods: list[str]) -> Route:
    """A management route (path relative to ``/v0/management``) behind the auth guard."""
    return Route(path, _guarded(handler), methods=methods)


def ok(**extra: JSON) -> Response:
    return JSONResponse({"status": "ok", **extra})


async def json_body(request: Request) -> JSON:
    """The parsed JSON body; 400 ``invalid body`` when it is empty or not JSON."""
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "invalid body: the request has no JSON body")
    try:
        return without_lone_surrogates(json.loads(raw), raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "invalid body: not valid JSON") from None


def value_of(body: JSON, kind: type[_T], name: str) -> _T:
    """``body["value"]`` of exactly JSON type ``kind``; 400 ``invalid body`` naming ``name`` otherwise."""
    value = body.get("value") if isinstance(body, dict) else None
    wrong_bool = isinstance(value, bool) and kind is not bool
    if value is None or wrong_bool or not isinstance(value, kind):
        raise ApiError(400, f'invalid body: {name} expects {{"value": {_KINDS.get(kind, kind.__name__)}}}')
    return value


def query_index(request: Request, name: str = "index") -> int | None:
    """The integer query parameter ``name`` (None when absent); 400 ``invalid index`` when not an integer."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ApiError(400, f"invalid {name}: {raw!r} is not an integer") from None
