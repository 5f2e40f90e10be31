"""The Gemini ``generateContent`` wire format: the module-level API of ``server.formats.base``.

Client side: parse_request, build_response, new_encoder, count_response. Upstream side (Gemini
API keys, Vertex; Gemini CLI / Antigravity once their provider unwraps the envelope — the decoder
and parse_response also accept ``{"response": …}``): build_request, parse_response, new_decoder,
parse_count_response.

Function names are sanitised for Gemini on the way up; what Gemini answers carries the sanitised
names, so the caller maps them back with ``restore_tool_name(request_ir, name)`` (the same map is
rebuilt from the request IR each time; valid names map to themselves).
"""

from __future__ import annotations

from server.formats.gemini_request import build_request, parse_request
from server.formats.gemini_response import (
    build_response,
    count_response,
    parse_count_response,
    parse_response,
)
from server.formats.gemini_schema import clean_schema
from server.formats.gemini_stream import GeminiStreamDecoder, GeminiStreamEncoder
from server.formats.gemini_tools import restore_tool_name, tool_name_map
from server.formats.ir import ResponseContext

__all__ = [
    "GeminiStreamDecoder",
    "GeminiStreamEncoder",
    "build_request",
    "build_response",
    "clean_schema",
    "count_response",
    "new_decoder",
    "new_encoder",
    "parse_count_response",
    "parse_request",
    "parse_response",
    "restore_tool_name",
    "tool_name_map",
]


def new_decoder() -> GeminiStreamDecoder:
    """A decoder for one upstream Gemini stream."""
    return GeminiStreamDecoder()


def new_encoder(ctx: ResponseContext) -> GeminiStreamEncoder:
    """An encoder of one Gemini client stream."""
    return GeminiStreamEncoder(ctx)
