"""Wildcard matching used by exclusions and payload rules."""

from __future__ import annotations

import pytest

from server.routing.patterns import excluded, wildcard_match

MATCH_CASES = [
    ("gpt-5", "gpt-5", True, True),
    ("gpt-5", "gpt-5-codex", True, False),
    ("gpt-5-*", "gpt-5-codex", True, True),
    ("gpt-5-*", "gpt-5-", True, True),
    ("gpt-5-*", "gpt-4o", True, False),
    ("*-preview", "gemini-2.5-pro-preview", True, True),
    ("*-preview", "gemini-2.5-pro", True, False),
    ("*flash*", "gemini-2.5-flash-lite", True, True),
    ("gemini-*-pro", "gemini-2.5-pro", True, True),
    ("gemini-*-pro", "gemini-2.5-pro-x", True, False),
    ("a*b*c", "abc", True, True),
    ("a*b*c", "acb", True, False),
    ("ab*ba", "aba", True, False),
    ("*", "", True, True),
    ("**", "anything", True, True),
    ("GPT-*", "gpt-5", True, False),
    ("GPT-*", "gpt-5", False, True),
    ("Gemini-2.5-PRO", "gemini-2.5-pro", False, True),
]


@pytest.mark.parametrize(
    ("pattern", "name", "case_sensitive", "expected"),
    MATCH_CASES,
    ids=[f"{p}|{n}|{'cs' if cs else 'ci'}" for p, n, cs, _ in MATCH_CASES],
)
def test_wildcard_match(pattern: str, name: str, case_sensitive: bool, expected: bool) -> None:
    assert wildcard_match(pattern, name, case_sensitive=case_sensitive) is expected


@pytest.mark.parametrize(
    ("model", "patterns", "expected"),
    [
        ("gpt-5-codex", ("GPT-5-*",), True),
        ("gpt-5-codex", (" gpt-5-codex ",), True),
        ("gpt-5-codex", ("", "  "), False),
        ("gpt-5-codex", (), False),
        ("gpt-4o", ("gpt-5-*", "*-mini"), False),
        ("o4-mini", ("gpt-5-*", "*-mini"), True),
    ],
    ids=["wildcard-case-insensitive", "trimmed-exact", "blank-patterns", "no-patterns", "no-match", "second"],
)
def test_excluded(model: str, patterns: tuple[str, ...], expected: bool) -> None:
    assert excluded(model, patterns) is expected
