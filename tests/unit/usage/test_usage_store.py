"""UsageStore: schema creation and migration, reopen, WAL, crash safety, key masking helpers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.usage.store import (
    SCHEMA_VERSION,
    Attempt,
    UsageStore,
    UsageStoreError,
    auth_index_of,
    client_key_id,
    mask_key,
    normalise_total,
)

REPO = Path(__file__).resolve().parents[3]


def _rows(n: int, start: int = 0) -> list[Attempt]:
    return [
        Attempt(ts_ns=(start + i) * 1_000_000_000, api="k...k", model="m", total_tokens=i) for i in range(n)
    ]


def _schema(path: Path) -> tuple[int, str, set[str]]:
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        names = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        }
    finally:
        conn.close()
    return version, mode, names


@pytest.mark.parametrize("existing", [None, b""], ids=["no-file", "empty-file-version-0"])
def test_opening_creates_the_schema(db_path: Path, existing: bytes | None) -> None:
    if existing is not None:
        db_path.parent.mkdir(parents=True)
        db_path.write_bytes(existing)
    with UsageStore(db_path) as store:
        assert store.version == SCHEMA_VERSION == 2
        assert store.count() == 0
    version, mode, names = _schema(db_path)
    assert version == SCHEMA_VERSION
    assert mode == "wal"
    assert {
        "attempts",
        "attempts_ts",
        "attempts_model_ts",
        "usage_hourly",
        "usage_quarterly",
        "usage_daily",
    } <= names


def test_reopen_is_idempotent_and_keeps_rows(db_path: Path) -> None:
    with UsageStore(db_path) as store:
        store.insert(_rows(5))
    for _ in range(2):
        with UsageStore(db_path) as store:
            assert store.version == SCHEMA_VERSION
            assert store.count() == 5
    assert _schema(db_path)[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    UsageStore(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(UsageStoreError, match=f"schema version {SCHEMA_VERSION + 1}"):
        UsageStore(db_path)


def test_a_file_that_is_not_sqlite_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database, just some text " * 200)
    with pytest.raises(UsageStoreError, match="cannot be opened"):
        UsageStore(db_path)


def test_a_closed_store_refuses_work(db_path: Path) -> None:
    store = UsageStore(db_path)
    store.close()
    store.close()  # idempotent
    with pytest.raises(UsageStoreError, match="closed"):
        store.insert(_rows(1))
    with pytest.raises(UsageStoreError, match="closed"):
        store.count()


def test_a_failed_write_transaction_leaves_nothing(store: UsageStore) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("DELETE FROM attempts")
        conn.executemany(
            "INSERT INTO attempts (ts, ts_ns, api, model) VALUES (?, ?, ?, ?)", [(1.0, 1, "a", "m")] * 3
        )
        raise RuntimeError("abort")
    assert store.count() == 0


def test_readers_see_a_snapshot_while_the_writer_commits(store: UsageStore) -> None:
    store.insert(_rows(3))
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 3
        store.insert(_rows(4, start=10))  # WAL: the writer is not blocked by the open reader
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 3
    assert store.count() == 7


_WRITER = """
import sys
from pathlib import Path
from server.usage.store import Attempt, UsageStore
store = UsageStore(Path(sys.argv[1]))
i = 0
while True:
    store.insert([Attempt(ts_ns=(i * 100 + j) * 10**9, api="a...b", model="m") for j in range(100)])
    i += 1
    if i == 20:
        print("committed", flush=True)
"""


def test_kill_9_during_writes_never_corrupts(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db_path)], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "committed"
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, possibly mid-transaction
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    with UsageStore(db_path) as store:
        with store.read() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = store.count()
    assert count >= 2000
    assert count % 100 == 0  # every batch is all or nothing


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("sk-abcdefghijklmnop", "sk-a...mnop"),
        ("abcdefgh", "ab...gh"),
        ("abcde", "ab...de"),
        ("abcd", "a...d"),
        ("abc", "a...c"),
        ("ab", "..."),
        ("sk-a...mnop", "sk-a...mnop"),
        ("a...d", "a...d"),
    ],
    ids=["long", "eight", "five", "four", "three", "two", "already-masked", "already-masked-short"],
)
def test_mask_key(key: str, masked: str) -> None:
    assert mask_key(key) == masked
    assert mask_key(masked) == masked


def test_client_key_id_is_a_short_stable_hash() -> None:
    kid = client_key_id("sk-secret")
    assert len(kid) == 8 and int(kid, 16) >= 0
    assert kid == client_key_id("sk-secret") != client_key_id("sk-other")
    assert client_key_id("") == ""


def test_auth_index_of_follows_the_original_id_form() -> None:
    import hashlib

    assert auth_index_of("cred-1") == hashlib.sha256(b"id:cred-1").hexdigest()[:16]
    assert auth_index_of("") == ""


@pytest.mark.parametrize(
    ("tokens", "total"),
    [
        ((10, 20, 5, 7, 99), 99),
        ((10, 20, 5, 7, 0), 35),
        ((0, 0, 0, 7, 0), 7),
        ((0, 0, 0, 0, 0), 0),
    ],
    ids=["upstream-total-kept", "sum-without-cached", "cached-only", "nothing"],
)
def test_normalise_total(tokens: tuple[int, int, int, int, int], total: int) -> None:
    assert normalise_total(*tokens) == total
