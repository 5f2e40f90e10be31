"""Server-sent events framing: an incremental parser and the encoders for outgoing events.

The parser follows the WHATWG event-stream rules (LF, CRLF or CR line ends; ``:`` comments;
``data`` lines joined with ``\\n``; one leading space after the colon removed) and is built for
the per-chunk hot path: partial lines are kept as a list of pieces and joined once, when their
line end arrives, so a long line delivered in many small chunks costs linear time.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["DONE", "SSEEvent", "SSEEventFilter", "SSEParser", "encode_comment", "encode_event"]

DONE = b"data: [DONE]\n\n"
"""The OpenAI Chat stream terminator."""


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event. ``event`` is "" when the stream named none (the default type)."""

    data: str
    event: str = ""
    id: str = ""
    retry: int | None = None


class SSEParser:
    """Feed raw bytes as they arrive; get back the events they completed."""

    __slots__ = ("_data", "_decoder", "_event", "_id", "_pieces", "_retry", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pieces: list[str] = []
        self._data: list[str] = []
        self._event = ""
        self._id = ""
        self._retry: int | None = None
        self._started = False
        self._skip_lf = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk``; return the events whose terminating blank line it contained."""
        text = self._decoder.decode(chunk)
        if not text:
            return []
        if self._skip_lf:
            # the previous chunk ended in CR, already taken as a line end; its LF half is here
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        if not self._started:
            self._started = True
            if text[:1] == "\ufeff":
                text = text[1:]
        if "\n" not in text and "\r" not in text:
            if text:
                self._pieces.append(text)
            return []
        if self._pieces:
            self._pieces.append(text)
            text = "".join(self._pieces)
            self._pieces.clear()
        if "\r" in text:
            self._skip_lf = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        tail = lines.pop()
        if tail:
            self._pieces.append(tail)
        events: list[SSEEvent] = []
        for line in lines:
            self._line(line, events)
        return events

    def flush(self) -> list[SSEEvent]:
        """End of stream: finish a last line and a last event that had no blank line after it."""
        events: list[SSEEvent] = []
        self._pieces.append(self._decoder.decode(b"", final=True))
        rest = "".join(self._pieces)
        self._pieces.clear()
        if rest:
            self._line(rest, events)
        self._line("", events)
        return events

    def _line(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                events.append(SSEEvent("\n".join(self._data), self._event, self._id, self._retry))
                self._data = []
            self._event = ""
            return
        if line.startswith("data:"):
            value = line[5:]
            self._data.append(value[1:] if value[:1] == " " else value)
            return
        if line[0] == ":":
            return
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\x00" not in value:
                self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)


_FALLBACK_PENDING = 1 << 20
"""Bytes without an event boundary after which ``SSEEventFilter`` just parses everything (a stream
with bare-CR line ends has no LF boundary to cut at)."""


class SSEEventFilter:
    """Every event whose raw bytes contain one of ``markers``, parsed; most others skipped unparsed.

    For a relayed stream whose bytes go to the client untouched and that is read only for a few
    events (usage): the bytes are cut at event boundaries (a blank line, LF or CRLF) and only a run
    of complete events in which a marker occurs reaches the ``SSEParser`` (unmarked events of the
    same run come along). Skipped events do not update ``id`` / ``retry`` state.
    """

    __slots__ = ("_edge", "_everything", "_markers", "_parser", "_pending", "_pending_size")

    def __init__(self, markers: tuple[bytes, ...]) -> None:
        self._markers = markers
        self._parser = SSEParser()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._edge = b""
        self._everything = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._everything:
            return self._parser.feed(chunk)
        edge = self._edge
        window = edge + chunk if edge else chunk
        lf = window.rfind(b"\n\n")
        crlf = window.rfind(b"\r\n\r\n")
        cut = max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0) - len(edge)
        self._edge = window[-3:]
        if cut <= 0:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
            if self._pending_size > _FALLBACK_PENDING:
                self._everything = True
                return self._parser.feed(self._take(b""))
            return []
        complete = self._take(chunk[:cut]) if self._pending else chunk[:cut]
        if cut < len(chunk):
            self._pending.append(chunk[cut:])
            self._pending_size = len(chunk) - cut
        return self._parser.feed(complete) if self._marked(complete) else []

    def flush(self) -> list[SSEEvent]:
        """End of stream: a last event without a blank line after it, if it is marked."""
        rest = self._take(b"")
        if self._everything or self._marked(rest):
            return self._parser.feed(rest) + self._parser.flush()
        return []

    def _take(self, last: bytes) -> bytes:
        self._pending.append(last)
        joined = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        return joined

    def _marked(self, data: bytes) -> bool:
        return any(marker in data for marker in self._markers)


def encode_event(data: str | bytes, event: str | None = None) -> bytes:
    """One event: an optional ``event:`` line, one ``data:`` line per line of ``data``, a blank line."""
    raw = data if isinstance(data, bytes) else data.encode()
    head = b"event: " + event.encode() + b"\n" if event else b""
    if b"\n" not in raw and b"\r" not in raw:
        return head + b"data: " + raw + b"\n\n"
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return head + b"".join(b"data: " + line + b"\n" for line in lines) + b"\n"


def encode_comment(text: str) -> bytes:
    """A comment (e.g. ``: keep-alive``) followed by a blank line; ignored by every SSE client."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(f": {line}\n" for line in lines).encode() + b"\n"
