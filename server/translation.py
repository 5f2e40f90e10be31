"""One attempt's translation between the client's wire format and the upstream's, through the IR.

The pipeline asks for a ``Translation`` when the formats differ (or a model-name thinking suffix
must be applied); it gives the upstream body, turns the upstream's answer, stream or token count
back into the client's format, and restores names the upstream format forced us to change.
"""

from __future__ import annotations

import json
import math
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, replace

from server.errors import BadRequest, ProxyError
from server.formats import claude, gemini, ir, openai_chat, openai_responses
from server.formats.assemble import StreamAssembler
from server.formats.base import StreamDecoder, StreamEncoder, WireFormatModule
from server.formats.sse import SSEEvent
from server.formats.thinking import FROM_MODEL_SUFFIX
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import WireFormat

__all__ = ["FORMATS", "StreamTranslator", "Translation", "estimate_tokens"]

FORMATS: dict[WireFormat, WireFormatModule] = {
    "openai": openai_chat,
    "openai-responses": openai_responses,
    "claude": claude,
    "gemini": gemini,
}

_ID_PREFIX: dict[WireFormat, str] = {
    "openai": "chatcmpl-",
    "openai-responses": "resp_",
    "claude": "msg_",
    "gemini": "",
}
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """``prefix`` + 24 random letters and digits (the shape of ``toolu_…`` / ``call_…`` ids)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(24))


@dataclass(slots=True)
class Translation:
    """The client's request in IR plus what answering it in the client's format needs."""

    client: WireFormat
    upstream: WireFormat
    request: ir.Request
    ctx: ir.ResponseContext
    original_names: dict[str, str]
    """Tool name the upstream format forced (Gemini charset, 64-char Codex limit) → the client's."""

    @classmethod
    def start(
        cls,
        client: WireFormat,
        upstream: WireFormat,
        body: JSONObject,
        *,
        client_model: str,
        stream: bool,
        reasoning: ir.Reasoning | None,
        created: int,
    ) -> Translation:
        try:
            request = FORMATS[client].parse_request(body)
        except ProxyError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise BadRequest(f"Invalid request: {describe_parse_error(exc)}") from exc
        request.stream = stream
        if reasoning is not None and request.reasoning is None:  # the body's own thinking wins (§8.50)
            request.reasoning = reasoning
            request.extras[FROM_MODEL_SUFFIX] = True
        ctx = ir.ResponseContext(
            id=new_id(_ID_PREFIX[client]),
            created=created,
            model=client_model,
            request=request,
            include_usage=_wants_usage(body),
            new_id=new_id,
        )
        return cls(client, upstream, request, ctx, _original_names(upstream, request))

    def restore_name(self, name: str) -> str:
        return self.original_names.get(name, name)

    def upstream_body(self, model: str, info: ModelInfo | None) -> JSONObject:
        """The request in the upstream's format, for ``model``."""
        request = replace(self.request, model=model)
        return FORMATS[self.upstream].build_request(request, ir.BuildContext(model, info, request.stream))

    def answer(self, upstream_body: JSONObject) -> bytes:
        """A complete upstream answer in the client's format."""
        response = FORMATS[self.upstream].parse_response(upstream_body)
        return self.render(response)

    def render(self, response: ir.Response) -> bytes:
        if self.original_names:
            for part in response.parts:
                if isinstance(part, ir.ToolCallPart):
                    part.name = self.restore_name(part.name)
        return _dump(FORMATS[self.client].build_response(response, self.ctx))

    def count_answer(self, upstream_body: JSONObject) -> bytes:
        tokens = FORMATS[self.upstream].parse_count_response(upstream_body)
        return _dump(FORMATS[self.client].count_response(tokens))

    def estimated_count(self) -> bytes:
        """A local estimate for upstreams without a counting endpoint (about 4 characters a token)."""
        return _dump(FORMATS[self.client].count_response(estimate_tokens(self.request)))

    def stream(self) -> StreamTranslator:
        return StreamTranslator(self)


class StreamTranslator:
    """Upstream SSE events in, client SSE bytes out; or, with ``assemble()``, one IR answer.

    It takes events, not bytes: the exchange parses the upstream stream once and shares the events
    with the usage tap.
    """

    def __init__(self, translation: Translation) -> None:
        self._translation = translation
        self._decoder: StreamDecoder = FORMATS[translation.upstream].new_decoder()
        self._encoder: StreamEncoder = FORMATS[translation.client].new_encoder(translation.ctx)
        self._restore = bool(translation.original_names)

    def feed(self, events: Iterable[SSEEvent]) -> bytes:
        out = bytearray()
        for event in events:
            for ir_event in self._decoder.feed(event):
                out += self._encoder.encode(self._named(ir_event))
        return bytes(out)

    def finish(self, tail: Iterable[SSEEvent] = ()) -> bytes:
        """Bytes for the last ``tail`` events and whatever closes the client's stream."""
        out = bytearray(self.feed(tail))
        for ir_event in self._decoder.finish():
            out += self._encoder.encode(self._named(ir_event))
        out += self._encoder.finish()
        return bytes(out)

    def assemble(self, events: Iterable[SSEEvent]) -> StreamAssembler:
        """Decode a whole upstream stream into an assembler (for non-stream clients)."""
        assembler = StreamAssembler()
        for event in events:
            for ir_event in self._decoder.feed(event):
                assembler.feed(ir_event)
        for ir_event in self._decoder.finish():
            assembler.feed(ir_event)
        return assembler

    def _named(self, event: ir.StreamEvent) -> ir.StreamEvent:
        if self._restore and isinstance(event, ir.StreamToolCallStart):
            event.name = self._translation.restore_name(event.name)
        return event


def estimate_tokens(request: ir.Request) -> int:
    """A rough input-token count: every text, argument and tool schema, about 4 characters a token."""
    size = sum(len(part.text) for part in request.system)
    for message in request.messages:
        for part in message.parts:
            size += _part_size(part)
    for tool in request.tools:
        size += len(tool.name) + len(tool.description) + len(json.dumps(tool.parameters))
    return max(1, math.ceil(size / 4))


def _part_size(part: ir.Part) -> int:
    if isinstance(part, ir.TextPart):
        return len(part.text)
    if isinstance(part, ir.ThinkingPart):
        return len(part.text)
    if isinstance(part, ir.ToolCallPart):
        return len(part.name) + len(part.arguments)
    if isinstance(part, ir.ToolResultPart):
        return sum(_part_size(inner) for inner in part.content)
    return 256  # an image or document: a flat guess, the text estimate cannot see inside it


def describe_parse_error(exc: BaseException) -> str:
    """A short, secret-free description of why a body could not be read."""
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    if isinstance(exc, TypeError | AttributeError):
        return "a field has the wrong type"
    return str(exc)[:200] or type(exc).__name__


def _original_names(upstream: WireFormat, request: ir.Request) -> dict[str, str]:
    if upstream == "gemini":
        forced = gemini.tool_name_map(request)
    elif upstream == "openai-responses":
        forced = openai_responses.tool_name_map(request)
    else:
        return {}
    return {sent: original for original, sent in forced.items() if sent != original}


def _wants_usage(body: JSONObject) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _dump(value: JSONObject) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
