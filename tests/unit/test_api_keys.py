"""server.api.keys: every place a client key may be, in the original's order, from one header pass."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from server.api.keys import presented_keys


def _request(headers: list[tuple[str, str]], query: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/v1/messages",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "query_string": query.encode(),
        }
    )


@pytest.mark.parametrize(
    ("headers", "query", "keys"),
    [
        ([], "", []),
        ([("Authorization", "Bearer sk-one")], "", ["sk-one"]),
        ([("authorization", "bearer  sk-one ")], "", ["sk-one"]),
        ([("Authorization", "Basic abc")], "", ["Basic abc"]),  # not a bearer: the whole value
        ([("Authorization", "sk-bare")], "", ["sk-bare"]),
        (
            [("x-api-key", "k3"), ("x-goog-api-key", "k2"), ("authorization", "Bearer k1")],
            "auth_token=k5&key=k4",
            ["k1", "k2", "k3", "k4", "k5"],  # header order and query order do not matter
        ),
        ([("x-api-key", "first"), ("x-api-key", "second")], "", ["first"]),
        ([("x-api-key", ""), ("x-api-key", "second")], "", []),  # the first one counts, even blank
        ([("x-other", "k"), ("content-type", "application/json")], "alt=sse", []),
        ([], "key=q%2Bkey", ["q+key"]),
    ],
    ids=[
        "none",
        "bearer",
        "bearer-case-and-spaces",
        "basic",
        "bare-authorization",
        "every-place-in-order",
        "repeated-header-first-wins",
        "blank-first-header",
        "unrelated",
        "query-decoded",
    ],
)
def test_presented_keys(headers: list[tuple[str, str]], query: str, keys: list[str]) -> None:
    assert presented_keys(_request(headers, query)) == keys
