"""The usage sink the pipeline calls: queues records and commits them in batches on its own thread.

``record`` only appends to an in-memory deque (O(1), no disk, no lock), so the request path never
waits for SQLite, and it wakes the writer thread only when that thread sleeps idle or a batch is full
(not once per record: a wake-up costs both threads a lock round trip and a GIL hand-over). The
writer turns records into rows (hashing and masking the client key there, off the request path)
and commits them with one ``executemany`` per batch: when ``max_batch`` records are waiting, or
``flush_interval`` seconds after the first record of a batch arrived. ``flush`` puts a marker in
the same FIFO deque and waits until the writer reaches it, so everything recorded before the call
is committed when it returns.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from server.usage.record import UsageRecord
from server.usage.store import (
    Attempt,
    UsageStore,
    auth_index_of,
    client_key_id,
    mask_key,
    normalise_total,
)

__all__ = ["UsageRecorder", "attempt_from_record"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Marker:
    """Queued by ``flush``/``close``: commit what came before, then signal ``done``."""

    stop: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def attempt_from_record(rec: UsageRecord) -> Attempt:
    """The database row of one record; the raw client key goes no further than this function.

    The api bucket follows the original: the client key (masked here), else the route
    (``"POST /v1/chat/completions"``), else the provider, else ``unknown``. A record counts as
    failed when flagged so or when its status is ≥ 400.
    """
    key = rec.client_key.strip()
    masked = mask_key(key) if key else ""
    api = masked or rec.route.strip() or rec.provider.strip() or "unknown"
    ts_ns = round(rec.timestamp * 1_000_000) * 1000  # microseconds: stable through float seconds
    total = normalise_total(
        rec.input_tokens, rec.output_tokens, rec.reasoning_tokens, rec.cached_tokens, rec.total_tokens
    )
    return Attempt(
        ts_ns=ts_ns,
        api=api,
        model=rec.requested_model.strip() or "unknown",
        client_key_id=client_key_id(key),
        client_key_masked=masked,
        provider=rec.provider,
        credential_id=rec.credential_id,
        credential_label=rec.credential_label,
        auth_index=rec.auth_index or auth_index_of(rec.credential_id),
        source=rec.source or rec.credential_label,
        upstream_model=rec.upstream_model,
        input_tokens=rec.input_tokens,
        output_tokens=rec.output_tokens,
        cached_tokens=rec.cached_tokens,
        reasoning_tokens=rec.reasoning_tokens,
        total_tokens=total,
        status=rec.status,
        failed=rec.failed or rec.status >= 400,
        stream=rec.stream,
        latency_ms=rec.latency_ms,
        ttft_ms=rec.ttft_ms,
    )


class UsageRecorder:
    """A ``UsageSink`` writing into ``store`` in batches; ``enabled`` mirrors usage-statistics-enabled.

    The recorder does not own the store: close the recorder first (it flushes), then the store.
    """

    def __init__(
        self, store: UsageStore, *, flush_interval: float = 1.0, max_batch: int = 500, enabled: bool = True
    ) -> None:
        if flush_interval <= 0 or max_batch < 1:
            raise ValueError("flush_interval must be > 0 and max_batch >= 1")
        self._store = store
        self._interval = flush_interval
        self._max_batch = max_batch
        self.enabled = enabled
        self._pending: deque[UsageRecord | _Marker] = deque()
        self._wake = threading.Event()
        self._idle = False  # the writer sleeps until woken (nothing pending, no batch open)
        self._closed = False
        self._close_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
        self._thread.start()

    def record(self, rec: UsageRecord) -> None:
        """The sink: queue ``rec`` (dropped while disabled or after ``close``)."""
        if self.enabled and not self._closed:
            pending = self._pending
            pending.append(rec)
            if self._idle or len(pending) >= self._max_batch:
                self._wake.set()

    __call__ = record

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every record queued before this call is committed; False on timeout."""
        marker = _Marker()
        with self._close_lock:  # the marker must be queued before close()'s stop marker
            queued = not self._closed and self._thread.is_alive()
            if queued:
                self._pending.append(marker)
                self._wake.set()
        if not queued:
            self._thread.join(timeout)  # close() flushes everything; wait for it to finish
            return not self._thread.is_alive()
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush everything queued, then stop the writer thread (idempotent)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._pending.append(_Marker(stop=True))
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        batch: list[UsageRecord] = []
        deadline = 0.0
        pending, wake = self._pending, self._wake
        while True:
            while pending:  # take everything queued, in order
                item = pending.popleft()
                if isinstance(item, _Marker):
                    batch = self._commit(batch)
                    item.done.set()
                    if item.stop:
                        return
                    continue
                if not batch:
                    deadline = time.monotonic() + self._interval
                batch.append(item)
                if len(batch) >= self._max_batch:
                    batch = self._commit(batch)
            if batch:  # an open batch: commit at its deadline, earlier when a full batch or marker waits
                wait = deadline - time.monotonic()
                if wait <= 0:
                    batch = self._commit(batch)
                    continue
                wake.wait(wait)
            else:  # nothing to do: sleep until record/flush/close wakes us
                self._idle = True
                if not pending:  # re-checked after raising the flag: a record in between is seen
                    wake.wait()
                self._idle = False
            wake.clear()  # a wake-up lost here is harmless: the loop drains the deque next

    def _commit(self, batch: list[UsageRecord]) -> list[UsageRecord]:
        """Write ``batch``; failures are logged (no values, so no secrets) and the batch dropped."""
        if not batch:
            return batch
        rows: list[Attempt] = []
        for rec in batch:
            try:
                rows.append(attempt_from_record(rec))
            except Exception as exc:  # a malformed record must not cost the rest of the batch
                log.warning("usage: dropped a malformed record (%s)", type(exc).__name__)
        try:
            self._store.insert(rows)
        except sqlite3.Error as exc:
            log.error("usage: could not write %d records to %s: %s", len(rows), self._store.path, exc)
        except Exception as exc:
            log.error(
                "usage: could not write %d records to %s (%s)",
                len(rows),
                self._store.path,
                type(exc).__name__,
            )
        return []
