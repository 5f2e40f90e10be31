"""ServerThread: run an ASGI app under uvicorn in a daemon thread with its own event loop."""

from __future__ import annotations

import math
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

__all__ = ["ServerThread"]

_POLL = 0.005
_START_TIMEOUT = 10.0
_JOIN_TIMEOUT = 5.0


class ServerThread:
    """uvicorn on ``host`` in a background thread; ``port=0`` binds a free port read back from the socket.

    ``stop()`` asks uvicorn to exit, lets open requests finish for ``grace`` seconds, then cancels
    them (so a hanging request cannot block shutdown) and joins the thread.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, grace: float = 0.5) -> None:
        self.host = host
        self._grace = grace
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            loop="asyncio",
            timeout_graceful_shutdown=max(1, math.ceil(grace)),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"uvicorn-{host}:{port}", daemon=True)
        self._error: BaseException | None = None
        self._port: int | None = None

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # SystemExit when the port cannot be bound
            self._error = exc

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        """Start serving and return once the socket listens (10 s at most)."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"server thread exited before listening: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"server did not start within {_START_TIMEOUT} s")
            time.sleep(_POLL)
        self._port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Stop serving; open requests get ``grace`` seconds, then are cancelled. Idempotent."""
        if not self._thread.is_alive():
            return
        self._server.should_exit = True
        self._thread.join(self._grace + 0.5)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(_JOIN_TIMEOUT)
        if self._thread.is_alive():
            raise RuntimeError("server thread did not stop")

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
