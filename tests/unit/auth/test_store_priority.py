"""CredentialStore.set_priority and merge_refreshed: one key rewritten, every other kept, and a token
refresh's write-back never loses a priority or disabled flag set while it ran."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from server.auth.store import CredentialStore
from tests.unit.auth.original_files import write_original_files

NAME = "codex-cx@example.com.json"


@pytest.fixture
def auth_dir(tmp_path: Path) -> Path:
    return tmp_path / "auths"


def _read(auth_dir: Path, name: str = NAME) -> dict[str, object]:
    return dict(json.loads((auth_dir / name).read_bytes()))


@pytest.mark.parametrize("priority", [5, -7, 0], ids=["positive", "negative", "zero"])
def test_set_priority_keeps_every_other_key(auth_dir: Path, priority: int) -> None:
    originals = write_original_files(auth_dir)
    CredentialStore(auth_dir).set_priority(NAME, priority)
    assert _read(auth_dir) == {**originals[NAME], "priority": priority}


def test_set_priority_errors_like_load(auth_dir: Path) -> None:
    write_original_files(auth_dir)
    (auth_dir / "broken.json").write_text("[1]")
    store = CredentialStore(auth_dir)
    with pytest.raises(FileNotFoundError):
        store.set_priority("missing.json", 1)
    with pytest.raises(ValueError, match="not a JSON object"):
        store.set_priority("broken.json", 1)
    assert (auth_dir / "broken.json").read_text() == "[1]"  # never rewritten


def test_a_refresh_write_back_keeps_a_priority_set_meanwhile(auth_dir: Path) -> None:
    originals = write_original_files(auth_dir)
    store = CredentialStore(auth_dir)
    loaded = store.load(NAME).data  # the refresh read the file ...
    store.set_priority(NAME, 9)  # ... the person set a priority and disabled it while it ran ...
    store.set_disabled(NAME, True)
    fresh = {"access_token": "new-at", "priority": 1, "disabled": False}  # a refresh never sets these
    merged = store.merge_refreshed(NAME, loaded, fresh)
    expected = {**originals[NAME], "access_token": "new-at", "priority": 9, "disabled": True}
    assert merged == expected and _read(auth_dir) == expected


def test_a_refresh_of_a_file_gone_meanwhile_writes_what_it_loaded(auth_dir: Path) -> None:
    originals = write_original_files(auth_dir)
    store = CredentialStore(auth_dir)
    loaded = store.load(NAME).data
    (auth_dir / NAME).unlink()
    store.merge_refreshed(NAME, loaded, {"access_token": "new-at"})
    assert _read(auth_dir) == {**originals[NAME], "access_token": "new-at"}


def test_concurrent_priority_and_refresh_writes_lose_nothing(auth_dir: Path) -> None:
    write_original_files(auth_dir)
    store = CredentialStore(auth_dir)
    loaded = store.load(NAME).data
    start = threading.Barrier(2)

    def priorities() -> None:
        start.wait()
        for value in range(1, 41):
            store.set_priority(NAME, value)

    def refreshes() -> None:
        start.wait()
        for n in range(40):
            store.merge_refreshed(NAME, loaded, {"access_token": f"at-{n}"})

    threads = [threading.Thread(target=priorities), threading.Thread(target=refreshes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = _read(auth_dir)
    assert (final["priority"], final["access_token"]) == (40, "at-39")
