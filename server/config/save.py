"""Writing files safely: atomic replace, and config.yaml saves that keep the user's own keys and order."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import yaml

from server.config.load import LEGACY_KEYS
from server.config.schema import Config

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["atomic_write", "save_config", "sweep_temp_files"]

#: YAML keys that identify a list item when new items are matched to the file's items (first present wins).
_IDENTITY = ("name", "alias", "api-key")


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that readers see either the old or the new content, never a mix.

    Writes a temp file in the same directory, flushes and fsyncs it, sets ``mode``, renames it over
    ``path`` and fsyncs the directory where the OS allows it. The temp file is removed on any error, so a
    failure (or a crash before the rename) leaves the old file intact. If ``path`` is a symlink, the
    file it points to is replaced and the link is kept.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    sweep_temp_files(target.parent, target.name)
    prefix = f".{target.name}.{os.getpid()}."
    fd, temp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_directory(target.parent)


def sweep_temp_files(directory: Path, name: str | None = None) -> int:
    """Remove the temp files ``atomic_write`` left behind in ``directory`` when its process was killed.

    A temp file is ``.<target>.<pid>.<random>.tmp``; it is removed when that process is gone (a live
    writer's file is never touched), or on Windows, where a pid cannot be probed, when it is over an
    hour old. ``name`` limits the sweep to one target. Returns the number removed; never raises.
    """
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        parts = entry.name[:-4].rsplit(".", 2) if entry.name.endswith(".tmp") else []
        if len(parts) != 3 or not parts[0].startswith(".") or not parts[1].isdigit():
            continue
        if name is not None and parts[0] != f".{name}":
            continue
        if _writer_alive(int(parts[1]), entry):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _writer_alive(pid: int, entry: os.DirEntry[str]) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        try:
            return time.time() - entry.stat().st_mtime < 3600
        except OSError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; not possible on Windows (directories cannot be opened there)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Dumper(yaml.SafeDumper):
    """Block-style YAML with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def save_config(cfg: Config, path: Path) -> None:
    """Write ``cfg`` to ``path`` (mode 0600, atomically), merged into the file that is already there.

    The existing document keeps its key order and every key the schema does not know, at the top level
    and inside nested sections and list items (items are re-matched by ``name``/``alias``/``api-key``,
    else by position when the list length is unchanged). Keys the file lacks are added only when their
    value differs from the schema default. Legacy keys that loading migrated are dropped. Comments are
    lost: PyYAML does not keep them. An unreadable existing file is replaced.
    """
    document = _merge_record(_read_mapping(path), cfg)
    text: str = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096
    )
    atomic_write(path, text.encode("utf-8"), mode=0o600)


def _read_mapping(path: Path) -> Mapping[object, object]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, Mapping) else {}


@cache
def _default(cls: type) -> object:
    return cls()


def _is_record(value: object) -> TypeGuard[DataclassInstance]:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _keys(record: DataclassInstance) -> dict[object, str]:
    """YAML key -> attribute name of a schema record (``Config.extra`` has no key)."""
    return {f.metadata["key"]: f.name for f in dataclasses.fields(record) if f.metadata.get("key")}


def _merge(old: object, new: object) -> object:
    """The YAML form of ``new``, reusing ``old`` (the file's value at the same place) where it can."""
    if _is_record(new):
        return _merge_record(old if isinstance(old, Mapping) else {}, new)
    if isinstance(new, tuple) and new and all(_is_record(item) for item in new):
        return _merge_items(old, new)
    if isinstance(new, Mapping):
        olds = old if isinstance(old, Mapping) else {}
        out = {key: _merge(olds[key], new[key]) for key in olds if key in new}
        out.update((key, _merge(None, value)) for key, value in new.items() if key not in out)
        return out
    if isinstance(new, list | tuple):
        return [_merge(None, item) for item in new]
    return new


def _merge_record(old: Mapping[object, object], record: DataclassInstance) -> dict[object, object]:
    """A schema record merged into the file's mapping for it (unknown keys kept in place)."""
    default = _default(type(record))
    keys = _keys(record)
    legacy = LEGACY_KEYS.get(type(record), frozenset())
    extra: Mapping[str, object] = record.extra if isinstance(record, Config) else {}
    out: dict[object, object] = {}
    for key, old_value in old.items():
        name = keys.get(key)
        if name is not None:
            value = getattr(record, name)
            keep_null = old_value is None and value == getattr(default, name)
            out[key] = None if keep_null else _merge(old_value, value)
        elif str(key) in extra:
            out[key] = _merge(old_value, extra[str(key)])
        elif key not in legacy:
            out[key] = old_value
    for key, name in keys.items():
        value = getattr(record, name)
        if key not in out and value != getattr(default, name):
            out[key] = _merge(None, value)
    written = {str(key) for key in out}
    out.update((key, _merge(None, value)) for key, value in extra.items() if key not in written)
    return out


def _record_identity(record: DataclassInstance) -> tuple[str, str] | None:
    """(YAML key, value) of the first identity field that is set in a record."""
    keys = _keys(record)
    for key in _IDENTITY:
        value = getattr(record, keys[key]) if key in keys else None
        if isinstance(value, str) and value.strip():
            return key, value.strip()
    return None


def _raw_identity(mapping: Mapping[object, object], key: str) -> str:
    value = mapping.get(key)
    return "" if value is None or isinstance(value, Mapping | list) else str(value).strip()


def _merge_items(old: object, items: tuple[DataclassInstance, ...]) -> list[object]:
    """A list of records merged item by item into the file's list of mappings; surplus items go."""
    olds = [o if isinstance(o, Mapping) else None for o in old] if isinstance(old, list) else []
    pairs: list[Mapping[object, object] | None] = [None] * len(items)
    used: set[int] = set()
    for i, item in enumerate(items):
        ident = _record_identity(item)
        for j, candidate in enumerate(olds):
            if ident and j not in used and candidate and _raw_identity(candidate, ident[0]) == ident[1]:
                pairs[i] = candidate
                used.add(j)
                break
    if len(olds) == len(items):  # an edit in place: unmatched items keep their position's extra keys
        for i, candidate in enumerate(olds):
            if pairs[i] is None and i not in used and candidate is not None:
                pairs[i] = candidate
                used.add(i)
    return [_merge_record(pairs[i] or {}, item) for i, item in enumerate(items)]
