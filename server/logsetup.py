"""Application logging: stderr, the rotating main log file, secret redaction, and the logs component.

Every handler installed here carries ``RedactFilter``, so a record is masked (known secrets of the
running services and secret shapes) before any of them formats it. ``LogsRuntime`` is the service
component that owns the log directory for a running server: ``service.logs``, the request logger,
hot ``debug`` / ``logging-to-file`` switches and the ``logs-max-total-size-mb`` cleanup task.
"""

from __future__ import annotations

import asyncio
import io
import logging
import logging.handlers
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from server.config.load import config_to_dict
from server.config.paths import log_dir
from server.config.save import sweep_temp_files
from server.config.schema import Config
from server.credential import Credential
from server.logfiles import MAIN_LOG, LogFiles, rotated_name
from server.redact import SecretSet, redact_text, register_secrets, secret_strings, unregister_secrets
from server.request_capture import current_request_id
from server.request_log import RequestLogger

if TYPE_CHECKING:
    from server.service import ProxyService
    from server.state import ProxyState

__all__ = [
    "LogsRuntime",
    "MainLogHandler",
    "RedactFilter",
    "configure_logging",
    "service_secrets",
    "set_file_logging",
    "set_level",
]

log = logging.getLogger(__name__)

_FORMAT = "[%(asctime)s] [%(request_id)s] [%(level)-5s] [%(name)s] %(message)s"
_DATEFMT = "%Y-%m-%d %H:%M:%S"
_FILE_BYTES = 10 * 1024 * 1024
_LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn", logging.ERROR: "error"}
_EXC_FORMATTER = logging.Formatter()


class RedactFilter(logging.Filter):
    """Masks secrets in the message and traceback; adds ``request_id`` and the short ``level`` name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "cliproxy_redacted", False):
            return True  # the filter of an earlier handler (stderr, then main.log) did it already
        record.cliproxy_redacted = True
        try:
            message = record.getMessage()
            redacted = redact_text(message)
            if redacted != message or record.args:
                record.msg, record.args = redacted, None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact_text(_EXC_FORMATTER.formatException(record.exc_info))
            record.request_id = current_request_id() or "--------"
            record.level = _LEVELS.get(record.levelno, record.levelname.lower())
        except Exception:  # a log call must never fail because of its redaction
            record.msg, record.args, record.exc_info = "<log record dropped: redaction failed>", None, None
            record.request_id, record.level = "--------", "error"
        return True


class _OwnHandler:
    """Marks the handlers this module installed, so reconfiguring replaces only them."""


class _StreamHandler(logging.StreamHandler, _OwnHandler):  # type: ignore[type-arg]
    pass


class MainLogHandler(logging.handlers.RotatingFileHandler, _OwnHandler):
    """``main.log`` (mode 0600), rotated at 10 MB to ``main-<UTC time>.log`` as the original names it."""

    def __init__(self, directory: Path, max_bytes: int = _FILE_BYTES) -> None:
        self.directory = directory
        self._size = 0
        super().__init__(directory / MAIN_LOG, maxBytes=max_bytes, backupCount=0, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = os.fstat(fd).st_size
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        """Write one line; the size is counted here instead of the base class's stat, seek and
        second format of every record (a third of an access line's cost)."""
        try:
            text = self.format(record) + "\n"
            if self.stream is None:
                self.stream = self._open()
            if self.maxBytes > 0 and self._size + len(text) >= self.maxBytes:
                self.doRollover()
            self.stream.write(text)
            self.stream.flush()
            self._size += len(text)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        return self.maxBytes > 0 and self._size + len(self.format(record)) + 1 >= self.maxBytes

    def doRollover(self) -> None:
        if self.stream:
            self.stream.close()
            self.stream = None
        now = datetime.now(UTC)
        target = self.directory / rotated_name(now)
        n = 1
        while target.exists():
            target = self.directory / rotated_name(now).replace(".log", f"-{n}.log")
            n += 1
        try:
            os.replace(self.baseFilename, target)
        except OSError:
            pass  # keep writing to the same file rather than losing records
        self.stream = self._open()


def _own_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, _OwnHandler)]


class _SharedFormatter(logging.Formatter):
    """Formats a record once for every handler (stderr and main.log use the same layout)."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.__dict__.get("cliproxy_text")
        if text is None:
            text = super().format(record)
            record.cliproxy_text = text
        return str(text)


_FORMATTER = _SharedFormatter(_FORMAT, datefmt=_DATEFMT)


def _install(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(_FORMATTER)
    handler.addFilter(RedactFilter())
    logging.getLogger().addHandler(handler)
    return handler


def set_level(debug: bool) -> None:
    """Root level debug or info; httpx stays at warning (its INFO lines carry URLs with ``?key=``)."""
    logging.getLogger().setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # "1 change detected" on every save


def set_file_logging(directory: Path | None) -> MainLogHandler | None:
    """Send the log to ``directory/main.log`` (None: no file); an existing handler for the same
    directory is kept. Returns the active file handler."""
    root = logging.getLogger()
    current = next((h for h in _own_handlers() if isinstance(h, MainLogHandler)), None)
    if current is not None and directory is not None and current.directory == directory:
        return current
    if current is not None:
        root.removeHandler(current)
        current.close()
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = MainLogHandler(directory)
    _install(handler)
    return handler


def configure_logging(*, debug: bool = False, log_dir: Path | None = None) -> None:
    """Log to stderr, and to ``log_dir/main.log`` (rotated at 10 MB) when a dir is given.

    A windowed bundle has no stderr; then only the file (if any) receives records.
    """
    # The layout names no caller, thread or process: skip looking them up for every record (the
    # optimisations of the logging HOWTO); the access line of every request pays for them otherwise.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in [h for h in _own_handlers() if not isinstance(h, MainLogHandler)]:
        root.removeHandler(old)
        old.close()
    if sys.stderr is not None:
        _install(_StreamHandler(sys.stderr))
    set_file_logging(log_dir)
    set_level(debug)


def service_secrets(config: Config, credentials: tuple[Credential, ...]) -> SecretSet:
    """Every secret a running service knows: config keys and secrets, credential keys and tokens."""
    values = secret_strings(config_to_dict(config))
    for credential in credentials:
        values.add(credential.api_key)
        values |= secret_strings(credential.metadata)
        values |= secret_strings(dict(credential.headers))
    return SecretSet(values)


class _ServiceSecrets:
    """``service_secrets`` of a live state, rebuilt only when its config or credentials change."""

    def __init__(self, state: ProxyState) -> None:
        self._state = state
        self._seen: tuple[object, object] = (None, None)
        self._set = SecretSet()

    def __call__(self) -> SecretSet:
        config, credentials = self._state.config, self._state.credentials
        seen = self._seen
        if seen[0] is not config or seen[1] is not credentials:
            self._set = service_secrets(config, credentials)
            self._seen = (config, credentials)
        return self._set


class LogsRuntime:
    """The log directory of a running service (a ServiceComponent; sets ``service.logs``)."""

    def __init__(
        self,
        request_logger: RequestLogger | None = None,
        *,
        directory: Path | None = None,
        cap_interval: float = 60.0,
    ) -> None:
        self._request_logger = request_logger
        self._directory = directory
        self._cap_interval = cap_interval
        self._installed: MainLogHandler | None = None
        self._previous_level: int | None = None
        self._service: ProxyService | None = None
        self.files = LogFiles(directory or Path("."))

    async def start(self, service: ProxyService) -> None:
        config = service.config
        self._service = service
        self.files = LogFiles(self._directory or log_dir(), enabled=config.logging_to_file)
        service.logs = self.files
        sweep_temp_files(self.files.directory)  # request logs a killed process was still writing
        register_secrets(self, _ServiceSecrets(service.state))
        if config.logging_to_file:
            self._file_logging(True, config.debug)
        if self._request_logger is not None:
            self._request_logger.attach(self.files, service.state, commercial=config.commercial_mode)
        service.on_config_change(self._on_config_change)
        service.tasks.spawn(self._cap_loop(), name="log-size-cap")

    async def stop(self) -> None:
        if self._request_logger is not None:
            self._request_logger.detach()
        if self._installed is not None:
            self._file_logging(False, False)
        if self._previous_level is not None:  # an embedder's level is theirs again
            logging.getLogger().setLevel(self._previous_level)
            self._previous_level = None
        unregister_secrets(self)
        self._service = None

    def _file_logging(self, on: bool, debug: bool) -> None:
        current = next((h for h in _own_handlers() if isinstance(h, MainLogHandler)), None)
        if on:
            handler = set_file_logging(self.files.directory)
            if handler is not current:
                self._installed = handler
                if self._previous_level is None:
                    self._previous_level = logging.getLogger().level
                set_level(debug)
        elif current is not None and (current is self._installed or self._installed is None):
            set_file_logging(None)
            self._installed = None

    def _on_config_change(self, old: Config, new: Config) -> None:
        if old.logging_to_file != new.logging_to_file:
            self._file_logging(new.logging_to_file, new.debug)
            log.info("logging to file %s", "on" if new.logging_to_file else "off")
        self.files.enabled = new.logging_to_file
        if old.debug != new.debug:
            set_level(new.debug)
            log.info("debug logging %s", "on" if new.debug else "off")
        if old.commercial_mode != new.commercial_mode:
            log.warning("commercial-mode changed; it takes effect after a restart")

    async def _cap_loop(self) -> None:
        while True:
            service = self._service
            if service is None:
                return
            limit = service.config.logs_max_total_size_mb
            if limit > 0:
                removed = await anyio.to_thread.run_sync(self.files.enforce_total_size, limit * 1024 * 1024)
                if removed:
                    log.info("log size cap: deleted %d old log files", removed)
            await asyncio.sleep(self._cap_interval)
