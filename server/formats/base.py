"""The shape every wire-format module has: six functions/classes between its JSON and the IR.

A format module (``openai_chat``, ``openai_responses``, ``claude``, ``gemini``) exposes, at module
level, exactly these names (checked by ``tests/unit/formats/test_format_shape.py``):

    parse_request(body: JSONObject) -> ir.Request
    build_request(request: ir.Request, ctx: ir.BuildContext) -> JSONObject
    parse_response(body: JSONObject) -> ir.Response
    build_response(response: ir.Response, ctx: ir.ResponseContext) -> JSONObject
    new_decoder() -> StreamDecoder      upstream SSE events -> IR stream events
    new_encoder(ctx: ir.ResponseContext) -> StreamEncoder   IR stream events -> client SSE bytes
    count_response(tokens: int) -> JSONObject        the format's token-count answer
    parse_count_response(body: JSONObject) -> int    read an upstream's token-count answer

A module object satisfies ``WireFormatModule`` structurally (mypy checks modules against protocols).

Decoders and encoders are small state machines; they never raise on odd input (an unparseable
event becomes a ``StreamError``), and ``finish()`` closes whatever is still open so the client
always gets a well-formed end of stream.
"""

from __future__ import annotations

from typing import Protocol

from server.formats import ir
from server.formats.sse import SSEEvent
from server.jsontypes import JSONObject

__all__ = ["StreamDecoder", "StreamEncoder", "WireFormatModule"]


class StreamDecoder(Protocol):
    def feed(self, event: SSEEvent) -> list[ir.StreamEvent]:
        """IR events for one upstream SSE event (often none, sometimes several)."""
        ...

    def finish(self) -> list[ir.StreamEvent]:
        """The upstream stream ended: events that close what is open (may be empty)."""
        ...


class StreamEncoder(Protocol):
    def encode(self, event: ir.StreamEvent) -> bytes:
        """Client bytes for one IR event (complete SSE frames; may be empty)."""
        ...

    def finish(self) -> bytes:
        """Closing frames (e.g. ``message_stop``, ``[DONE]``, ``response.completed``) if not sent."""
        ...


class WireFormatModule(Protocol):
    """What ``server.formats.registry`` hands the pipeline for one wire format."""

    def parse_request(self, body: JSONObject) -> ir.Request: ...

    def build_request(self, request: ir.Request, ctx: ir.BuildContext) -> JSONObject: ...

    def parse_response(self, body: JSONObject) -> ir.Response: ...

    def build_response(self, response: ir.Response, ctx: ir.ResponseContext) -> JSONObject: ...

    def count_response(self, tokens: int) -> JSONObject: ...

    def parse_count_response(self, body: JSONObject) -> int: ...

    def new_decoder(self) -> StreamDecoder: ...

    def new_encoder(self, ctx: ir.ResponseContext) -> StreamEncoder: ...
