"""The log directory's files: main log reading and clearing, request and error log files, the size cap.

One directory holds everything (server.md §9): ``main.log`` and its rotated siblings
``main-<UTC time>.log``, one ``<path>-<time>-<request id>.log`` per request when ``request-log`` is
on, and ``error-<same name>`` files for failed requests when it is off. Nothing here formats a log
line or knows a secret: writers hand in text that is already redacted.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["MAIN_LOG", "LogFileInfo", "LogFiles", "MainLogRead", "check_name", "rotated_name"]

MAIN_LOG = "main.log"
_ROTATED = re.compile(r"^main-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}(?:-\d+)?\.log$")
_ERROR_LOG = re.compile(r"^error-.+\.log$")
_REQUEST_ID = re.compile(r"^[0-9a-f]{8}$")
_CAPPED = (".log", ".log.gz")
_STAMP = re.compile(r"^\[?(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


@dataclass(frozen=True, slots=True)
class LogFileInfo:
    """A file in the log directory: name, size in bytes, modification time (Unix seconds)."""

    name: str
    size: int
    modified: float


@dataclass(frozen=True, slots=True)
class MainLogRead:
    """Lines of the main log after a cutoff; ``line_count`` counts every line scanned."""

    lines: list[str]
    line_count: int
    latest: float


def rotated_name(now: datetime) -> str:
    """``main-<YYYY-MM-DDTHH-MM-SS.mmm>.log`` for a rotation at ``now`` (UTC, as the original)."""
    return f"main-{now:%Y-%m-%dT%H-%M-%S}.{now.microsecond // 1000:03d}.log"


def check_name(name: str) -> str:
    """A bare file name from a client; ValueError for anything that could leave the directory."""
    if not name or "/" in name or "\\" in name or ".." in name or "\0" in name or name.startswith("."):
        raise ValueError(f"invalid log file name: {name!r}")
    return name


def _line_time(line: str) -> float | None:
    match = _STAMP.match(line)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").timestamp()  # local time
    except ValueError:
        return None


class LogFiles:
    """The files of one log directory; safe to use from any thread.

    ``enabled`` mirrors ``logging-to-file`` (the management API refuses main-log reads without it).
    """

    def __init__(self, directory: Path, *, enabled: bool = False) -> None:
        self.directory = Path(directory)
        self.enabled = enabled
        self._lock = threading.Lock()

    # -- main log ------------------------------------------------------------------------------

    @property
    def main_log(self) -> Path:
        return self.directory / MAIN_LOG

    def main_log_files(self) -> list[Path]:
        """Rotated main logs oldest first, then ``main.log`` (only files that exist)."""
        rotated = sorted(p for p in self._entries() if _ROTATED.match(p.name))
        return [*rotated, *([self.main_log] if self.main_log.is_file() else [])]

    def read_main_log(self, after: float | None = None, limit: int = 0) -> MainLogRead:
        """Main log lines, oldest first; with ``after`` only lines stamped later (and their
        unstamped continuation lines); ``limit`` > 0 keeps the last ``limit`` lines."""
        lines: list[str] = []
        count = 0
        latest = after or 0.0
        keep = after is None
        for path in self.main_log_files():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                count += 1
                stamp = _line_time(line)
                if stamp is not None:
                    latest = max(latest, stamp)
                    keep = after is None or stamp > after
                if keep and line:
                    lines.append(line)
        if limit > 0:
            lines = lines[-limit:]
        return MainLogRead(lines, count, latest)

    def main_log_lines(self, after: float | None, limit: int) -> tuple[list[str], float]:
        """``read_main_log`` as (lines, latest timestamp); ``limit`` <= 0 means no limit."""
        read = self.read_main_log(after, limit)
        return read.lines, read.latest

    def clear_main_logs(self) -> int:
        """Truncate ``main.log`` and delete the rotated ones; returns how many files were deleted.

        FileNotFoundError when the directory does not exist.
        """
        if not self.directory.is_dir():
            raise FileNotFoundError(f"log directory {self.directory} does not exist")
        removed = 0
        with self._lock:
            for path in self.main_log_files():
                if path.name == MAIN_LOG:
                    with contextlib.suppress(OSError), open(path, "r+b") as handle:
                        handle.truncate(0)
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    # -- request and error logs ------------------------------------------------------------------

    def request_error_logs(self) -> list[LogFileInfo]:
        """``error-*.log`` files, newest first."""
        return self._infos(p for p in self._entries() if _ERROR_LOG.match(p.name))

    def read_error_log(self, name: str) -> bytes:
        """Content of one error log; ValueError for a bad name, FileNotFoundError if there is none."""
        check_name(name)
        if not _ERROR_LOG.match(name):
            raise FileNotFoundError(f"no error log named {name!r}")
        return (self.directory / name).read_bytes()

    def find_request_log(self, request_id: str) -> LogFileInfo | None:
        """The request (or error) log of a request id (8 hex digits), or None."""
        if not _REQUEST_ID.match(request_id):
            raise ValueError(f"invalid request id: {request_id!r}")
        found = self._infos(p for p in self._entries() if p.name.endswith(f"-{request_id}.log"))
        return found[0] if found else None

    def read_log(self, name: str) -> bytes:
        """Content of any ``*.log`` file of the directory (request logs included)."""
        check_name(name)
        if not name.endswith(".log"):
            raise FileNotFoundError(f"no log named {name!r}")
        return (self.directory / name).read_bytes()

    def write_log(self, name: str, text: str) -> Path:
        """Create ``name`` with ``text`` (mode 0600; the directory is created 0700 if missing).

        Written under a temp name (``.<name>.<pid>.<random>.tmp``, what ``sweep_temp_files`` clears
        after a crash) and renamed: a reader listing or downloading logs never sees half a file.
        """
        check_name(name)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / name
        temp = self.directory / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8", errors="replace"))
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        return path

    def write_error_log(self, name: str, text: str, *, keep: int) -> Path:
        """Write ``error-<name>`` and keep only the ``keep`` newest error logs (0: keep all)."""
        path = self.write_log(f"error-{name}", text)
        if keep > 0:
            self.prune_error_logs(keep)
        return path

    def prune_error_logs(self, keep: int) -> int:
        """Delete all but the ``keep`` newest error logs; returns how many were deleted."""
        with self._lock:
            stale = self.request_error_logs()[keep:]
            for info in stale:
                with contextlib.suppress(FileNotFoundError):
                    (self.directory / info.name).unlink()
        return len(stale)

    # -- size cap -----------------------------------------------------------------------------

    def enforce_total_size(self, max_bytes: int) -> int:
        """Delete the oldest ``*.log`` / ``*.log.gz`` files (never ``main.log``) until the directory's
        log files total at most ``max_bytes``; returns how many were deleted (0 when ``max_bytes`` <= 0)."""
        if max_bytes <= 0:
            return 0
        removed = 0
        with self._lock:
            files = [p for p in self._entries() if p.name.endswith(_CAPPED)]
            infos = self._infos(files)  # newest first
            total = sum(info.size for info in infos)
            for info in reversed(infos):
                if total <= max_bytes:
                    break
                if info.name == MAIN_LOG:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    (self.directory / info.name).unlink()
                    removed += 1
                total -= info.size
        return removed

    # -- helpers -------------------------------------------------------------------------------

    def _entries(self) -> list[Path]:
        try:
            return [p for p in self.directory.iterdir() if p.is_file()]
        except OSError:
            return []

    @staticmethod
    def _infos(paths: Iterable[Path]) -> list[LogFileInfo]:
        infos = []
        for path in paths:
            try:
                st = path.stat()
            except OSError:
                continue
            infos.append(LogFileInfo(path.name, st.st_size, st.st_mtime))
        infos.sort(key=lambda i: (i.modified, i.name), reverse=True)
        return infos
