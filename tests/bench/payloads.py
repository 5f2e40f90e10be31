"""Benchmark payloads: the mock upstream's answers in the four families, and the client request bodies.

Everything is built once as bytes (the mock must not spend time on JSON while it is measured).
Answers follow the wire shapes of the real services closely enough for the proxy's usage tap and
translators to do their full work: usage blocks, stop reasons, the framing events around deltas.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

__all__ = [
    "FAMILIES",
    "claude_code_body",
    "count_answer",
    "image_body",
    "non_stream_answer",
    "simple_body",
    "stream_events",
]

FAMILIES = ("openai", "claude", "responses", "gemini")

_CREATED = 1_700_000_000
_USAGE_IN, _USAGE_OUT = 25, 50


def _dump(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _sse(data: object, event: str | None = None, *, crlf: bool = False) -> bytes:
    end = b"\r\n\r\n" if crlf else b"\n\n"
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + _dump(data) + end


def _text(size: int) -> str:
    words = ("alpha ", "beta ", "gamma ", "delta ", "token ")
    out = "".join(words[i % len(words)] for i in range(size // 5 + 1))
    return out[: max(1, size)]


# -- non-stream answers --------------------------------------------------------------------------


def non_stream_answer(family: str, reply_bytes: int = 200) -> bytes:
    """A complete answer with ``reply_bytes`` of text and a usage block."""
    text = _text(reply_bytes)
    if family == "openai":
        return _dump(
            {
                "id": "chatcmpl-mock",
                "object": "chat.completion",
                "created": _CREATED,
                "model": "mock-model",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": _USAGE_IN,
                    "completion_tokens": _USAGE_OUT,
                    "total_tokens": _USAGE_IN + _USAGE_OUT,
                },
            }
        )
    if family == "claude":
        return _dump(
            {
                "id": "msg_mock",
                "type": "message",
                "role": "assistant",
                "model": "claude-mock",
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": _USAGE_IN, "output_tokens": _USAGE_OUT},
            }
        )
    if family == "responses":
        return _dump(_response_object(text))
    if family == "gemini":
        return _dump(_gemini_chunk(text, final=True))
    raise ValueError(family)


def count_answer(family: str) -> bytes:
    if family == "gemini":
        return _dump({"totalTokens": _USAGE_IN})
    return _dump({"input_tokens": _USAGE_IN})


def _response_object(text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": "resp_mock",
        "object": "response",
        "created_at": _CREATED,
        "status": status,
        "model": "mock-model",
        "output": [
            {
                "id": "msg_mock",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": _USAGE_IN,
            "output_tokens": _USAGE_OUT,
            "total_tokens": _USAGE_IN + _USAGE_OUT,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _gemini_chunk(text: str, *, final: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if final:
        candidate["finishReason"] = "STOP"
    return {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": _USAGE_IN,
            "candidatesTokenCount": _USAGE_OUT,
            "totalTokenCount": _USAGE_IN + _USAGE_OUT,
        },
        "modelVersion": "gemini-mock",
    }


# -- streams -------------------------------------------------------------------------------------


def stream_events(family: str, chunks: int, chunk_bytes: int = 6) -> list[bytes]:
    """The SSE events of a streamed answer with ``chunks`` text deltas (plus the framing events)."""
    piece = _text(chunk_bytes)
    if family == "openai":
        return _openai_stream(chunks, piece)
    if family == "claude":
        return _claude_stream(chunks, piece)
    if family == "responses":
        return _responses_stream(chunks, piece)
    if family == "gemini":
        return [
            _sse(_gemini_chunk(piece, final=i == chunks - 1), crlf=True)
            if i == chunks - 1
            else _gemini_delta(piece)
            for i in range(chunks)
        ]
    raise ValueError(family)


def _gemini_delta(piece: str) -> bytes:
    body = {"candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}]}
    return _sse(body, crlf=True)


def _openai_stream(chunks: int, piece: str) -> list[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse(
            {
                "id": "chatcmpl-mock",
                "object": "chat.completion.chunk",
                "created": _CREATED,
                "model": "mock-model",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    events = [chunk({"role": "assistant", "content": piece})]
    events += [chunk({"content": piece}) for _ in range(chunks - 1)]
    events.append(chunk({}, "stop"))
    usage = {"prompt_tokens": _USAGE_IN, "completion_tokens": chunks, "total_tokens": _USAGE_IN + chunks}
    events.append(
        _sse(
            {
                "id": "chatcmpl-mock",
                "object": "chat.completion.chunk",
                "created": _CREATED,
                "model": "mock-model",
                "choices": [],
                "usage": usage,
            }
        )
    )
    events.append(b"data: [DONE]\n\n")
    return events


def _claude_stream(chunks: int, piece: str) -> list[bytes]:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_mock",
            "type": "message",
            "role": "assistant",
            "model": "claude-mock",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": _USAGE_IN, "output_tokens": 1},
        },
    }
    delta = _sse(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
        "content_block_delta",
    )
    return [
        _sse(start, "message_start"),
        _sse(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            "content_block_start",
        ),
        *([delta] * chunks),
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": chunks},
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]


def _responses_stream(chunks: int, piece: str) -> list[bytes]:
    seq = iter(range(1_000_000_000))
    item = {"id": "msg_mock", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}

    def ev(kind: str, **fields: Any) -> bytes:
        return _sse({"type": kind, "sequence_number": next(seq), **fields}, kind)

    full = piece * chunks
    events = [
        ev("response.created", response=_response_object("", "in_progress") | {"output": []}),
        ev("response.in_progress", response=_response_object("", "in_progress") | {"output": []}),
        ev("response.output_item.added", output_index=0, item=item),
        ev("response.content_part.added", item_id="msg_mock", output_index=0, content_index=0, part=part),
    ]
    events += [
        ev("response.output_text.delta", item_id="msg_mock", output_index=0, content_index=0, delta=piece)
        for _ in range(chunks)
    ]
    done_part = {"type": "output_text", "text": full, "annotations": []}
    done_item = item | {"status": "completed", "content": [done_part]}
    events += [
        ev("response.output_text.done", item_id="msg_mock", output_index=0, content_index=0, text=full),
        ev("response.content_part.done", item_id="msg_mock", output_index=0, content_index=0, part=done_part),
        ev("response.output_item.done", output_index=0, item=done_item),
        ev("response.completed", response=_response_object(full)),
    ]
    return events


# -- client request bodies -----------------------------------------------------------------------


def simple_body(family: str, model: str, *, stream: bool = False) -> bytes:
    """A small chat request (~200 bytes) in the client format ``family``."""
    prompt = "Say hello in one short sentence."
    if family == "claude":
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": 256,
            "messages": [{"role": "user", "content": prompt}],
        }
    elif family == "openai":
        body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    elif family == "responses":
        body = {"model": model, "input": prompt}
    else:
        body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}
    if stream and family != "gemini":
        body["stream"] = True
    return _dump(body)


def claude_code_body(model: str, *, tools: int = 20, turns: int = 20, stream: bool = False) -> bytes:
    """A Claude-Code-sized Anthropic request (~53 KB): a long system prompt, ``tools`` tools with
    JSON schemas, ``turns`` history turns with tool calls and results."""
    rng = random.Random(7)
    words = ["file", "read", "edit", "path", "the", "function", "returns", "value", "test", "error"]

    def prose(n: int) -> str:
        return " ".join(rng.choice(words) for _ in range(n))

    tool_defs = [
        {
            "name": f"tool_{i}",
            "description": prose(120),
            "input_schema": {
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": prose(12)},
                    "pattern": {"type": "string", "description": prose(12)},
                    "limit": {"type": "integer", "description": prose(8)},
                    "flags": {"type": "array", "items": {"type": "string"}, "description": prose(8)},
                },
                "required": ["path"],
                "additionalProperties": False,
            },
        }
        for i in range(tools)
    ]
    messages: list[dict[str, Any]] = []
    for t in range(turns):
        call_id = f"toolu_{t:020d}"
        messages.append({"role": "user", "content": [{"type": "text", "text": prose(40)}]})
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": prose(30)},
                    {
                        "type": "tool_use",
                        "id": call_id,
                        "name": f"tool_{t % tools}",
                        "input": {"path": "a/b.py"},
                    },
                ],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call_id, "content": prose(110)}],
            }
        )
    messages.append({"role": "user", "content": "Now fix the failing test."})
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": 4096,
        "system": [{"type": "text", "text": prose(700)}],
        "tools": tool_defs,
        "messages": messages,
    }
    if stream:
        body["stream"] = True
    return _dump(body)


def image_body(model: str, size: int) -> bytes:
    """An Anthropic request carrying one base64 image, about ``size`` bytes in total."""
    raw = random.Random(size).randbytes(max(1, (size - 300) * 3 // 4))
    data = base64.b64encode(raw).decode()
    body = {
        "model": model,
        "max_tokens": 256,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
                    {"type": "text", "text": "What is in this picture?"},
                ],
            }
        ],
    }
    return _dump(body)
