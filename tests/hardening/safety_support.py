"""Helpers of the security and concurrency tests: a faked peer address, fake servers, raw HTTP.

``FakePeer`` is test-only ASGI middleware (given through ``ServerOptions.middleware``) that sets the
ASGI ``client`` of a request from the ``x-test-peer`` header: the way to show what the management guard
decides for a non-loopback socket peer, since tests may only connect over loopback.
"""

from __future__ import annotations

import dataclasses
import http.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from server.api.management.auth import ManagementGuard
from server.api.management.common import _CONTEXTS, Management
from server.config.edit import ConfigEditor
from server.runner import ServerOptions
from server.service import ProxyService
from tests.fakes import FakeUpstream, ServerThread, start_fake_upstream

__all__ = [
    "PEER_HEADER",
    "FakePeer",
    "ManualClock",
    "fake_peer_options",
    "files_under",
    "raw_request",
    "upstream_fixture",
]

PEER_HEADER = "x-test-peer"


class FakePeer:
    """Sets ``scope["client"]`` to the ``x-test-peer`` header's address (test only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == PEER_HEADER.encode():
                    scope = {**scope, "client": (value.decode(), 40000)}
        await self.app(scope, receive, send)


@dataclasses.dataclass
class ManualClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_peer_options(
    clock: Callable[[], float] | None = None, services: list[ProxyService] | None = None
) -> ServerOptions:
    """Options with ``FakePeer``; with ``clock`` the management ban runs on it; ``services`` collects."""

    def configure(app: Any) -> None:
        service = app.state.service
        if services is not None:
            services.append(service)
        if clock is not None:
            _CONTEXTS[service] = Management(service, ManagementGuard(clock=clock), ConfigEditor(service))

    return ServerOptions(middleware=[Middleware(FakePeer)], configure_app=configure)


def raw_request(
    url: str, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, bytes]:
    """Send ``target`` byte for byte (no URL normalisation); (status, body)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def upstream_fixture() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    """Body of a module-scoped fake upstream fixture."""
    fake, server = start_fake_upstream()
    try:
        yield fake, server
    finally:
        server.stop()


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]
