"""CORS policy (docs/security.md): no web page drives the management API or uses an open proxy.

Each case is what a browser sends from ``https://evil.example``: a preflight (``OPTIONS`` with
``Access-Control-Request-Method``) or a "simple" request that needs no preflight (text/plain POST).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.management_support import MANAGEMENT_KEY, Managed, shared_server
from tests.fakes import FakeUpstream, ServerThread
from tests.hardening.safety_support import upstream_fixture

EVIL = "https://evil.example"
PREFLIGHT = {
    "Origin": EVIL,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type",
}
CHAT = b'{"model": "compat-model", "messages": [{"role": "user", "content": "spend my money"}]}'


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    yield from upstream_fixture()


def compat(upstream: tuple[FakeUpstream, ServerThread], **settings: object) -> dict[str, object]:
    provider = {
        "name": "compat",
        "base-url": upstream[1].url + "/v1",
        "api-key-entries": [{"api-key": "sk-upstream-cors"}],
        "models": [{"name": "up-model", "alias": "compat-model"}],
    }
    return {"openai-compatibility": [provider], **settings}


@pytest.fixture(scope="module")
def keyed_server(
    upstream: tuple[FakeUpstream, ServerThread], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Managed]:
    yield from shared_server(tmp_path_factory, settings=compat(upstream))


@pytest.fixture(scope="module")
def open_server(
    upstream: tuple[FakeUpstream, ServerThread], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Managed]:
    yield from shared_server(tmp_path_factory, settings=compat(upstream, **{"api-keys": []}))


@pytest.fixture
def keyed(keyed_server: Managed, upstream: tuple[FakeUpstream, ServerThread]) -> Managed:
    upstream[0].reset()
    return keyed_server


@pytest.fixture
def open_proxy(open_server: Managed, upstream: tuple[FakeUpstream, ServerThread]) -> Managed:
    upstream[0].reset()
    return open_server


def cors_headers(reply: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in reply.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("path", ["/v0/management/config", "/v0/management/api-keys", "/v0/management"])
def test_management_preflight_from_any_origin_is_refused(keyed: Managed, path: str) -> None:
    server = keyed
    reply = httpx.options(server.url + path, headers=PREFLIGHT)
    assert reply.status_code == 403
    assert cors_headers(reply) == {}


def test_management_request_from_a_web_page_is_refused_even_with_the_key(keyed: Managed) -> None:
    server = keyed
    auth = {"Authorization": f"Bearer {MANAGEMENT_KEY}"}
    with httpx.Client(base_url=server.api) as http:
        evil = http.put("/debug", json={"value": True}, headers={**auth, "Origin": EVIL})
        plain = http.get("/config", headers=auth)
        same = http.get("/config", headers={**auth, "Origin": server.url})
        lookalike = http.get("/config", headers={**auth, "Origin": server.url + ".evil.example"})
    assert evil.status_code == 403 and cors_headers(evil) == {}
    assert server.config().get("debug") in (None, False)  # the PUT changed nothing
    assert plain.status_code == 200 and cors_headers(plain) == {}
    assert same.status_code == 200 and cors_headers(same) == {}  # the proxy's own web panel
    assert lookalike.status_code == 403


def test_with_client_keys_the_client_api_keeps_cors_but_needs_the_key(
    keyed: Managed, upstream: tuple[FakeUpstream, ServerThread]
) -> None:
    server = keyed
    preflight = httpx.options(server.url + "/v1/chat/completions", headers=PREFLIGHT)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    headers = {"Origin": EVIL, "Content-Type": "text/plain"}
    keyless = httpx.post(server.url + "/v1/chat/completions", content=CHAT, headers=headers)
    assert keyless.status_code == 401
    assert upstream[0].requests == []
    keyed = httpx.post(
        server.url + "/v1/chat/completions",
        content=CHAT,
        headers={**headers, "Authorization": f"Bearer {CLIENT_KEY}"},
    )
    assert keyed.status_code == 200 and keyed.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "GET"])
def test_an_open_proxy_refuses_browser_requests_from_other_sites(
    open_proxy: Managed, upstream: tuple[FakeUpstream, ServerThread], method: str
) -> None:
    server = open_proxy
    if method == "OPTIONS":
        reply = httpx.options(server.url + "/v1/chat/completions", headers=PREFLIGHT)
    elif method == "POST":  # a "simple" request: the browser sends it without asking first
        reply = httpx.post(
            server.url + "/v1/chat/completions",
            content=CHAT,
            headers={"Origin": EVIL, "Content-Type": "text/plain"},
        )
    else:
        reply = httpx.get(server.url + "/v1/models", headers={"Origin": "null"})
    assert reply.status_code == 403
    assert cors_headers(reply) == {}
    assert upstream[0].requests == []


@pytest.mark.parametrize(
    "origin", [None, "http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080"]
)
def test_an_open_proxy_serves_tools_and_local_pages(
    open_proxy: Managed, upstream: tuple[FakeUpstream, ServerThread], origin: str | None
) -> None:
    server = open_proxy
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    reply = httpx.post(server.url + "/v1/chat/completions", content=CHAT, headers=headers)
    assert reply.status_code == 200, reply.text
    assert len(upstream[0].requests) == 1
