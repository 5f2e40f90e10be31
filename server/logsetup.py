"""Application logging: stderr (when the process has one) plus an optional rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

__all__ = ["configure_logging"]

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_FILE_BYTES = 10 * 1024 * 1024
_FILE_BACKUPS = 5


class _OwnHandler:
    """Marks the handlers this module installed, so reconfiguring replaces only them."""


class _StreamHandler(logging.StreamHandler, _OwnHandler):  # type: ignore[type-arg]
    pass


class _FileHandler(logging.handlers.RotatingFileHandler, _OwnHandler):
    pass


def configure_logging(*, debug: bool = False, log_dir: Path | None = None) -> None:
    """Log to stderr, and to ``log_dir/main.log`` (rotated at 10 MB) when a dir is given.

    A windowed bundle has no stderr; then only the file (if any) receives records.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OwnHandler)]:
        root.removeHandler(old)
        old.close()
    formatter = logging.Formatter(_FORMAT, datefmt="%Y-%m-%d %H:%M:%S")
    handlers: list[logging.Handler] = []
    if sys.stderr is not None:
        handlers.append(_StreamHandler(sys.stderr))
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            _FileHandler(
                log_dir / "main.log", maxBytes=_FILE_BYTES, backupCount=_FILE_BACKUPS, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # httpx logs every request URL at INFO; Gemini URLs may carry ?key=.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
