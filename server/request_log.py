"""The request-logging middleware: the access line, and one log file per request (server.md §5.2).

With ``request-log`` on, every captured request (non-GET, not management) gets a file with the
client request, every upstream attempt and the answer. With it off, only requests that end with a
status >= 400 get an ``error-`` file (client side only), and only the ``error-logs-max-files``
newest of those are kept. ``commercial-mode`` (read at start) turns files off entirely. Every
request, captured or not, runs inside a ``RequestContext`` so usage records know their route.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from datetime import datetime

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__
from server.logfiles import LogFiles
from server.redact import redact_query
from server.request_capture import Capture, RequestContext, current_context, render
from server.state import ProxyState

__all__ = ["RequestLogMiddleware", "RequestLogger", "is_captured", "log_file_name"]

log = logging.getLogger(__name__)
access_log = logging.getLogger("server.access")

_UNSAFE = re.compile(r'[/:<>"|?*\s\\\x00-\x1f\x7f]+|\.{2,}')
_DASHES = re.compile(r"-{2,}")
_STEM_LIMIT = 120
"""UTF-8 bytes of the path kept in a log name (file systems allow 255 bytes per name)."""


def log_file_name(path: str, started: datetime, request_id: str) -> str:
    """``<sanitised path>-<YYYY-MM-DDTHHMMSS>-<request id>.log`` (``root`` for ``/``)."""
    stem = _DASHES.sub("-", _UNSAFE.sub("-", path.lstrip("/"))).strip("-.")
    stem = stem.encode("utf-8", "replace")[:_STEM_LIMIT].decode("utf-8", "ignore") or "root"
    return f"{stem}-{started:%Y-%m-%dT%H%M%S}-{request_id}.log"


def is_captured(method: str, path: str) -> bool:
    """Non-GET requests outside the management and ``/api/`` routes (``/api/provider/`` is captured)."""
    if method in ("GET", "OPTIONS"):
        return False
    if path.startswith(("/v0/management", "/management")):
        return False
    return not path.startswith("/api/") or path.startswith("/api/provider/")


def _headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


class RequestLogger:
    """Decides what to capture and writes the files; attached to the live service at start."""

    def __init__(self) -> None:
        self.files: LogFiles | None = None
        self.state: ProxyState | None = None
        self.commercial = False

    def attach(self, files: LogFiles, state: ProxyState, *, commercial: bool) -> None:
        self.files, self.state, self.commercial = files, state, commercial

    def detach(self) -> None:
        self.files = self.state = None

    def begin(self, scope: Scope, request_id: str) -> Capture | None:
        method, path = str(scope.get("method", "")), str(scope.get("path", ""))
        if self.files is None or self.state is None or self.commercial or not is_captured(method, path):
            return None
        return Capture(
            request_id=request_id,
            started=datetime.now().astimezone(),
            method=method,
            path=path,
            query=bytes(scope.get("query_string", b"")).decode("latin-1"),
            http_version=str(scope.get("http_version", "1.1")),
            headers=_headers(list(scope.get("headers", []))),
            full=self.state.config.request_log,
        )

    async def finish(self, capture: Capture) -> None:
        """Write the capture's file if it is due; never raises."""
        files, state = self.files, self.state
        if files is None or state is None or not (capture.full or capture.status >= 400):
            return
        name = log_file_name(capture.path, capture.started, capture.request_id)
        keep = state.config.error_logs_max_files

        def write() -> None:
            text = render(capture, __version__)
            if capture.full:
                files.write_log(name, text)
            else:
                files.write_error_log(name, text, keep=keep)

        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(write)
        except OSError as exc:
            log.warning("could not write the request log %s: %s", name, exc.strerror or exc)
        except Exception:
            log.exception("could not write the request log %s", name)


class RequestLogMiddleware:
    """ASGI middleware around every route: request context, capture and access line."""

    def __init__(self, app: ASGIApp, logger: RequestLogger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(4)
        capture = self.logger.begin(scope, request_id)
        status = 0
        started = time.monotonic()

        async def receive_logged() -> Message:
            message = await receive()
            if capture is not None and message["type"] == "http.request":
                capture.body.add(message.get("body", b""))
            return message

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if capture is not None:
                    capture.status = status
                    capture.response_headers = _headers(list(message.get("headers", [])))
                    media = next((v for k, v in capture.response_headers if k.lower() == "content-type"), "")
                    capture.streamed = media.startswith("text/event-stream")
            elif message["type"] == "http.response.body" and capture is not None:
                # Without request-log only an error answer is written (finish), so only its body is kept.
                if capture.full or (not capture.streamed and capture.status >= 400):
                    capture.response_body.add(message.get("body", b""))
            await send(message)

        variable = current_context()
        token = variable.set(RequestContext(scope, request_id, capture))
        try:
            await self.app(scope, receive_logged if capture is not None else receive, send_logged)
        except Exception:
            status = status or 500
            if capture is not None:
                capture.status = status
            raise
        finally:
            _access(scope, status, time.monotonic() - started)  # inside the context: it shows the request id
            variable.reset(token)
            if capture is not None:
                await self.logger.finish(capture)


def _access(scope: Scope, status: int, seconds: float) -> None:
    path = str(scope.get("path", ""))
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    shown = path + (f"?{_safe_query(query)}" if query else "")
    client = scope.get("client")
    peer = client[0] if client else "-"
    if path.startswith(("/v0/management", "/management")) or path in ("/healthz", "/keep-alive"):
        level = logging.DEBUG
    else:
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    access_log.log(
        level, "%3d | %9.3fms | %15s | %s %s", status, seconds * 1000, peer, scope.get("method"), shown
    )


_SECRET_QUERY_WORDS = ("key", "token", "secret", "password", "%", "+")


def _safe_query(query: str) -> str:
    """``redact_query`` only when a parameter could be a secret (every name it masks holds one of
    these words; escapes are decoded by it): the usual ``beta=true`` costs nothing."""
    lowered = query.lower()
    if any(word in lowered for word in _SECRET_QUERY_WORDS):
        return redact_query(query)
    return query
