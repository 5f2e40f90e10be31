"""CredentialStore: original-format files read, bad ones reported and kept, atomic 0600 writes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from server.auth.store import CredentialStore, check_name
from tests.unit.auth.original_files import BAD_FILES, write_bad_files, write_original_files


@pytest.fixture
def auth_dir(tmp_path: Path) -> Path:
    return tmp_path / "auths"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_scan_reads_every_type_and_reports_bad_files_without_touching_them(auth_dir: Path) -> None:
    originals = write_original_files(auth_dir)
    write_bad_files(auth_dir)
    before = snapshot(auth_dir)
    files, problems = CredentialStore(auth_dir).scan()
    assert {f.name for f in files} == set(originals)
    assert {f.name: f.data for f in files} == originals
    reasons = {p.name: p.reason for p in problems}
    assert reasons == {
        "broken.json": "not valid JSON",
        "empty.json": "empty file",
        "no-type.json": 'no "type" field',
        "list.json": "not a JSON object",
        "kimi-unknown.json": "unknown credential type 'kimi'",
    }
    assert snapshot(auth_dir) == before


def test_list_files_shows_every_json_with_its_status(auth_dir: Path) -> None:
    write_original_files(auth_dir)
    write_bad_files(auth_dir)
    store = CredentialStore(
        auth_dir, refresh_error=lambda name: "revoked" if name.startswith("claude") else ""
    )
    store.set_disabled("qwen-myalias.json", True)
    listed = {info.name: info for info in store.list_files()}
    assert set(listed) == set(BAD_FILES) | {n for n in os.listdir(auth_dir) if n.endswith(".json")}
    assert "notes.txt" not in listed
    assert [i.name for i in store.list_files()] == sorted(listed, key=str.lower)
    claude = listed["claude-cl@example.com.json"]
    assert (claude.status, claude.last_error, claude.provider, claude.email) == (
        "refresh_failed",
        "revoked",
        "claude",
        "cl@example.com",
    )
    assert claude.expires_at == pytest.approx(4070908800.0)
    assert listed["qwen-myalias.json"].status == "disabled"
    assert listed["gem@example.com-proj-one.json"].provider == "gemini-cli"
    assert listed["codex-cx@example.com.json"].status == "active"
    assert (listed["broken.json"].status, listed["broken.json"].last_error) == ("invalid", "not valid JSON")
    assert listed["kimi-unknown.json"].status == "invalid"


def test_write_json_is_atomic_private_and_skips_equal_content(auth_dir: Path) -> None:
    store = CredentialStore(auth_dir)
    assert store.write_json("claude-a.json", {"type": "claude", "email": "a"}) is True
    path = auth_dir / "claude-a.json"
    if sys.platform != "win32":
        assert path.stat().st_mode & 0o777 == 0o600
        assert auth_dir.stat().st_mode & 0o777 == 0o700
    modified = path.stat().st_mtime_ns
    assert store.write_json("claude-a.json", {"email": "a", "type": "claude"}) is False
    assert path.stat().st_mtime_ns == modified
    assert json.loads(path.read_bytes()) == {"type": "claude", "email": "a"}
    assert [p.name for p in auth_dir.iterdir()] == ["claude-a.json"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"{}", "type"), (b"nope", "JSON"), (b"[]", "object"), (b"", "empty")],
    ids=["no-type", "not-json", "array", "empty"],
)
def test_write_bytes_validates(auth_dir: Path, data: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        CredentialStore(auth_dir).write_bytes("x.json", data)
    assert not (auth_dir / "x.json").exists()


def test_delete_and_delete_all(auth_dir: Path) -> None:
    write_original_files(auth_dir)
    (auth_dir / "notes.txt").write_text("keep", encoding="utf-8")
    store = CredentialStore(auth_dir)
    assert store.delete("claude-cl@example.com.json") is True
    assert store.delete("claude-cl@example.com.json") is False
    assert store.delete_all() == 7
    assert [p.name for p in auth_dir.iterdir()] == ["notes.txt"]


def test_set_disabled_keeps_every_other_key(auth_dir: Path) -> None:
    originals = write_original_files(auth_dir)
    store = CredentialStore(auth_dir)
    store.set_disabled("codex-cx@example.com.json", True)
    data = json.loads((auth_dir / "codex-cx@example.com.json").read_bytes())
    assert data == {**originals["codex-cx@example.com.json"], "disabled": True}
    assert store.load("codex-cx@example.com.json").disabled is True
    store.set_disabled("codex-cx@example.com.json", False)
    assert store.load("codex-cx@example.com.json").disabled is False
    with pytest.raises(FileNotFoundError):
        store.set_disabled("missing.json", True)


@pytest.mark.parametrize(
    "name",
    ["", "../x.json", "a/b.json", "a\\b.json", "x.txt", ".hidden.json", " x.json", "x..json", "a\x00.json"],
    ids=["empty", "dotdot", "slash", "backslash", "not-json", "hidden", "space", "double-dot", "nul"],
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        check_name(name)


def test_a_missing_directory_is_empty(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "nowhere")
    assert store.scan() == ([], [])
    assert store.list_files() == []
