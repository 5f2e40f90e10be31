"""UsageRecorder: batching off the request path, flush/close, the enabled switch, failures, key hygiene."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from server.usage.queries import UsageQueries
from server.usage.record import UsageRecord
from server.usage.recorder import UsageRecorder, attempt_from_record
from server.usage.store import Attempt, UsageStore, auth_index_of, client_key_id

ALL = (0.0, float("inf"))

MakeRecord = Callable[..., UsageRecord]  # the make_record fixture (conftest.py)


@pytest.fixture
def recorder(store: UsageStore) -> Iterator[UsageRecorder]:
    r = UsageRecorder(store, flush_interval=60.0, max_batch=10_000)
    yield r
    r.close()


def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_recorded_attempts_are_counted_exactly(
    store: UsageStore, recorder: UsageRecorder, make_record: MakeRecord
) -> None:
    plan = [  # (key, model, credential, input, output, failed)
        ("key-one-0000001", "gpt-5", "cred-a", 100, 10, False),
        ("key-one-0000001", "gpt-5", "cred-b", 50, 5, True),
        ("key-two-0000002", "gpt-5", "cred-a", 7, 3, False),
        ("key-two-0000002", "claude-sonnet-4", "cred-c", 1000, 1, False),
    ] * 25
    for i, (key, model, cred, inp, out, failed) in enumerate(plan):
        recorder.record(
            make_record(
                timestamp=1_700_000_000.0 + i,
                client_key=key,
                requested_model=model,
                credential_id=cred,
                credential_label=f"label {cred}",
                input_tokens=inp,
                output_tokens=out,
                failed=failed,
                status=500 if failed else 200,
            )
        )
    assert recorder.flush(timeout=10)
    q = UsageQueries(store)
    t = q.totals(*ALL)
    assert (t.requests, t.success, t.failure) == (100, 75, 25)
    assert (t.input_tokens, t.output_tokens, t.total_tokens) == (28_925, 475, 29_400)
    by_model = {g.key: (g.totals.requests, g.totals.total_tokens) for g in q.grouped(*ALL, "model")}
    assert by_model == {"gpt-5": (75, 4_375), "claude-sonnet-4": (25, 25_025)}
    by_cred = {g.key: (g.label, g.totals.requests, g.totals.failure) for g in q.grouped(*ALL, "credential")}
    assert by_cred == {
        "cred-a": ("label cred-a", 50, 0),
        "cred-b": ("label cred-b", 25, 25),
        "cred-c": ("label cred-c", 25, 0),
    }
    by_key = {g.key: (g.label, g.totals.total_tokens) for g in q.grouped(*ALL, "client_key")}
    assert by_key == {
        client_key_id("key-one-0000001"): ("key-...0001", 4_125),
        client_key_id("key-two-0000002"): ("key-...0002", 25_275),
    }


def test_rows_survive_reopening_the_file(db_path: Path, make_record: MakeRecord) -> None:
    store = UsageStore(db_path)
    recorder = UsageRecorder(store)
    for i in range(7):
        recorder.record(make_record(timestamp=1_700_000_000.0 + i))
    recorder.close()
    store.close()
    with UsageStore(db_path) as again:
        t = UsageQueries(again).totals(*ALL)
    assert (t.requests, t.total_tokens) == (7, 210)


def test_the_raw_client_key_never_reaches_the_file(
    db_path: Path, store: UsageStore, make_record: MakeRecord, raw_key: str
) -> None:
    recorder = UsageRecorder(store)
    for i in range(50):
        recorder.record(make_record(timestamp=1_700_000_000.0 + i, client_key=raw_key))
    assert recorder.flush(timeout=10)

    def leaked() -> list[str]:
        return [p.name for p in db_path.parent.iterdir() if raw_key.encode() in p.read_bytes()]

    assert leaked() == []  # database and WAL while open
    recorder.close()
    store.close()
    assert leaked() == []  # after the checkpoint on close


def test_many_threads_record_concurrently(store: UsageStore, make_record: MakeRecord) -> None:
    recorder = UsageRecorder(store, flush_interval=0.01, max_batch=64)
    threads_n, per_thread = 8, 400
    start = threading.Barrier(threads_n)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            recorder.record(make_record(timestamp=1_700_000_000.0 + i, credential_id=f"cred-{n}"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.close()
    q = UsageQueries(store)
    assert q.totals(*ALL).requests == threads_n * per_thread
    assert {g.key: g.totals.requests for g in q.grouped(*ALL, "credential")} == {
        f"cred-{n}": per_thread for n in range(threads_n)
    }


def test_close_flushes_everything_queued(store: UsageStore, make_record: MakeRecord) -> None:
    recorder = UsageRecorder(store, flush_interval=3600.0, max_batch=1_000_000)
    for i in range(1234):
        recorder.record(make_record(timestamp=1_700_000_000.0 + i))
    recorder.close()
    recorder.close()  # idempotent
    assert store.count() == 1234
    recorder.record(make_record())  # after close: dropped, no error
    assert recorder.flush(timeout=1)
    assert store.count() == 1234


def test_a_full_batch_is_written_without_waiting(store: UsageStore, make_record: MakeRecord) -> None:
    recorder = UsageRecorder(store, flush_interval=3600.0, max_batch=10)
    for i in range(25):
        recorder.record(make_record(timestamp=1_700_000_000.0 + i))
    _eventually(lambda: store.count() == 20)
    assert recorder.flush(timeout=10)
    assert store.count() == 25
    recorder.close()


def test_a_partial_batch_is_written_after_the_interval(store: UsageStore, make_record: MakeRecord) -> None:
    recorder = UsageRecorder(store, flush_interval=0.05, max_batch=1000)
    for i in range(3):
        recorder.record(make_record(timestamp=1_700_000_000.0 + i))
    _eventually(lambda: store.count() == 3)
    recorder.close()


def test_disabled_recorder_drops_until_switched_on(
    store: UsageStore, recorder: UsageRecorder, make_record: MakeRecord
) -> None:
    recorder.enabled = False
    recorder.record(make_record())
    assert recorder.flush(timeout=10)
    assert store.count() == 0
    recorder.enabled = True  # no restart
    recorder.record(make_record())
    recorder(make_record(timestamp=1_700_000_001.0))  # the recorder itself is a UsageSink
    assert recorder.flush(timeout=10)
    assert store.count() == 2


class _FailingOnce(UsageStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.failures = 1

    def insert(self, attempts: Sequence[Attempt]) -> None:
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("disk I/O error")
        super().insert(attempts)


def test_a_write_failure_is_logged_and_the_writer_carries_on(
    db_path: Path, make_record: MakeRecord, raw_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = _FailingOnce(db_path)
    recorder = UsageRecorder(store)
    with caplog.at_level(logging.ERROR, logger="server.usage.recorder"):
        recorder.record(make_record(client_key=raw_key))
        assert recorder.flush(timeout=10)
    assert "could not write 1 records" in caplog.text
    assert "disk I/O error" in caplog.text
    assert raw_key not in caplog.text
    recorder.record(make_record(client_key=raw_key))
    recorder.close()
    assert store.count() == 1
    store.close()


def test_constructor_rejects_nonsense(store: UsageStore) -> None:
    with pytest.raises(ValueError):
        UsageRecorder(store, flush_interval=0)
    with pytest.raises(ValueError):
        UsageRecorder(store, max_batch=0)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"api": "sk-r...cdef", "client_key_masked": "sk-r...cdef", "model": "claude-sonnet-4"}),
        ({"client_key": "", "route": "POST /v1/messages"}, {"api": "POST /v1/messages", "client_key_id": ""}),
        ({"client_key": "", "route": ""}, {"api": "claude", "client_key_masked": ""}),
        ({"client_key": " ", "provider": ""}, {"api": "unknown"}),
        ({"requested_model": " "}, {"model": "unknown"}),
        ({"status": 502}, {"failed": True, "status": 502}),
        ({"status": 200, "failed": True}, {"failed": True}),
        ({"input_tokens": 3, "output_tokens": 4, "reasoning_tokens": 5}, {"total_tokens": 12}),
        ({"input_tokens": 0, "output_tokens": 0, "cached_tokens": 9}, {"total_tokens": 9}),
        ({"total_tokens": 77}, {"total_tokens": 77}),
        ({}, {"auth_index": auth_index_of("claude:apikey:abc123"), "source": "claude key …wxyz"}),
        (
            {"auth_index": "00ff", "source": "me@example.com"},
            {"auth_index": "00ff", "source": "me@example.com"},
        ),
        ({"timestamp": 1_700_000_000.1234567}, {"ts_ns": 1_700_000_000_123_457_000}),
        ({"ttft_ms": 42, "stream": True}, {"ttft_ms": 42, "stream": True}),
    ],
    ids=[
        "key-bucket-is-masked",
        "no-key-uses-route",
        "no-key-no-route-uses-provider",
        "nothing-is-unknown",
        "blank-model-is-unknown",
        "status-500-fails",
        "flag-fails",
        "total-from-parts",
        "total-from-cached",
        "upstream-total-kept",
        "auth-index-and-source-defaults",
        "auth-index-and-source-given",
        "microsecond-time",
        "stream-fields",
    ],
)
def test_attempt_from_record(
    make_record: MakeRecord, overrides: dict[str, object], expected: dict[str, object]
) -> None:
    row = attempt_from_record(make_record(**overrides))
    assert {name: getattr(row, name) for name in expected} == expected


def test_attempt_keeps_no_raw_key(make_record: MakeRecord, raw_key: str) -> None:
    row: Attempt = attempt_from_record(make_record(client_key=raw_key))
    assert all(raw_key not in str(getattr(row, f)) for f in row.__slots__)
    assert row.client_key_id == client_key_id(raw_key)


def test_record_is_cheap_and_does_not_touch_the_disk(
    store: UsageStore, recorder: UsageRecorder, make_record: MakeRecord
) -> None:
    rec: UsageRecord = make_record()
    with store.write():  # the database is locked for writing: record() must still return at once
        for _ in range(1000):
            recorder.record(rec)
    assert recorder.flush(timeout=10)
    assert store.count() == 1000
