"""The per-request context: request id, route, and the capture a request log file is written from.

The request-log middleware puts a ``RequestContext`` in a context variable; code deeper in the
request (the upstream exchange) reads the route and request id from it and, when the request is
being logged in full, adds one ``UpstreamAttempt`` per upstream call through ``tap_upstream``.
``render`` turns a finished capture into the text of server.md §5.2, secrets masked.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from starlette.types import Scope

from server.credential import Credential
from server.redact import mask_secret, redact_headers, redact_known, redact_query, redact_text, redact_url

__all__ = [
    "BODY_CAP",
    "Body",
    "Capture",
    "RequestContext",
    "UpstreamAttempt",
    "current_context",
    "current_request_id",
    "current_route",
    "note_upstream_failure",
    "render",
    "route_pattern",
    "tap_upstream",
]

BODY_CAP = 4 * 1024 * 1024
"""Bytes of one body kept for a log file; the rest is counted, not kept."""

_PARAM = re.compile(r"\{(\w+)(:path)?\}")


class Body:
    """Bytes of a body up to ``BODY_CAP``, and how many more there were."""

    __slots__ = ("data", "dropped")

    def __init__(self) -> None:
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = BODY_CAP - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))


def _stamp() -> str:
    return datetime.now().astimezone().isoformat()


@dataclass(slots=True)
class UpstreamAttempt:
    """One upstream call of a logged request."""

    index: int
    timestamp: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    auth: str
    response_timestamp: str = ""
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: Body = field(default_factory=Body)
    error: str = ""


@dataclass(slots=True)
class Capture:
    """What a request log file shows. ``full``: upstream attempts are collected too (request-log on)."""

    request_id: str
    started: datetime
    method: str
    path: str
    query: str
    http_version: str
    headers: list[tuple[str, str]]
    full: bool
    body: Body = field(default_factory=Body)
    attempts: list[UpstreamAttempt] = field(default_factory=list)
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: Body = field(default_factory=Body)
    streamed: bool = False


@dataclass(slots=True)
class RequestContext:
    """The running client request as the code below the edge may see it."""

    scope: Scope
    request_id: str
    capture: Capture | None = None


_CURRENT: ContextVar[RequestContext | None] = ContextVar("cliproxy_request", default=None)


def current_context() -> ContextVar[RequestContext | None]:
    """The context variable itself (the middleware sets and resets it)."""
    return _CURRENT


def current_request_id() -> str:
    """The running request's 8-hex id, or "" outside a request."""
    ctx = _CURRENT.get()
    return ctx.request_id if ctx is not None else ""


def route_pattern(path: str) -> str:
    """A Starlette route path in the original's gin notation: ``{x:path}`` → ``*x``, ``{x}`` → ``:x``."""
    return _PARAM.sub(lambda m: ("*" if m.group(2) else ":") + m.group(1), path)


def current_route() -> str:
    """``"<METHOD> <route pattern>"`` of the running request (e.g. ``POST /v1/messages``), or ""."""
    ctx = _CURRENT.get()
    if ctx is None:
        return ""
    scope = ctx.scope
    route = scope.get("route")
    template = getattr(route, "path", None)
    path = route_pattern(template) if isinstance(template, str) else str(scope.get("path", ""))
    return f"{scope.get('method', '')} {path}".strip()


def _auth_line(credential: Credential) -> str:
    head = f"provider={credential.provider}, auth_id={credential.id}, label={credential.label}"
    if credential.kind == "oauth":
        account = credential.metadata.get("email") or credential.label
        return f"{head}, type=oauth account={account}"
    return f"{head}, type=api_key value={mask_secret(credential.api_key) if credential.api_key else ''}"


def _attempt(request: httpx.Request, credential: Credential) -> UpstreamAttempt | None:
    ctx = _CURRENT.get()
    capture = ctx.capture if ctx is not None else None
    if capture is None or not capture.full:
        return None
    try:
        body = request.content
    except httpx.RequestNotRead:
        body = b""
    attempt = UpstreamAttempt(
        index=len(capture.attempts) + 1,
        timestamp=_stamp(),
        method=request.method,
        url=str(request.url),
        headers=list(request.headers.items()),
        body=body,
        auth=_auth_line(credential),
    )
    capture.attempts.append(attempt)
    return attempt


class _Tee(httpx.AsyncByteStream):
    """The upstream body as the client code reads it, copied into the attempt on the way."""

    def __init__(self, inner: httpx.AsyncByteStream, attempt: UpstreamAttempt) -> None:
        self._inner = inner
        self._attempt = attempt

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._attempt.response_body.add(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def tap_upstream(request: httpx.Request, response: httpx.Response, credential: Credential) -> None:
    """Record an upstream call and copy its answer as it is read (only while logged in full)."""
    attempt = _attempt(request, credential)
    if attempt is None:
        return
    attempt.response_timestamp = _stamp()
    attempt.status = response.status_code
    attempt.response_headers = list(response.headers.items())
    if isinstance(response.stream, httpx.AsyncByteStream):
        response.stream = _Tee(response.stream, attempt)


def note_upstream_failure(request: httpx.Request, credential: Credential, error: str) -> None:
    """Record an upstream call that got no answer (only while logged in full)."""
    attempt = _attempt(request, credential)
    if attempt is not None:
        attempt.response_timestamp = _stamp()
        attempt.error = error


# -- rendering -----------------------------------------------------------------------------------


def _decoded(body: Body, headers: Iterable[tuple[str, str]]) -> str:
    data = bytes(body.data)
    encoding = next((v.strip().lower() for k, v in headers if k.lower() == "content-encoding"), "")
    if encoding in ("gzip", "deflate") and data:
        try:
            data = zlib.decompressobj(47 if encoding == "gzip" else 15).decompress(data)
        except zlib.error:
            return f"<{len(data)} bytes, {encoding} encoded, not decodable>"
    elif encoding and encoding != "identity" and data:
        return f"<{len(data)} bytes, {encoding} encoded>"
    text = redact_text(data.decode("utf-8", errors="replace"))
    if body.dropped:
        text += f"\n<{body.dropped} more bytes not logged>"
    return text


def _header_lines(headers: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{name}: {value}" for name, value in redact_headers(headers)]


def render(capture: Capture, version: str) -> str:
    """The log file text of a finished request, every secret masked."""
    url = capture.path + (f"?{redact_query(capture.query)}" if capture.query else "")
    out = [
        "=== REQUEST INFO ===",
        f"Version: {version}",
        f"URL: {url}",
        f"Method: {capture.method}",
        f"Timestamp: {capture.started.isoformat()}",
        f"Request ID: {capture.request_id}",
        "",
        "=== HEADERS ===",
        *_header_lines(capture.headers),
        "",
        "=== REQUEST BODY ===",
        _decoded(capture.body, capture.headers) or "<empty>",
        "",
    ]
    for a in capture.attempts:
        out += [f"=== API REQUEST {a.index} ===", f"Timestamp: {a.timestamp}"]
        out += [
            f"Upstream URL: {redact_url(a.url)}",
            f"HTTP Method: {a.method}",
            f"Auth: {a.auth}",
            "Headers:",
        ]
        out += _header_lines(sorted(a.headers))
        body = redact_text(a.body.decode("utf-8", errors="replace")) if a.body else "<empty>"
        out += ["", "Body:", body, ""]
    for a in capture.attempts:
        if a.status >= 400:
            out += ["=== API ERROR RESPONSE ===", f"HTTP Status: {a.status}"]
            out += [_decoded(a.response_body, a.response_headers), ""]
    for a in capture.attempts:
        out += [f"=== API RESPONSE {a.index} ===", f"Timestamp: {a.response_timestamp}"]
        if a.error:
            out += [f"Error: {redact_text(a.error)}", ""]
            continue
        out += [f"Status: {a.status}", "Headers:", *_header_lines(sorted(a.response_headers)), ""]
        out += ["Body:", _decoded(a.response_body, a.response_headers), ""]
    out += ["=== RESPONSE ===", f"Status: {capture.status}", *_header_lines(capture.response_headers), ""]
    if capture.streamed and not capture.full:
        out.append("<streamed body not captured>")
    else:
        out.append(_decoded(capture.response_body, capture.response_headers))
    return redact_known("\n".join(out) + "\n")
