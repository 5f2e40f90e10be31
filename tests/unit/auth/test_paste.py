"""Pasted callback URLs in every accepted shape (providers.md §1.4, later versions)."""

from __future__ import annotations

import pytest

from server.auth.paste import parse_callback_params, parse_pasted


@pytest.mark.parametrize(
    ("text", "code", "state", "error"),
    [
        ("http://localhost:54545/callback?code=abc&state=s1", "abc", "s1", ""),
        ("  'http://localhost:1455/auth/callback?code=a%2Fb&state=s1'\n", "a/b", "s1", ""),
        ("?code=abc&state=s1", "abc", "s1", ""),
        ("localhost:54545/callback?code=abc&state=s1", "abc", "s1", ""),
        ("code=abc&state=s1", "abc", "s1", ""),
        ("http://localhost:8085/oauth2callback#code=abc&state=s1", "abc", "s1", ""),
        ("http://localhost:8085/cb?state=s1#code=abc", "abc", "s1", ""),
        ("abc#s1", "abc", "s1", ""),
        ("code=abc%23s1", "abc", "s1", ""),
        ("http://localhost:54545/callback?code=abc#s1", "abc", "s1", ""),
        ("http://localhost:1455/auth/callback?error=access_denied&state=s1", "", "s1", "access_denied"),
        ("?error=&error_description=user+cancelled", "", "", "user cancelled"),
    ],
    ids=[
        "full-url",
        "quoted-url",
        "query",
        "host-path-query",
        "bare-pairs",
        "fragment",
        "fragment-fills-missing",
        "code-hash-state",
        "encoded-hash",
        "url-fragment-is-state",
        "error",
        "error-description",
    ],
)
def test_accepted_forms(text: str, code: str, state: str, error: str) -> None:
    result = parse_pasted(text)
    assert result is not None
    assert (result.code, result.state, result.error) == (code, state, error)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "http://localhost:54545/callback", "?state=s1", "https://example.com/page", "abc", "a b#c"],
    ids=["empty", "blank", "no-query", "state-only", "unrelated-url", "lone-word", "words"],
)
def test_nothing_usable(text: str) -> None:
    assert parse_pasted(text) is None


def test_route_parameters() -> None:
    result = parse_callback_params({"code": "c", "state": "s", "scope": "x"})
    assert result is not None
    assert (result.code, result.state, result.params["scope"]) == ("c", "s", "x")
    assert parse_callback_params({"state": "s"}) is None
