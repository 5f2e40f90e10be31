"""DirectClient.build_request: its one-step build sends exactly what httpx's own build would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.transport import DirectClient

URL = httpx.URL("https://api.example.test:8443/v1/messages?beta=true")
HEADERS = {
    "Authorization": "Bearer sk-test",
    "content-type": "application/json",
    "Accept": "text/event-stream",
    "anthropic-version": "2023-06-01",
    "User-Agent": "claude-cli/1.0 (external, cli)",
}


def httpx_build(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> httpx.Request:
    return httpx.AsyncClient.build_request(client, *args, **kwargs)


def same(a: httpx.Request, b: httpx.Request) -> None:
    assert (a.method, a.url, a.headers.raw, a.content, a.extensions) == (
        b.method,
        b.url,
        b.headers.raw,
        b.content,
        b.extensions,
    )


@pytest.mark.parametrize(
    ("url", "headers", "content"),
    [
        (URL, HEADERS, b'{"model": "claude"}'),
        (httpx.URL("http://127.0.0.1/x"), {}, b""),
        (httpx.URL("http://127.0.0.1:80/x"), {"accept-encoding": "identity", "X-A": "1", "x-a": "2"}, b"{}"),
        (URL, {"connection": "close", "Cookie": "a=b"}, b"x" * 70_000),
    ],
)
async def test_fast_build_equals_httpx(url: httpx.URL, headers: dict[str, str], content: bytes) -> None:
    async with DirectClient(timeout=httpx.Timeout(7.0, connect=2.0)) as client:
        fast = client.build_request("POST", url, headers=headers, content=content)
        same(fast, httpx_build(client, "POST", url, headers=headers, content=content))
        assert fast.headers["content-length"] == str(len(content))


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("POST", "http://127.0.0.1/x"), {"headers": HEADERS, "content": b"{}"}),  # a str URL
        (("POST", URL), {"headers": {"Host": "other.test"}, "content": b"{}"}),
        (("POST", URL), {"headers": {"Content-Length": "2"}, "content": b"{}"}),
        (("POST", URL), {"headers": {"transfer-encoding": "chunked"}, "content": b"{}"}),
        (("GET", URL), {"headers": HEADERS}),  # no body
        (("POST", URL), {"json": {"a": 1}}),
        (("POST", URL), {"headers": HEADERS, "content": b"{}", "params": {"q": "1"}}),
        (("POST", URL), {"headers": HEADERS, "content": b"{}", "timeout": 3.0}),
        (("POST", URL), {"headers": HEADERS, "content": b"{}", "extensions": {"trace": None}}),
        (("POST", URL), {"headers": list(HEADERS.items()), "content": b"{}"}),
    ],
)
async def test_other_requests_are_built_by_httpx(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    async with DirectClient() as client:
        same(client.build_request(*args, **kwargs), httpx_build(client, *args, **kwargs))


async def test_client_state_is_honoured() -> None:
    async with DirectClient(base_url="http://127.0.0.1:9/base/") as client:
        client.headers["X-Client"] = "1"
        client.cookies.set("session", "abc", domain="api.example.test")
        fast = client.build_request("POST", URL, headers=HEADERS, content=b"{}")
        same(fast, httpx_build(client, "POST", URL, headers=HEADERS, content=b"{}"))
        assert fast.headers["cookie"] == "session=abc"
        assert fast.headers["x-client"] == "1"
        client.headers = {"User-Agent": "changed"}  # a new headers object: the cached defaults follow
        fast = client.build_request("POST", URL, headers={}, content=b"{}")
        assert fast.headers["user-agent"] == "changed"
        same(fast, httpx_build(client, "POST", URL, headers={}, content=b"{}"))
