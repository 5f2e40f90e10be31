"""The OpenAI Chat Completions wire format (``openai``): requests, answers, streams, token counts.

The module-level names are the format contract of ``server.formats.base``; the work is done in
``openai_chat_request`` (request fields, tools), ``openai_chat_messages`` / ``openai_chat_parts``
(messages and content), ``openai_chat_response`` (answers, finish reasons, usage) and
``openai_chat_stream`` (chunk decoder and encoder).

Token counts: OpenAI has no count endpoint, so there is no standard answer shape.
``count_response`` answers ``{"input_tokens": N}`` (the Claude/Responses spelling, which OpenAI
SDK users of a proxy usually expect); ``parse_count_response`` reads ``prompt_tokens`` or
``input_tokens`` (also inside ``usage``).
"""

from __future__ import annotations

from server.formats import ir
from server.formats.openai_chat_request import build_request, parse_request
from server.formats.openai_chat_response import build_response, parse_response
from server.formats.openai_chat_stream import ChatStreamDecoder, ChatStreamEncoder
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
]


def count_response(tokens: int) -> JSONObject:
    """The token-count answer for a Chat client: ``{"input_tokens": N}``."""
    return {"input_tokens": tokens}


def parse_count_response(body: JSONObject) -> int:
    """Tokens from ``prompt_tokens`` / ``input_tokens`` (top level or in ``usage``); 0 if absent."""
    for holder in (body, body.get("usage")):
        if isinstance(holder, dict):
            for key in ("prompt_tokens", "input_tokens"):
                value = holder.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
    return 0


def new_decoder() -> ChatStreamDecoder:
    """A decoder for one upstream chat stream."""
    return ChatStreamDecoder()


def new_encoder(ctx: ir.ResponseContext) -> ChatStreamEncoder:
    """An encoder of one client chat stream."""
    return ChatStreamEncoder(ctx)
