"""The CORS policy: which web pages may use the proxy from a browser (docs/security.md has the why).

The original allows every origin on every path. Here:

- The management API (``/v0/management``) never sends CORS headers, and a request whose ``Origin`` is
  not the server's own (``scheme://Host``) is refused with 403 before any authentication — so no web
  page can drive it from a browser, not even its preflight. The web control panel served by the proxy
  itself is same-origin and keeps working.
- The client API keeps the original's allow-all CORS while client API keys are configured (a page
  must then know a key). With an empty ``api-keys`` list (an open proxy), a request from a browser
  page whose ``Origin`` is not a loopback origin is refused with 403 and gets no CORS headers, so a
  web page the user happens to visit cannot spend their subscriptions. Clients that are not browsers
  (SDKs, CLIs, editors) send no ``Origin`` and are not affected.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CORSMiddleware", "MANAGEMENT_PREFIX", "is_loopback_origin"]

MANAGEMENT_PREFIX = "/v0/management"

_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    (b"access-control-allow-headers", b"*, Authorization"),
]
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback_origin(origin: str) -> bool:
    """True for ``http(s)://localhost|127.0.0.1|[::1][:port]``."""
    try:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and (parts.hostname or "") in _LOOPBACK_HOSTS
    except ValueError:
        return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _same_origin(origin: str, scope: Scope) -> bool:
    host = _header(scope, b"host")
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return host is not None and origin.rstrip("/").lower() == f"{scheme}://{host}".lower()


def _open_proxy(scope: Scope) -> bool:
    """True when no client API keys are configured (every local client is let in)."""
    app = scope.get("app")
    service = getattr(getattr(app, "state", None), "service", None)
    config = getattr(service, "config", None)
    return config is not None and not config.api_keys


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"error": {"message": message, "type": "permission_error"}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CORSMiddleware:
    """Applies the policy above; an allowed ``OPTIONS`` is 204 before any auth, as in the original."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        origin = _header(scope, b"origin")
        if path == MANAGEMENT_PREFIX or path.startswith(MANAGEMENT_PREFIX + "/"):
            if origin is not None and not _same_origin(origin, scope):
                await _refuse(send, "cross-origin requests to the management API are not allowed")
                return
            await self.app(scope, receive, send)
            return
        if origin is not None and not is_loopback_origin(origin) and _open_proxy(scope):
            await _refuse(send, "browser requests from other sites need a client API key (api-keys)")
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": list(_CORS)})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_CORS]
            await send(message)

        await self.app(scope, receive, send_with_cors)
