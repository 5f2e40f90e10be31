"""``GET /keep-alive`` and its shutdown watchdog: a headless server lives only while its wrapper pings.

server.md §2.8: a server started with ``-password`` registers ``GET /keep-alive`` on the main port. The
password comes as ``Authorization: Bearer <pwd>`` (a bare ``Authorization`` value also counts, as in the
original) or, when ``Authorization`` is empty, as ``X-Local-Password``; it is compared in constant time.
Right → ``200 {"status":"ok"}`` and the watchdog starts counting again; anything else →
``401 {"error":"invalid password"}`` and the count goes on. When no good ping came for the timeout
(10 s for the CLI), the watchdog calls ``on_expire``: the runner stops the server as on SIGTERM.

This port's choices: the password is accepted from loopback peers only (exactly ``127.0.0.1`` /
``::1``, the socket's address), like the management use of the same password; any other peer gets the
same 401, so it learns nothing about the password. Failed pings are not counted towards the management
API's ban. The count starts when the service has started, just before the port listens (the original
arms it when it builds its HTTP server, which it does after loading the credentials), so a slow start
cannot eat the wrapper's window. Only the CLI enables this (``ServerOptions.keepalive_timeout``); the
desktop GUI, which runs the server in its own process, never does.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.api.management.auth import is_local
from server.options import ServerOptions
from server.tasks import spawn

__all__ = ["CLI_TIMEOUT", "KeepAlive", "keepalive_for", "keepalive_route", "presented_password"]

log = logging.getLogger(__name__)

CLI_TIMEOUT = 10.0
"""Seconds without a good ping after which a server started with ``-password`` shuts down."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class KeepAlive:
    """The watchdog: ``ping`` restarts the count; ``on_expire`` runs once when it runs out.

    ``start`` arms it and starts the watch on the running loop; ``aclose`` ends the watch. ``clock``
    (monotonic seconds) and ``sleep`` are injected in tests. Everything runs on the server's loop.
    """

    def __init__(
        self,
        password: str,
        timeout: float,
        on_expire: Callable[[], None],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not password or timeout <= 0:
            raise ValueError("the keep-alive watchdog needs a password and a positive timeout")
        self._password = password.encode("utf-8")
        self.timeout = timeout
        self._on_expire = on_expire
        self._clock = clock
        self._sleep = sleep
        self._deadline = clock() + timeout
        self._task: asyncio.Task[None] | None = None
        self.expired = False

    def accepts(self, presented: str) -> bool:
        """Whether ``presented`` (a header value as Starlette decodes it, latin-1) is the password."""
        return hmac.compare_digest(presented.encode("latin-1", "replace"), self._password)

    def ping(self) -> None:
        self._deadline = self._clock() + self.timeout

    def remaining(self) -> float:
        """Seconds left before the watchdog fires (0 or less: due)."""
        return self._deadline - self._clock()

    async def watch(self) -> None:
        """Wait until a whole timeout passed without a ping, then call ``on_expire`` (once)."""
        while (left := self.remaining()) > 0:
            await self._sleep(left)
        self.expired = True
        log.warning("keep-alive endpoint idle for %gs, shutting down", self.timeout)
        self._on_expire()

    def start(self) -> None:
        """Arm the count now and watch it in a task of the running loop."""
        self.ping()
        if self._task is None or self._task.done():
            self._task = spawn(self.watch(), name="keep-alive watchdog")

    async def aclose(self) -> None:
        """End the watch (the server is stopping anyway)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def keepalive_for(options: ServerOptions, on_expire: Callable[[], None]) -> KeepAlive | None:
    """The watchdog ``options`` ask for (``keepalive_timeout`` > 0), else None."""
    if options.keepalive_timeout <= 0:
        return None
    return KeepAlive(options.local_management_key, options.keepalive_timeout, on_expire)


def presented_password(request: Request) -> str:
    """``Authorization`` (``Bearer `` taken off, any case; other values whole), else ``X-Local-Password``."""
    presented = request.headers.get("authorization", "").strip()
    if presented:
        scheme, space, rest = presented.partition(" ")
        if space and scheme.lower() == "bearer":
            presented = rest
    if not presented:
        presented = request.headers.get("x-local-password", "").strip()
    return presented


def keepalive_route(keepalive: KeepAlive) -> Route:
    """``GET /keep-alive`` for ``keepalive``."""

    async def keep_alive(request: Request) -> Response:
        peer = request.client.host if request.client is not None else ""
        # both checks always run: a remote peer cannot time the password comparison apart
        good = keepalive.accepts(presented_password(request))
        if not (is_local(peer) and good):
            return JSONResponse({"error": "invalid password"}, status_code=401)
        keepalive.ping()
        return JSONResponse({"status": "ok"})

    return Route("/keep-alive", keep_alive, methods=["GET"])
