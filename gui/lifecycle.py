"""The embedded proxy's lifecycle for the GUI: ServerController state changes as Qt signals on the GUI thread.

The controller calls its listeners from the server thread. ``Lifecycle`` is created in the GUI thread and
only *emits* from that callback; Qt then runs the connected methods of GUI-thread objects in the GUI
thread (never connect a lambda: it would run in the server thread). Start, stop and restart block for
a moment, so they run in a worker thread and are awaited.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal

from gui.models import ServerStatus
from server.runner import ServerController
from server.runner import ServerStatus as RunnerStatus

__all__ = ["Lifecycle", "to_model"]

log = logging.getLogger(__name__)


def to_model(status: RunnerStatus) -> ServerStatus:
    return ServerStatus(status.state.value, status.url, status.error)


class Lifecycle(QObject):
    """Start, stop and restart the embedded proxy; ``status_changed(ServerStatus)`` on every change."""

    status_changed = Signal(object)

    def __init__(self, controller: ServerController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._lock = asyncio.Lock()
        controller.add_listener(self._forward)

    @property
    def status(self) -> ServerStatus:
        return to_model(self._controller.status)

    @property
    def busy(self) -> bool:
        """A start, stop or restart is under way (later ones wait for it, in order)."""
        return self._lock.locked()

    def _forward(self, status: RunnerStatus) -> None:
        """Runs in the server thread: only emit (the signal crosses to the GUI thread by itself)."""
        self.status_changed.emit(to_model(status))

    async def start(self) -> str:
        """Start the proxy; "" on success, else why it did not start (the status says FAILED too)."""
        return await self._run("start")

    async def stop(self) -> str:
        return await self._run("stop")

    async def restart(self) -> str:
        return await self._run("restart")

    async def _run(self, action: str) -> str:
        # one at a time: "stopped" is reported before stop() returns, so a quick Start must wait for it
        async with self._lock:
            try:
                await asyncio.to_thread(getattr(self._controller, action))
            except Exception as exc:  # port taken, bad config, TLS files, timeout: all shown to the person
                log.warning("the proxy did not %s: %s", action, exc)
                return str(exc) or type(exc).__name__
        return ""
