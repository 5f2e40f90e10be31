"""nonstream-keepalive-interval end to end: newlines before a slow answer, which the SDK still parses; a
client leaving cancels the upstream; a quick answer is byte for byte what it is without the setting."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.edge_support import CLAUDE_MODEL, COMPAT_KEY, all_families
from tests.e2e.management_support import Managed, shared_server
from tests.fakes import Slow
from tests.fakes.faults import Fault, FaultServer

pytestmark = pytest.mark.timeout(20)

FAULT_KEY = "sk-ant-fault-keepalive"
CLAUDE_REQUEST: dict[str, Any] = {
    "model": "c-fault",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    server = FaultServer(stall=10.0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(
    upstream_server: Upstream, faults: FaultServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Managed]:
    """One server (interval 0 in its config file) serving the fake upstream and ``c-fault``."""
    settings = all_families(upstream_server.url)
    settings["claude-api-key"].append(
        {"api-key": FAULT_KEY, "base-url": faults.url, "models": [{"name": CLAUDE_MODEL, "alias": "c-fault"}]}
    )
    settings["nonstream-keepalive-interval"] = 0
    yield from shared_server(tmp_path_factory, settings=settings)


def _set_interval(proxy: Managed, seconds: int) -> None:
    """Change the setting on the running server, as the GUI does (hot: the next request sees it)."""
    with proxy.client() as management:
        response = management.put("/nonstream-keepalive-interval", json={"value": seconds})
    assert response.status_code == 200, response.text


def _request(proxy: Managed, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {CLIENT_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


def _exchange(proxy: Managed, body: dict[str, Any]) -> bytes:
    """The raw bytes of the whole answer (the proxy keeps the connection open: read to the body's end)."""
    with socket.create_connection(("127.0.0.1", proxy.controller.port), timeout=5.0) as sock:
        sock.sendall(_request(proxy, body))
        raw = b""
        while b"\r\n\r\n" not in raw:
            raw += sock.recv(65536)
        head, _, rest = raw.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        assert length is not None, head
        while len(rest) < int(length.group(1)):
            rest += sock.recv(65536)
        return head + b"\r\n\r\n" + rest


def _without_date(raw: bytes) -> bytes:
    return re.sub(rb"(?im)^date:[^\r\n]*\r\n", b"", raw)


def test_a_slow_answer_is_preceded_by_newlines_and_the_sdk_parses_it(
    proxy: Managed, upstream: Upstream
) -> None:
    _set_interval(proxy, 1)
    upstream.fake.script(COMPAT_KEY, Slow(1.2))  # one newline (at 1 s) before the answer
    client = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0, timeout=10.0)
    raw = client.chat.completions.with_raw_response.create(
        model="kimi-k2", messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/json"
    assert "content-length" not in raw.headers  # committed before the answer was there: chunked
    assert raw.content.startswith(b"\n")
    assert raw.content.lstrip(b"\n").startswith(b"{")
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hello from openai fake"
    assert len(upstream.fake.requests_for(COMPAT_KEY)) == 1


def test_a_client_leaving_while_waiting_cancels_the_upstream_request(
    proxy: Managed, faults: FaultServer
) -> None:
    _set_interval(proxy, 1)
    faults.fault = Fault.TRICKLE_BEFORE_HEADERS  # the upstream never answers; its read timeout is 300 s
    faults.peer_closed.clear()
    with socket.create_connection(("127.0.0.1", proxy.controller.port), timeout=5.0) as sock:
        sock.sendall(_request(proxy, CLAUDE_REQUEST))
        raw = b""
        while not raw.endswith(b"\r\n\n\r\n"):  # the head, then the first newline as a chunk
            raw += sock.recv(65536)
        assert raw.startswith(b"HTTP/1.1 200 ")
    assert faults.peer_closed.wait(3.0), "the upstream request was not cancelled"


def test_a_quick_answer_is_byte_identical_with_and_without_the_setting(
    proxy: Managed, faults: FaultServer
) -> None:
    faults.fault = Fault.OK
    _set_interval(proxy, 0)
    without = _exchange(proxy, CLAUDE_REQUEST)
    _set_interval(proxy, 1)
    within_interval = _exchange(proxy, CLAUDE_REQUEST)
    assert without.startswith(b"HTTP/1.1 200 ")
    assert b"\r\n\r\n{" in without  # no newline in front of the body
    assert _without_date(within_interval) == _without_date(without)
