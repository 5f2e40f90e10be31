"""Shared pieces of the §8 edge-case tests: chaining format modules and reading what they wrote."""

from __future__ import annotations

import itertools
import json
from typing import Any

from server.formats import claude, gemini, ir, openai_chat, openai_responses
from server.formats.base import WireFormatModule
from server.formats.gemini_parts import BYPASS_SIGNATURE
from server.formats.sse import SSEEvent, SSEParser
from server.jsontypes import JSONObject

__all__ = [
    "CODEX_RESPONSE",
    "CODEX_USAGE",
    "FORMATS",
    "SKIP",
    "chat_chunk",
    "chat_chunks",
    "claude_blocks",
    "codex",
    "ctx",
    "decode",
    "events",
    "frame",
    "gemini_chunk",
    "names",
    "pipe",
    "tool_delta",
    "up",
]

FORMATS: dict[str, WireFormatModule] = {
    "chat": openai_chat,
    "responses": openai_responses,
    "claude": claude,
    "gemini": gemini,
}
SKIP = {"thoughtSignature": BYPASS_SIGNATURE}


def up(client: str, body: JSONObject, upstream: str, model: str = "up-model", stream: bool = False) -> Any:
    """The upstream body a ``client`` request becomes (``Any``: the tests index into it freely)."""
    request = FORMATS[client].parse_request(body)
    return FORMATS[upstream].build_request(request, ir.BuildContext(model, None, stream))


def ctx(model: str = "client-model", request: ir.Request | None = None) -> ir.ResponseContext:
    counter = itertools.count()
    return ir.ResponseContext("id_1", 1700000000, model, request, new_id=lambda p: f"{p}{next(counter)}")


def frame(item: Any) -> SSEEvent:
    if isinstance(item, tuple):
        return SSEEvent(json.dumps(item[1]), event=item[0])
    return SSEEvent(item if isinstance(item, str) else json.dumps(item))


def decode(upstream: str, frames: list[Any]) -> list[ir.StreamEvent]:
    decoder = FORMATS[upstream].new_decoder()
    out = [e for item in frames for e in decoder.feed(frame(item))]
    return out + decoder.finish()


def pipe(upstream: str, frames: list[Any], client: str, context: ir.ResponseContext | None = None) -> bytes:
    """The client stream bytes for an upstream transcript (``(event, data)`` tuples name events)."""
    encoder = FORMATS[client].new_encoder(context or ctx())
    return b"".join(encoder.encode(e) for e in decode(upstream, frames)) + encoder.finish()


def events(raw: bytes) -> list[tuple[str, Any]]:
    parser = SSEParser()
    out = []
    for event in parser.feed(raw) + parser.flush():
        out.append((event.event, event.data if event.data == "[DONE]" else json.loads(event.data)))
    return out


def names(raw: bytes) -> list[str]:
    return [name for name, _ in events(raw)]


def claude_blocks(raw: bytes) -> tuple[list[JSONObject], str]:
    """The content blocks a Claude client accumulates from ``raw``, and the stop reason."""
    blocks: list[JSONObject] = []
    reason = ""
    for name, data in events(raw):
        if name == "content_block_start":
            blocks.append(dict(data["content_block"]))
            if blocks[-1]["type"] == "tool_use":
                blocks[-1]["partial"] = ""
        elif name == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            key = {"text_delta": "text", "thinking_delta": "thinking", "signature_delta": "signature"}
            if delta["type"] == "input_json_delta":
                block["partial"] += delta["partial_json"]
            else:
                field = key[delta["type"]]
                block[field] = block.get(field, "") + delta[field]
        elif name == "message_delta":
            reason = data["delta"]["stop_reason"]
    for block in blocks:
        if block["type"] == "tool_use":
            block["input"] = json.loads(block.pop("partial") or "{}")
    return blocks, reason


def chat_chunks(raw: bytes) -> list[JSONObject]:
    return [data for _, data in events(raw) if data != "[DONE]"]


def gemini_chunk(parts: list[JSONObject], reason: str = "", usage: bool = False) -> JSONObject:
    candidate: JSONObject = {"content": {"role": "model", "parts": parts}}
    if reason:
        candidate["finishReason"] = reason
    chunk: JSONObject = {"candidates": [candidate], "modelVersion": "gemini-2.5-pro", "responseId": "r1"}
    if usage:
        chunk["usageMetadata"] = {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}
    return chunk


def chat_chunk(delta: JSONObject | None = None, finish: str | None = None, **fields: Any) -> JSONObject:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "up",
        "choices": choices,
        **fields,
    }


def tool_delta(
    index: int, call_id: str | None = None, name: str | None = None, args: str | None = None
) -> Any:
    fragment: JSONObject = {"index": index}
    function: JSONObject = {}
    if call_id is not None:
        fragment.update(id=call_id, type="function")
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    if function:
        fragment["function"] = function
    return chat_chunk({"tool_calls": [fragment]})


def codex(kind: str, **fields: Any) -> tuple[str, JSONObject]:
    return kind, {"type": kind, **fields}


CODEX_RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "status": "in_progress",
    "model": "gpt-5",
    "output": [],
}
CODEX_USAGE = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
