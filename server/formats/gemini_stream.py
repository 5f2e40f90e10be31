"""Gemini stream state machines: upstream ``data:`` chunks → IR events, IR events → client chunks.

Every upstream chunk is a whole GenerateContentResponse (or the Gemini CLI ``{"response": …}``
envelope). Gemini repeats ``usageMetadata`` on every chunk, so the decoder keeps only the latest
and reports it once, right before the finish (which waits for usage that trails the
finishReason chunk). Function calls arrive whole: start, one argument delta, end.

The encoder writes ``data: <GenerateContentResponse>\\n\\n`` per text / thought delta and per
completed function call, ``modelVersion`` and ``responseId`` on every chunk, and a final chunk
with ``finishReason`` and ``usageMetadata`` (§5.4). An in-stream error becomes
``data: {"error": {"code", "message", "status"}}`` and ends the stream (§6.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server import jsoncodec
from server.formats import gemini_parts as gp
from server.formats.gemini_response import (
    finish_from_gemini,
    finish_to_gemini,
    google_status,
    read_usage,
    unwrap,
    write_usage,
)
from server.formats.ir import (
    FinishReason,
    ResponseContext,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
    StreamText,
    StreamThinking,
    StreamToolCallArgs,
    StreamToolCallEnd,
    StreamToolCallStart,
    StreamUsage,
    TextPart,
    Usage,
)
from server.formats.sse import SSEEvent
from server.jsontypes import JSONObject

__all__ = ["GeminiStreamDecoder", "GeminiStreamEncoder"]

_ERROR_TYPES = {
    "INVALID_ARGUMENT": "invalid_request_error",
    "FAILED_PRECONDITION": "invalid_request_error",
    "UNAUTHENTICATED": "authentication_error",
    "PERMISSION_DENIED": "permission_error",
    "NOT_FOUND": "not_found_error",
    "RESOURCE_EXHAUSTED": "rate_limit_error",
    "UNAVAILABLE": "overloaded_error",
    "DEADLINE_EXCEEDED": "timeout_error",
}


class GeminiStreamDecoder:
    """Upstream Gemini SSE events → IR stream events."""

    def __init__(self) -> None:
        self._started = False
        self._done = False  # [DONE], an error, or finish(): nothing more is read
        self._finished = False  # StreamFinish was emitted
        self._response_id = ""
        self._calls = 0
        self._thinking = False  # the last event was thinking (a bare signature belongs to it)
        self._usage: Usage | None = None
        self._reason: str | None = None

    def feed(self, event: SSEEvent) -> list[StreamEvent]:
        if self._done:
            return []
        data = event.data.strip()
        if not data:
            return []
        if data == "[DONE]":
            return self.finish()
        try:
            chunk = jsoncodec.loads(data)
        except ValueError:
            self._done = True
            return [StreamError("upstream sent a stream chunk that is not JSON", 502)]
        events: list[StreamEvent] = []
        for item in chunk if isinstance(chunk, list) else [chunk]:  # alt=json sends an array
            if isinstance(item, dict) and not self._done:
                events += self._chunk(unwrap(item))
        return events

    def _chunk(self, chunk: JSONObject) -> list[StreamEvent]:
        error = chunk.get("error")
        if isinstance(error, dict):
            self._done = True
            return [_error(error)]
        events: list[StreamEvent] = []
        if not self._started:
            self._started = True
            self._response_id = str(chunk.get("responseId") or "")
            events.append(StreamStart(id=self._response_id, model=str(chunk.get("modelVersion") or "")))
        candidates = chunk.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else None
        if not self._finished and isinstance(candidate, dict):
            content = candidate.get("content")
            parts = content.get("parts") if isinstance(content, dict) else None
            for part in parts if isinstance(parts, list) else []:
                if isinstance(part, dict):
                    events += self._part(part)
            reason = gp.field(candidate, "finishReason", "finish_reason")
            if isinstance(reason, str) and reason and self._reason is None:
                self._reason = reason
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, dict) and feedback.get("blockReason") and self._reason is None:
            self._reason = "SAFETY"
        meta = gp.field(chunk, "usageMetadata", "usage_metadata")
        if isinstance(meta, dict):
            self._usage = read_usage(meta)
        if self._reason is not None and self._usage is not None and not self._finished:
            events += self._finish()
        return events

    def finish(self) -> list[StreamEvent]:
        if self._done:
            return []
        self._done = True
        if not self._started or self._finished:
            return []
        return self._finish()

    def _finish(self) -> list[StreamEvent]:
        self._finished = True
        reason: FinishReason = "tool_calls" if self._calls else finish_from_gemini(self._reason or "STOP")
        events: list[StreamEvent] = [StreamUsage(self._usage)] if self._usage is not None else []
        return [*events, StreamFinish(reason)]

    def _part(self, part: JSONObject) -> list[StreamEvent]:
        extras = gp.part_extras(part)
        signature = str(extras.get(gp.SIGNATURE) or "")
        fc = gp.field(part, "functionCall", "function_call")
        if isinstance(fc, dict):
            name, args = str(fc.get("name") or ""), fc.get("args")
            arguments = gp.dumps(args if isinstance(args, dict) else {})
            call_id = fc.get("id") if isinstance(fc.get("id"), str) and fc.get("id") else None
            call_id = call_id or gp.derived_call_id(self._response_id, self._calls, name, arguments)
            index, self._calls, self._thinking = self._calls, self._calls + 1, False
            return [
                StreamToolCallStart(index, call_id, name, extras),
                StreamToolCallArgs(index, arguments),
                StreamToolCallEnd(index),
            ]
        text = part.get("text")
        if part.get("thought") is True:
            if not text and not signature:
                return []
            self._thinking = True
            return [StreamThinking(text=text if isinstance(text, str) else "", signature=signature)]
        if not isinstance(text, str):
            read = gp.read_part(part)  # code execution → readable text; media has no stream event
            text = read.text if isinstance(read, TextPart) else ""
        if text:
            self._thinking = False
            return [StreamText(text, {gp.SIGNATURE: signature} if signature else {})]
        if signature:  # a bare signature (§8.33): it signs the open thought, else it rides along
            if self._thinking:
                return [StreamThinking(signature=signature)]
            return [StreamText("", {gp.SIGNATURE: signature})]
        return []


def _error(error: JSONObject) -> StreamError:
    code = error.get("code")
    status = code if isinstance(code, int) and not isinstance(code, bool) and code >= 400 else 500
    kind = _ERROR_TYPES.get(str(error.get("status") or ""), "api_error")
    return StreamError(str(error.get("message") or "upstream error"), status, kind)


@dataclass(slots=True)
class _Call:
    id: str
    name: str
    extras: JSONObject
    args: list[str] = field(default_factory=list)


class GeminiStreamEncoder:
    """IR stream events → Gemini client SSE bytes."""

    def __init__(self, ctx: ResponseContext) -> None:
        self._ctx = ctx
        self._calls: dict[int, _Call] = {}
        self._called = False
        self._usage: Usage | None = None
        self._start_usage: Usage | None = None
        self._reason: FinishReason | None = None
        self._closed = False

    def encode(self, event: StreamEvent) -> bytes:
        if self._closed:
            return b""
        if isinstance(event, StreamText):
            part = {"text": event.text}
            if event.extras.get(gp.SIGNATURE):
                part[gp.SIGNATURE] = event.extras[gp.SIGNATURE]
            return self._chunk([part]) if event.text or len(part) > 1 else b""
        if isinstance(event, StreamThinking):
            if not event.text and not event.signature:
                return b""
            thought: JSONObject = {"text": event.text, "thought": True}
            if event.signature:
                thought[gp.SIGNATURE] = event.signature
            return self._chunk([thought])
        if isinstance(event, StreamToolCallStart):
            self._calls[event.index] = _Call(event.id, event.name, dict(event.extras))
            return b""
        if isinstance(event, StreamToolCallArgs):
            if (call := self._calls.get(event.index)) is not None:
                call.args.append(event.delta)
            return b""
        if isinstance(event, StreamToolCallEnd):
            call = self._calls.pop(event.index, None)
            return self._call_chunk(call) if call is not None else b""
        if isinstance(event, StreamUsage):
            self._usage = event.usage
            return self._final() if self._reason is not None else b""
        if isinstance(event, StreamFinish):
            self._reason = event.reason
            return self._final() if self._usage is not None else b""
        if isinstance(event, StreamError):
            self._closed = True
            body = {
                "error": {
                    "code": event.status,
                    "message": event.message,
                    "status": google_status(event.status),
                }
            }
            return _frame(body)
        if isinstance(event, StreamStart):
            self._start_usage = event.usage
        return b""

    def finish(self) -> bytes:
        return b"" if self._closed else self._final()

    def _call_chunk(self, call: _Call) -> bytes:
        self._called = True
        function: JSONObject = {"name": call.name, "args": gp.args_object("".join(call.args))}
        if call.id:
            function = {"id": call.id, **function}
        part: JSONObject = {"functionCall": function}
        if call.extras.get(gp.SIGNATURE):
            part[gp.SIGNATURE] = call.extras[gp.SIGNATURE]
        return self._chunk([part])

    def _final(self) -> bytes:
        self._closed = True
        out = b"".join(self._call_chunk(call) for call in self._calls.values())
        self._calls.clear()
        reason = "STOP" if self._called else finish_to_gemini(self._reason or "stop")
        usage = self._usage or self._start_usage
        return out + self._chunk([], reason, usage)

    def _chunk(self, parts: list[JSONObject], reason: str = "", usage: Usage | None = None) -> bytes:
        candidate: JSONObject = {"content": {"role": "model", "parts": parts}}
        if reason:
            candidate["finishReason"] = reason
        body: JSONObject = {"candidates": [candidate]}
        if usage is not None:
            body["usageMetadata"] = write_usage(usage)
        body["modelVersion"] = self._ctx.model
        body["responseId"] = self._ctx.id
        return _frame(body)


def _frame(body: JSONObject) -> bytes:
    return b"data: " + gp.dumps(body).encode() + b"\n\n"
