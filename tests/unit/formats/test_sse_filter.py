"""SSEEventFilter yields every marked event a full SSEParser would, however the bytes are cut."""

from __future__ import annotations

import pytest

from server.formats.sse import SSEEvent, SSEEventFilter, SSEParser

MARKERS = (b"usage", b"message_start")

LF = (
    b'event: message_start\ndata: {"type":"message_start","usage":{"input_tokens":3}}\n\n'
    b'event: content_block_delta\ndata: {"text":"h\xc3\xa9llo"}\n\n'
    b": comment\n\n"
    b'event: message_delta\ndata: {"usage":{"output_tokens":7}}\n\n'
    b'data: {"plain":1}\n\n'
)
CRLF = LF.replace(b"\n", b"\r\n")
NO_FINAL_BLANK = b'data: {"a":1}\n\ndata: {"usage":{"total":2}}'


def only_marked(events: list[SSEEvent]) -> list[SSEEvent]:
    return [e for e in events if any(m.decode() in e.data or m.decode() in e.event for m in MARKERS)]


def marked(stream: bytes) -> list[SSEEvent]:
    parser = SSEParser()
    return only_marked(parser.feed(stream) + parser.flush())


def filtered(pieces: list[bytes]) -> list[SSEEvent]:
    events: list[SSEEvent] = []
    sse = SSEEventFilter(MARKERS)
    for piece in pieces:
        events += sse.feed(piece)
    return only_marked(events + sse.flush())  # unmarked events arriving with marked ones may come along


@pytest.mark.parametrize("stream", [LF, CRLF, NO_FINAL_BLANK], ids=["lf", "crlf", "no-final-blank"])
def test_every_two_cut_split_gives_the_marked_events(stream: bytes) -> None:
    expected = marked(stream)
    assert len(expected) >= 1
    step = 3 if len(stream) > 200 else 1
    for i in range(0, len(stream) + 1, step):
        for j in range(i, len(stream) + 1, step * 4):
            pieces = [stream[:i], stream[i:j], stream[j:]]
            assert filtered(pieces) == expected, (i, j)


def test_byte_by_byte() -> None:
    assert filtered([LF[i : i + 1] for i in range(len(LF))]) == marked(LF)


def test_unmarked_events_are_not_parsed() -> None:
    sse = SSEEventFilter(MARKERS)
    assert sse.feed(b'data: {"text":"no marker"}\n\n' * 3) == []
    assert sse.feed(b'data: {"usage":1}\n\n') == [SSEEvent('{"usage":1}')]


def test_a_stream_without_lf_boundaries_is_parsed_in_full_past_the_limit() -> None:
    cr_only = (b"data: " + b"x" * 4000 + b"\rdata: usage\r\r") * 300  # > 1 MiB without an LF
    parser = SSEParser()
    expected = [e for e in parser.feed(cr_only) + parser.flush() if "usage" in e.data]
    assert filtered([cr_only[i : i + 65536] for i in range(0, len(cr_only), 65536)]) == expected
