"""Usage statistics of a running service: the store, the recorder sink and the queries, as one component.

``start`` opens the SQLite store (a file that is not a usable database is moved aside and a new
one created, so a damaged file never keeps the server from starting), registers the recorder as a
usage sink of the pipeline and follows ``usage-statistics-enabled``; ``stop`` flushes what is
queued and closes the store. The recorder batches on its own thread: the request path only appends
to a queue.
"""

from __future__ import annotations

import logging
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

    def __init__(self, path: Path | None = None, *, flush_interval: float = 1.0) -> None:
        self._path = path
        self._flush_interval = flush_interval

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
        log.info(
            "usage statistics %s (database %s)",
            "on" if self.recorder.enabled else "off",
            path,
        )

    def _on_config_change(self, old: Config, new: Config) -> None:
        if old.usage_statistics_enabled != new.usage_statistics_enabled:
            self.recorder.enabled = new.usage_statistics_enabled
            log.info("usage statistics %s", "on" if new.usage_statistics_enabled else "off")

    def flush(self, timeout: float | None = _FLUSH_TIMEOUT) -> bool:
        """Block until every record published so far is committed (tests, exports); False on timeout."""
        return self.recorder.flush(timeout)

    async def stop(self) -> None:
        recorder, store = getattr(self, "recorder", None), getattr(self, "store", None)
        if recorder is not None:
            await anyio.to_thread.run_sync(recorder.close, _FLUSH_TIMEOUT)
        if store is not None:
            store.close()
