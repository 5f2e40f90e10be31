"""Usage statistics of a running service: the store, the recorder sink and the queries, as one component.

``start`` opens the SQLite store (a file that is not a usable database is moved aside and a new
one created, so a damaged file never keeps the server from starting), registers the recorder as a
usage sink of the pipeline and follows ``usage-statistics-enabled``; ``stop`` flushes what is
queued and closes the store. The recorder batches on its own thread: the request path only appends
to a queue.

``usage-retention-days`` (0 = keep forever) is applied off the event loop by a background task: once
at start, again whenever the value changes, and once a day (checked hourly against the wall clock, so a
machine that slept past the day catches up when it wakes).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from server.config.paths import usage_db_path
from server.config.schema import Config
from server.usage.queries import UsageQueries
from server.usage.recorder import UsageRecorder
from server.usage.store import UsageStore, UsageStoreError

if TYPE_CHECKING:
    from server.service import ProxyService

__all__ = ["UsageRuntime", "open_store"]

log = logging.getLogger(__name__)

_FLUSH_TIMEOUT = 10.0
_DAY = 86400.0
_CHECK_EVERY = 3600.0


def open_store(path: Path) -> UsageStore:
    """Open (create, migrate) the store at ``path``; a broken file is renamed ``*.broken-<time>``.

    A database written by a newer version is not touched: its UsageStoreError is raised.
    """
    try:
        return UsageStore(path)
    except UsageStoreError as exc:
        if "schema version" in str(exc) or not path.exists():
            raise
        aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
        log.error("usage database %s cannot be used (%s); moved aside to %s", path, exc, aside.name)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))
        return UsageStore(path)


class UsageRuntime:
    """``service.usage``: ``store``, ``recorder`` and ``queries`` exist from ``start`` until ``stop``."""

    store: UsageStore
    recorder: UsageRecorder
    queries: UsageQueries

    def __init__(
        self, path: Path | None = None, *, flush_interval: float = 1.0, retention_interval: float = _DAY
    ) -> None:
        self._path = path
        self._flush_interval = flush_interval
        self._retention_interval = retention_interval
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._retention_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.retention_passes = 0
        """Retention passes finished since start (with ``usage-retention-days`` 0 a pass deletes nothing)."""

    @property
    def path(self) -> Path:
        return self.store.path

    async def start(self, service: ProxyService) -> None:
        path = self._path or usage_db_path()
        self.store = await anyio.to_thread.run_sync(open_store, path)
        self.recorder = UsageRecorder(
            self.store,
            flush_interval=self._flush_interval,
            enabled=service.config.usage_statistics_enabled,
        )
        self.queries = UsageQueries(self.store)
        service.pipeline.add_usage_sink(self.recorder.record)
        service.on_config_change(self._on_config_change)
        service.usage = self
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        self._retention_task = service.tasks.spawn(self._retention_loop(service), name="usage-retention")
        log.info(
            "usage statistics %s (database %s)",
            "on" if self.recorder.enabled else "off",
            path,
        )

    def _on_config_change(self, old: Config, new: Config) -> None:
        if old.usage_statistics_enabled != new.usage_statistics_enabled:
            self.recorder.enabled = new.usage_statistics_enabled
            log.info("usage statistics %s", "on" if new.usage_statistics_enabled else "off")
        if old.usage_retention_days != new.usage_retention_days:
            self._wake_retention()

    def _wake_retention(self) -> None:
        """Run a retention pass now (callable from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            same_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def _retention_loop(self, service: ProxyService) -> None:
        assert self._wake is not None
        wake = self._wake
        while not self._stopping:
            wake.clear()
            days = service.config.usage_retention_days
            if days > 0:
                await self._prune(days)
            last = time.time()
            self.retention_passes += 1
            while not (wake.is_set() or self._stopping) and time.time() - last < self._retention_interval:
                wait = min(_CHECK_EVERY, max(0.0, last + self._retention_interval - time.time()))
                try:
                    await asyncio.wait_for(wake.wait(), wait)
                except TimeoutError:
                    pass

    async def _prune(self, days: int) -> None:
        try:
            deleted = await anyio.to_thread.run_sync(self.queries.retention, float(days))
        except (UsageStoreError, sqlite3.Error) as exc:
            log.error("usage retention (%d days) failed: %s", days, exc)
            return
        if deleted:
            log.info("usage retention: deleted %d requests older than %d days", deleted, days)

    def flush(self, timeout: float | None = _FLUSH_TIMEOUT) -> bool:
        """Block until every record published so far is committed (tests, exports); False on timeout."""
        return self.recorder.flush(timeout)

    async def stop(self) -> None:
        task, self._retention_task = self._retention_task, None
        if task is not None and self._wake is not None:  # a pass under way finishes before the store closes
            self._stopping = True
            self._wake.set()
            await asyncio.gather(task, return_exceptions=True)
        self._loop = None
        recorder, store = getattr(self, "recorder", None), getattr(self, "store", None)
        if recorder is not None:
            await anyio.to_thread.run_sync(recorder.close, _FLUSH_TIMEOUT)
        if store is not None:
            store.close()
