"""The Gemini API provider (Google AI Studio keys on generativelanguage.googleapis.com)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

from server.credential import Credential
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import CatalogGroup, models_for
from server.providers.retry_hints import google_hint
from server.providers.wire import encode_body, with_custom_headers

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

    Streams ask for SSE unless the client chose another ``alt`` (then the upstream's framing is
    relayed as is); a non-stream call forwards the client's ``alt`` as ``$alt`` (providers.md §9.1).
    """
    if call.action == "count_tokens":
        return "countTokens"
    if call.stream:
        # SSE unless the client asked for another framing (alt=json: a streamed JSON array).
        alt = call.alt if call.alt and call.alt != "sse" else "sse"
        return f"streamGenerateContent?alt={quote(alt)}"
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


class GeminiApiProvider:
    """Calls ``<base>/v1beta/models/<model>:<method>`` with the key in ``x-goog-api-key``.

    Vertex differs only in its path, default host and countTokens body: it subclasses this and
    overrides ``_path`` and ``_count_body``.
    """

    name = "gemini"
    wire_format: WireFormat = "gemini"
    default_base_url = DEFAULT_BASE_URL
    catalogue: CatalogGroup = "gemini"
    owned_by = "google"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, self.catalogue, owned_by=self.owned_by, type_="gemini")

    def _path(self, model: str) -> str:
        return f"/v1beta/models/{model}"

    def _count_body(self, body: JSONObject, model: str) -> JSONObject:
        return _count_body(body, model)

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        base = (credential.base_url.strip() or self.default_base_url).rstrip("/")
        url = f"{base}{self._path(quote(call.model, safe='-._~'))}:{gemini_method(call)}"
        if call.action == "count_tokens":
            body = self._count_body(call.body, call.model)
        else:
            body = generate_body(call)
        headers = with_custom_headers(gemini_auth_headers(credential), credential.headers)
        stream = call.stream and call.action == "generate"
        return UpstreamRequest("POST", url, headers, encode_body(body), stream=stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return google_hint(status, body, headers, self._clock())


PROVIDER = GeminiApiProvider()
