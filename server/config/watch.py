"""Hot reload: watch config.yaml and the auth-dir, and hand changes to the running service.

Both watchers observe a *directory* (an atomic save replaces the file, which would end a watch on
the file itself) with OS notifications through ``watchfiles`` (inotify, FSEvents,
ReadDirectoryChangesW: changes arrive at once and an idle watch costs nothing; set
``WATCHFILES_FORCE_POLLING`` on file systems without notifications). Events are filtered by file
name and debounced (150 ms after the last one); then the content hash decides whether anything
changed at all, so identical rewrites and the service's own saves cause no reload.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
import watchfiles

from server.config.edit import config_lock
from server.config.load import ConfigError, config_to_dict, load_config
from server.config.paths import resolve_auth_dir
from server.config.schema import Config
from server.tasks import spawn

if TYPE_CHECKING:
    from server.service import ProxyService

__all__ = ["RESTART_KEYS", "AuthDirWatcher", "ConfigWatcher", "DirectoryWatch", "changed_keys"]

log = logging.getLogger(__name__)

DEBOUNCE = 0.15
RESTART_KEYS = ("host", "port", "tls", "auth-dir", "commercial-mode")
"""Settings a running server cannot change: they are reported, and apply after a restart."""

_STOP_WAIT = 2.0


def changed_keys(old: Config, new: Config) -> list[str]:
    """Top-level YAML keys whose values differ (names only: values may be secrets)."""
    before, after = config_to_dict(old), config_to_dict(new)
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _locate(path: Path) -> tuple[Path, Path]:
    """The absolute config path and, if it is a symlink, the file it points to."""
    absolute = Path(path).expanduser().absolute()
    return absolute, absolute.resolve()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class DirectoryWatch:
    """Calls ``on_change`` once per burst of events on files of ``directories`` that ``accept`` takes.

    ``on_change`` runs ``debounce`` seconds after the last event; runs never overlap (events during
    a run schedule another one).
    """

    def __init__(
        self,
        directories: list[Path],
        accept: Callable[[str], bool],
        on_change: Callable[[], Awaitable[object]],
        *,
        debounce: float = DEBOUNCE,
    ) -> None:
        self._directories = directories
        self._accept = accept
        self._on_change = on_change
        self._debounce = debounce
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self._runs: set[asyncio.Task[None]] = set()
        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # it logs every batch at INFO

    def start(self) -> None:
        self._task = spawn(self._watch(), name=f"watch {self._directories[0]}")

    async def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.cancel()
        tasks = [t for t in (self._task, *self._runs) if t is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=_STOP_WAIT)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    def _filter(self, change: watchfiles.Change, path: str) -> bool:
        return self._accept(Path(path).name)

    async def _watch(self) -> None:
        try:
            async for _ in watchfiles.awatch(
                *self._directories,
                watch_filter=self._filter,
                stop_event=self._stop,
                recursive=False,
                debounce=1600,
                step=50,
                rust_timeout=1000,
            ):
                self._kick()
        except Exception as exc:  # e.g. the directory vanished: the server keeps running without it
            log.warning("stopped watching %s: %s", ", ".join(map(str, self._directories)), exc)

    def _kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self._debounce, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self._stop.is_set():
            return
        task = spawn(self._run(), name=f"reload after a change in {self._directories[0]}")
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def _run(self) -> None:
        async with self._lock:
            try:
                await self._on_change()
            except Exception:
                log.exception("handling a change in %s failed", self._directories[0])


class ConfigWatcher:
    """Reloads the service's config file when it changes (a ServiceComponent).

    ``reloads`` counts configs that were made live. ``loader`` reads and normalises a file (it may
    also rewrite it, e.g. to hash a plaintext secret; the hash of the file after loading is kept).
    """

    def __init__(self, *, loader: Callable[[Path], Config] = load_config, debounce: float = DEBOUNCE) -> None:
        self._loader = loader
        self._debounce = debounce
        self._service: ProxyService | None = None
        self._path: Path | None = None
        self._hash: str | None = None
        self._watch: DirectoryWatch | None = None
        self.reloads = 0

    async def start(self, service: ProxyService) -> None:
        if service.config_path is None:
            return  # a config handed over in memory has no file to follow
        self._service = service
        path, resolved = await anyio.to_thread.run_sync(_locate, service.config_path)
        self._path = path
        self._hash = await anyio.to_thread.run_sync(_digest, path)
        names = {path.name, resolved.name}
        directories = sorted({path.parent, resolved.parent})
        self._watch = DirectoryWatch(directories, names.__contains__, self.check, debounce=self._debounce)
        self._watch.start()
        log.info("watching %s for changes", path)

    async def stop(self) -> None:
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None

    async def check(self) -> bool:
        """Reload now if the file's content changed; True when a new config was made live.

        Holds the config file's lock (the one every management write holds), so a reload can never
        apply an older file over a write that lands while it loads.
        """
        service = self._service
        if service is None or self._path is None:
            return False
        async with config_lock(service):
            return await self._check_locked(service, self._path)

    async def _check_locked(self, service: ProxyService, path: Path) -> bool:
        try:
            data = await anyio.to_thread.run_sync(path.read_bytes)
        except OSError as exc:
            log.warning("config file %s cannot be read: %s", path, exc.strerror or exc)
            return False
        digest = hashlib.sha256(data).hexdigest()
        if not data.strip() or digest == self._hash:
            log.debug("config file %s unchanged (or empty)", path)  # an editor's truncate-then-write
            return False
        try:
            config = await anyio.to_thread.run_sync(self._loader, path)
        except ConfigError as exc:
            log.error("config reload failed, the running config stays active: %s", exc)
            return False
        self._hash = await anyio.to_thread.run_sync(_digest, path) or digest
        old = service.config
        if config == old:
            log.debug("config file %s rewritten without changes", path)
            return False
        changed = changed_keys(old, config)
        service.apply_config(config)
        self.reloads += 1
        log.info("config reloaded from %s (changed: %s)", path, ", ".join(changed) or "nothing visible")
        later = [key for key in RESTART_KEYS if key in changed]
        if later:
            log.warning("config change of %s takes effect after a restart", ", ".join(later))
        return True


class AuthDirWatcher:
    """Re-reads the credential directory when a ``*.json`` file in it changes (a ServiceComponent).

    The work is ``service.accounts.reload()`` (sync or async), done only when the account runtime
    exists and the set of file hashes really changed. ``reloads`` counts those calls.
    """

    def __init__(self, *, debounce: float = DEBOUNCE) -> None:
        self._debounce = debounce
        self._service: ProxyService | None = None
        self._directory: Path | None = None
        self._hashes: dict[str, str] = {}
        self._watch: DirectoryWatch | None = None
        self.reloads = 0

    @property
    def directory(self) -> Path | None:
        return self._directory

    async def start(self, service: ProxyService) -> None:
        self._service = service
        directory = resolve_auth_dir(service.config, config_path=service.config_path)
        try:
            await anyio.to_thread.run_sync(lambda: directory.mkdir(parents=True, exist_ok=True, mode=0o700))
        except OSError as exc:
            log.warning("auth-dir %s cannot be created, not watching it: %s", directory, exc.strerror or exc)
            return
        self._directory = directory
        self._hashes = await anyio.to_thread.run_sync(self._snapshot)
        self._watch = DirectoryWatch([directory], _is_credential_file, self.check, debounce=self._debounce)
        self._watch.start()

    async def stop(self) -> None:
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None

    def _snapshot(self) -> dict[str, str]:
        directory = self._directory
        if directory is None:
            return {}
        try:
            names = [p for p in directory.iterdir() if _is_credential_file(p.name) and p.is_file()]
        except OSError:
            return {}
        return {p.name: h for p in names if (h := _digest(p)) is not None}

    async def check(self) -> bool:
        """Reload the accounts if a credential file was added, changed or removed."""
        if self._service is None:
            return False
        hashes = await anyio.to_thread.run_sync(self._snapshot)
        if hashes == self._hashes:
            return False
        before, self._hashes = self._hashes, hashes
        accounts = getattr(self._service, "accounts", None)
        reload = getattr(accounts, "reload", None)
        if reload is None:
            log.debug("auth-dir changed but no account runtime is running")
            return False
        added = len(hashes.keys() - before.keys())
        removed = len(before.keys() - hashes.keys())
        log.info("auth-dir changed (%d added, %d removed); reloading accounts", added, removed)
        result = reload()
        if inspect.isawaitable(result):
            await result
        self.reloads += 1
        return True


def _is_credential_file(name: str) -> bool:
    return name.lower().endswith(".json") and not name.startswith(".")
