"""Kept-alive upstream connections that the upstream closed together do not fail a request.

Found by the soak (``python -m tests.hardening.soak``): uvicorn closes idle connections after 5 s, the
proxy's pool keeps them 60 s. When several pooled connections had just seen the server's FIN (their
transport closing, ``connection_lost`` not yet run), a request took one, failed to write, and its one
retry took the next stale one: ``502 upstream unreachable: WriteError`` — and the credential was cooled
down, so the next minute's requests got 503. Now a closing connection is never checked out and the
retry always connects afresh. The same race between clients and the proxy: uvicorn closed idle client
connections after 5 s, the idle time httpx-based SDKs reuse a connection for.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.transport import AsyncioTransport
from tests.e2e.management_support import Launcher
from tests.fakes import FakeUpstream, ServerThread
from tests.hardening.safety_support import upstream_fixture

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    yield from upstream_fixture()


@pytest.mark.parametrize("stale", [1, 2, 5])
def test_a_request_after_the_server_closed_idle_connections_succeeds(
    upstream: tuple[FakeUpstream, ServerThread], stale: int
) -> None:
    url = upstream[1].url + "/v1/chat/completions"

    async def scenario() -> list[int]:
        transport = AsyncioTransport()
        async with httpx.AsyncClient(transport=transport) as http:
            first = await asyncio.gather(*(http.post(url, json=BODY) for _ in range(stale)))
            assert transport.idle_connections == stale
            for conns in transport._idle.values():  # the server's FIN arrived on all of them at once
                for conn in conns:
                    assert conn.transport is not None
                    conn.transport.close()  # closing now; connection_lost runs on the next loop pass
            again = await http.post(url, json=BODY)  # no await in between: the pool still holds them
            return [r.status_code for r in first] + [again.status_code]

    assert asyncio.run(scenario()) == [200] * (stale + 1)


@pytest.mark.slow
def test_the_proxy_keeps_an_idle_client_connection_past_five_seconds(tmp_path: Path) -> None:
    """SDKs built on httpx reuse a connection idle up to 5 s; uvicorn's default closed it at 5 s."""
    launch = Launcher(tmp_path)
    try:
        server = launch.start(secret=None)
        host, port = server.url.removeprefix("http://").split(":")
        request = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            time.sleep(5.5)  # the idle time is the behaviour under test
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        launch.close()
