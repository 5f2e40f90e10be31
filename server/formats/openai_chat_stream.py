"""OpenAI Chat ``chat.completion.chunk`` streams to IR events (decoder) and back (encoder).

Decoder (upstream → IR), tolerant of what OpenAI-compatible servers send:

* ``StreamStart`` once, on the first chunk; ``delta.reasoning_content`` (or ``reasoning``) →
  ``StreamThinking``; ``delta.content`` → ``StreamText``; ``delta.refusal`` → ``StreamText`` marked
  as refusal.
* ``delta.tool_calls`` fragments are keyed by ``index`` (or by ``id`` when there is none). A call
  starts (``StreamToolCallStart``) once its id and name are known; argument fragments that arrive
  before that are buffered. A fragment whose ``id`` differs from the call already at its index opens
  a new call (servers that send every call at index 0); a repeated id, or the whole arguments in
  one fragment, are fine. Starting a call ends the previous one. Calls that never got an id or a
  name are started at the finish with ``call_<chunk id>_<n>`` / ``tool_<n>``. Arguments pass on
  piece by piece while they can still become JSON; from the first piece that cannot, the rest is
  held and the call ends with the remainder of the repaired text (``json_repair``, §8.15).
* ``finish_reason`` ends every open call at once but holds ``StreamFinish`` back until usage is
  known: usage on the finish chunk itself, a later usage chunk (``choices: []``), or ``[DONE]`` /
  the end of the stream. ``StreamUsage`` always comes right before ``StreamFinish``.
* Only ``choices`` index 0 is read (the IR has one answer per stream).
* ``[DONE]`` closes the stream; anything after it is ignored. ``{"error": …}`` or unparseable
  JSON → ``StreamError`` and nothing more.

Encoder (IR → client bytes, translation.md §5.2 with the OpenAI ``include_usage`` convention): a
role chunk ``delta: {"role": "assistant"}`` first, then content / ``reasoning_content`` /
``tool_calls`` deltas, the finish chunk, then — when the client asked for ``include_usage`` — a
usage chunk with ``choices: []``, then ``data: [DONE]``. A ``StreamError`` is written as
``data: {"error": …}`` and ends the stream without ``[DONE]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server import jsoncodec
from server.formats import ir
from server.formats.json_repair import JSONPrefix, finish_json
from server.formats.openai_chat_parts import PREFIX, REFUSAL
from server.formats.openai_chat_response import (
    finish_from_chat,
    finish_to_chat,
    usage_from_chat,
    usage_to_chat,
)
from server.formats.sse import DONE, SSEEvent
from server.jsontypes import JSON, JSONObject

__all__ = ["ChatStreamDecoder", "ChatStreamEncoder"]

_ERROR_CODES = {
    401: "invalid_api_key",
    403: "insufficient_quota",
    404: "model_not_found",
    429: "rate_limit_exceeded",
}


@dataclass(slots=True)
class _Call:
    index: int
    id: str = ""
    name: str = ""
    started: bool = False
    ended: bool = False
    pending: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    scan: JSONPrefix = field(default_factory=JSONPrefix)


class ChatStreamDecoder:
    """Upstream chat chunks → IR stream events (one instance per upstream stream)."""

    def __init__(self) -> None:
        self._started = False
        self._closed = False
        self._chunk_id = ""
        self._calls: list[_Call] = []
        self._by_key: dict[int | str, _Call] = {}
        self._last_key: int | str = 0
        self._reason: ir.FinishReason | None = None
        self._usage: ir.Usage | None = None

    def feed(self, event: SSEEvent) -> list[ir.StreamEvent]:
        data = event.data.strip()
        if self._closed or not data:
            return []
        if data == "[DONE]":
            return self._close()
        try:
            chunk = jsoncodec.loads(data)
        except ValueError:
            self._closed = True
            return [ir.StreamError(f"upstream sent a chunk that is not JSON: {data[:200]}", 502)]
        if not isinstance(chunk, dict):
            return []
        if chunk.get("error"):
            self._closed = True
            return [_error(chunk["error"])]
        out: list[ir.StreamEvent] = []
        self._chunk_id = self._chunk_id or _str(chunk.get("id"))
        if not self._started:
            self._started = True
            out.append(ir.StreamStart(id=self._chunk_id, model=_str(chunk.get("model"))))
        usage = usage_from_chat(chunk.get("usage"))
        if usage is not None:
            self._usage = usage
        choice = _first_choice(chunk.get("choices"))
        if choice is not None and self._reason is None:
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(delta, out)
            reason = choice.get("finish_reason")
            if isinstance(reason, str) and reason:
                self._end_calls(out)
                self._reason = finish_from_chat(reason, bool(self._calls))
        if self._reason is not None and usage is not None:
            self._finish(out)
        return out

    def finish(self) -> list[ir.StreamEvent]:
        return [] if self._closed else self._close()

    def _close(self) -> list[ir.StreamEvent]:
        self._closed = True
        out: list[ir.StreamEvent] = []
        if not self._started:
            return out
        self._end_calls(out)
        if self._reason is None:
            self._reason = "tool_calls" if self._calls else "stop"
        self._finish(out)
        return out

    def _finish(self, out: list[ir.StreamEvent]) -> None:
        if self._usage is not None:
            out.append(ir.StreamUsage(self._usage))
        out.append(ir.StreamFinish(self._reason or "stop"))
        self._closed = True

    def _delta(self, delta: JSONObject, out: list[ir.StreamEvent]) -> None:
        thinking = delta.get("reasoning_content")
        if thinking is None:
            thinking = delta.get("reasoning")
        text = _text(thinking)
        if text:
            out.append(ir.StreamThinking(text))
        content = _text(delta.get("content"))
        if content:
            out.append(ir.StreamText(content))
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            out.append(ir.StreamText(refusal, {REFUSAL: "field"}))
        fragments = delta.get("tool_calls")
        if isinstance(fragments, list):
            for fragment in fragments:
                if isinstance(fragment, dict):
                    self._fragment(fragment, out)
        legacy = delta.get("function_call")
        if isinstance(legacy, dict):
            self._fragment({"index": -1, "function": legacy}, out)

    def _fragment(self, fragment: JSONObject, out: list[ir.StreamEvent]) -> None:
        function = fragment.get("function")
        if not isinstance(function, dict):
            function = {}
        call_id, name = _str(fragment.get("id")), _str(function.get("name"))
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        index = fragment.get("index")
        key: int | str = index if isinstance(index, int) else call_id or self._last_key
        call = self._by_key.get(key)
        if call is not None and call_id and call.id and call_id != call.id:
            call = None  # a new call at a reused index
        if call is None:
            if not (call_id or name or arguments):
                return  # an empty fragment of a call never seen
            call = _Call(len(self._calls))
            self._calls.append(call)
        self._by_key[key] = call
        self._last_key = key
        call.id = call.id or call_id
        call.name = call.name or name
        if arguments:
            if call.started:
                self._args(call, arguments, out)
            else:
                call.pending.append(arguments)
        if not call.started and call.id and call.name:
            self._start(call, out)

    def _start(self, call: _Call, out: list[ir.StreamEvent]) -> None:
        for other in self._calls:
            if other.started and not other.ended:
                self._end(other, out)
        call.started = True
        out.append(ir.StreamToolCallStart(call.index, call.id, call.name))
        if call.pending:
            self._args(call, "".join(call.pending), out)
            call.pending.clear()

    def _args(self, call: _Call, text: str, out: list[ir.StreamEvent]) -> None:
        if not call.held and call.scan.feed(text):
            call.sent.append(text)
            out.append(ir.StreamToolCallArgs(call.index, text))
        else:
            call.held.append(text)

    def _end(self, call: _Call, out: list[ir.StreamEvent]) -> None:
        call.ended = True
        if call.held:  # the arguments stopped being JSON: finish them with the repaired rest
            if rest := finish_json("".join(call.sent), "".join(call.held)):
                out.append(ir.StreamToolCallArgs(call.index, rest))
        out.append(ir.StreamToolCallEnd(call.index))

    def _end_calls(self, out: list[ir.StreamEvent]) -> None:
        for call in self._calls:
            if call.ended:
                continue
            if not call.started:
                prefix = f"call_{self._chunk_id}_" if self._chunk_id else "call_"
                call.id = call.id or f"{prefix}{call.index}"
                call.name = call.name or f"tool_{call.index}"
                self._start(call, out)
            self._end(call, out)


class ChatStreamEncoder:
    """IR stream events → ``chat.completion.chunk`` SSE frames for the client."""

    def __init__(self, ctx: ir.ResponseContext) -> None:
        self._ctx = ctx
        self._include_usage = ctx.include_usage or _asked_for_usage(ctx.request)
        self._started = False
        self._finished = False
        self._closed = False
        self._tools: dict[int, int] = {}
        self._usage: ir.Usage | None = None

    def encode(self, event: ir.StreamEvent) -> bytes:
        if self._closed:
            return b""
        if isinstance(event, ir.StreamError):
            self._closed = True
            return _frame({"error": _error_body(event)})
        if isinstance(event, ir.StreamUsage):
            self._usage = event.usage
            return b""
        if isinstance(event, ir.StreamStart):
            if event.usage is not None and self._usage is None:
                self._usage = event.usage
            return self._role()
        if self._finished:
            return b""
        if isinstance(event, ir.StreamFinish):
            self._finished = True
            reason = finish_to_chat(event.reason, bool(self._tools))
            return self._role() + self._chunk({}, reason)
        delta = self._delta(event)
        return self._role() + self._chunk(delta) if delta else b""

    def finish(self) -> bytes:
        if self._closed:
            return b""
        out = b""
        if not self._finished:
            out += self.encode(ir.StreamFinish("stop"))
        self._closed = True
        if self._include_usage:
            usage = usage_to_chat(self._usage or ir.Usage())
            out += _frame({**self._head(), "choices": [], "usage": usage})
        return out + DONE

    def _delta(self, event: ir.StreamEvent) -> JSONObject | None:
        if isinstance(event, ir.StreamText):
            if not event.text:
                return None
            return {"refusal" if event.extras.get(REFUSAL) else "content": event.text}
        if isinstance(event, ir.StreamThinking):
            return {"reasoning_content": event.text} if event.text else None
        if isinstance(event, ir.StreamToolCallStart):
            index = self._tools.setdefault(event.index, len(self._tools))
            call_id = event.id or self._new_call_id(index)
            function = {"name": event.name, "arguments": ""}
            return {"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": function}]}
        if isinstance(event, ir.StreamToolCallArgs) and event.delta:
            index = self._tools.get(event.index, event.index)
            return {"tool_calls": [{"index": index, "function": {"arguments": event.delta}}]}
        return None

    def _role(self) -> bytes:
        if self._started:
            return b""
        self._started = True
        return self._chunk({"role": "assistant"})

    def _chunk(self, delta: JSONObject, reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": reason}
        return _frame({**self._head(), "choices": [choice]})

    def _head(self) -> JSONObject:
        ctx = self._ctx
        return {"id": ctx.id, "object": "chat.completion.chunk", "created": ctx.created, "model": ctx.model}

    def _new_call_id(self, index: int) -> str:
        return self._ctx.new_id("call_") if self._ctx.new_id is not None else f"call_{self._ctx.id}_{index}"


def _first_choice(choices: JSON) -> JSONObject | None:
    """The choice with index 0 (``n > 1`` streams interleave the others, which are dropped)."""
    for choice in choices if isinstance(choices, list) else []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return None


def _asked_for_usage(request: ir.Request | None) -> bool:
    options = request.extras.get(PREFIX + "stream_options") if request is not None else None
    return isinstance(options, dict) and options.get("include_usage") is True


def _frame(obj: JSONObject) -> bytes:
    return b"data: " + jsoncodec.dumps(obj) + b"\n\n"


def _error(raw: JSON) -> ir.StreamError:
    if not isinstance(raw, dict):
        return ir.StreamError(str(raw))
    code = raw.get("code")
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    message = raw.get("message")
    kind = raw.get("type")
    return ir.StreamError(
        message if isinstance(message, str) else json.dumps(raw, ensure_ascii=False),
        status,
        kind if isinstance(kind, str) and kind else "api_error",
    )


def _error_body(event: ir.StreamError) -> JSONObject:
    code = _ERROR_CODES.get(event.status, "internal_server_error" if event.status >= 500 else None)
    return {"message": event.message, "type": event.type, "code": code}


def _text(value: JSON) -> str:
    """Delta text: a string, or a list of strings / ``{"text": …}`` objects (some servers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            v if isinstance(v, str) else _str(v.get("text")) if isinstance(v, dict) else "" for v in value
        )
    return ""


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""
