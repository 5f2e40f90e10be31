"""The Gemini API provider (Google AI Studio keys on generativelanguage.googleapis.com)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

from server.credential import Credential
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import models_for
from server.providers.from_config import with_custom_headers
from server.providers.retry_hints import google_hint

__all__ = [
    "DEFAULT_BASE_URL",
    "PROVIDER",
    "GeminiApiProvider",
    "gemini_auth_headers",
    "gemini_method",
    "generate_body",
]

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"

_BODY_ONLY_FIELDS = ("model", "session_id")
_COUNT_CONTEXT_FIELDS = (
    "systemInstruction",
    "system_instruction",
    "tools",
    "toolConfig",
    "tool_config",
    "cachedContent",
    "cached_content",
)


def gemini_method(call: UpstreamCall) -> str:
    """The ``:<method>`` part of a Gemini-family URL, with its query.

    Streams always ask for SSE (the pipeline re-frames for ``alt=json`` clients); a non-stream
    call forwards the client's ``alt`` as ``$alt`` (providers.md §9.1).
    """
    if call.action == "count_tokens":
        return "countTokens"
    if call.stream:
        return "streamGenerateContent?alt=sse"
    return f"generateContent?$alt={quote(call.alt)}" if call.alt else "generateContent"


def generate_body(call: UpstreamCall) -> JSONObject:
    """The GenerateContent body: the client's JSON without ``model``/``session_id`` (the model
    travels in the URL)."""
    return {k: v for k, v in call.body.items() if k not in _BODY_ONLY_FIELDS}


def gemini_auth_headers(credential: Credential) -> dict[str, str]:
    """``x-goog-api-key`` for keys, ``Authorization: Bearer`` for OAuth-style credentials."""
    headers = {"Content-Type": "application/json"}
    if credential.kind == "oauth":
        token = credential.api_key or str(credential.metadata.get("access_token", ""))
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers["x-goog-api-key"] = credential.api_key
    return headers


def _count_body(body: JSONObject, model: str) -> JSONObject:
    """A countTokens body: bare ``contents``, or a ``generateContentRequest`` when the prompt
    carries a system instruction, tools or cached content (the API rejects those fields beside
    ``contents``; wrapping them keeps them counted). Generation and safety settings are dropped."""
    if isinstance(body.get("generateContentRequest"), dict):
        inner = dict(body["generateContentRequest"])
        inner.setdefault("model", f"models/{model}")
        return {"generateContentRequest": inner}
    context = {k: body[k] for k in _COUNT_CONTEXT_FIELDS if k in body}
    contents = body.get("contents", [])
    if not context:
        return {"contents": contents}
    return {"generateContentRequest": {"model": f"models/{model}", "contents": contents, **context}}


def _encode(body: JSONObject) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class GeminiApiProvider:
    """Calls ``<base>/v1beta/models/<model>:<method>`` with the key in ``x-goog-api-key``."""

    name = "gemini"
    wire_format: WireFormat = "gemini"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, "gemini", owned_by="google", type_="gemini")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        base = (credential.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        url = f"{base}/v1beta/models/{quote(call.model, safe='-._~')}:{gemini_method(call)}"
        if call.action == "count_tokens":
            body = _count_body(call.body, call.model)
        else:
            body = generate_body(call)
        headers = with_custom_headers(gemini_auth_headers(credential), credential.headers)
        stream = call.stream and call.action == "generate"
        return UpstreamRequest("POST", url, headers, _encode(body), stream=stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return google_hint(status, body, headers, self._clock())


PROVIDER = GeminiApiProvider()
