"""The log directory: reading the main log after a cutoff, clearing it, error logs, the size cap."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.logfiles import LogFiles, check_name, rotated_name


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


BASE = 1_760_000_000.0  # local-time stamps are written and parsed the same way


@pytest.fixture
def files(tmp_path: Path) -> LogFiles:
    """A log dir with one rotated main log and the active one, three seconds of lines in all."""
    directory = tmp_path / "logs"
    directory.mkdir()
    (directory / "main-2025-01-01T00-00-00.000.log").write_text(
        f"[{_stamp(BASE)}] [--------] [info ] [a] first\n", encoding="utf-8"
    )
    (directory / "main.log").write_text(
        f"[{_stamp(BASE + 1)}] [--------] [info ] [a] second\n"
        "Traceback (most recent call last):\n"
        f"[{_stamp(BASE + 2)}] [--------] [warn ] [a] third\n",
        encoding="utf-8",
    )
    return LogFiles(directory, enabled=True)


@pytest.mark.parametrize(
    ("after", "limit", "lines", "latest"),
    [
        (None, 0, ["first", "second", "Traceback (most recent call last):", "third"], BASE + 2),
        (None, 2, ["Traceback (most recent call last):", "third"], BASE + 2),
        (BASE, 0, ["second", "Traceback (most recent call last):", "third"], BASE + 2),
        (BASE + 1, 0, ["third"], BASE + 2),
        (BASE + 2, 0, [], BASE + 2),
        (BASE + 99, 0, [], BASE + 99),
    ],
    ids=[
        "all",
        "limit-keeps-the-last",
        "after-first",
        "continuation-follows-its-line",
        "none-newer",
        "cutoff",
    ],
)
def test_main_log_lines(
    files: LogFiles, after: float | None, limit: int, lines: list[str], latest: float
) -> None:
    got, newest = files.main_log_lines(after, limit)
    assert [line.rsplit("] ", 1)[-1] for line in got] == lines
    assert newest == latest


def test_read_main_log_counts_every_scanned_line(files: LogFiles) -> None:
    assert files.read_main_log(BASE + 1).line_count == 4


def test_rotated_files_come_before_the_active_one(files: LogFiles) -> None:
    assert [p.name for p in files.main_log_files()] == ["main-2025-01-01T00-00-00.000.log", "main.log"]


def test_rotated_name_is_the_original_shape() -> None:
    stamp = datetime(2025, 12, 11, 10, 15, 0, 123456, tzinfo=UTC)
    assert rotated_name(stamp) == "main-2025-12-11T10-15-00.123.log"


def test_clear_truncates_main_and_deletes_rotated(files: LogFiles) -> None:
    assert files.clear_main_logs() == 1
    assert [p.name for p in files.main_log_files()] == ["main.log"]
    assert files.main_log.read_bytes() == b""


def test_clear_without_a_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LogFiles(tmp_path / "missing").clear_main_logs()


def test_missing_directory_reads_as_empty(tmp_path: Path) -> None:
    files = LogFiles(tmp_path / "missing")
    assert files.main_log_lines(None, 0) == ([], 0.0)
    assert files.request_error_logs() == []


def _age(path: Path, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def test_error_logs_newest_first_and_pruned(tmp_path: Path) -> None:
    files = LogFiles(tmp_path)
    for i in range(5):
        path = files.write_error_log(f"v1-messages-2025-01-01T00000{i}-0000000{i}.log", f"log {i}", keep=0)
        _age(path, 100 - i)
    files.write_log("v1-messages-2025-01-01T000009-00000009.log", "a full request log")
    names = [info.name for info in files.request_error_logs()]
    assert names == [f"error-v1-messages-2025-01-01T00000{i}-0000000{i}.log" for i in (4, 3, 2, 1, 0)]
    assert files.prune_error_logs(2) == 3
    assert [info.name for info in files.request_error_logs()] == names[:2]
    assert files.read_error_log(names[0]) == b"log 4"


def test_written_logs_are_private(tmp_path: Path) -> None:
    path = LogFiles(tmp_path / "new").write_log("x.log", "text")
    assert path.read_text(encoding="utf-8") == "text"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_log_appears_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = LogFiles(tmp_path)
    seen: list[list[str]] = []
    real_fdopen = os.fdopen

    def fdopen_and_look(fd: int, *args: object, **kwargs: object) -> object:
        seen.append(sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".log"))
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen_and_look)
    files.write_log("v1-messages-2025-01-01T000009-00000009.log", "the whole request log")
    assert seen == [[]]  # while it was being written, no .log file was there to list or read
    assert [p.name for p in tmp_path.iterdir()] == ["v1-messages-2025-01-01T000009-00000009.log"]

    def broken_write(fd: int, *args: object, **kwargs: object) -> object:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fdopen", broken_write)
    with pytest.raises(OSError, match="disk full"):
        files.write_log("v1-messages-2025-01-01T000010-0000000a.log", "lost")
    assert [p.name for p in tmp_path.iterdir()] == ["v1-messages-2025-01-01T000009-00000009.log"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("../main.log", ValueError),
        ("error-a/b.log", ValueError),
        ("error-a\\b.log", ValueError),
        ("error-..log", ValueError),
        ("", ValueError),
        ("main.log", FileNotFoundError),
        ("error-missing.log", FileNotFoundError),
    ],
    ids=["parent", "slash", "backslash", "dots", "empty", "not-an-error-log", "missing"],
)
def test_read_error_log_refuses_bad_names(tmp_path: Path, name: str, error: type[Exception]) -> None:
    (tmp_path / "main.log").write_text("secretless", encoding="utf-8")
    with pytest.raises(error):
        LogFiles(tmp_path).read_error_log(name)


def test_check_name_passes_plain_names() -> None:
    assert check_name("error-v1-chat-completions-2025-01-01T000000-abcdef12.log").startswith("error-")


def test_find_request_log_by_id(tmp_path: Path) -> None:
    files = LogFiles(tmp_path)
    files.write_log("v1-responses-2025-01-01T000000-abcdef12.log", "x")
    found = files.find_request_log("abcdef12")
    assert found is not None and found.name == "v1-responses-2025-01-01T000000-abcdef12.log"
    assert files.find_request_log("00000000") is None
    with pytest.raises(ValueError):
        files.find_request_log("../x")


def test_size_cap_deletes_oldest_but_never_main(tmp_path: Path) -> None:
    files = LogFiles(tmp_path)
    sizes = {"main.log": 400, "old.log": 300, "older.log.gz": 300, "new.log": 300, "notes.txt": 5000}
    ages = {"main.log": 500, "old.log": 50, "older.log.gz": 60, "new.log": 1, "notes.txt": 999}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
        _age(tmp_path / name, ages[name])
    assert files.enforce_total_size(0) == 0
    assert files.enforce_total_size(800) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.log", "new.log", "notes.txt"]
