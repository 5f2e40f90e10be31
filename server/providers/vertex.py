"""The Vertex API-key provider (Vertex-compatible endpoints speaking the Gemini format)."""

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
from server.providers.gemini_api import gemini_auth_headers, gemini_method, generate_body
from server.providers.retry_hints import google_hint

__all__ = ["DEFAULT_BASE_URL", "PROVIDER", "VertexProvider"]

DEFAULT_BASE_URL = "https://aiplatform.googleapis.com"
"""Adopted fix: v6.6.0 defaulted to generativelanguage.googleapis.com, which has no such path."""

_COUNT_FIELDS = ("contents", "systemInstruction", "system_instruction", "tools")


def _encode(body: JSONObject) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class VertexProvider:
    """Calls ``<base>/v1/publishers/google/models/<model>:<method>`` with ``x-goog-api-key``.

    Vertex's countTokens takes the system instruction and tools beside ``contents``, so those
    are kept and only generation/safety settings are dropped.
    """

    name = "vertex"
    wire_format: WireFormat = "gemini"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, "vertex", owned_by="vertex", type_="gemini")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        base = (credential.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        model = quote(call.model, safe="-._~")
        url = f"{base}/v1/publishers/google/models/{model}:{gemini_method(call)}"
        if call.action == "count_tokens":
            body = {k: call.body[k] for k in _COUNT_FIELDS if k in call.body}
            body.setdefault("contents", [])
        else:
            body = generate_body(call)
        headers = with_custom_headers(gemini_auth_headers(credential), credential.headers)
        stream = call.stream and call.action == "generate"
        return UpstreamRequest("POST", url, headers, _encode(body), stream=stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return google_hint(status, body, headers, self._clock())


PROVIDER = VertexProvider()
