"""ServerController: the proxy's only lifecycle API (start, stop, restart, state).

The server runs uvicorn on its own asyncio loop, either in a background thread (``start``) or in
the caller's loop (``await serve()``). Methods are thread-safe; state listeners are called from
the server thread and must hand work over to their own thread (the GUI turns them into signals).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from server.api.app import create_app
from server.api.keepalive import keepalive_for
from server.config import Config, ConfigError, load_config
from server.http_protocol import CoalescingHttpToolsProtocol
from server.options import ServerOptions
from server.ports import PortInUseError, bind_listen_socket
from server.wiring import build_service

__all__ = [
    "PortInUseError",
    "ServerController",
    "ServerOptions",
    "ServerState",
    "ServerStatus",
    "TLSConfigError",
    "new_event_loop",
]

log = logging.getLogger(__name__)


class ServerState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    state: ServerState
    url: str = ""
    error: str = ""


StateListener = Callable[[ServerStatus], None]


class ServerController:
    """Start, stop and restart the proxy; report its state.

    Give either a ``Config`` or a ``config_path`` (re-read on every start, so a restart picks up
    edits). ``options`` carries the embedding hooks.
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        config_path: Path | None = None,
        options: ServerOptions | None = None,
    ) -> None:
        if config is None and config_path is None:
            raise ValueError("ServerController needs a config or a config_path")
        self._config = config
        self._config_path = config_path
        self._options = options or ServerOptions()
        self._lock = threading.RLock()
        self._listeners: list[StateListener] = []
        self._status = ServerStatus(ServerState.STOPPED)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._port = 0

    # -- observation -------------------------------------------------------------------------

    @property
    def status(self) -> ServerStatus:
        return self._status

    @property
    def port(self) -> int:
        """The bound port (useful with ``port: 0``); 0 while stopped."""
        return self._port

    @property
    def url(self) -> str:
        return self._status.url

    def add_listener(self, listener: StateListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _set(self, status: ServerStatus) -> None:
        with self._lock:
            self._status = status
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(status)
            except Exception:
                log.exception("server state listener failed")

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Start in a background thread; returns once the port answers. Does nothing while running.

        Raises what stopped the start (``PortInUseError``, ``ConfigError``, a TLS file error, ...); the
        status is then FAILED with the same message.
        """
        with self._lock:
            if self._loop is not None or (self._thread is not None and self._thread.is_alive()):
                return
            config = self._current_config()
            sock = self._bind(config)
            ready = threading.Event()
            failure: list[BaseException] = []
            self._thread = threading.Thread(
                target=self._thread_main,
                args=(config, sock, ready, failure),
                name="cliproxyapi-server",
                daemon=True,
            )
            self._thread.start()
        if not ready.wait(timeout):
            self.stop()
            raise TimeoutError(f"server did not start within {timeout:.0f}s")
        if failure:
            raise failure[0]

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and wait: in-flight requests get half of ``timeout`` to finish, then they are cut.

        Works for both ``start`` and ``serve``; called from inside the serving loop it only asks the
        server to stop (the loop cannot wait for itself).
        """
        with self._lock:
            thread, loop, server, stopped = self._thread, self._loop, self._server, self._stopped
            stopping = server is None or server.should_exit or self._status.state is ServerState.STOPPING
            if loop is not None and server is not None and not stopping:
                self._set(ServerStatus(ServerState.STOPPING, self.url))
                try:
                    loop.call_soon_threadsafe(_request_exit, server, timeout / 2, False)
                    loop.call_soon_threadsafe(loop.call_later, timeout * 0.75, _request_exit, server, 0, True)
                except RuntimeError:
                    pass  # the loop already closed
        if loop is not None and _running_loop() is loop:
            return
        stopped.wait(timeout + 3.0)
        if thread is not None:
            thread.join(timeout + 3.0)
            with self._lock:
                if self._thread is thread:
                    self._thread = None

    def restart(self, timeout: float = 10.0) -> None:
        self.stop()
        self.start(timeout)

    async def serve(self) -> None:
        """Run in the caller's event loop until ``stop`` is called or the task is cancelled."""
        with self._lock:
            if self._loop is not None or (self._thread is not None and self._thread.is_alive()):
                raise RuntimeError("the server is already running")
            config = self._current_config()
            sock = self._bind(config)
        await self._serve(config, sock, None)

    # -- internals ---------------------------------------------------------------------------

    def _current_config(self) -> Config:
        if self._config_path is not None:
            try:
                self._config = load_config(self._config_path)
            except ConfigError as exc:
                self._set(ServerStatus(ServerState.FAILED, error=str(exc)))
                raise
        assert self._config is not None
        problem = _tls_problem(self._config)
        if problem:
            self._set(ServerStatus(ServerState.FAILED, error=problem))
            raise TLSConfigError(problem)
        return self._config

    def _bind(self, config: Config) -> socket.socket:
        try:
            sock = bind_listen_socket(config.host, config.port)
        except OSError as exc:
            self._set(ServerStatus(ServerState.FAILED, error=str(exc)))
            raise
        self._port = sock.getsockname()[1]
        return sock

    def _thread_main(
        self, config: Config, sock: socket.socket, ready: threading.Event, failure: list[BaseException]
    ) -> None:
        loop = new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(config, sock, ready))
        except Exception as exc:
            log.error("server stopped with an error: %s", exc, exc_info=not isinstance(exc, OSError))
            failure.append(exc)
        finally:
            ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self, config: Config, sock: socket.socket, ready: threading.Event | None) -> None:
        scheme = "https" if config.tls.enable else "http"
        shown = config.host if config.host not in ("", "0.0.0.0") else "127.0.0.1"
        url = f"{scheme}://{_bracket(shown)}:{self._port}"
        stopped = threading.Event()
        error = ""
        try:
            self._set(ServerStatus(ServerState.STARTING, url))
            service = build_service(config, config_path=self._config_path, options=self._options)
            # -password: no keep-alive ping for keepalive_timeout stops the server as SIGTERM would
            app = create_app(service, keepalive=keepalive_for(self._options, self.stop))
            server = _Server(_uvicorn_config(app, config), lambda: self._announce(url, ready))
            with self._lock:
                self._loop = asyncio.get_running_loop()
                self._server = server
                self._stopped = stopped
            try:
                await server.serve(sockets=[sock])
            except SystemExit:  # uvicorn exits when the app's startup fails
                raise RuntimeError("the server could not start (the log has the reason)") from None
            if not server.started and not server.should_exit:
                raise RuntimeError("the server could not start (the log has the reason)")
        except Exception as exc:
            error = str(exc) or type(exc).__name__
            raise
        finally:
            sock.close()
            with self._lock:
                self._port = 0
                self._loop = None
                self._server = None
                self._set(
                    ServerStatus(ServerState.FAILED, error=error)
                    if error
                    else ServerStatus(ServerState.STOPPED)
                )
            stopped.set()
            if self._options.on_stopped is not None:
                self._options.on_stopped()

    def _announce(self, url: str, ready: threading.Event | None) -> None:
        log.info("API server started successfully on: %s", url)
        self._set(ServerStatus(ServerState.RUNNING, url))
        if self._options.on_started is not None:
            self._options.on_started()
        if ready is not None:
            ready.set()


def _uvicorn_config(app: ASGIApp, config: Config) -> uvicorn.Config:
    tls = config.tls
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
        ssl_certfile=str(Path(tls.cert).expanduser()) if tls.enable else None,
        ssl_keyfile=str(Path(tls.key).expanduser()) if tls.enable else None,
        server_header=False,
        http=CoalescingHttpToolsProtocol,  # one write per answer (server/http_protocol.py)
        # request.client must stay the socket peer: loopback checks never trust X-Forwarded-For
        proxy_headers=False,
        # uvicorn closes idle connections after 5 s, exactly when httpx-based SDKs (5 s) reuse them: a
        # request sent as the server closes fails. The original (Go) keeps idle connections open.
        timeout_keep_alive=75,
    )


class TLSConfigError(ValueError):
    """``tls.enable`` is on but the certificate or key cannot be used."""


def _tls_problem(config: Config) -> str:
    tls = config.tls
    if not tls.enable:
        return ""
    if not tls.cert or not tls.key:
        return "tls.enable is true but tls.cert or tls.key is empty"
    for name, value in (("tls.cert", tls.cert), ("tls.key", tls.key)):
        if not Path(value).expanduser().is_file():
            return f"{name}: file not found: {value}"
    return ""


class _Server(uvicorn.Server):
    """uvicorn's server, telling us the moment it listens."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


def _request_exit(server: uvicorn.Server, grace: float, force: bool) -> None:
    if grace > 0:
        # uvicorn hands this to asyncio.wait_for, which takes any float.
        server.config.timeout_graceful_shutdown = grace  # type: ignore[assignment]
    server.should_exit = True
    if force:
        server.force_exit = True


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
