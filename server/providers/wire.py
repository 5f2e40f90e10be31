"""What every provider does the same way on the wire: body encoding and custom headers."""

from __future__ import annotations

from collections.abc import Iterable

from server import jsoncodec
from server.jsontypes import JSONObject

__all__ = ["encode_body", "with_custom_headers"]


def encode_body(body: JSONObject) -> bytes:
    """Compact UTF-8 JSON, as the official CLIs send it."""
    return jsoncodec.dumps(body)


def with_custom_headers(headers: dict[str, str], custom: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``headers`` with the credential's configured headers applied last (providers.md §1.5).

    Names compare case-insensitively, so a configured ``user-agent`` replaces a default
    ``User-Agent`` instead of sending both.
    """
    for name, value in custom:
        lowered = name.lower()
        for existing in [k for k in headers if k.lower() == lowered]:
            del headers[existing]
        headers[name] = value
    return headers
