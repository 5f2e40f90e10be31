"""Hypothesis-driven requests from the OpenAPI document against every client endpoint of a real proxy.

Bounded and reproducible: ``max_examples`` small, ``derandomize=True``, no deadline (a real server is
called), a 10 s timeout per request so a hang fails. Every answer is judged by ``fuzz_support.judge``:
no 5xx from our own code, no exception in the proxy's log, every error in the calling API's format
(error events inside a 200 stream too). Management routes: test_fuzz_management.py; the OAuth callback
pages (HTML for a browser) are not fuzzed.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.fuzz_strategies import Call, Operation, calls, operations
from tests.hardening.fuzz_support import Stack, check_stream_errors, error_format, judge, stack

__all__ = ["stack"]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
"""Per operation; FUZZ_EXAMPLES=500 for a long local hunt."""
CLIENT_OPERATIONS = [
    op
    for op in operations("/")
    if not op.path.startswith(("/v0/", "/anthropic/", "/codex/", "/google/", "/iflow/", "/antigravity/"))
]

_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),  # FUZZ_RANDOM=1: a fresh seed for a local hunt
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def send(stack: Stack, call: Call) -> None:
    before = len(stack.fake.requests)
    reply = stack.http.request(
        call.method, call.path, params=call.params, headers=call.headers, content=call.content
    )
    fmt = error_format(call.path, call.method)
    judge(stack, reply, fmt, before)
    if reply.status_code == 200 and reply.headers.get("content-type", "").startswith("text/event-stream"):
        check_stream_errors(reply.content, fmt)
    if reply.status_code >= 500 or reply.status_code == 429:
        stack.reset_cooldowns()
    logged = stack.watcher.take()
    assert not logged, "\n\n".join(logged)


@pytest.mark.parametrize("op", CLIENT_OPERATIONS, ids=[op.id for op in CLIENT_OPERATIONS])
def test_client_endpoint_survives_generated_requests(stack: Stack, op: Operation) -> None:
    @_SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        send(stack, data.draw(calls(op, {})))

    run()
