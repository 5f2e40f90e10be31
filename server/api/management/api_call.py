"""``POST /api-call``: an HTTP call made with a credential's token and proxy (panels' quota checks).

Body ``{"auth_index", "method", "url", "header": {name: value}, "data"}`` (server.md §3.4, later
additions). ``auth_index`` is what ``/auth-files`` lists for a file (16 hex of SHA-256 over
``file:<name>``); the usage records' forms (``api_key:<key>``, ``id:<id>``) and a plain credential
id are accepted too. ``$TOKEN$`` in a header value becomes the credential's current access token
(an account's token is refreshed first when it is due, through the service's TokenSource; an API
key credential gives its key). The call goes through the HTTP client of the credential's proxy
(else the global ``proxy-url``). Answer ``{"status_code", "header": {name: [values]}, "body":
<text>}``; 400 names the bad field, 404 unknown ``auth_index``, 502 when the call itself fails.
Neither the token nor the headers are ever logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, json_body, route
from server.api.management.runtime import accounts_of
from server.credential import Credential
from server.exchange import describe
from server.jsontypes import JSONObject

__all__ = ["TOKEN_PLACEHOLDER", "api_call_routes", "auth_indexes"]

log = logging.getLogger(__name__)

TOKEN_PLACEHOLDER = "$TOKEN$"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
_MAX_BODY = 16 * 1024 * 1024


def _hex16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def auth_indexes(credential: Credential, file_name: str | None) -> set[str]:
    """Every ``auth_index`` form that names ``credential``."""
    found = {credential.id, _hex16(f"id:{credential.id}")}
    if file_name:
        found.add(_hex16(f"file:{file_name}"))
    if credential.kind == "apikey" and credential.api_key:
        found.add(_hex16(f"api_key:{credential.api_key}"))
    return found


def _field(body: JSONObject, name: str, *, required: bool) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and name == "auth_index":
        value = str(value)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, f'invalid body: "{name}" must be a non-empty string')
    return value.strip()


def _headers(body: JSONObject) -> dict[str, str]:
    raw = body.get("header", body.get("headers"))
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ApiError(400, 'invalid body: "header" must be an object of strings')
    return {str(k): v for k, v in raw.items()}


def _data(body: JSONObject) -> bytes:
    data = body.get("data")
    if data is None or data == "":
        return b""
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, dict | list):
        return json.dumps(data, separators=(",", ":")).encode()
    raise ApiError(400, 'invalid body: "data" must be a string or JSON')


def _find(m: Management, auth_index: str) -> Credential:
    file_of = getattr(accounts_of(m.service), "file_of", None)
    for credential in m.service.state.credentials:
        name = file_of(credential.id) if callable(file_of) else None
        if auth_index in auth_indexes(credential, name if isinstance(name, str) else None):
            return credential
    raise ApiError(404, f"auth_index not found: {auth_index}")


async def api_call(request: Request, m: Management) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid body: expected a JSON object")
    auth_index = _field(body, "auth_index", required=True)
    method = (_field(body, "method", required=False) or "GET").upper()
    if method not in _METHODS:
        raise ApiError(400, f'invalid body: "method" must be one of {", ".join(sorted(_METHODS))}')
    url = _field(body, "url", required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(400, 'invalid body: "url" must be an absolute http(s) URL')
    headers, content = _headers(body), _data(body)
    credential = _find(m, auth_index)
    source = m.service.state.token_source
    if any(TOKEN_PLACEHOLDER in value for value in headers.values()):
        if credential.kind == "oauth" and source is not None:
            credential = await source(credential)
        token = credential.api_key or str(credential.metadata.get("access_token") or "")
        headers = {k: v.replace(TOKEN_PLACEHOLDER, token) for k, v in headers.items()}
    client = m.service.clients.get(credential.proxy_url or m.service.config.proxy_url)
    try:
        built = client.build_request(method, url, headers=headers, content=content, timeout=_TIMEOUT)
        response = await client.send(built, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > _MAX_BODY:
                    raise ApiError(502, "upstream answer is larger than 16 MiB")
                chunks.append(chunk)
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        log.info("api-call for %s to %s failed: %s", credential.id, parts.netloc, type(exc).__name__)
        message = describe(exc)
        raise ApiError(502, message, {"error": "request_failed", "message": message}) from None
    grouped: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        grouped.setdefault(name.title(), []).append(value)
    try:
        text = b"".join(chunks).decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        text = b"".join(chunks).decode("utf-8", errors="replace")
    return JSONResponse({"status_code": response.status_code, "header": grouped, "body": text})


def api_call_routes() -> list[BaseRoute]:
    return [route("/api-call", api_call, ["POST"])]
