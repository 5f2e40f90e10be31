"""Token usage as the proxy records it, read from upstream answers of each wire format.

Rules (translation.md §6.2, "usage statistics recorded by the proxy"):

* Claude: input = ``input_tokens``, output = ``output_tokens``, cached = ``cache_read_input_tokens``
  (or ``cache_creation_input_tokens`` when that is 0), total = input + output; in streams the
  ``message_start`` usage is merged with the later ``message_delta`` usage.
* OpenAI Chat: ``usage`` (prompt/completion/total, ``*_details`` for cached and reasoning).
* Responses (Codex): ``response.completed`` → ``response.usage``.
* Gemini: the last ``usageMetadata``; output = ``candidatesTokenCount`` (thoughts are reported
  as reasoning), total = ``totalTokenCount`` or input + output + reasoning.

The stream tap is cheap per event: it only remembers the text of events that can carry usage
(told by the event name or a substring test) and parses JSON when ``usage`` is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from server.formats.sse import SSEEvent
from server.jsontypes import JSONObject

__all__ = ["StreamUsageTap", "Usage", "WireFormat", "usage_from_response"]

WireFormat = Literal["openai", "openai-responses", "claude", "gemini"]
"""Same literal as ``server.providers.base.WireFormat`` (formats do not import providers)."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one upstream answer."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    total_tokens: int = 0

    @property
    def is_zero(self) -> bool:
        return not (
            self.input_tokens
            or self.output_tokens
            or self.reasoning_tokens
            or self.cached_tokens
            or self.total_tokens
        )


def usage_from_response(fmt: WireFormat, body: JSONObject) -> Usage | None:
    """Usage of a non-stream answer in ``fmt``; None when the answer carries none."""
    if fmt == "gemini":
        meta = body.get("usageMetadata")
        if meta is None and isinstance(body.get("response"), dict):
            meta = body["response"].get("usageMetadata")  # Gemini CLI / Antigravity envelope
        return _gemini(meta) if isinstance(meta, dict) else None
    usage = body.get("usage")
    if fmt == "openai-responses" and usage is None and isinstance(body.get("response"), dict):
        usage = body["response"].get("usage")
    if not isinstance(usage, dict):
        return None
    if fmt == "claude":
        return _claude(usage)
    if fmt == "openai":
        return _openai(usage)
    return _responses(usage)


class StreamUsageTap:
    """Watches a stream's events and knows its usage at any point (``.usage``)."""

    __slots__ = ("_cached", "_claude_delta", "_claude_start", "_dirty", "_fmt", "_last")

    def __init__(self, fmt: WireFormat) -> None:
        self._fmt = fmt
        self._last = ""  # the latest event text that carries usage (non-Claude formats)
        self._claude_start = ""
        self._claude_delta = ""
        self._cached: Usage | None = None
        self._dirty = False

    def feed(self, event: SSEEvent) -> None:
        data = event.data
        fmt = self._fmt
        if fmt == "claude":
            kind = event.event or _claude_kind(data)
            if kind == "message_start":
                self._claude_start = data
            elif kind == "message_delta" and '"usage"' in data:
                self._claude_delta = data
            else:
                return
        elif fmt == "openai":
            if not _object_follows(data, '"usage"'):
                return
            self._last = data
        elif fmt == "openai-responses":
            kind = event.event
            if kind:
                if kind not in ("response.completed", "response.incomplete"):
                    return
            elif '"response.completed"' not in data and '"response.incomplete"' not in data:
                return
            self._last = data
        else:
            if not _object_follows(data, '"usageMetadata"'):
                return
            self._last = data
        self._dirty = True

    @property
    def usage(self) -> Usage | None:
        """The usage seen so far (None when no event carried any)."""
        if self._dirty:
            self._cached = self._parse()
            self._dirty = False
        return self._cached

    def _parse(self) -> Usage | None:
        if self._fmt == "claude":
            start = _load(self._claude_start).get("message")
            merged: JSONObject = {}
            if isinstance(start, dict) and isinstance(start.get("usage"), dict):
                merged.update(start["usage"])
            delta = _load(self._claude_delta).get("usage")
            if isinstance(delta, dict):
                merged.update({k: v for k, v in delta.items() if v is not None})
            return _claude(merged) if merged else None
        body = _load(self._last)
        if self._fmt == "openai-responses":
            response = body.get("response")
            body = response if isinstance(response, dict) else {}
        return usage_from_response(self._fmt, body)


def _claude_kind(data: str) -> str:
    if '"message_start"' in data:
        return "message_start"
    return "message_delta" if '"message_delta"' in data else ""


def _object_follows(data: str, key: str) -> bool:
    """Whether ``key`` occurs followed by ``:`` and an object (not ``null``)."""
    at = data.rfind(key)
    if at < 0:
        return False
    rest = data[at + len(key) : at + len(key) + 8].lstrip()
    return rest[:1] == ":" and rest[1:].lstrip()[:1] == "{"


def _load(text: str) -> JSONObject:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _sub(obj: JSONObject, key: str, field: str) -> int:
    inner = obj.get(key)
    return _int(inner.get(field)) if isinstance(inner, dict) else 0


def _claude(u: JSONObject) -> Usage:
    inp, out = _int(u.get("input_tokens")), _int(u.get("output_tokens"))
    cached = _int(u.get("cache_read_input_tokens")) or _int(u.get("cache_creation_input_tokens"))
    return Usage(inp, out, 0, cached, inp + out)


def _openai(u: JSONObject) -> Usage:
    inp, out = _int(u.get("prompt_tokens")), _int(u.get("completion_tokens"))
    reasoning = _sub(u, "completion_tokens_details", "reasoning_tokens")
    cached = _sub(u, "prompt_tokens_details", "cached_tokens")
    return Usage(inp, out, reasoning, cached, _int(u.get("total_tokens")) or inp + out)


def _responses(u: JSONObject) -> Usage:
    inp, out = _int(u.get("input_tokens")), _int(u.get("output_tokens"))
    reasoning = _sub(u, "output_tokens_details", "reasoning_tokens")
    cached = _sub(u, "input_tokens_details", "cached_tokens")
    return Usage(inp, out, reasoning, cached, _int(u.get("total_tokens")) or inp + out)


def _gemini(m: JSONObject) -> Usage:
    inp, out = _int(m.get("promptTokenCount")), _int(m.get("candidatesTokenCount"))
    reasoning, cached = _int(m.get("thoughtsTokenCount")), _int(m.get("cachedContentTokenCount"))
    return Usage(inp, out, reasoning, cached, _int(m.get("totalTokenCount")) or inp + out + reasoning)
