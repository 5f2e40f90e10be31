"""Listening sockets: bind before serving so a taken port is a clear error naming its holder."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

__all__ = ["PortInUseError", "bind_listen_socket", "port_holder"]


# Windows reports a port held with SO_EXCLUSIVEADDRUSE as WSAEACCES (errno EACCES); elsewhere EACCES
# means a privileged port, which is not "in use".
_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)} | (
    {errno.EACCES} if sys.platform == "win32" else set()
)


class PortInUseError(OSError):
    """The port is taken; ``holder`` names the process when the OS tells us."""

    def __init__(self, host: str, port: int, holder: str | None) -> None:
        where = f"{host or '*'}:{port}"
        who = f" by {holder}" if holder else ""
        super().__init__(errno.EADDRINUSE, f"port {port} is already in use{who} ({where})")
        self.port = port
        self.holder = holder

    def __str__(self) -> str:
        return str(self.strerror)  # without OSError's "[Errno 98]" prefix: it is shown to people


def bind_listen_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``""`` = every IPv4 interface, port 0 = any)."""
    address = host or "0.0.0.0"
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP;
    # with proto 0, Nagle holds every response body behind its headers for a delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if sys.platform == "win32":
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", 0x4), 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno in _IN_USE:
            raise PortInUseError(host, port, port_holder(port)) from exc
        raise
    sock.setblocking(False)
    return sock


def port_holder(port: int) -> str | None:
    """``"name (pid N)"`` of the process listening on ``port``, where /proc tells (Linux)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    proc = Path("/proc")
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            for fd in (pid_dir / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    name = (pid_dir / "comm").read_text().strip()
                    return f"{name} (pid {pid_dir.name})"
        except OSError:
            continue
    return None


def _listening_inodes(port: int) -> set[str]:
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found
