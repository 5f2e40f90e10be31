"""The Vertex API-key provider (Vertex-compatible endpoints speaking the Gemini format)."""

from __future__ import annotations

from server.jsontypes import JSONObject
from server.providers.catalog import CatalogGroup
from server.providers.gemini_api import GeminiApiProvider

__all__ = ["DEFAULT_BASE_URL", "PROVIDER", "VertexProvider"]

DEFAULT_BASE_URL = "https://aiplatform.googleapis.com"
"""Adopted fix: v6.6.0 defaulted to generativelanguage.googleapis.com, which has no such path."""

_COUNT_FIELDS = ("contents", "systemInstruction", "system_instruction", "tools")


class VertexProvider(GeminiApiProvider):
    """Calls ``<base>/v1/publishers/google/models/<model>:<method>`` with ``x-goog-api-key``.

    Vertex's countTokens takes the system instruction and tools beside ``contents``, so those
    are kept and only generation/safety settings are dropped.
    """

    name = "vertex"
    default_base_url = DEFAULT_BASE_URL
    catalogue: CatalogGroup = "vertex"
    owned_by = "vertex"

    def _path(self, model: str) -> str:
        return f"/v1/publishers/google/models/{model}"

    def _count_body(self, body: JSONObject, model: str) -> JSONObject:
        counted = {k: body[k] for k in _COUNT_FIELDS if k in body}
        counted.setdefault("contents", [])
        return counted


PROVIDER = VertexProvider()
