"""Broken tool-call arguments: the JSON prefix checker, the repairer and the stream finisher (§8.15)."""

from __future__ import annotations

import json

import pytest

from server.formats.json_repair import JSONPrefix, finish_json, repair_json

REPAIRS = [
    ('{"a": 1}', '{"a": 1}'),
    ("", ""),
    ("[1, 2]", "[1, 2]"),
    ("{'path': 'a.txt', 'all': True, 'n': None}", '{"path": "a.txt", "all": true, "n": null}'),
    ("{'q': 'say \"hi\"'}", '{"q": "say \\"hi\\""}'),
    ("{'q': 'it\\'s'}", '{"q": "it\'s"}'),
    ('{"flag": True, "Trueish": "True"}', '{"flag": true, "Trueish": "True"}'),
    ('{"code": "a\nb\tc"}', '{"code": "a\\nb\\tc"}'),
    ('{"a": 1} and more', '{"a": 1}'),
    ('{"a": 1, "b": oops, "c": 2}', '{"a": 1}'),
    ('{"a": 1,}', '{"a": 1}'),
    ('  {"a": {"b": [1, 2]}, "c": ', '  {"a": {"b": [1, 2]}}'),
    ('note: {"a": 1', '{"a": 1}'),
    ("plain words", "{}"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    REPAIRS,
    ids=[
        "valid-unchanged",
        "blank-unchanged",
        "valid-array-unchanged",
        "python-dict",
        "double-quotes-inside-single",
        "escaped-single-quote",
        "literals-only-outside-strings-and-words",
        "control-characters-escaped",
        "trailing-text-cut",
        "members-before-the-broken-one",
        "trailing-comma",
        "truncated-keeps-whole-members",
        "leading-text-dropped",
        "nothing-salvageable",
    ],
)
def test_repair_json(text: str, expected: str) -> None:
    assert repair_json(text) == expected
    if expected:
        json.loads(expected)


PREFIXES = [
    ('{"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n"], "b": {}}', True),
    ('{"a": tr', True),
    ('{"a": 1.', True),
    ('"open string', True),
    ("", True),
    ('{"a": 01', False),
    ("{'a'", False),
    ('{"a"}', False),
    ("[1,]", False),
    ('{"a": 1} x', False),
    ('{"a": "\n"}', False),
    ('{"a": "\\x"}', False),
    ('{"a": tx', False),
]


@pytest.mark.parametrize(("text", "ok"), PREFIXES, ids=[f"{t[:12]!r}" for t, _ in PREFIXES])
def test_prefix_checker_whole_and_piece_by_piece(text: str, ok: bool) -> None:
    whole = JSONPrefix()
    assert whole.feed(text) is ok
    pieces = JSONPrefix()
    assert all([pieces.feed(ch) for ch in text]) is ok
    assert pieces.ok is ok


@pytest.mark.parametrize(
    ("sent", "closing"),
    [
        ('{"a": 1, "b": ', "null}"),
        ('{"a": 1, ', '"":null}'),
        ('{"a', '":null}'),
        ('{"a": "x\\', '\\"}'),
        ('{"a": "\\u00', '00"}'),
        ('{"a": [1, fa', "lse]}"),
        ('{"a": -', "0}"),
        ('{"a": 12', "}"),
        ('{"a": 1}', ""),
    ],
    ids=["value", "key", "open-key", "open-escape", "open-unicode", "literal", "sign", "number", "complete"],
)
def test_closing_completes_a_valid_beginning(sent: str, closing: str) -> None:
    scan = JSONPrefix()
    assert scan.feed(sent)
    assert scan.closing() == closing
    json.loads(sent + closing)


@pytest.mark.parametrize(
    ("sent", "rest", "tail"),
    [
        ("{", "'a': True}", '"a": true}'),
        ('{"a": 1}', " junk", ""),
        ('{"a": 1, "b": ', "oops}", "null}"),
        ("", "not json", "{}"),
    ],
    ids=["repair-extends-what-was-sent", "trailing-junk-adds-nothing", "sent-part-closed", "nothing-sent"],
)
def test_finish_json(sent: str, rest: str, tail: str) -> None:
    assert finish_json(sent, rest) == tail
    json.loads(sent + tail)
