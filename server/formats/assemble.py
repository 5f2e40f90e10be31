"""Fold a stream of IR events into one IR answer (non-stream clients of streaming upstreams)."""

from __future__ import annotations

from server.formats import ir

__all__ = ["StreamAssembler"]


class StreamAssembler:
    """Collects IR stream events; ``response()`` is the complete answer they describe.

    Consecutive text (and thinking) deltas join into one part; tool-call argument deltas join by
    call index. ``completed`` tells whether a finish event arrived (an upstream that stops early
    must not pass for a complete answer — translation.md §7).
    """

    def __init__(self) -> None:
        self._response = ir.Response()
        self._calls: dict[int, ir.ToolCallPart] = {}
        self._args: dict[int, list[str]] = {}
        self.completed = False
        self.error: ir.StreamError | None = None

    def feed(self, event: ir.StreamEvent) -> None:
        response = self._response
        parts = response.parts
        if isinstance(event, ir.StreamStart):
            response.id = event.id or response.id
            response.model = event.model or response.model
            if event.usage is not None:
                response.usage = event.usage
        elif isinstance(event, ir.StreamText):
            last = parts[-1] if parts else None
            if isinstance(last, ir.TextPart) and not event.extras:
                last.text += event.text
            elif event.text or event.extras:
                parts.append(ir.TextPart(event.text, dict(event.extras)))
        elif isinstance(event, ir.StreamThinking):
            last = parts[-1] if parts else None
            if not isinstance(last, ir.ThinkingPart) or last.signature or last.redacted:
                last = ir.ThinkingPart(extras=dict(event.extras))
                parts.append(last)
            last.text += event.text
            last.signature = event.signature or last.signature
            last.redacted = event.redacted or last.redacted
        elif isinstance(event, ir.StreamToolCallStart):
            call = ir.ToolCallPart(event.id, event.name, "", dict(event.extras))
            self._calls[event.index] = call
            self._args[event.index] = []
            parts.append(call)
        elif isinstance(event, ir.StreamToolCallArgs):
            self._args.setdefault(event.index, []).append(event.delta)
        elif isinstance(event, ir.StreamToolCallEnd):
            self._close_call(event.index)
        elif isinstance(event, ir.StreamUsage):
            response.usage = _merge(response.usage, event.usage)
        elif isinstance(event, ir.StreamFinish):
            response.finish_reason = event.reason
            response.stop_sequence = event.stop_sequence
            self.completed = True
        elif isinstance(event, ir.StreamError):
            self.error = event

    def response(self) -> ir.Response:
        for index in list(self._calls):
            self._close_call(index)
        return self._response

    def _close_call(self, index: int) -> None:
        call = self._calls.pop(index, None)
        if call is not None:
            call.arguments = "".join(self._args.pop(index, [])) or "{}"


def _merge(old: ir.Usage, new: ir.Usage) -> ir.Usage:
    """Later usage events refine earlier ones (Claude: input at the start, output at the end)."""
    return ir.Usage(
        input_tokens=new.input_tokens or old.input_tokens,
        output_tokens=new.output_tokens or old.output_tokens,
        cached_tokens=new.cached_tokens or old.cached_tokens,
        cache_creation_tokens=new.cache_creation_tokens or old.cache_creation_tokens,
        reasoning_tokens=new.reasoning_tokens or old.reasoning_tokens,
        total_tokens=new.total_tokens or old.total_tokens,
    )
