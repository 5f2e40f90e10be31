"""Claude Messages streams: upstream SSE events to IR events and IR events to client SSE bytes.

Also the answer vocabularies the Claude modules share: ``stop_reason`` ↔ IR finish reasons (§6.1),
usage ↔ IR usage (§6.2: Claude ``input_tokens`` excludes both cache kinds, the IR's includes them),
error types by HTTP status (§6.3).

Encoder order (§5.1): ``message_start``; per block ``content_block_start`` → deltas →
``content_block_stop`` with indices 0, 1, 2 …, one block open at a time (a thinking block gets its
``signature_delta`` just before it closes); ``message_delta`` once the finish reason is known and
usage has arrived (else at the end); ``message_stop``. No ``ping``.
"""

from __future__ import annotations

from server import jsoncodec
from server.formats import ir
from server.formats.sse import SSEEvent, encode_event
from server.jsontypes import JSON, JSONObject

__all__ = [
    "ClaudeStreamDecoder",
    "ClaudeStreamEncoder",
    "dumps",
    "error_type_for",
    "finish_from_stop_reason",
    "status_for_error_type",
    "stop_reason_for",
    "usage_from_wire",
    "usage_to_wire",
]

# fmt: off
_FINISH: dict[str, ir.FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
    "model_context_window_exceeded": "length", "pause_turn": "pause", "refusal": "refusal",
}
_STOP = {
    "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal", "refusal": "refusal",
    "pause": "pause_turn",
}
_ERROR_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
    "permission_error": 403, "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429,
    "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}
# fmt: on
_STATUS_ERROR = {status: kind for kind, status in _ERROR_STATUS.items()}


def dumps(value: JSON) -> str:
    """Compact JSON text (no spaces, UTF-8 kept), as Anthropic writes it."""
    return jsoncodec.dumps(value).decode()


def finish_from_stop_reason(stop_reason: JSON) -> ir.FinishReason:
    return _FINISH.get(stop_reason, "stop") if isinstance(stop_reason, str) else "stop"


def stop_reason_for(reason: ir.FinishReason, stop_sequence: str = "", has_tool_calls: bool = False) -> str:
    """The Claude ``stop_reason``; an answer with tool calls that ended normally is ``tool_use``."""
    if has_tool_calls and reason in ("stop", "tool_calls"):
        return "tool_use"
    if reason == "stop":
        return "stop_sequence" if stop_sequence else "end_turn"
    return _STOP.get(reason, "end_turn")


def _int(value: JSON) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def usage_from_wire(usage: JSONObject) -> ir.Usage:
    """IR usage from a Claude ``usage`` object (input includes cache reads and writes)."""
    read = _int(usage.get("cache_read_input_tokens"))
    created = _int(usage.get("cache_creation_input_tokens"))
    inp = _int(usage.get("input_tokens")) + read + created
    out = _int(usage.get("output_tokens"))
    return ir.Usage(inp, out, read, created, 0, inp + out)


def usage_to_wire(usage: ir.Usage) -> JSONObject:
    """A Claude ``usage`` object: ``input_tokens`` without the cached and cache-written tokens."""
    read, created = usage.cached_tokens, usage.cache_creation_tokens
    return {
        "input_tokens": max(0, usage.input_tokens - read - created),
        "cache_creation_input_tokens": created,
        "cache_read_input_tokens": read,
        "output_tokens": usage.output_tokens,
    }


def status_for_error_type(kind: str) -> int:
    return _ERROR_STATUS.get(kind, 500)


def error_type_for(kind: str, status: int) -> str:
    """A Claude error type: ``kind`` when it is one, else by HTTP status (§6.3)."""
    if kind in _ERROR_STATUS:
        return kind
    if status in _STATUS_ERROR:
        return _STATUS_ERROR[status]
    return "api_error" if status >= 500 else "invalid_request_error"


class ClaudeStreamDecoder:
    """Anthropic SSE events (``message_start`` … ``message_stop``) → IR stream events."""

    __slots__ = ("_done", "_finished", "_kinds", "_open_tools", "_start_usage", "_started", "_tools")

    def __init__(self) -> None:
        self._kinds: dict[int, str] = {}  # block index → text | thinking | tool | skip
        self._tools: dict[int, int] = {}  # block index → tool-call ordinal
        self._open_tools: list[int] = []
        self._start_usage: JSONObject = {}
        self._started = False
        self._finished = False
        self._done = False

    def feed(self, event: SSEEvent) -> list[ir.StreamEvent]:
        data = event.data.strip()
        if self._done or not data or data == "[DONE]":
            return []
        try:
            obj = jsoncodec.loads(data)
        except ValueError:
            self._done = True
            return [ir.StreamError(f"unparseable upstream event: {data[:200]}", 502, "api_error")]
        if not isinstance(obj, dict):
            return []
        kind = obj.get("type") if isinstance(obj.get("type"), str) else event.event
        if kind == "message_start":
            return self._message_start(obj.get("message"))
        if kind == "content_block_start":
            return self._block_start(_index(obj), _object(obj.get("content_block")))
        if kind == "content_block_delta":
            return self._block_delta(_index(obj), _object(obj.get("delta")))
        if kind == "content_block_stop":
            return self._block_stop(_index(obj))
        if kind == "message_delta":
            return self._message_delta(_object(obj.get("delta")), obj.get("usage"))
        if kind == "message_stop":
            events = self.finish()
            self._done = True
            return events
        if kind == "error":
            self._done = True
            err = _object(obj.get("error"))
            etype = _str(err.get("type")) or "api_error"
            message = _str(err.get("message")) or dumps(err)
            return [ir.StreamError(message, status_for_error_type(etype), etype)]
        return []  # ping and unknown event types

    def finish(self) -> list[ir.StreamEvent]:
        if self._done:
            return []
        events: list[ir.StreamEvent] = [ir.StreamToolCallEnd(i) for i in self._open_tools]
        self._open_tools.clear()
        if self._started and not self._finished:
            self._finished = True
            events.append(ir.StreamFinish("tool_calls" if self._tools else "stop"))
        return events

    def _message_start(self, message: JSON) -> list[ir.StreamEvent]:
        self._started = True
        msg = _object(message)
        usage = msg.get("usage")
        if isinstance(usage, dict):
            self._start_usage = usage
        start_usage = usage_from_wire(usage) if isinstance(usage, dict) else None
        return [ir.StreamStart(_str(msg.get("id")), _str(msg.get("model")), start_usage)]

    def _block_start(self, index: int, block: JSONObject) -> list[ir.StreamEvent]:
        btype = block.get("type")
        if btype == "text":
            self._kinds[index] = "text"
            text = _str(block.get("text"))
            return [ir.StreamText(text)] if text else []
        if btype == "thinking":
            self._kinds[index] = "thinking"
            text, signature = _str(block.get("thinking")), _str(block.get("signature"))
            return [ir.StreamThinking(text=text, signature=signature)] if text or signature else []
        if btype == "redacted_thinking":
            self._kinds[index] = "skip"
            return [ir.StreamThinking(redacted=_str(block.get("data")))]
        if btype != "tool_use":
            self._kinds[index] = "skip"  # server tool blocks cannot travel as IR stream events
            return []
        self._kinds[index] = "tool"
        ordinal = len(self._tools)
        self._tools[index] = ordinal
        self._open_tools.append(ordinal)
        events: list[ir.StreamEvent] = [
            ir.StreamToolCallStart(ordinal, _str(block.get("id")), _str(block.get("name")))
        ]
        if isinstance(block.get("input"), dict) and block["input"]:
            events.append(ir.StreamToolCallArgs(ordinal, dumps(block["input"])))
        return events

    def _block_delta(self, index: int, delta: JSONObject) -> list[ir.StreamEvent]:
        kind, dtype = self._kinds.get(index), delta.get("type")
        if dtype == "text_delta" and kind == "text":
            text = _str(delta.get("text"))
            return [ir.StreamText(text)] if text else []
        if dtype == "thinking_delta" and kind == "thinking":
            text = _str(delta.get("thinking"))
            return [ir.StreamThinking(text=text)] if text else []
        if dtype == "signature_delta" and kind == "thinking":
            signature = _str(delta.get("signature"))
            return [ir.StreamThinking(signature=signature)] if signature else []
        if dtype == "input_json_delta" and kind == "tool":
            partial = _str(delta.get("partial_json"))
            return [ir.StreamToolCallArgs(self._tools[index], partial)] if partial else []
        return []  # citations_delta and anything new

    def _block_stop(self, index: int) -> list[ir.StreamEvent]:
        ordinal = self._tools.get(index) if self._kinds.get(index) == "tool" else None
        if ordinal is None or ordinal not in self._open_tools:
            return []
        self._open_tools.remove(ordinal)
        return [ir.StreamToolCallEnd(ordinal)]

    def _message_delta(self, delta: JSONObject, usage: JSON) -> list[ir.StreamEvent]:
        events: list[ir.StreamEvent] = []
        if isinstance(usage, dict):
            merged = {**self._start_usage, **{k: v for k, v in usage.items() if v is not None}}
            events.append(ir.StreamUsage(usage_from_wire(merged)))
        stop_reason = delta.get("stop_reason")
        if isinstance(stop_reason, str) and stop_reason and not self._finished:
            self._finished = True
            events.extend(ir.StreamToolCallEnd(i) for i in self._open_tools)
            self._open_tools.clear()
            events.append(
                ir.StreamFinish(finish_from_stop_reason(stop_reason), _str(delta.get("stop_sequence")))
            )
        return events


class ClaudeStreamEncoder:
    """IR stream events → Anthropic SSE bytes for a Claude client, in the order of §5.1."""

    def __init__(self, ctx: ir.ResponseContext) -> None:
        self._ctx = ctx
        self._started = False
        self._ended = False
        self._index = -1
        self._open = ""  # "" | text | thinking | tool
        self._open_tool = -1
        self._signature = ""
        self._tool_ids: dict[int, str] = {}  # IR tool-call index → tool_use id
        self._start_usage: ir.Usage | None = None
        self._usage: ir.Usage | None = None
        self._finish: ir.StreamFinish | None = None
        self._delta_sent = False

    def encode(self, event: ir.StreamEvent) -> bytes:
        if self._ended:
            return b""
        if isinstance(event, ir.StreamError):
            self._ended = True
            kind = error_type_for(event.type, event.status)
            return _frame("error", {"type": "error", "error": {"type": kind, "message": event.message}})
        if isinstance(event, ir.StreamStart):
            return b"" if self._started else self._start(event.id, event.usage)
        out = [b"" if self._started else self._start("", None)]
        if self._delta_sent:
            return b""  # message_delta is final: a late text or usage chunk cannot follow it
        if isinstance(event, ir.StreamText):
            if event.text:
                out.append(self._ensure("text", {"type": "text", "text": ""}))
                out.append(self._delta({"type": "text_delta", "text": event.text}))
        elif isinstance(event, ir.StreamThinking):
            out.append(self._thinking(event))
        elif isinstance(event, ir.StreamToolCallStart):
            out.append(self._tool_start(event.index, event.id, event.name))
        elif isinstance(event, ir.StreamToolCallArgs):
            if event.index not in self._tool_ids:
                out.append(self._tool_start(event.index, "", f"tool_{event.index}"))
            if event.delta and self._open == "tool" and self._open_tool == event.index:
                out.append(self._delta({"type": "input_json_delta", "partial_json": event.delta}))
        elif isinstance(event, ir.StreamToolCallEnd):
            if self._open == "tool" and self._open_tool == event.index:
                out.append(self._close())
        elif isinstance(event, ir.StreamUsage):
            self._usage = event.usage
            if self._finish is not None:
                out.append(self._message_delta())
        elif isinstance(event, ir.StreamFinish):
            self._finish = event
            out.append(self._close() if self._usage is None else self._message_delta())
        return b"".join(out)

    def finish(self) -> bytes:
        if self._ended:
            return b""
        out = [b"" if self._started else self._start("", None)]
        if not self._delta_sent:
            out.append(self._message_delta())
        out.append(_frame("message_stop", {"type": "message_stop"}))
        self._ended = True
        return b"".join(out)

    def _start(self, upstream_id: str, usage: ir.Usage | None) -> bytes:
        self._started = True
        self._start_usage = usage
        message: JSONObject = {
            "id": self._ctx.id or upstream_id or self._new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": self._ctx.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage_to_wire(usage or ir.Usage()),
        }
        return _frame("message_start", {"type": "message_start", "message": message})

    def _thinking(self, event: ir.StreamThinking) -> bytes:
        out: list[bytes] = []
        if event.redacted:
            out.append(self._open_block("redacted", {"type": "redacted_thinking", "data": event.redacted}))
            out.append(self._close())
        if event.text or event.signature:
            out.append(self._ensure("thinking", {"type": "thinking", "thinking": "", "signature": ""}))
        if event.text:
            out.append(self._delta({"type": "thinking_delta", "thinking": event.text}))
        if event.signature:
            self._signature = event.signature  # a signature_delta replaces, so the last one wins
        return b"".join(out)

    def _tool_start(self, index: int, call_id: str, name: str) -> bytes:
        call_id = call_id or self._new_id("toolu_")
        self._tool_ids[index] = call_id
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        out = self._open_block("tool", block)
        self._open_tool = index
        return out

    def _ensure(self, kind: str, block: JSONObject) -> bytes:
        return b"" if self._open == kind else self._open_block(kind, block)

    def _open_block(self, kind: str, block: JSONObject) -> bytes:
        closed = self._close()
        self._index += 1
        self._open = kind
        start = {"type": "content_block_start", "index": self._index, "content_block": block}
        return closed + _frame("content_block_start", start)

    def _delta(self, delta: JSONObject) -> bytes:
        return _frame(
            "content_block_delta", {"type": "content_block_delta", "index": self._index, "delta": delta}
        )

    def _close(self) -> bytes:
        if not self._open:
            return b""
        out = b""
        if self._open == "thinking" and self._signature:
            out = self._delta({"type": "signature_delta", "signature": self._signature})
        self._open, self._open_tool, self._signature = "", -1, ""
        return out + _frame("content_block_stop", {"type": "content_block_stop", "index": self._index})

    def _message_delta(self) -> bytes:
        closed = self._close()
        self._delta_sent = True
        finish = self._finish or ir.StreamFinish()
        usage = self._usage or self._start_usage or ir.Usage()
        start = self._start_usage
        if start is not None and usage.input_tokens == 0 and start.input_tokens:
            usage = ir.Usage(
                start.input_tokens, usage.output_tokens, start.cached_tokens, start.cache_creation_tokens
            )
        reason = stop_reason_for(finish.reason, finish.stop_sequence, bool(self._tool_ids))
        delta = {"stop_reason": reason, "stop_sequence": finish.stop_sequence or None}
        payload = {"type": "message_delta", "delta": delta, "usage": usage_to_wire(usage)}
        return closed + _frame("message_delta", payload)

    def _new_id(self, prefix: str) -> str:
        if self._ctx.new_id is not None:
            return self._ctx.new_id(prefix)
        return f"{prefix}{self._index + 1:024d}"


def _frame(name: str, payload: JSONObject) -> bytes:
    return encode_event(dumps(payload), event=name)


def _object(value: JSON) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _index(obj: JSONObject) -> int:
    index = obj.get("index")
    return index if isinstance(index, int) else -1
