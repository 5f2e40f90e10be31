"""One app per user: a QLockFile decides who runs; a QLocalServer lets a second launch say "show yourself".

The first instance holds ``<dir>/<name>.lock`` and listens on a local socket named after that path; a
later launch fails to take the lock, sends ``show`` to the socket and exits. A lock left by a crashed
process is stale (its PID is gone) and QLockFile takes it over.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

__all__ = ["SHOW_MESSAGE", "WINDOWS_MUTEX", "SingleInstance", "socket_name"]

log = logging.getLogger(__name__)

SHOW_MESSAGE = b"show\n"
_WAIT_MS = 1000
WINDOWS_MUTEX = "CLIProxyAPI.Desktop.Running"
"""Named mutex held while the app runs on Windows: the installer's ``AppMutex`` waits for it to go."""


def _windows_mutex(name: str) -> int:
    """Create (and hold) the named mutex on Windows; 0 elsewhere. Closing the handle releases it."""
    if sys.platform != "win32":
        return 0
    import ctypes

    return int(ctypes.windll.kernel32.CreateMutexW(None, False, name) or 0)


def socket_name(lock_path: Path) -> str:
    """A local socket name unique per user and lock file (Windows pipe names are machine-wide)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    digest = hashlib.sha256(f"{user}\0{lock_path}".encode()).hexdigest()[:16]
    return f"cliproxyapi-{digest}"


class SingleInstance(QObject):
    """``acquire()`` → True for the first instance; ``show_requested`` fires when another launch asks."""

    show_requested = Signal()

    def __init__(self, directory: Path, name: str = "cliproxyapi-gui", parent: QObject | None = None) -> None:
        super().__init__(parent)
        directory.mkdir(parents=True, exist_ok=True)
        self.lock_path = directory / f"{name}.lock"
        self.name = socket_name(self.lock_path)
        self._lock = QLockFile(str(self.lock_path))
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []
        self._mutex = 0

    def acquire(self) -> bool:
        """Take the lock and listen; False (after telling the first instance) when one already runs."""
        if not self._lock.tryLock(100):
            self.notify_running()
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.name)  # a socket file left by a crash
        if not server.listen(self.name):
            log.warning("cannot listen for other launches: %s", server.errorString())
        server.newConnection.connect(self._on_connection)
        self._server = server
        self._mutex = _windows_mutex(WINDOWS_MUTEX)
        return True

    def notify_running(self) -> bool:
        """Ask the running instance to show its window; False when it did not answer."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(_WAIT_MS):
            return False
        socket.write(SHOW_MESSAGE)
        sent = socket.waitForBytesWritten(_WAIT_MS)
        socket.disconnectFromServer()
        return sent

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for client in self._clients:
            client.abort()
        self._clients.clear()
        if self._lock.isLocked():
            self._lock.unlock()
        if self._mutex and sys.platform == "win32":
            import ctypes

            ctypes.windll.kernel32.CloseHandle(self._mutex)
            self._mutex = 0

    def _on_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            client = server.nextPendingConnection()
            self._clients.append(client)
            client.readyRead.connect(self._on_ready_read)
            client.disconnected.connect(self._on_disconnected)

    def _read(self, client: QLocalSocket) -> None:
        if client.bytesAvailable() and SHOW_MESSAGE.strip() in bytes(client.readAll().data()):
            self.show_requested.emit()

    def _on_ready_read(self) -> None:
        for client in list(self._clients):
            self._read(client)

    def _on_disconnected(self) -> None:
        gone = QLocalSocket.LocalSocketState.UnconnectedState
        for client in [c for c in self._clients if c.state() == gone]:
            self._read(client)
            self._clients.remove(client)
            client.deleteLater()
