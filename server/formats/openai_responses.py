"""The OpenAI Responses API wire format (``/v1/responses``; Codex CLI as client, Codex as upstream).

The module-level API every format has (``server.formats.base``); the work is done in
``openai_responses_request`` (request → IR), ``openai_responses_build`` (IR → request),
``openai_responses_response`` (answers), ``openai_responses_stream`` (upstream events → IR) and
``openai_responses_encode`` (IR → client events). ``openai_responses_items`` holds the item ↔ part
mapping they share.

Besides the format functions this module exports ``tool_name_map``: names over 64 characters are
shortened in requests built for a Responses upstream (§4.0), and whoever turns that upstream's
answer back into the client's format inverts this map to restore the client's names.

Token counts use the shape of ``POST /v1/responses/input_tokens``:
``{"object": "response.input_tokens", "input_tokens": N}``.
"""

from __future__ import annotations

from server.formats import ir
from server.formats.base import StreamDecoder, StreamEncoder
from server.formats.openai_responses_build import build_request, tool_name_map
from server.formats.openai_responses_encode import ResponsesEncoder
from server.formats.openai_responses_request import parse_request
from server.formats.openai_responses_response import build_response, parse_response
from server.formats.openai_responses_stream import ResponsesDecoder
from server.jsontypes import JSONObject

__all__ = [
    "build_request",
    "build_response",
    "count_response",
    "new_decoder",
    "new_encoder",
    "parse_count_response",
    "parse_request",
    "parse_response",
    "tool_name_map",
]


def count_response(tokens: int) -> JSONObject:
    """The token-count answer (``/v1/responses/input_tokens`` shape)."""
    return {"object": "response.input_tokens", "input_tokens": tokens}


def parse_count_response(body: JSONObject) -> int:
    """``input_tokens`` of a token-count answer (0 when absent)."""
    value = body.get("input_tokens")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def new_decoder() -> StreamDecoder:
    """A decoder for one upstream Responses event stream."""
    return ResponsesDecoder()


def new_encoder(ctx: ir.ResponseContext) -> StreamEncoder:
    """An encoder writing one answer as Responses events for the client."""
    return ResponsesEncoder(ctx)
