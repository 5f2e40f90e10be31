"""IR stream events → the Responses API event stream a client reads (translation.md §5.3).

Every frame is ``event: <type>\\ndata: <json>\\n\\n`` whose JSON ``type`` equals the event name and
whose ``sequence_number`` counts from 0 ([REC]). Order: ``response.created``,
``response.in_progress``, then per output item ``output_item.added`` → its part / delta / done
events → ``output_item.done`` (reasoning and messages are closed before the next item opens), and
finally ``response.completed`` — or ``response.incomplete`` for a truncated answer — carrying every
item and the usage. The terminal event is written by ``finish()``, so usage that arrives after the
finish reason (OpenAI-compatible upstreams) is still included.

An in-stream error is written as an ``error`` event (what the spec prescribes for Responses
clients) immediately followed by ``response.failed`` with the error in ``response.error`` (what
Codex CLI acts on; it ignores ``error`` events) — both are valid for every client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.formats import ir
from server.formats.openai_responses_response import (
    call_output_item,
    echo_fields,
    item_id,
    message_item,
    output_text,
    response_object,
    restore_names,
    terminal_status,
)
from server.formats.sse import encode_event
from server.jsontypes import JSONObject

__all__ = ["ResponsesEncoder"]


@dataclass(slots=True)
class _Open:
    """An item that is still receiving deltas."""

    index: int
    id: str
    parts: list[str] = field(default_factory=list)
    summary: bool = False  # a reasoning summary part was opened
    encrypted: str = ""


@dataclass(slots=True)
class _Call:
    index: int
    id: str
    call_id: str
    name: str
    namespace: str = ""
    args: list[str] = field(default_factory=list)
    closed: bool = False


def _merge(old: ir.Usage | None, new: ir.Usage) -> ir.Usage:
    if old is None:
        return new
    return ir.Usage(
        input_tokens=new.input_tokens or old.input_tokens,
        output_tokens=new.output_tokens or old.output_tokens,
        cached_tokens=new.cached_tokens or old.cached_tokens,
        cache_creation_tokens=new.cache_creation_tokens or old.cache_creation_tokens,
        reasoning_tokens=new.reasoning_tokens or old.reasoning_tokens,
        total_tokens=new.total_tokens or old.total_tokens,
    )


class ResponsesEncoder:
    """IR stream events → Responses SSE bytes for one answer."""

    def __init__(self, ctx: ir.ResponseContext) -> None:
        self._ctx = ctx
        self._echo = echo_fields(ctx)
        self._names, self._spaces = restore_names(ctx)
        self._seq = 0
        self._started = False
        self._ended = False
        self._next = 0
        self._done: dict[int, JSONObject] = {}
        self._text: _Open | None = None
        self._think: _Open | None = None
        self._calls: dict[int, _Call] = {}
        self._usage: ir.Usage | None = None
        self._finish: ir.FinishReason | None = None
        self._out: list[bytes] = []

    def encode(self, event: ir.StreamEvent) -> bytes:
        if self._ended:
            return b""
        self._begin()
        if isinstance(event, ir.StreamStart):
            if event.usage is not None:
                self._usage = _merge(self._usage, event.usage)
        elif isinstance(event, ir.StreamText):
            self._on_text(event.text)
        elif isinstance(event, ir.StreamThinking):
            self._on_thinking(event)
        elif isinstance(event, ir.StreamToolCallStart):
            self._on_call(event.index, event.id, event.name)
        elif isinstance(event, ir.StreamToolCallArgs):
            self._on_args(event.index, event.delta)
        elif isinstance(event, ir.StreamToolCallEnd):
            call = self._calls.get(event.index)
            if call is not None and not call.closed:
                self._close_call(call, "completed")
        elif isinstance(event, ir.StreamUsage):
            self._usage = _merge(self._usage, event.usage)
        elif isinstance(event, ir.StreamFinish):
            if self._finish is None:
                self._finish = event.reason
                self._close_all(
                    "incomplete" if terminal_status(event.reason)[0] == "incomplete" else "completed"
                )
        else:
            self._on_error(event)
        return self._flush()

    def finish(self) -> bytes:
        if self._ended:
            return b""
        self._begin()
        status, incomplete = terminal_status(self._finish or "stop")
        self._close_all("incomplete" if status == "incomplete" else "completed")
        if status == "failed":
            self._on_error(ir.StreamError("the upstream ended the answer with an error"))
            return self._flush()
        output = [self._done[i] for i in sorted(self._done)]
        usage = self._usage or ir.Usage()
        obj = response_object(self._ctx, self._echo, status, output, usage, incomplete=incomplete)
        self._emit("response.completed" if status == "completed" else "response.incomplete", response=obj)
        self._ended = True
        return self._flush()

    # -- framing ----------------------------------------------------------------------------------

    def _emit(self, kind: str, **fields: object) -> None:
        payload = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        self._out.append(encode_event(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), kind))

    def _flush(self) -> bytes:
        data = b"".join(self._out)
        self._out.clear()
        return data

    def _begin(self) -> None:
        if self._started:
            return
        self._started = True
        obj = response_object(self._ctx, self._echo, "in_progress", [], None)
        self._emit("response.created", response=obj)
        self._emit("response.in_progress", response=obj)

    def _take(self) -> int:
        self._next += 1
        return self._next - 1

    # -- items ------------------------------------------------------------------------------------

    def _on_text(self, text: str) -> None:
        if not text:
            return
        self._close_think("completed")
        self._close_calls("completed")
        if self._text is None:
            index = self._take()
            item = self._text = _Open(index, item_id(self._ctx, "msg_", index))
            self._emit(
                "response.output_item.added",
                output_index=index,
                item=message_item(item.id, "in_progress", []),
            )
            self._emit(
                "response.content_part.added",
                item_id=item.id,
                output_index=index,
                content_index=0,
                part=output_text(""),
            )
        self._text.parts.append(text)
        where = {"item_id": self._text.id, "output_index": self._text.index, "content_index": 0}
        self._emit("response.output_text.delta", **where, delta=text, logprobs=[])

    def _close_text(self, status: str) -> None:
        item, self._text = self._text, None
        if item is None:
            return
        full = "".join(item.parts)
        where = {"item_id": item.id, "output_index": item.index, "content_index": 0}
        self._emit("response.output_text.done", **where, text=full, logprobs=[])
        self._emit("response.content_part.done", **where, part=output_text(full))
        self._done[item.index] = message_item(item.id, status, [output_text(full)])
        self._emit("response.output_item.done", output_index=item.index, item=self._done[item.index])

    def _open_think(self) -> _Open:
        self._close_think("completed")
        index = self._take()
        item = self._think = _Open(index, item_id(self._ctx, "rs_", index))
        opened = {"id": item.id, "type": "reasoning", "status": "in_progress", "summary": []}
        self._emit("response.output_item.added", output_index=index, item=opened)
        return item

    def _on_thinking(self, event: ir.StreamThinking) -> None:
        sealed = event.redacted or event.signature
        if not (event.text or sealed):
            return
        self._close_text("completed")
        self._close_calls("completed")
        item = self._think if self._think is not None and not self._think.encrypted else self._open_think()
        where = {"item_id": item.id, "output_index": item.index, "summary_index": 0}
        if event.text:
            if not item.summary:
                item.summary = True
                part = {"type": "summary_text", "text": ""}
                self._emit("response.reasoning_summary_part.added", **where, part=part)
            item.parts.append(event.text)
            self._emit("response.reasoning_summary_text.delta", **where, delta=event.text)
        if sealed:
            item.encrypted = sealed
            self._close_think("completed")

    def _reasoning(self, item: _Open, status: str) -> JSONObject:
        full = "".join(item.parts)
        summary = [{"type": "summary_text", "text": full}] if item.summary else []
        out: JSONObject = {"id": item.id, "type": "reasoning", "status": status, "summary": summary}
        if item.encrypted:
            out["encrypted_content"] = item.encrypted
        return out

    def _close_think(self, status: str) -> None:
        item, self._think = self._think, None
        if item is None:
            return
        if item.summary:
            full = "".join(item.parts)
            where = {"item_id": item.id, "output_index": item.index, "summary_index": 0}
            self._emit("response.reasoning_summary_text.done", **where, text=full)
            part = {"type": "summary_text", "text": full}
            self._emit("response.reasoning_summary_part.done", **where, part=part)
        self._done[item.index] = self._reasoning(item, status)
        self._emit("response.output_item.done", output_index=item.index, item=self._done[item.index])

    def _on_call(self, index: int, call_id: str, name: str) -> _Call:
        if index in self._calls:
            return self._calls[index]
        self._close_text("completed")
        self._close_think("completed")
        out = self._take()
        name = self._names.get(name, name)
        call = _Call(out, item_id(self._ctx, "fc_", out), call_id or item_id(self._ctx, "call_", out), name)
        call.namespace = self._spaces.get(name, "")
        self._calls[index] = call
        item = call_output_item(call.id, "in_progress", call.call_id, name, "", call.namespace)
        self._emit("response.output_item.added", output_index=out, item=item)
        return call

    def _on_args(self, index: int, delta: str) -> None:
        call = self._calls.get(index) or self._on_call(index, "", f"tool_{index}")
        if call.closed or not delta:
            return
        call.args.append(delta)
        self._emit(
            "response.function_call_arguments.delta", item_id=call.id, output_index=call.index, delta=delta
        )

    def _call_item(self, call: _Call, status: str) -> JSONObject:
        args = "".join(call.args) or "{}"
        return call_output_item(call.id, status, call.call_id, call.name, args, call.namespace)

    def _close_call(self, call: _Call, status: str) -> None:
        call.closed = True
        item = self._done[call.index] = self._call_item(call, status)
        if status == "completed":  # a truncated call is not finalised (§5.3)
            where = {"item_id": call.id, "output_index": call.index}
            self._emit("response.function_call_arguments.done", **where, arguments=item["arguments"])
        self._emit("response.output_item.done", output_index=call.index, item=item)

    def _close_calls(self, status: str) -> None:
        for call in self._calls.values():
            if not call.closed:
                self._close_call(call, status)

    def _close_all(self, status: str) -> None:
        self._close_think(status)
        self._close_text(status)
        self._close_calls(status)

    def _on_error(self, event: ir.StreamError) -> None:
        code = "rate_limit_exceeded" if event.status == 429 else "server_error"
        self._emit("error", code=code, message=event.message, param=None)
        output = dict(self._done)
        if self._text is not None:
            content = [output_text("".join(self._text.parts))]
            output[self._text.index] = message_item(self._text.id, "incomplete", content)
        if self._think is not None:
            output[self._think.index] = self._reasoning(self._think, "incomplete")
        for call in self._calls.values():
            if not call.closed:
                output[call.index] = self._call_item(call, "incomplete")
        error = {"code": code, "message": event.message, "type": event.type}
        items = [output[i] for i in sorted(output)]
        obj = response_object(self._ctx, self._echo, "failed", items, self._usage, error=error)
        self._emit("response.failed", response=obj)
        self._ended = True
