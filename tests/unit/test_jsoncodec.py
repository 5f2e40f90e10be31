"""server.jsoncodec encodes what the standard library encodes, to the same bytes or the same JSON."""

from __future__ import annotations

import json

import pytest

from server import jsoncodec

EXACT = [
    {"model": "claude", "messages": [{"role": "user", "content": 'héllo \u2028 ✓ \n\t\x01"\\'}], "n": 1.5},
    {"floats": [0.1, 1e16, -0.0, 123456789.123], "flags": [True, False, None], "t": (1, 2)},
    {"big": 2**70, "neg": -(2**65)},  # beyond 64 bits: orjson refuses, json does it
    {1: "non-string key", "nested": [[[{"a": []}]]], "empty": {}},
]


@pytest.mark.parametrize("value", EXACT)
def test_same_bytes_as_compact_json(value: object) -> None:
    assert jsoncodec.dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_floats_may_be_spelled_differently_but_mean_the_same() -> None:
    value = {"small": 1e-7, "tiny": 5e-324, "huge": 1.7976931348623157e308}
    assert json.loads(jsoncodec.dumps(value)) == value


@pytest.mark.parametrize(
    ("value", "error"), [({"s": "\ud800"}, UnicodeEncodeError), ({"x": object()}, TypeError)]
)
def test_unencodable_values_fail_as_before(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        jsoncodec.dumps(value)


LOADS = [
    b'{"model":"claude","messages":[{"role":"user","content":"h\\u00e9llo \\u2028 \\ud83d\\ude00"}],"n":1.5}',
    b'{"int64":9223372036854775807,"min":-9223372036854775808,"u64":18446744073709551615}',
    b'{"big":1180591620717411303424,"neg":-36893488147419103232,"in_text":"12345678901234567890"}',
    b'{"spaced": \t-1180591620717411303424, "list": [ 1,\n 36893488147419103232]}',
    b"[36893488147419103232]",
    b" -36893488147419103232 ",
    b'{"id":"toolu_00000000000000000000","n":"x:1234567890123456789012"}',
    b'{"float19":0.1234567890123456789,"exp":1.5e-320,"neg0":-0.0,"e":1E+2}',
    b'{"nan":NaN,"inf":Infinity,"minus":-Infinity}',  # orjson refuses, json accepts
    b'{"huge":1e400}',
    b'{"lone":"\\ud800","dup":1,"dup":2}',
    b'\xef\xbb\xbf{"bom":true}',
    '{"utf16":"x"}'.encode("utf-16"),
    b' [1, 2, {"a": null}] ',
    b'{"image":"' + b"A0" * 100_000 + b'","n":36893488147419103232}',  # beyond orjson's share
]


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "text"])
@pytest.mark.parametrize("raw", LOADS)
def test_loads_gives_what_json_gives(raw: bytes, as_text: bool) -> None:
    data: bytes | str = raw
    if as_text:
        if raw.startswith((b"\xef", b"\xff")):
            pytest.skip("a byte order mark is a bytes matter")
        data = raw.decode()
    expected, got = json.loads(data), jsoncodec.loads(data)
    assert repr(got) == repr(expected)  # repr: NaN != NaN, and an int must stay an int


@pytest.mark.parametrize(
    "raw", [b"", b"{", b'{"a":}', b'{"a":1}x', b'{"s":"\xff"}', b"[" * 100_000 + b"]" * 100_000]
)
def test_loads_fails_as_json_fails(raw: bytes) -> None:
    with pytest.raises(Exception) as expected:
        json.loads(raw)
    with pytest.raises(expected.type) as got:
        jsoncodec.loads(raw)
    assert str(got.value) == str(expected.value)
