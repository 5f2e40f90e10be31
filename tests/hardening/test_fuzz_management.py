"""Hypothesis-driven requests from the OpenAPI document against every management endpoint.

A proxy of its own (management requests rewrite its config). Left out: the OAuth starters (they open
callback ports and log-in sessions), the iFlow cookie login (it calls iflow.cn) and ``/events`` (a
stream that only ends when the client leaves; tests/e2e covers it). Errors must be management JSON
``{"error": message}``; no exception may reach the proxy's log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from server.api.management.oauth_routes import STARTERS
from tests.hardening.fuzz_strategies import Call, Operation, calls, operations
from tests.hardening.fuzz_support import MGMT_AUTH, Stack, judge, running_stack

EXAMPLES = int(os.environ.get("FUZZ_MANAGEMENT_EXAMPLES", "6"))
"""Per operation; FUZZ_MANAGEMENT_EXAMPLES=200 for a long local hunt."""
PREFIX = "/v0/management"
SKIPPED = frozenset(
    {f"GET {PREFIX}/{path}" for path in STARTERS} | {f"POST {PREFIX}/iflow-auth-url", f"GET {PREFIX}/events"}
)
MANAGEMENT_OPERATIONS = operations(PREFIX, skip=SKIPPED)

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


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("mgmt-stack"), **{"logging-to-file": True}) as running:
        yield running


def test_every_management_route_but_the_skipped_is_fuzzed() -> None:
    assert len(MANAGEMENT_OPERATIONS) > 100
    assert {op.id for op in operations(PREFIX)} - {op.id for op in MANAGEMENT_OPERATIONS} == SKIPPED


@pytest.mark.parametrize("op", MANAGEMENT_OPERATIONS, ids=[op.id for op in MANAGEMENT_OPERATIONS])
def test_management_endpoint_survives_generated_requests(stack: Stack, op: Operation) -> None:
    @_SETTINGS
    @given(call=calls(op, MGMT_AUTH))
    def run(call: Call) -> None:
        reply = stack.http.request(
            call.method, call.path, params=call.params, headers=call.headers, content=call.content
        )
        judge(stack, reply, "management", len(stack.fake.requests))
        logged = stack.watcher.take()
        assert not logged, "\n\n".join(logged)

    run()
