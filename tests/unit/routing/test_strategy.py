"""Strategy parsing, cursors and provider ordering."""

from __future__ import annotations

import pytest

from server.routing.strategy import Cursors, choose_index, order_providers, parse_strategy, rotate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("round-robin", "round-robin"),
        ("", "round-robin"),
        ("rr", "round-robin"),
        ("bogus", "round-robin"),
        ("fill-first", "fill-first"),
        ("FillFirst", "fill-first"),
        (" ff ", "fill-first"),
    ],
    ids=["rr", "empty", "rr-alias", "unknown", "ff", "ff-alias-case", "ff-short-trimmed"],
)
def test_parse_strategy(value: str, expected: str) -> None:
    assert parse_strategy(value) == expected


def test_round_robin_cursor_per_key() -> None:
    cursors = Cursors()
    picks = [choose_index("round-robin", cursors, key, 3) for key in ["x", "x", "y", "x", "x", "y"]]
    assert picks == [0, 1, 0, 2, 0, 1]


def test_fill_first_always_first_and_leaves_cursor() -> None:
    cursors = Cursors()
    assert [choose_index("fill-first", cursors, "k", 3) for _ in range(4)] == [0, 0, 0, 0]
    assert cursors.peek("k") == 0


def test_cursor_wraps_before_2_pow_31() -> None:
    cursors = Cursors()
    cursors._values["k"] = 2**31 - 1
    assert cursors.advance("k") == 2**31 - 1
    assert cursors.advance("k") == 0


def test_choose_index_needs_candidates() -> None:
    with pytest.raises(ValueError):
        choose_index("round-robin", Cursors(), "k", 0)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"gemini": 1, "claude": 1}, ["claude", "gemini"]),
        ({"gemini": 3, "claude": 1, "codex": 3}, ["codex", "gemini", "claude"]),
        ({}, []),
    ],
    ids=["tie-by-name", "count-then-name", "empty"],
)
def test_order_providers(counts: dict[str, int], expected: list[str]) -> None:
    assert order_providers(counts) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [(0, ["a", "b", "c"]), (1, ["b", "c", "a"]), (5, ["c", "a", "b"])],
    ids=["zero", "one", "wraps"],
)
def test_rotate(start: int, expected: list[str]) -> None:
    assert rotate(["a", "b", "c"], start) == expected
    assert rotate([], start) == []
