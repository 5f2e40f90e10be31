"""Responses API streams: upstream ``response.*`` events → IR events, IR events → client events.

The decoder accepts every event order seen from OpenAI and Codex: text, summaries and call
arguments may arrive as deltas, only in their ``.done`` events, or only inside
``response.output_item.done`` (or even only in ``response.completed``) — each piece reaches the
IR exactly once. A stream that ends without ``response.completed`` becomes a 408 ``StreamError``
(§2.5). The encoder lives in ``openai_responses_encode``.
"""

from __future__ import annotations

from typing import Any

from server import jsoncodec
from server.formats import ir
from server.formats.openai_responses_response import error_status, error_type, usage_from_json
from server.formats.sse import SSEEvent
from server.jsontypes import JSONObject

__all__ = ["DISCONNECTED", "ResponsesDecoder"]

DISCONNECTED = "stream error: stream disconnected before completion: stream closed before response.completed"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _index(payload: JSONObject, key: str) -> int:
    value = payload.get(key)
    return value if isinstance(value, int) else 0


class _Item:
    """What has been passed on for one output item."""

    __slots__ = ("args", "call", "call_id", "ended", "kind", "name", "seen", "started", "thought")

    def __init__(self) -> None:
        self.kind = ""
        self.seen: set[tuple[str, int]] = set()  # ("t", content), ("s", summary), ("r", content)
        self.thought = False
        self.call = -1
        self.call_id = ""
        self.name = ""
        self.started = False
        self.ended = False
        self.args: list[str] | None = []  # buffered until the call starts; None once sent


class ResponsesDecoder:
    """Upstream Responses SSE events → IR stream events."""

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._items: dict[int, _Item] = {}
        self._ids: dict[str, int] = {}
        self._calls = 0
        self._any_item = False

    def feed(self, event: SSEEvent) -> list[ir.StreamEvent]:
        data = event.data.strip()
        if self._done or not data or data == "[DONE]":
            return []
        try:
            payload = jsoncodec.loads(data)
        except ValueError:
            self._done = True
            return [ir.StreamError("upstream sent an unreadable stream event", status=502)]
        if not isinstance(payload, dict):
            return []
        kind = _str(payload.get("type")) or event.event
        handler = _HANDLERS.get(kind)
        if handler is None:
            return []
        out: list[ir.StreamEvent] = []
        if not self._started and kind not in ("error", "response.failed"):
            response = payload.get("response")
            out.append(self._start(response if isinstance(response, dict) else {}))
        return out + handler(self, payload)

    def finish(self) -> list[ir.StreamEvent]:
        if self._done:
            return []
        self._done = True
        return [ir.StreamError(DISCONNECTED, status=408, type=error_type(408))]

    # -- helpers ----------------------------------------------------------------------------------

    def _start(self, response: JSONObject) -> ir.StreamStart:
        self._started = True
        return ir.StreamStart(id=_str(response.get("id")), model=_str(response.get("model")))

    def _slot(self, payload: JSONObject, item: JSONObject | None = None) -> _Item:
        self._any_item = True
        ident = _str(payload.get("item_id")) or _str((item or {}).get("id"))
        index = payload.get("output_index")
        if not isinstance(index, int):
            index = self._ids.get(ident, -1 - len(self._items))
        if ident:
            self._ids[ident] = index
        return self._items.setdefault(index, _Item())

    def _thought(self, slot: _Item, key: tuple[str, int], text: str) -> list[ir.StreamEvent]:
        """Thinking text; a new summary part after earlier ones is joined with a blank line."""
        if not text:
            return []
        prefix = "\n\n" if key not in slot.seen and slot.thought else ""
        slot.seen.add(key)
        slot.thought = True
        return [ir.StreamThinking(text=prefix + text)]

    def _text(self, slot: _Item, index: int, text: str, *, delta: bool) -> list[ir.StreamEvent]:
        if not delta and ("t", index) in slot.seen:
            return []
        slot.seen.add(("t", index))
        return [ir.StreamText(text)] if text else []

    def _begin_call(self, slot: _Item) -> list[ir.StreamEvent]:
        if slot.started:
            return []
        slot.started = True
        slot.call = self._calls
        self._calls += 1
        return [ir.StreamToolCallStart(slot.call, slot.call_id, slot.name)] + self._flush_args(slot)

    def _flush_args(self, slot: _Item, fallback: str = "") -> list[ir.StreamEvent]:
        if slot.args is None:
            return []
        text = "".join(slot.args) or fallback
        if not text:
            return []
        slot.args = None
        return [ir.StreamToolCallArgs(slot.call, text)]

    def _end_call(self, slot: _Item, arguments: str = "") -> list[ir.StreamEvent]:
        out = self._begin_call(slot) + self._flush_args(slot, arguments)
        if not slot.ended:
            slot.ended = True
            out.append(ir.StreamToolCallEnd(slot.call))
        return out

    # -- handlers ---------------------------------------------------------------------------------

    def _ignore(self, payload: JSONObject) -> list[ir.StreamEvent]:
        return []

    def _item_added(self, payload: JSONObject) -> list[ir.StreamEvent]:
        item = payload.get("item")
        if not isinstance(item, dict):
            return []
        slot = self._slot(payload, item)
        slot.kind = _str(item.get("type"))
        if slot.kind != "function_call":
            return []
        slot.call_id, slot.name = _str(item.get("call_id")), _str(item.get("name"))
        if arguments := _str(item.get("arguments")):
            slot.args = [arguments]
        return self._begin_call(slot)

    def _item_done(self, payload: JSONObject, item: Any = None) -> list[ir.StreamEvent]:
        item = payload.get("item") if item is None else item
        if not isinstance(item, dict):
            return []
        slot = self._slot(payload, item)
        kind = slot.kind = _str(item.get("type"))
        out: list[ir.StreamEvent] = []
        if kind == "message":
            for n, part in enumerate(item.get("content") or []):
                if isinstance(part, dict):
                    text = _str(part.get("text")) or _str(part.get("refusal"))
                    out += self._text(slot, n, text, delta=False)
        elif kind == "reasoning":
            summary = item.get("summary")
            for n, part in enumerate(summary if isinstance(summary, list) else []):
                if isinstance(part, dict) and ("s", n) not in slot.seen:
                    out += self._thought(slot, ("s", n), _str(part.get("text")))
            if not slot.thought and isinstance(item.get("content"), list):
                for n, part in enumerate(item["content"]):
                    if isinstance(part, dict):
                        out += self._thought(slot, ("r", n), _str(part.get("text")))
            if encrypted := _str(item.get("encrypted_content")):
                # after summary text it signs that thinking (one signed Claude block, §8.32);
                # alone it is opaque reasoning (a redacted block)
                signed = ir.StreamThinking(signature=encrypted)
                out.append(signed if slot.thought else ir.StreamThinking(redacted=encrypted))
        elif kind == "function_call":
            slot.call_id = _str(item.get("call_id")) or slot.call_id
            slot.name = _str(item.get("name")) or slot.name
            out += self._end_call(slot, _str(item.get("arguments")))
        return out

    def _text_delta(self, payload: JSONObject) -> list[ir.StreamEvent]:
        return self._text(
            self._slot(payload), _index(payload, "content_index"), _str(payload.get("delta")), delta=True
        )

    def _text_done(self, payload: JSONObject) -> list[ir.StreamEvent]:
        text = _str(payload.get("text")) or _str(payload.get("refusal"))
        part = payload.get("part")
        if isinstance(part, dict):  # response.content_part.done
            text = _str(part.get("text")) or _str(part.get("refusal"))
        return self._text(self._slot(payload), _index(payload, "content_index"), text, delta=False)

    def _summary(self, payload: JSONObject) -> list[ir.StreamEvent]:
        slot = self._slot(payload)
        key = ("s", _index(payload, "summary_index"))
        if payload.get("type") == "response.reasoning_summary_text.done" and key in slot.seen:
            return []
        return self._thought(slot, key, _str(payload.get("delta")) or _str(payload.get("text")))

    def _reasoning_text(self, payload: JSONObject) -> list[ir.StreamEvent]:
        slot = self._slot(payload)
        key = ("r", _index(payload, "content_index"))
        if payload.get("type") == "response.reasoning_text.done" and key in slot.seen:
            return []
        return self._thought(slot, key, _str(payload.get("delta")) or _str(payload.get("text")))

    def _args_delta(self, payload: JSONObject) -> list[ir.StreamEvent]:
        slot = self._slot(payload)
        slot.kind = "function_call"
        delta = _str(payload.get("delta"))
        if not delta or slot.ended:
            return []
        if slot.started and slot.args is None:
            return [ir.StreamToolCallArgs(slot.call, delta)]
        slot.args = (slot.args or []) + [delta]
        return self._flush_args(slot) if slot.started else []

    def _args_done(self, payload: JSONObject) -> list[ir.StreamEvent]:
        slot = self._slot(payload)
        slot.kind = "function_call"
        if slot.args is None or slot.args or slot.ended:
            return []
        slot.args = [_str(payload.get("arguments"))]
        return self._flush_args(slot) if slot.started else []

    def _terminal(self, payload: JSONObject) -> list[ir.StreamEvent]:
        response = payload.get("response")
        response = response if isinstance(response, dict) else {}
        out: list[ir.StreamEvent] = []
        if not self._any_item and isinstance(response.get("output"), list):
            for n, item in enumerate(response["output"]):
                out += self._item_done({"output_index": n}, item)
        for slot in list(self._items.values()):
            if slot.kind == "function_call" and not slot.ended:
                out += self._end_call(slot)
        if (usage := usage_from_json(response.get("usage"))) is not None:
            out.append(ir.StreamUsage(usage))
        incomplete = response.get("status") == "incomplete" or payload.get("type") == "response.incomplete"
        reason: ir.FinishReason = "tool_calls" if self._calls else "stop"
        if incomplete:
            details = response.get("incomplete_details")
            why = details.get("reason") if isinstance(details, dict) else ""
            reason = "content_filter" if why == "content_filter" else "length"
        out.append(ir.StreamFinish(reason))
        self._done = True
        return out

    def _failed(self, payload: JSONObject) -> list[ir.StreamEvent]:
        self._done = True
        error: Any = payload.get("error")
        response = payload.get("response")
        if payload.get("type") == "response.failed" and isinstance(response, dict):
            error = response.get("error")
        if not isinstance(error, dict):
            error = payload if payload.get("type") == "error" else {}
        status = error_status(error)
        message = _str(error.get("message")) or "the upstream reported an error in the stream"
        return [ir.StreamError(message, status=status, type=error_type(status))]


_HANDLERS = {
    "response.created": ResponsesDecoder._ignore,
    "response.queued": ResponsesDecoder._ignore,
    "response.in_progress": ResponsesDecoder._ignore,
    "response.output_item.added": ResponsesDecoder._item_added,
    "response.output_item.done": ResponsesDecoder._item_done,
    "response.content_part.added": ResponsesDecoder._ignore,
    "response.content_part.done": ResponsesDecoder._text_done,
    "response.output_text.delta": ResponsesDecoder._text_delta,
    "response.output_text.done": ResponsesDecoder._text_done,
    "response.refusal.delta": ResponsesDecoder._text_delta,
    "response.refusal.done": ResponsesDecoder._text_done,
    "response.reasoning_summary_part.added": ResponsesDecoder._ignore,
    "response.reasoning_summary_part.done": ResponsesDecoder._ignore,
    "response.reasoning_summary_text.delta": ResponsesDecoder._summary,
    "response.reasoning_summary_text.done": ResponsesDecoder._summary,
    "response.reasoning_text.delta": ResponsesDecoder._reasoning_text,
    "response.reasoning_text.done": ResponsesDecoder._reasoning_text,
    "response.function_call_arguments.delta": ResponsesDecoder._args_delta,
    "response.function_call_arguments.done": ResponsesDecoder._args_done,
    "response.completed": ResponsesDecoder._terminal,
    "response.incomplete": ResponsesDecoder._terminal,
    "response.failed": ResponsesDecoder._failed,
    "error": ResponsesDecoder._failed,
}
