"""Running a provider's login: the LoginContext shared by CLI and GUI logins, and the CLI runner.

The CLI context opens the browser (``webbrowser``) or, under ``-no-browser`` or when no browser
opens, prints the URL with an SSH port-forwarding hint; it waits for the loopback callback (the
provider's timeout, 5 minutes) and, when stdin is a terminal, accepts the callback URL pasted there
after 15 seconds. The runner writes the files the provider returns into auth-dir (atomic, 0600).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import httpx

from server.auth.accounts import account_provider
from server.auth.base import AccountProvider, CallbackResult, LoginError, LoginOptions
from server.auth.callback import CallbackInbox, CallbackPortBusy, CallbackServer, check_callback
from server.auth.endpoints import Endpoints
from server.auth.paste import parse_pasted
from server.auth.store import CredentialStore, check_name
from server.config.paths import resolve_auth_dir
from server.config.schema import Config
from server.http import HttpClients

__all__ = ["BaseLoginContext", "CliLoginContext", "cli_login", "login_title", "run_login"]

log = logging.getLogger(__name__)

PORT_BUSY_EXIT = 13
"""Exit code of a CLI login whose callback port is taken (the original's)."""

_TITLES = {
    "claude": "Claude",
    "codex": "Codex (ChatGPT)",
    "gemini": "Gemini CLI (Google)",
    "antigravity": "Antigravity",
    "qwen": "Qwen",
    "iflow": "iFlow",
    "vertex": "Vertex",
}
_LOGIN_TIMEOUT = httpx.Timeout(30.0)


def login_title(file_type: str) -> str:
    return _TITLES.get(file_type, file_type)


class BaseLoginContext:
    """The parts of a LoginContext every runner shares: HTTP, endpoints, clock, callback listening."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        options: LoginOptions,
        endpoints: Callable[[str, str, str], str],
        clock: Callable[[], float] = time.time,
        platform: str = sys.platform,
    ) -> None:
        self.http = http
        self.options = options
        self.inbox = CallbackInbox()
        self._endpoints = endpoints
        self._clock = clock
        self._platform = platform
        self._servers: dict[int, CallbackServer] = {}

    def endpoint(self, provider: str, name: str, default: str) -> str:
        return self._endpoints(provider, name, default)

    def now(self) -> float:
        return self._clock()

    async def listen(self, port: int) -> CallbackServer | None:
        """Listen on ``port`` (once per port) before the URL is shown; 0 or less = no listener."""
        if port <= 0:
            return None
        server = self._servers.get(port)
        if server is None:
            server = CallbackServer(self.inbox, port, platform=self._platform)
            await server.start()
            self._servers[port] = server
        return server

    async def show_url(self, url: str, *, port: int) -> None:
        await self.listen(port)

    async def show_device_code(self, url: str, user_code: str) -> None:
        return None

    async def prompt(self, question: str) -> str:
        """No one to ask: the empty answer (a provider then takes its default or fails)."""
        return ""

    async def wait_callback(
        self,
        *,
        port: int,
        path: str,
        state: str,
        timeout: float,  # noqa: ASYNC109 - LoginContext signature
    ) -> CallbackResult:
        server = await self.listen(port)
        if server is not None:
            server.path = path
        waiting = self._while_waiting()
        try:
            result = await self.inbox.wait(timeout)
        finally:
            if waiting is not None:
                waiting.cancel()
        return check_callback(result, state)

    def _while_waiting(self) -> asyncio.Task[None] | None:
        """Something to run while the callback is awaited (the CLI's paste prompt)."""
        return None

    async def aclose(self) -> None:
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            await server.close()


class _LineReader:
    """Lines of a text stream, read by a daemon thread (a blocked read never holds the exit up)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[str | None] | None = None

    async def readline(self) -> str | None:
        if self._queue is None:
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            self._queue = queue
            loop = asyncio.get_running_loop()

            def pump() -> None:
                while True:
                    try:
                        line = self._stream.readline()
                    except (OSError, ValueError):
                        line = ""
                    with contextlib.suppress(RuntimeError):  # the loop closed: nobody listens any more
                        loop.call_soon_threadsafe(queue.put_nowait, line or None)
                    if not line:
                        return

            threading.Thread(target=pump, name="login-stdin", daemon=True).start()
        return await self._queue.get()


class CliLoginContext(BaseLoginContext):
    """A login in a terminal: messages to ``out``, answers and pasted URLs from ``stdin``."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        options: LoginOptions,
        endpoints: Callable[[str, str, str], str],
        title: str,
        out: TextIO,
        stdin: TextIO | None,
        interactive: bool,
        open_browser: Callable[[str], bool] = webbrowser.open,
        paste_after: float = 15.0,
        clock: Callable[[], float] = time.time,
        platform: str = sys.platform,
    ) -> None:
        super().__init__(http=http, options=options, endpoints=endpoints, clock=clock, platform=platform)
        self._title = title
        self._out = out
        self._reader = _LineReader(stdin) if stdin is not None else None
        self._interactive = interactive and stdin is not None
        self._open_browser = open_browser
        self._paste_after = paste_after

    def _say(self, text: str = "") -> None:
        print(text, file=self._out, flush=True)

    async def _open(self, url: str) -> bool:
        if self.options.no_browser:
            return False
        try:
            return bool(await asyncio.to_thread(self._open_browser, url))
        except Exception:
            return False

    async def show_url(self, url: str, *, port: int) -> None:
        server = await self.listen(port)
        opened = await self._open(url)
        if opened:
            self._say(f"Opening your browser to log in to {self._title}. If it does not open, visit:")
        else:
            self._say(f"Open this URL in a browser to log in to {self._title}:")
        self._say(f"  {url}")
        if not opened and server is not None:
            self._say(
                f"The browser must reach http://localhost:{server.port} on this machine. If you log in "
                "from another computer, forward the port first:"
            )
            self._say(f"  ssh -L {server.port}:127.0.0.1:{server.port} <user>@<this-machine>")
        self._say("Waiting for the login to finish in the browser…")

    async def show_device_code(self, url: str, user_code: str) -> None:
        opened = await self._open(url)
        self._say(f"To log in to {self._title}, {'confirm' if opened else 'open'} this page:")
        self._say(f"  {url}")
        if user_code:
            self._say(f"and enter the code {user_code}")
        self._say("Waiting for the login to be approved…")

    async def prompt(self, question: str) -> str:
        print(question, end=" ", file=self._out, flush=True)
        if self._reader is None:
            self._say()
            return ""
        line = await self._reader.readline()
        return (line or "").strip()

    def _while_waiting(self) -> asyncio.Task[None] | None:
        if not self._interactive or self._reader is None:
            return None
        from server.tasks import spawn

        return spawn(self._paste_loop(self._reader), name="login paste prompt")

    async def _paste_loop(self, reader: _LineReader) -> None:
        await asyncio.sleep(self._paste_after)
        self._say(f"Or paste the {self._title} callback URL (the address the browser shows after the login):")
        while not self.inbox.done:
            line = await reader.readline()
            if line is None:
                return
            if not line.strip():
                continue
            result = parse_pasted(line)
            if result is None:
                self._say("That is not the callback address; paste the whole URL from the address bar:")
                continue
            self.inbox.deliver(result)


async def run_login(provider: AccountProvider, ctx: BaseLoginContext, store: CredentialStore) -> list[str]:
    """Run ``provider``'s login with ``ctx`` and write its files; the names written.

    A provider's optional ``duplicate_of(data, others) -> str | None`` names an already stored
    file (of its type, under another name) holding the same account: the login then fails.
    """
    try:
        files = await provider.login(ctx)
    finally:
        await ctx.aclose()
    if not files:
        raise LoginError("the login produced no credential")
    duplicate_of = getattr(provider, "duplicate_of", None)
    if callable(duplicate_of):
        stored, _ = await asyncio.to_thread(store.scan)
        for file in files:
            others = {s.name: s.data for s in stored if s.name != file.name and s.type == provider.file_type}
            found = duplicate_of(file.data, others)
            if found:
                raise LoginError(
                    f"this account is already saved as {found}; delete that file to log in again"
                )
    names: list[str] = []
    for file in files:
        name = check_name(file.name)
        await asyncio.to_thread(store.write_json, name, file.data)
        names.append(name)
    return names


def cli_login(
    file_type: str,
    config: Config,
    options: LoginOptions,
    *,
    config_path: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
    open_browser: Callable[[str], bool] = webbrowser.open,
) -> int:
    """The ``-<provider>-login`` command: log in, save the file, print what happened; the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    stdin = stdin if stdin is not None else sys.stdin
    provider = account_provider(file_type)
    title = login_title(file_type)
    if provider is None:
        print(f"cliproxyapi: {title} login is not available in this version yet.", file=err)
        return 2
    store = CredentialStore(resolve_auth_dir(config, config_path=config_path))
    interactive = bool(getattr(stdin, "isatty", lambda: False)())

    async def login() -> list[str]:
        clients = HttpClients(timeout=_LOGIN_TIMEOUT)
        try:
            ctx = CliLoginContext(
                title=title,
                out=out,
                stdin=stdin,
                interactive=interactive,
                open_browser=open_browser,
                http=clients.get(config.proxy_url),
                options=options,
                endpoints=Endpoints.from_config(config),
            )
            return await run_login(provider, ctx, store)
        finally:
            await clients.aclose()

    try:
        names = asyncio.run(login())
    except CallbackPortBusy as exc:
        print(f"cliproxyapi: {exc}", file=err)
        return PORT_BUSY_EXIT
    except LoginError as exc:
        print(f"cliproxyapi: {title} login failed: {exc}", file=err)
        return 1
    except httpx.HTTPError as exc:
        print(f"cliproxyapi: {title} login failed: {_network_problem(exc)}", file=err)
        return 1
    except OSError as exc:
        print(f"cliproxyapi: {title} login failed: cannot save the credential: {exc}", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"cliproxyapi: {title} login cancelled.", file=err)
        return 130
    except Exception as exc:
        log.exception("%s login failed", title)
        print(f"cliproxyapi: {title} login failed: {type(exc).__name__} (the log has details)", file=err)
        return 1
    for name in names:
        print(f"Saved {store.directory / name}", file=out)
    print(f"{title} login successful.", file=out)
    return 0


def _network_problem(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.RequestError):
        with contextlib.suppress(RuntimeError):
            return f"cannot reach {exc.request.url.host} ({type(exc).__name__})"
    return type(exc).__name__
