"""CredentialStore: the account files in auth-dir, in the original's JSON format.

Only top-level ``*.json`` files count. A file that is empty, not JSON, not an object, without a string
``type``, or of a type no provider handles is reported (log, ``list_files`` status ``invalid``) and
skipped — never deleted or rewritten. Writes are atomic with mode 0600 (temp file + rename); a
write whose JSON equals the file's is skipped. ``"disabled": true`` at the top level disables a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from server.auth.accounts import account_provider, provider_key_for
from server.auth.timing import expires_at
from server.config.save import atomic_write, sweep_temp_files
from server.jsontypes import JSONObject

__all__ = ["AuthFileInfo", "CredentialStore", "FileProblem", "FileStatus", "StoredFile", "check_name"]

log = logging.getLogger(__name__)

_KEPT_ON_REFRESH = ("disabled", "priority")
"""Keys only the person sets: a refresh answer never overwrites them."""

FileStatus = Literal["active", "disabled", "refresh_failed", "invalid"]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A usable credential file: its name in auth-dir, its JSON and a digest of its bytes."""

    name: str
    data: JSONObject
    modified: float
    digest: str

    @property
    def type(self) -> str:
        return str(self.data.get("type", "")).strip().lower()

    @property
    def disabled(self) -> bool:
        return self.data.get("disabled") is True


@dataclass(frozen=True, slots=True)
class FileProblem:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class AuthFileInfo:
    """One file as the management API lists it."""

    name: str
    type: str
    provider: str
    email: str
    label: str
    size: int
    modified: float
    disabled: bool
    expires_at: float | None
    status: FileStatus
    last_error: str


def check_name(name: str) -> str:
    """``name`` if it is a plain ``*.json`` file name (no path parts); ValueError otherwise."""
    # ":" too: on Windows "C:x.json" is a path on drive C, outside auth-dir
    if not name or name != name.strip() or any(c in name for c in "/\\:\x00") or ".." in name:
        raise ValueError(f"invalid file name {name!r}")
    if not name.lower().endswith(".json") or name.startswith("."):
        raise ValueError(f"file name {name!r} must end with .json")
    return name


def _parse(raw: bytes) -> JSONObject:
    """The file's JSON object; ValueError naming what is wrong (never the content)."""
    if not raw.strip():
        raise ValueError("empty file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError('no "type" field')
    return data


class CredentialStore:
    """Reads and writes account files in one directory.

    ``refresh_error(name)`` (set by the runtime) gives a file's last refresh error for ``list_files``.
    """

    def __init__(self, directory: Path, *, refresh_error: Callable[[str], str] | None = None) -> None:
        self.directory = Path(directory)
        self.refresh_error = refresh_error or (lambda name: "")
        # one read-modify-write of a file at a time (set_disabled / set_priority / write_json)
        self._lock = threading.RLock()

    def path(self, name: str) -> Path:
        return self.directory / check_name(name)

    def ensure_dir(self) -> None:
        """Create auth-dir (0700) if missing; an existing file of that name is an error."""
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(f"auth-dir {self.directory} is not a directory")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix" and self.directory.stat().st_mode & 0o077:  # an older, wider dir
            with contextlib.suppress(OSError):
                os.chmod(self.directory, 0o700)

    def _names(self) -> list[str]:
        try:
            entries = list(self.directory.iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return []
        names = [p.name for p in entries if p.name.lower().endswith(".json") and not p.name.startswith(".")]
        return sorted((n for n in names if (self.directory / n).is_file()), key=str.lower)

    def scan(self) -> tuple[list[StoredFile], list[FileProblem]]:
        """Every usable file and every skipped one with its reason (problems are logged)."""
        files: list[StoredFile] = []
        problems: list[FileProblem] = []
        sweep_temp_files(self.directory)  # left by a write cut short by a crash
        for name in self._names():
            try:
                files.append(self.load(name))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                problems.append(FileProblem(name, str(exc)))
        for problem in problems:
            log.warning("auth file %s skipped: %s", problem.name, problem.reason)
        return files, problems

    def load(self, name: str) -> StoredFile:
        """One file; ValueError when it is malformed or of a type no provider handles."""
        path = self.path(name)
        raw = path.read_bytes()
        data = _parse(raw)
        kind = str(data["type"]).strip().lower()
        if account_provider(kind) is None:
            raise ValueError(f"unknown credential type {kind!r}")
        digest = hashlib.sha256(raw).hexdigest()
        return StoredFile(name, data, path.stat().st_mtime, digest)

    def read_bytes(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def write_bytes(self, name: str, data: bytes) -> None:
        """Save an uploaded file: it must be a JSON object with a ``type`` (ValueError otherwise)."""
        _parse(data)
        self.ensure_dir()
        atomic_write(self.path(name), data, mode=0o600)

    def write_json(self, name: str, data: JSONObject) -> bool:
        """Save ``data`` (2-space indented); False when the file already holds equal JSON."""
        with self._lock:
            return self._write_json(name, data)

    def _write_json(self, name: str, data: JSONObject) -> bool:
        path = self.path(name)
        try:
            if json.loads(path.read_bytes()) == data:
                return False
        except (OSError, ValueError):
            pass
        self.ensure_dir()
        atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode(), mode=0o600)
        return True

    def delete(self, name: str) -> bool:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            return False
        return True

    def delete_all(self) -> int:
        return sum(self.delete(name) for name in self._names())

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Persist ``"disabled": <bool>`` in the file (FileNotFoundError / ValueError as ``load``)."""
        self._set_key(name, "disabled", disabled)

    def set_priority(self, name: str, priority: int) -> None:
        """Persist ``"priority": <int>`` in the file (higher is preferred by routing; errors as ``load``)."""
        self._set_key(name, "priority", priority)

    def merge_refreshed(self, name: str, loaded: JSONObject, fresh: JSONObject) -> JSONObject:
        """Save a refresh's ``fresh`` keys over the file as it is now (``loaded`` if it cannot be read),
        under the store's lock: a ``disabled`` or ``priority`` set while the refresh ran is kept, and the
        refresh never changes those two. Returns what was saved."""
        with self._lock:
            try:
                current: JSONObject = dict(_parse(self.path(name).read_bytes()))
            except (OSError, ValueError):
                current = dict(loaded)
            merged: JSONObject = {**current, **fresh}
            for key in _KEPT_ON_REFRESH:
                if key in current:
                    merged[key] = current[key]
            self._write_json(name, merged)
            return merged

    def _set_key(self, name: str, key: str, value: bool | int) -> None:
        """Rewrite one top-level key atomically, keeping every other key, under the store's lock."""
        with self._lock:
            data = dict(_parse(self.path(name).read_bytes()))
            data[key] = value
            self.write_json(name, data)

    def list_files(self) -> list[AuthFileInfo]:
        """Every ``*.json`` in auth-dir, usable or not, sorted case-insensitively by name."""
        out: list[AuthFileInfo] = []
        for name in self._names():
            path = self.directory / name
            try:
                stat = path.stat()
                raw = path.read_bytes()
            except OSError:
                continue
            try:
                data = _parse(raw)
            except ValueError as exc:
                out.append(_invalid(name, stat.st_size, stat.st_mtime, str(exc)))
                continue
            kind = str(data["type"]).strip().lower()
            provider = account_provider(kind)
            email = data.get("email")
            email = email if isinstance(email, str) else ""
            key = provider_key_for(kind)
            disabled = data.get("disabled") is True
            error = "" if provider is not None else f"unknown credential type {kind!r}"
            refresh_error = self.refresh_error(name) if provider is not None else ""
            status: FileStatus = (
                "invalid"
                if provider is None
                else "disabled"
                if disabled
                else "refresh_failed"
                if refresh_error
                else "active"
            )
            out.append(
                AuthFileInfo(
                    name=name,
                    type=kind,
                    provider=key,
                    email=email,
                    label=email or key,
                    size=stat.st_size,
                    modified=stat.st_mtime,
                    disabled=disabled,
                    expires_at=expires_at(data, provider) if provider is not None else None,
                    status=status,
                    last_error=error or refresh_error,
                )
            )
        return out


def _invalid(name: str, size: int, modified: float, reason: str) -> AuthFileInfo:
    return AuthFileInfo(name, "", "", "", name, size, modified, False, None, "invalid", reason)
