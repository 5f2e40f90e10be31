"""Render a ProxyError in the calling client API's own error format (body and in-stream event)."""

from __future__ import annotations

import html
import json
import re
from typing import Literal

from starlette.responses import Response

from server.errors import ModelCooldown, ProxyError, UpstreamError
from server.jsontypes import JSONObject

__all__ = ["ErrorFormat", "error_response", "stream_error"]

ErrorFormat = Literal["openai", "openai-responses", "claude", "gemini"]

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_HTML_SUMMARY_LIMIT = 160

_OPENAI_TYPES = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_quota"),
    404: ("invalid_request_error", "model_not_found"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}
_CLAUDE_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def error_response(fmt: ErrorFormat, error: ProxyError) -> Response:
    """The HTTP response for ``error`` as the client's own API would have sent it."""
    body = _body(fmt, error)
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=error.status,
        media_type="application/json",
        headers=error.response_headers(),
    )


def stream_error(fmt: ErrorFormat, error: ProxyError) -> bytes:
    """An error event to end a stream that already sent HTTP 200."""
    body = _body(fmt, error)
    if fmt == "claude":
        return b"event: error\ndata: " + _dump(body) + b"\n\n"
    if fmt == "openai-responses":
        detail = body.get("error", {})
        event = {
            "type": "error",
            "code": detail.get("code") or detail.get("type"),
            "message": detail.get("message", error.message),
        }
        return b"event: error\ndata: " + _dump(event) + b"\n\n"
    return b"data: " + _dump(body) + b"\n\n"


def _body(fmt: ErrorFormat, error: ProxyError) -> JSONObject:
    upstream = _upstream_json(error)
    if fmt == "claude":
        return _claude(error, upstream)
    if fmt == "gemini":
        return _gemini(error, upstream)
    return _openai(error, upstream)


def _openai(error: ProxyError, upstream: JSONObject | None) -> JSONObject:
    if upstream is not None and _openai_shaped(upstream):
        return upstream
    if isinstance(error, ModelCooldown):
        cooldown = dict(error.body()["error"])
        cooldown["type"] = "rate_limit_error"
        return {"error": cooldown}
    default_type, default_code = _OPENAI_TYPES.get(
        error.status, ("server_error" if error.status >= 500 else "invalid_request_error", None)
    )
    code = error.code or default_code
    detail: JSONObject = {"message": _message(error, upstream), "type": default_type, "code": code}
    if error.status == 401:
        detail["type"], detail["code"] = "authentication_error", "invalid_api_key"
    return {"error": detail}


def _openai_shaped(upstream: JSONObject) -> bool:
    """An OpenAI error body (``error.type``), not a Claude (top-level ``type``) or Google one."""
    inner = upstream.get("error")
    return isinstance(inner, dict) and "type" in inner and "type" not in upstream


def _claude(error: ProxyError, upstream: JSONObject | None) -> JSONObject:
    if upstream is not None and upstream.get("type") == "error" and isinstance(upstream.get("error"), dict):
        return upstream
    kind = _CLAUDE_TYPES.get(error.status, "api_error" if error.status >= 500 else "invalid_request_error")
    if upstream is not None:
        inner = upstream.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("type"), str) and error.status < 500:
            kind = inner["type"]
    return {"type": "error", "error": {"type": kind, "message": _message(error, upstream)}}


def _gemini(error: ProxyError, upstream: JSONObject | None) -> JSONObject:
    if upstream is not None:
        inner = upstream.get("error")
        if isinstance(inner, dict) and "code" in inner and "status" in inner:
            return upstream
    status = _GOOGLE_STATUS.get(error.status, "INTERNAL" if error.status >= 500 else "INVALID_ARGUMENT")
    return {"error": {"code": error.status, "message": _message(error, upstream), "status": status}}


def _message(error: ProxyError, upstream: JSONObject | None) -> str:
    if upstream is not None:
        inner = upstream.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if isinstance(upstream.get("message"), str):
            return str(upstream["message"])
    if isinstance(error, UpstreamError) and _is_html(error):
        return _html_summary(error)
    return error.message


def _is_html(error: UpstreamError) -> bool:
    head = error.body.lstrip()[:15].lower()
    return "html" in error.content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _html_summary(error: UpstreamError) -> str:
    """A gateway's HTML error page as one short line: its title, else its visible text."""
    text = error.body.decode("utf-8", "replace")
    title = _TITLE.search(text)
    visible = title.group(1) if title else _TAG.sub(" ", _HIDDEN.sub(" ", text))
    summary = " ".join(html.unescape(_TAG.sub(" ", visible)).split())[:_HTML_SUMMARY_LIMIT]
    prefix = f"upstream answered HTTP {error.status} with an HTML page"
    return f"{prefix}: {summary}" if summary else prefix


def _upstream_json(error: ProxyError) -> JSONObject | None:
    if not isinstance(error, UpstreamError) or not error.body:
        return None
    try:
        parsed = json.loads(error.body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
