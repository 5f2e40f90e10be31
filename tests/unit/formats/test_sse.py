"""SSE parser edge cases and the encoders."""

from __future__ import annotations

import time

import pytest

from server.formats.sse import DONE, SSEEvent, SSEParser, encode_comment, encode_event


def _parse_all(chunks: list[bytes]) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    events.extend(parser.flush())
    return events


def _bytewise(raw: bytes) -> list[bytes]:
    return [raw[i : i + 1] for i in range(len(raw))]


CLAUDE = b'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type": "ping"}\n\n'
CLAUDE_EVENTS = [
    SSEEvent('{"type":"message_start"}', "message_start"),
    SSEEvent('{"type": "ping"}', "ping"),
]

CASES = [
    (b"data: a\n\ndata: b\n\n", [SSEEvent("a"), SSEEvent("b")]),
    (CLAUDE, CLAUDE_EVENTS),
    (CLAUDE.replace(b"\n", b"\r\n"), CLAUDE_EVENTS),
    (CLAUDE.replace(b"\n", b"\r"), CLAUDE_EVENTS),
    (b"data: line1\ndata: line2\ndata:\n\n", [SSEEvent("line1\nline2\n")]),
    (b": keep-alive\n\n: another\ndata: x\n\n", [SSEEvent("x")]),
    (b"data:nospace\n\ndata:  two spaces\n\n", [SSEEvent("nospace"), SSEEvent(" two spaces")]),
    (b"event: e\n\ndata: after\n\n", [SSEEvent("after")]),
    (
        b"id: 7\nretry: 3000\ndata: x\n\ndata: y\n\n",
        [SSEEvent("x", "", "7", 3000), SSEEvent("y", "", "7", 3000)],
    ),
    (b"data\n\n", [SSEEvent("")]),
    (b"\xef\xbb\xbfdata: bom\n\n", [SSEEvent("bom")]),
    (
        'data: {"t":"h\u00e9llo \u2028 \U0001f600"}\n\n'.encode(),
        [SSEEvent('{"t":"h\u00e9llo \u2028 \U0001f600"}')],
    ),
    (b"data: [DONE]\n\n", [SSEEvent("[DONE]")]),
    (b"unknown: field\ndata: x\n\n", [SSEEvent("x")]),
    (b'data: {"last":true}', [SSEEvent('{"last":true}')]),
    (b"event: message_stop\ndata: {}\n", [SSEEvent("{}", "message_stop")]),
]
IDS = [
    "data-only",
    "named-events",
    "crlf",
    "cr-only",
    "multi-line-data",
    "comments-ignored",
    "one-leading-space-stripped",
    "event-without-data-not-dispatched",
    "id-and-retry-persist",
    "field-without-colon",
    "utf8-bom",
    "multibyte-and-u2028-not-a-line-break",
    "done-marker",
    "unknown-field-ignored",
    "final-event-without-newline-needs-flush",
    "final-event-without-blank-line",
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=IDS)
def test_whole_stream(raw: bytes, expected: list[SSEEvent]) -> None:
    assert _parse_all([raw]) == expected


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=IDS)
def test_byte_by_byte(raw: bytes, expected: list[SSEEvent]) -> None:
    assert _parse_all(_bytewise(raw)) == expected


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n\r") == [SSEEvent("a")]
    assert parser.feed(b"\ndata: b\r\n\r\n") == [SSEEvent("b")]


def test_cr_at_chunk_end_then_text_is_a_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\rdata: b\r") == [SSEEvent("a")]
    assert parser.feed(b"\r") == [SSEEvent("b")]


def test_events_are_returned_by_the_chunk_that_completes_them() -> None:
    parser = SSEParser()
    assert parser.feed(b'data: {"a"') == []
    assert parser.feed(b":1}\n") == []
    assert parser.feed(b"\n") == [SSEEvent('{"a":1}')]
    assert parser.flush() == []


def test_long_line_in_many_chunks_is_linear() -> None:
    payload = b"x" * 4_000_000
    chunks = [b"data: "] + [payload[i : i + 256] for i in range(0, len(payload), 256)] + [b"\n\n"]
    parser = SSEParser()
    start = time.perf_counter()
    events = [e for chunk in chunks for e in parser.feed(chunk)]
    elapsed = time.perf_counter() - start
    assert len(events) == 1 and len(events[0].data) == len(payload)
    assert elapsed < 2.0  # a quadratic buffer would copy ~30 GB here


@pytest.mark.parametrize(
    ("data", "event", "expected"),
    [
        ('{"a":1}', None, b'data: {"a":1}\n\n'),
        (b'{"a":1}', "message_start", b'event: message_start\ndata: {"a":1}\n\n'),
        ("l1\nl2", None, b"data: l1\ndata: l2\n\n"),
        (b"l1\r\nl2", "e", b"event: e\ndata: l1\ndata: l2\n\n"),
        ("", None, b"data: \n\n"),
        ("h\u00e9", None, "data: h\u00e9\n\n".encode()),
    ],
    ids=["str", "bytes-named", "multi-line", "crlf-bytes", "empty", "utf8"],
)
def test_encode_event(data: str | bytes, event: str | None, expected: bytes) -> None:
    assert encode_event(data, event) == expected


@pytest.mark.parametrize(
    ("data", "event"),
    [('{"x":"y"}', "response.completed"), ("a\nb\n", None), ("", "ping")],
    ids=["json", "trailing-newline", "empty"],
)
def test_encode_then_parse_round_trips(data: str, event: str | None) -> None:
    assert _parse_all([encode_event(data, event)]) == [SSEEvent(data, event or "")]


def test_comment_and_done() -> None:
    assert encode_comment("keep-alive") == b": keep-alive\n\n"
    assert encode_comment("a\nb") == b": a\n: b\n\n"
    assert _parse_all([encode_comment("keep-alive") + DONE]) == [SSEEvent("[DONE]")]
