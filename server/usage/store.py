"""The usage database: SQLite schema, forward migrations, connections and the attempt row.

``attempts`` holds one row per upstream attempt; ``usage_quarterly`` / ``usage_hourly`` /
``usage_daily`` (schema 2, server.usage.rollup) its aggregates per UTC quarter hour, hour and day,
maintained by ``insert_into`` in the same transaction. Time is kept twice: ``ts`` (Unix seconds,
float, indexed) for range queries and ``ts_ns`` (integer nanoseconds) so that exported timestamps,
and with them the import dedup identity, survive a round trip exactly. The raw client key is never
stored: only ``client_key_id`` (first 8 hex of its SHA-256) and the masked display form, which is
also the snapshot's api bucket (``api``).

Writes go through one connection under a lock (``write()``, one ``BEGIN IMMEDIATE`` transaction);
reads borrow a pooled connection (``read()``), which WAL lets run beside the writer. A killed
process leaves at most an uncommitted transaction behind, never a corrupt file.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from types import TracebackType

from server.usage.rollup import MIGRATION as ROLLUP_MIGRATION
from server.usage.rollup import add_to_rollups

__all__ = [
    "SCHEMA_VERSION",
    "Attempt",
    "UsageStore",
    "UsageStoreError",
    "auth_index_of",
    "client_key_id",
    "insert_into",
    "mask_key",
    "normalise_total",
]


class UsageStoreError(Exception):
    """The usage database cannot be opened (not SQLite, or written by a newer version)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One row of ``attempts``, in column order (``id`` excluded)."""

    ts_ns: int
    api: str
    model: str
    client_key_id: str = ""
    client_key_masked: str = ""
    provider: str = ""
    credential_id: str = ""
    credential_label: str = ""
    auth_index: str = ""
    source: str = ""
    upstream_model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    status: int = 0
    failed: bool = False
    stream: bool = False
    latency_ms: int = 0
    ttft_ms: int = 0

    @property
    def ts(self) -> float:
        """Unix seconds; always derived from ``ts_ns`` the same way so equality lookups hit."""
        return self.ts_ns / 1e9


_FIELDS = tuple(f.name for f in fields(Attempt))
_COLUMNS = ("ts", *_FIELDS)
_values = attrgetter(*_FIELDS)

_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: the attempts table and its indexes
    (
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            ts_ns INTEGER NOT NULL,
            api TEXT NOT NULL,
            model TEXT NOT NULL,
            client_key_id TEXT NOT NULL DEFAULT '',
            client_key_masked TEXT NOT NULL DEFAULT '',
            provider TEXT NOT NULL DEFAULT '',
            credential_id TEXT NOT NULL DEFAULT '',
            credential_label TEXT NOT NULL DEFAULT '',
            auth_index TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            upstream_model TEXT NOT NULL DEFAULT '',
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            reasoning_tokens INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            status INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            stream INTEGER NOT NULL DEFAULT 0,
            latency_ms INTEGER NOT NULL DEFAULT 0,
            ttft_ms INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX attempts_ts ON attempts (ts)",
        "CREATE INDEX attempts_model_ts ON attempts (model, ts)",
    ),
    # 1 -> 2: the rollup tables, built from the existing rows
    ROLLUP_MIGRATION,
)

SCHEMA_VERSION = len(_MIGRATIONS)
"""The ``PRAGMA user_version`` this code writes."""

_INSERT = f"INSERT INTO attempts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_MASKED = re.compile(r"^.{0,4}\.\.\..{0,4}$", re.DOTALL)


def client_key_id(key: str) -> str:
    """A stable, non-secret id of a client key: the first 8 hex of its SHA-256 ("" for no key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8] if key else ""


def mask_key(key: str) -> str:
    """The original's display form: first/last 4 (>8 chars), 2 (5-8), 1 (3-4) around ``...``.

    A value that already has the masked shape is returned unchanged, so masking is idempotent.
    """
    if _MASKED.match(key):
        return key
    n = len(key)
    keep = 4 if n > 8 else 2 if n > 4 else 1 if n > 2 else 0
    return f"{key[:keep]}...{key[n - keep :] if keep else ''}"


def auth_index_of(credential_id: str) -> str:
    """The original's string ``auth_index`` for a credential known by id ("" for no id)."""
    return hashlib.sha256(f"id:{credential_id}".encode()).hexdigest()[:16] if credential_id else ""


def normalise_total(
    input_tokens: int, output_tokens: int, reasoning_tokens: int, cached: int, total: int
) -> int:
    """The original's rule: no total ⇒ input + output + reasoning, and if still 0, plus cached."""
    if total:
        return total
    total = input_tokens + output_tokens + reasoning_tokens
    return total if total else cached


class UsageStore:
    """The SQLite usage database at ``path`` (created and migrated on open)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self._writer = self._connect()
        except sqlite3.DatabaseError as exc:
            raise UsageStoreError(f"usage database {self._path} cannot be opened: {exc}") from exc
        try:
            mode = self._writer.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise UsageStoreError(f"usage database {self._path} cannot use WAL (journal mode {mode})")
            self._version = self._migrate()
        except sqlite3.DatabaseError as exc:
            self._writer.close()
            raise UsageStoreError(f"usage database {self._path} cannot be opened: {exc}") from exc
        except BaseException:
            self._writer.close()
            raise

    @property
    def path(self) -> Path:
        return self._path

    @property
    def version(self) -> int:
        """The schema version of the open database."""
        return self._version

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; every write is an explicit BEGIN IMMEDIATE.
        conn = sqlite3.connect(self._path, timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self) -> int:
        conn = self._writer
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise UsageStoreError(
                f"usage database {self._path} has schema version {version}; "
                f"this build knows up to {SCHEMA_VERSION}"
            )
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # another process may have migrated meanwhile: re-read under the write lock
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if current == version:
                    for statement in _MIGRATIONS[version]:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                    current = version + 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            version = current
        return version

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (committed on success, rolled back on error)."""
        with self._write_lock:
            self._check_open()
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A connection inside one read transaction: all queries see the same snapshot."""
        self._check_open()
        with self._pool_lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")
        finally:
            with self._pool_lock:
                if self._closed:
                    conn.close()
                else:
                    self._idle.append(conn)

    def insert(self, attempts: Sequence[Attempt]) -> None:
        """Append rows in one transaction."""
        if not attempts:
            return
        with self.write() as conn:
            insert_into(conn, attempts)

    def count(self) -> int:
        """Number of stored attempts."""
        with self.read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])

    def _check_open(self) -> None:
        if self._closed:
            raise UsageStoreError(f"usage database {self._path} is closed")

    def close(self) -> None:
        """Close every connection; the last one checkpoints the WAL into the main file."""
        with self._write_lock, self._pool_lock:
            if self._closed:
                return
            self._closed = True
            for conn in self._idle:
                conn.close()
            self._idle.clear()
            self._writer.close()

    def __enter__(self) -> UsageStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def insert_into(conn: sqlite3.Connection, attempts: Sequence[Attempt]) -> None:
    """``executemany`` of ``attempts`` on ``conn`` and their rollups (inside the caller's transaction)."""
    conn.executemany(_INSERT, [(a.ts, *_values(a)) for a in attempts])
    add_to_rollups(conn, attempts)
