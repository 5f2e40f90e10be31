"""The loopback OAuth callback: a tiny HTTP listener on the provider's redirect port, and its checks.

The listener binds 127.0.0.1 (and ::1 when free) on the redirect URI's port before the login URL is
shown; a taken port is a ``CallbackPortBusy`` error naming the process that holds it (and, on
Windows, the excluded-port-range explanation). A GET carrying ``code`` or ``error`` lands in a
``CallbackInbox`` — which pasted URLs and the main server's callback routes feed as well — and the
browser is sent to ``/success``. Nothing but GET is accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
import sys
from urllib.parse import parse_qsl, urlsplit

from server.auth.base import CallbackResult, LoginError
from server.auth.paste import parse_callback_params
from server.ports import PortInUseError, bind_listen_socket

__all__ = ["CallbackInbox", "CallbackPortBusy", "CallbackServer", "check_callback"]

log = logging.getLogger(__name__)

_MAX_HEAD = 16 * 1024
_WINDOWS_HINT = (
    " On Windows the port may also lie in a range the system reserves (see "
    "'netsh interface ipv4 show excludedportrange protocol=tcp'); "
    "'net stop winnat' followed by 'net start winnat' usually frees it."
)
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
    "<body style='font-family:sans-serif;text-align:center;margin-top:4em'><h1>{title}</h1>"
    "<p>{text}</p><script>setTimeout(function(){{window.close()}},5000)</script></body></html>"
)


class CallbackPortBusy(LoginError):
    """The redirect port is taken, so the browser's redirect could not reach this login."""

    def __init__(self, port: int, holder: str | None, *, platform: str = sys.platform) -> None:
        who = f" by {holder}" if holder else ""
        message = (
            f"cannot listen for the login callback: port {port} is already in use{who}. "
            "Close that program (or a login still running) and try again."
        )
        if platform == "win32" and not holder:
            message += _WINDOWS_HINT
        super().__init__(message)
        self.port = port
        self.holder = holder


def check_callback(result: CallbackResult, state: str) -> CallbackResult:
    """``result`` when it is a usable answer to the login whose state is ``state``; LoginError otherwise."""
    if result.error:
        raise LoginError(f"the provider refused the login: {result.error}")
    if state and not result.state:
        raise LoginError("no_state: the callback carried no state")
    if state and result.state != state:
        raise LoginError("state mismatch: the callback does not belong to this login (start it again)")
    if not result.code:
        raise LoginError("the callback carried no authorization code")
    return result


class CallbackInbox:
    """Where the first callback of one login lands, from whichever source it comes."""

    def __init__(self) -> None:
        self._future: asyncio.Future[CallbackResult] | None = None

    def _get(self) -> asyncio.Future[CallbackResult]:
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        return self._future

    @property
    def done(self) -> bool:
        return self._future is not None and self._future.done()

    def deliver(self, result: CallbackResult) -> bool:
        """Hand over a callback; False when one already arrived (later ones are ignored)."""
        future = self._get()
        if future.done():
            return False
        future.set_result(result)
        return True

    async def wait(self, within: float) -> CallbackResult:
        """The first callback; LoginError when none arrives ``within`` seconds."""
        try:
            async with asyncio.timeout(within):
                return await asyncio.shield(self._get())
        except TimeoutError:
            minutes = f"{within / 60:g} minutes" if within >= 60 else f"{within:g} seconds"
            raise LoginError(f"no login callback arrived within {minutes}") from None


class CallbackServer:
    """Listens on ``port`` for the redirect; ``path`` (once known) is the only callback path served."""

    def __init__(self, inbox: CallbackInbox, port: int, *, platform: str = sys.platform) -> None:
        self._inbox = inbox
        self._requested = port
        self._platform = platform
        self._servers: list[asyncio.Server] = []
        self._answered_at: float | None = None
        self.path = ""
        self.port = 0

    async def start(self) -> None:
        try:
            first = bind_listen_socket("127.0.0.1", self._requested, backlog=16)
        except PortInUseError as exc:
            raise CallbackPortBusy(self._requested, exc.holder, platform=self._platform) from None
        except OSError as exc:
            raise LoginError(
                f"cannot listen for the login callback on port {self._requested}: {exc}"
            ) from None
        self.port = first.getsockname()[1]
        sockets = [first]
        with contextlib.suppress(OSError):
            if socket.has_ipv6:
                sockets.append(bind_listen_socket("::1", self.port, backlog=16))
        for sock in sockets:
            self._servers.append(await asyncio.start_server(self._handle, sock=sock))
        log.info("login callback listening on 127.0.0.1:%d", self.port)

    async def close(self, grace: float = 0.5) -> None:
        """Stop listening; a browser just redirected to ``/success`` gets ``grace`` seconds to load it."""
        if self._answered_at is not None:
            remaining = self._answered_at + grace - asyncio.get_running_loop().time()
            if remaining > 0:
                await asyncio.sleep(remaining)
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        for server in servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            if len(head) > _MAX_HEAD:
                raise ValueError("request head too large")
            method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            status, headers, body = self._answer(method, target)
        except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            status, headers, body = 400, {}, _page("Bad request", "This is not a login callback.")
        except ConnectionError:
            return
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(_response(status, headers, body))
            await writer.drain()
            writer.close()

    def _answer(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.path == "/success":
            return 200, {}, _page("Login successful", "You can close this window and return to CLIProxyAPI.")
        if self.path and parts.path != self.path:
            return 404, {}, _page("Not found", "This is not the login callback address.")
        if method != "GET":
            return 405, {"Allow": "GET"}, _page("Method not allowed", "Only GET is accepted.")
        result = parse_callback_params(dict(parse_qsl(parts.query, keep_blank_values=True)))
        if result is None:
            return 400, {}, _page("No login data", "The address carries no authorization code.")
        if not self._inbox.deliver(result):
            return 409, {}, _page("Already done", "This login already received its callback.")
        if result.error:
            return 200, {}, _page("Login failed", f"The provider said: {result.error}")
        self._answered_at = asyncio.get_running_loop().time()
        return 302, {"Location": "/success"}, b""


def _page(title: str, text: str) -> bytes:
    return _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()


def _response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    reason = {200: "OK", 302: "Found", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'Conflict')}"]
    all_headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": str(len(body)),
        "Cache-Control": "no-store",
        "Connection": "close",
        **headers,
    }
    lines.extend(f"{name}: {value}" for name, value in all_headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
