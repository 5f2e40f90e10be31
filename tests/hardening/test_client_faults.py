"""Client faults: a client that leaves mid-stream cancels the upstream request (no leaked task or
connection: both counted), and a slow reader of a large stream does not make the proxy buffer it.

Backpressure is measured where it matters: how many bytes the upstream managed to write while the
client read one byte every 10 ms (socket buffers bound it, an unbounded proxy buffer would not),
plus this process's RSS growth on Linux.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.faults import Fault, FaultServer, closed_port
from tests.hardening.fuzz_support import (
    AUTH,
    Stack,
    dumps,
    fault_routes,
    running_stack,
    short_upstream_timeouts,
)

BIG = 48 * 1024 * 1024
"""What the upstream tries to stream to the slow reader."""
MAX_IN_FLIGHT = BIG // 2
"""Upstream bytes allowed ahead of the slow reader: kernel socket buffers (up to ~4-6 MB per socket
on loopback: upstream send, proxy receive, proxy send) and the proxy's bounded buffers."""
MAX_GROWTH = 1024 * 1024
"""Upstream bytes allowed in the second half of the slow read: none beyond what the reader took."""

ROUTES = [
    pytest.param("/v1/chat/completions", "o-fault", id="openai-passthrough"),
    pytest.param("/v1/messages", "o-fault", id="claude-translated"),
    pytest.param("/v1/messages", "c-fault", id="claude-passthrough"),
]


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    server_ = FaultServer(stall=15.0, big_bytes=BIG)
    yield server_
    server_.stop()


@pytest.fixture(scope="module")
def stack(faults: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    routes = fault_routes(faults.url, f"http://127.0.0.1:{closed_port()}", f"https://127.0.0.1:{faults.port}")
    with short_upstream_timeouts(30.0):
        with running_stack(Path(tmp_path_factory.mktemp("client-faults")), **routes) as running:
            yield running


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _request(stack: Stack, path: str, model: str) -> bytes:
    body = dumps(
        {"model": model, "max_tokens": 16, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _connect(stack: Stack, receive_buffer: int = 0) -> socket.socket:
    port = stack.controller.port
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(10.0)
    return sock


@pytest.mark.parametrize(("path", "model"), ROUTES)
def test_client_leaving_mid_stream_cancels_the_upstream(
    stack: Stack, faults: FaultServer, path: str, model: str
) -> None:
    faults.fault = Fault.TRICKLE_MID_STREAM  # headers, two events, then silence until hung up
    _wait(lambda: faults.open_connections == 0, 5.0)
    tasks_before = stack.task_count()
    for _ in range(10):
        faults.peer_closed.clear()
        with _connect(stack) as sock:
            sock.sendall(_request(stack, path, model))
            assert b" 200 " in sock.recv(65536)[:20]  # the proxy relays the first events
        # the client is gone: the proxy must hang up on the upstream at once, not at its read timeout
        assert faults.peer_closed.wait(3.0), "the upstream request was not cancelled"
    assert _wait(lambda: faults.open_connections == 0, 3.0), (
        f"{faults.open_connections} upstream connections left"
    )
    assert _wait(lambda: stack.task_count() <= tasks_before, 3.0), (
        f"asyncio tasks on the proxy loop: {tasks_before} before, {stack.task_count()} after 10 disconnects"
    )
    assert not stack.watcher.take()


def _rss() -> int | None:
    if not sys.platform.startswith("linux"):
        return None
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.parametrize(("path", "model"), ROUTES)
def test_slow_reader_does_not_grow_memory(stack: Stack, faults: FaultServer, path: str, model: str) -> None:
    faults.fault = Fault.BIG_STREAM
    faults.sent_bytes = 0
    faults.peer_closed.clear()
    rss_before = _rss()
    read = 0
    with _connect(stack, receive_buffer=4096) as sock:
        sock.sendall(_request(stack, path, model))
        started = time.monotonic()
        halfway = 0
        while time.monotonic() - started < 1.5:  # one byte every 10 ms
            read += len(sock.recv(1))
            time.sleep(0.01)
            if not halfway and time.monotonic() - started > 0.75:
                halfway = faults.sent_bytes
        in_flight = faults.sent_bytes
        rss_after = _rss()
    assert read > 50
    assert in_flight < MAX_IN_FLIGHT, f"the upstream wrote {in_flight} bytes for a reader that took {read}"
    assert in_flight - halfway < MAX_GROWTH, f"still reading upstream: {halfway} → {in_flight} bytes"
    if rss_before is not None and rss_after is not None:
        growth = rss_after - rss_before
        assert growth < MAX_IN_FLIGHT, f"RSS grew by {growth / 2**20:.1f} MiB"
    assert faults.peer_closed.wait(3.0), "the upstream stream went on after the slow reader left"
    assert _wait(lambda: faults.open_connections == 0, 3.0)
    assert not stack.watcher.take()
