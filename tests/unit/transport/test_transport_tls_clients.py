"""AsyncioTransport over TLS (self-signed, verified), and HttpClients choosing it for direct clients."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from server.http import HttpClients
from server.transport import AsyncioTransport, DirectClient
from tests.fakes import start_fake_upstream
from tests.fakes.certs import self_signed
from tests.unit.transport.conftest import Handler, Seen, Server, answer

Start = Callable[[Handler], Awaitable[Server]]


@pytest.fixture
async def tls_server(tmp_path: Path) -> tuple[str, Path, Server]:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    state = Server(_echo)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await state.serve(reader, writer)

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    yield f"https://127.0.0.1:{port}", cert_file, state
    server.close()
    for writer in state.writers:
        writer.close()
    if state.tasks:
        await asyncio.wait(state.tasks, timeout=2)
    await server.wait_closed()


async def _echo(seen: Seen, writer: asyncio.StreamWriter) -> None:
    writer.write(answer(b"secure " + seen.body))


async def test_tls_with_the_trusted_certificate(tls_server: tuple[str, Path, Server]) -> None:
    url, cert_file, state = tls_server
    transport = AsyncioTransport(verify=ssl.create_default_context(cafile=str(cert_file)))
    async with httpx.AsyncClient(transport=transport, timeout=5) as http:
        first = await http.post(url, content=b"one")
        second = await http.post(url, content=b"two")
    assert (first.content, second.content) == (b"secure one", b"secure two")
    assert state.connections == 1


async def test_tls_verification_is_on_by_default_and_can_be_turned_off(
    tls_server: tuple[str, Path, Server],
) -> None:
    url, _, _ = tls_server
    async with httpx.AsyncClient(transport=AsyncioTransport(), timeout=5) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(url)
    async with httpx.AsyncClient(transport=AsyncioTransport(verify=False), timeout=5) as http:
        assert (await http.post(url, content=b"anyway")).content == b"secure anyway"


@pytest.mark.parametrize(
    ("proxy_url", "environment", "ours"),
    [
        ("", {}, True),
        ("direct", {"HTTPS_PROXY": "http://127.0.0.1:9"}, True),
        ("", {"HTTPS_PROXY": "http://127.0.0.1:9"}, False),
        ("", {"ALL_PROXY": "socks5://127.0.0.1:9"}, False),
        ("http://127.0.0.1:9", {}, False),
        ("socks5://127.0.0.1:9", {}, False),
    ],
)
async def test_http_clients_use_the_transport_only_without_a_proxy(
    monkeypatch: pytest.MonkeyPatch, proxy_url: str, environment: dict[str, str], ours: bool
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    clients = HttpClients()
    try:
        transport = clients.get(proxy_url)._transport
        assert isinstance(transport, AsyncioTransport) is ours
    finally:
        await clients.aclose()


async def test_http_clients_reach_the_fake_upstream() -> None:
    fake, thread = start_fake_upstream()
    clients = HttpClients()
    try:
        body = {"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        http = clients.get("direct")
        plain = await http.post(f"{thread.url}/v1/chat/completions", json={**body, "stream": False})
        async with http.stream("POST", f"{thread.url}/v1/chat/completions", json=body) as streamed:
            text = "".join([part async for part in streamed.aiter_text()])
        assert plain.json()["choices"][0]["message"]["content"]
        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert text.rstrip().endswith("data: [DONE]")
        assert len(fake.requests) == 2
    finally:
        await clients.aclose()
        thread.stop()


async def test_direct_client_fast_path_keeps_cookies_and_auth(start: Start) -> None:
    async def handler(seen: Seen, writer: asyncio.StreamWriter) -> None:
        cookie = "set-cookie: session=abc; Path=/" if seen.path == "/login" else "x-plain: 1"
        writer.write(answer(seen.headers.get("authorization", "none").encode(), 200, cookie))

    server = await start(handler)
    async with DirectClient(transport=AsyncioTransport(), timeout=5) as http:
        assert (await http.get(server.url + "/login")).content == b"none"
        authed = await http.get(server.url + "/a", auth=("user", "pw"))  # httpx's own path
        async with http.stream("GET", server.url + "/b") as streamed:
            assert await streamed.aread() == b"none"
    assert http.cookies.get("session") == "abc"
    assert authed.content.startswith(b"Basic ")
    assert [s.headers.get("cookie") for s in server.seen] == [None, "session=abc", "session=abc"]
