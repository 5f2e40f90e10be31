"""Upstream faults from a raw fault-injecting server: each gives the client a clean error in its own
format within the configured timeout, and cools the credential only when the fault is the credential's.

Cooldown policy checked here (providers.md §12.2, as the original): an upstream *status* cools — 401
for 30 min, 429 by its hint or the backoff ladder, 502 (an HTML gateway page) for 1 min — while
transport failures (refused, TLS handshake, reset, read timeout) cool nothing: they are the network's
fault, not the credential's. A failure after the stream started cools nothing either (the attempt had
already succeeded). The proxy's upstream read timeout is shortened through ``HttpClients(timeout=…)``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.api.relay import _whole_events
from tests.e2e.edge_support import parse_sse
from tests.fakes.faults import Fault, FaultServer, closed_port
from tests.hardening.fuzz_support import (
    AUTH,
    Stack,
    check_error,
    fault_routes,
    running_stack,
    short_upstream_timeouts,
)

READ_TIMEOUT = 0.6
"""The proxy's upstream read timeout in this module (the shipped default is 300 s)."""
SLACK = 2.5
"""What an answer may take beyond the timeout on a loaded CI machine."""


@dataclass(frozen=True)
class Route:
    """A client API and the model prefix that routes it to one upstream family."""

    name: str
    path: str
    fmt: str
    prefix: str

    def url(self, model: str, stream: bool) -> str:
        if self.fmt != "gemini":
            return self.path
        return f"{self.path}/{model}:" + ("streamGenerateContent?alt=sse" if stream else "generateContent")

    def body(self, model: str, stream: bool) -> dict[str, Any]:
        if self.fmt == "gemini":
            return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        if self.path == "/v1/responses":
            return {"model": model, "input": "hi", "stream": stream}
        messages = [{"role": "user", "content": "hi"}]
        return {"model": model, "max_tokens": 16, "messages": messages, "stream": stream}


ROUTES = (
    Route("openai", "/v1/chat/completions", "openai", "o"),
    Route("claude", "/v1/messages", "claude", "c"),
    Route("claude→openai", "/v1/messages", "claude", "o"),
    Route("responses→openai", "/v1/responses", "openai", "o"),
    Route("gemini→claude", "/v1beta/models", "gemini", "c"),
)


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    server_ = FaultServer(stall=READ_TIMEOUT + 10)
    yield server_
    server_.stop()


@pytest.fixture(scope="module")
def stack(faults: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    routes = fault_routes(faults.url, f"http://127.0.0.1:{closed_port()}", f"https://127.0.0.1:{faults.port}")
    with short_upstream_timeouts(READ_TIMEOUT):
        with running_stack(Path(tmp_path_factory.mktemp("faults")), **routes) as running:
            yield running


@dataclass(frozen=True)
class Case:
    """A fault and what the client must see: ``status`` for a non-stream request (and for a stream
    that fails before its first byte); ``midstream`` when a stream fails after its 200."""

    name: str
    fault: Fault
    status: tuple[int, ...]
    cooled: bool = False
    target: str = "fault"
    midstream: bool = False
    slow: bool = False


CASES = (
    Case("connection refused", Fault.OK, (502,), target="dead"),
    Case("TLS handshake failure", Fault.OK, (502,), target="tls"),
    Case("reset before headers", Fault.RESET_BEFORE_HEADERS, (502,)),
    Case("reset mid-stream", Fault.RESET_MID_STREAM, (502,), midstream=True),
    Case("silent past the read timeout (before headers)", Fault.TRICKLE_BEFORE_HEADERS, (504,), slow=True),
    Case(
        "silent past the read timeout (mid-stream)",
        Fault.TRICKLE_MID_STREAM,
        (502, 504),
        midstream=True,
        slow=True,
    ),
    Case("truncated chunked body", Fault.TRUNCATED_CHUNKED, (502,), midstream=True),
    Case("HTML error page", Fault.HTML_502, (502,), cooled=True),
    Case("401", Fault.STATUS_401, (401,), cooled=True),
    Case("429", Fault.STATUS_429, (429,), cooled=True),
)
"""Faults with a clean error as the expected answer; malformed SSE and a 200 error body are below."""


def _account(stack: Stack, route: Route, target: str) -> dict[str, Any]:
    wanted = f"sk-ant-{target}" if route.prefix == "c" else f"compat-{target}"
    for account in stack.accounts():
        # labels show a key's last 4 characters; OpenAI-compatible ids carry the provider name
        if route.prefix == "c" and account["provider"] == "claude" and account["label"].endswith(wanted[-4:]):
            return account
        if route.prefix == "o" and f":{wanted}:" in account["id"]:
            return account
    labels = [(a["id"], a["label"]) for a in stack.accounts()]
    raise AssertionError(f"no account for {wanted}: {labels}")


def _stream_error(route: Route, raw: bytes) -> str:
    """The message of the error event that ends a stream in the client's format."""
    events = parse_sse(raw)
    assert events, raw
    last = events[-1]
    if route.fmt == "claude":
        assert last.event == "error", events
        body = last.json()
        assert body["type"] == "error" and isinstance(body["error"]["type"], str), body
        return str(body["error"]["message"])
    body = last.json()
    if last.event == "error":  # the Responses API's error event
        assert isinstance(body["message"], str), body
        return str(body["message"])
    assert isinstance(body["error"]["message"], str), body
    return str(body["error"]["message"])


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_gives_a_clean_error_in_time(
    stack: Stack, faults: FaultServer, case: Case, route: Route, stream: bool
) -> None:
    faults.fault = case.fault
    stack.reset_cooldowns()
    model = f"{route.prefix}-{case.target}"
    started = time.monotonic()
    url = route.url(model, stream)
    with stack.http.stream("POST", url, json=route.body(model, stream), headers=AUTH) as reply:
        raw = reply.read()
    elapsed = time.monotonic() - started
    assert elapsed < (READ_TIMEOUT if case.slow else 0) + SLACK, f"took {elapsed:.2f} s"
    if stream and case.midstream:
        assert reply.status_code == 200, raw
        assert _stream_error(route, raw)
    else:
        assert reply.status_code in case.status, raw
        check_error(reply, route.fmt)
    assert _account(stack, route, case.target)["cooling"] is case.cooled
    logged = stack.watcher.take()
    assert not logged, "\n\n".join(logged)


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
@pytest.mark.parametrize(
    "fault", [Fault.MALFORMED_SSE, Fault.ERROR_BODY_200], ids=["malformed", "200-error-body"]
)
def test_garbage_with_status_200_ends_cleanly(
    stack: Stack, faults: FaultServer, fault: Fault, route: Route, stream: bool
) -> None:
    """Same-format answers are relayed untouched (as the original does); translated ones become an
    error in the client's format or an empty answer — never a crash, a hang or a cooled credential."""
    faults.fault = fault
    stack.reset_cooldowns()
    with stack.http.stream(
        "POST",
        route.url(f"{route.prefix}-fault", stream),
        json=route.body(f"{route.prefix}-fault", stream),
        headers=AUTH,
    ) as reply:
        reply.read()
    if reply.status_code >= 400:
        check_error(reply, route.fmt)
    else:
        assert reply.status_code == 200
    assert _account(stack, route, "fault")["cooling"] is False
    logged = stack.watcher.take()
    assert not logged, "\n\n".join(logged)
    faults.fault = Fault.OK
    model = f"{route.prefix}-fault"
    again = stack.http.post(route.url(model, False), json=route.body(model, False), headers=AUTH)
    assert again.status_code == 200, again.text


_EVENT = st.builds(
    lambda text, end: b"data: " + text.encode() + end,
    st.text(st.sampled_from('ab{}:"x'), max_size=8),
    st.sampled_from([b"\n\n", b"\r\n\r\n", b"\r\r", b"\n\r\n", b"\r\n\n"]),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    events=st.lists(_EVENT, max_size=6),
    tail=st.sampled_from([b"", b"data: half", b"data: half\r", b"data: half\r\n"]),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
)
@example(  # a CRLF blank line cut between its CR and LF: the CR must wait for the LF
    events=[b"data: ::::\n\n", b"data: ::::::\r\n\r\n", b"data: ::::::::\r\n\r\n"], tail=b"", cuts=[45]
)
def test_the_relay_cuts_streams_only_between_events(
    events: list[bytes], tail: bytes, cuts: list[int]
) -> None:
    """What reaches the client is the upstream's bytes, in pieces that each end an event, so a stream
    that breaks off (or a keep-alive comment) never glues a half event to what follows."""
    whole = b"".join(events) + tail
    points = sorted({c % (len(whole) + 1) for c in cuts})
    parts = [whole[a:b] for a, b in zip([0, *points], [*points, len(whole)], strict=True)]

    async def pieces() -> list[bytes]:
        async def upstream() -> AsyncGenerator[bytes, None]:
            for part in parts:
                yield part

        return [piece async for piece in _whole_events(upstream())]

    out = asyncio.run(pieces())
    assert b"".join(out) == whole
    complete = out[:-1] if tail else out
    for piece in complete:
        assert piece.endswith((b"\n\n", b"\r\r", b"\n\r", b"\r\n\r\n", b"\n\r\n")), (parts, out)
