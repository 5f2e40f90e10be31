"""Changing config.yaml while the server runs: read, change, validate, save atomically, make live.

Every management write goes through one ``ConfigEditor`` per service, under an asyncio lock, so two
writes cannot lose each other's changes, and it always starts from the file as it is now (a hand
edit made a moment ago is kept). Only the keys that changed are rewritten in the file's text: the
rest of the file - comments, order, quoting, unknown keys - stays byte for byte, and a scalar keeps
its trailing comment. When the text cannot be edited that way (flow-style sections, anchors, legacy
keys), the whole document is re-rendered by ``save_config`` (keys kept, comments lost).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Protocol
from weakref import WeakKeyDictionary

import yaml

from server.config.load import LEGACY_KEYS, ConfigError, config_to_dict, parse_config
from server.config.save import atomic_write, save_config
from server.config.schema import Config

__all__ = [
    "ConfigEditor",
    "ConfigTarget",
    "EditError",
    "config_lock",
    "normalised",
    "plain",
    "render_changes",
    "splice",
]

_KEY_LINE = re.compile(
    r"""^(?P<indent>[ ]*)(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:,\[\]{}&*!|>%@`][^:#]*?)"""
    r"""[ \t]*:(?=[ \t]|\r?$)"""
)


class EditError(Exception):
    """A change that cannot be made; ``status`` is the HTTP status the management API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ConfigTarget(Protocol):
    """What the editor changes: the service's config file and its live config."""

    @property
    def config_path(self) -> Path | None: ...

    @property
    def config(self) -> Config: ...

    def apply_config(self, config: Config) -> None: ...


@cache
def _default(cls: type) -> object:
    return cls()


def plain(value: object) -> object:
    """The YAML form of a schema value, leaving out record fields that hold their default."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        default = _default(type(value))
        return {
            f.metadata["key"]: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("key") and getattr(value, f.name) != getattr(default, f.name)
        }
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


# -- editing the text ---------------------------------------------------------------------------


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_of(match: re.Match[str]) -> str:
    key = match["key"]
    if key.startswith('"'):
        loaded = yaml.safe_load(key)
        return str(loaded)
    if key.startswith("'"):
        return key[1:-1].replace("''", "'")
    return key


def _find(lines: list[str], start: int, end: int, indent: int, key: str) -> int | None:
    for i in range(start, end):
        line = lines[i]
        if not _is_content(line) or _indent(line) != indent:
            continue
        match = _KEY_LINE.match(line)
        if match and _key_of(match) == key:
            return i
    return None


def _block_end(lines: list[str], i: int, indent: int, end: int) -> int:
    """One past the last content line of the value of the key on line ``i``."""
    last = i
    for k in range(i + 1, end):
        line = lines[k]
        if not _is_content(line):
            continue
        depth = _indent(line)
        if depth > indent or (depth == indent and re.match(r"-(\s|$)", line[depth:])):
            last = k
        else:
            break
    return last + 1


def _scalar_text(value: object) -> str | None:
    """A one-line YAML scalar (strings double-quoted), or None for collections."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):  # JSON strings are valid YAML double-quoted scalars
        return json.dumps(value, ensure_ascii=not value.isprintable())
    if value is None:
        return "null"
    if isinstance(value, list | tuple | Mapping) and not value:
        return "[]" if isinstance(value, list | tuple) else "{}"
    return None


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _entry_lines(key_text: str, value: object, indent: int, comment: str = "") -> list[str]:
    pad = " " * indent
    scalar = _scalar_text(value)
    if scalar is not None:
        return [f"{pad}{key_text}: {scalar}{comment}\n"]
    body: str = yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
    return [f"{pad}{key_text}:\n", *(f"{pad}  {line}\n" for line in body.splitlines())]


def _trailing_comment(line: str, match: re.Match[str]) -> str:
    """The ``  # ...`` after a one-line scalar value, or ""."""
    rest = line[match.end() :].rstrip("\r\n")
    i, n = 0, len(rest)
    while i < n and rest[i] in " \t":
        i += 1
    if i < n and rest[i] in "\"'":
        quote, i = rest[i], i + 1
        while i < n:
            if rest[i] == "\\" and quote == '"':
                i += 2
                continue
            if rest[i] == quote:
                if quote == "'" and i + 1 < n and rest[i + 1] == "'":
                    i += 2
                    continue
                break
            i += 1
    at = re.search(r"[ \t]+#", rest[i:])
    return rest[i + at.start() :] if at else ""


def splice(text: str, path: tuple[str, ...], value: object) -> str | None:
    """``text`` with the value at the YAML key ``path`` replaced by ``value`` (added when missing).

    Returns None when the document's layout does not allow a safe text edit (the caller re-renders).
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start, end, indent = 0, len(lines), 0
    for depth, key in enumerate(path):
        i = _find(lines, start, end, indent, key)
        if i is None:
            nested: object = value
            for inner in reversed(path[depth + 1 :]):
                nested = {inner: nested}
            at = end if depth else len(lines)
            if depth:  # after the parent's last content line
                at = max((k + 1 for k in range(start, end) if _is_content(lines[k])), default=start)
            lines[at:at] = _entry_lines(_yaml_key(key), nested, indent)
            return "".join(lines)
        match = _KEY_LINE.match(lines[i])
        assert match is not None
        j = _block_end(lines, i, indent, end)
        rest = lines[i][match.end() :].rstrip("\r\n")
        comment = _trailing_comment(lines[i], match)
        inline = rest[: len(rest) - len(comment)].strip()
        if depth == len(path) - 1:
            if inline[:1] in ("&", "*", "!"):
                return None  # anchors, aliases and tags: leave them to the full re-render
            one_line = j == i + 1 and inline[:1] not in ("|", ">") and _scalar_text(value) is not None
            lines[i:j] = _entry_lines(match["key"], value, indent, comment if one_line else "")
            return "".join(lines)
        children = [k for k in range(i + 1, j) if _is_content(lines[k])]
        if not children or _indent(lines[children[0]]) <= indent or inline:
            return None
        start, end, indent = i + 1, j, _indent(lines[children[0]])
    return None


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*", key) else _scalar_text(key) or key


def _changes(old: object, new: object, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], object]]:
    """(YAML key path, new plain value) of every changed field, descending into sections."""
    assert dataclasses.is_dataclass(new) and not isinstance(new, type)
    out: list[tuple[tuple[str, ...], object]] = []
    for f in dataclasses.fields(new):
        key = f.metadata.get("key")
        before, after = getattr(old, f.name), getattr(new, f.name)
        if not key or before == after:
            continue
        if dataclasses.is_dataclass(after) and not isinstance(after, type):
            out.extend(_changes(before, after, (*path, key)))
        else:
            out.append(((*path, key), plain(after)))
    return out


def render_changes(text: str, old: Config, new: Config) -> str | None:
    """``text`` edited so that it loads as ``new`` (it loads as ``old`` now), or None if it cannot be."""
    if old.extra != new.extra:
        return None
    try:
        document = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        return None
    if not isinstance(document, Mapping) or LEGACY_KEYS[Config] & set(map(str, document)):
        return None
    for path, value in _changes(old, new, ()):
        edited = splice(text, path, value)
        if edited is None and len(path) > 1:
            edited = splice(text, path[:1], plain(getattr(new, _attribute(path[0]))))
        if edited is None:
            return None
        text = edited
    try:
        check = parse_config(yaml.safe_load(text) or {})
    except (yaml.YAMLError, ConfigError):
        return None
    return text if check == new else None


@cache
def _attribute(key: str) -> str:
    return next(f.name for f in dataclasses.fields(Config) if f.metadata.get("key") == key)


def normalised(config: Config) -> Config:
    """``config`` as it will be after a save and a load (loader clean-ups applied); ConfigError if invalid."""
    return parse_config(config_to_dict(config))


# -- the editor ---------------------------------------------------------------------------------


_LOCKS: WeakKeyDictionary[object, asyncio.Lock] = WeakKeyDictionary()


def config_lock(target: object) -> asyncio.Lock:
    """The one lock of ``target``'s config file: hold it from reading the file to applying the result.

    ``ConfigEditor`` holds it for every write; the file watcher should hold it while it reads, loads
    and applies the file, so that it cannot apply an older version over a management write.
    """
    lock = _LOCKS.get(target)
    if lock is None:
        lock = _LOCKS[target] = asyncio.Lock()
    return lock


class ConfigEditor:
    """Serialises config writes for one service and makes each one live as soon as it is saved."""

    def __init__(self, target: ConfigTarget) -> None:
        self._target = target
        self._lock = config_lock(target)

    @property
    def lock(self) -> asyncio.Lock:
        return self._lock

    async def edit(self, change: Callable[[Config], Config], *, apply: bool = True) -> Config:
        """Apply ``change`` to the config in the file, save, make it live; returns the new config.

        ``change`` may raise (EditError or the caller's own errors pass through). An invalid result
        raises EditError 400 naming the key; a file that cannot be read or written raises EditError
        500; in both cases neither the file nor the live config changed. ``apply=False`` only
        writes the file (the caller updates the live config itself).
        """
        async with self._lock:
            path = self._target.config_path
            text, current = await self._read(path)
            candidate = change(current)
            try:
                new = normalised(candidate)
            except ConfigError as exc:
                raise EditError(400, f"{exc.where}: {exc.problem}" if exc.where else exc.problem) from None
            if new == current:
                if apply and current != self._target.config:
                    self._target.apply_config(current)
                return current
            if path is not None:
                await self._save(path, text, current, new)
            if apply:
                self._target.apply_config(new)
            return new

    async def replace_text(self, body: str) -> tuple[Config, Config]:
        """Write ``body`` verbatim as the config file and make it live; returns (old, new) configs.

        Raises ConfigError (with the YAML problem or the bad key) before anything is written.
        """
        data = yaml.safe_load(body) if body.strip() else {}
        new = parse_config({} if data is None else data, source="config.yaml")
        async with self._lock:
            old = self._target.config
            path = self._target.config_path
            if path is not None:
                try:
                    await asyncio.to_thread(atomic_write, path, body.encode("utf-8"))
                except OSError as exc:
                    raise EditError(500, f"failed to write config: {exc.strerror or exc}") from None
            self._target.apply_config(new)
            return old, new

    async def _read(self, path: Path | None) -> tuple[str, Config]:
        if path is None:
            return "", self._target.config
        try:
            text = await asyncio.to_thread(_read_text, path)
        except OSError as exc:
            raise EditError(500, f"failed to save config: cannot read it: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise EditError(500, "failed to save config: the file is not UTF-8 text") from None
        try:
            data = yaml.safe_load(text) if text.strip() else {}
            return text, parse_config({} if data is None else data, source=path.name)
        except yaml.YAMLError as exc:
            raise EditError(500, f"failed to save config: {path.name} is not valid YAML ({exc})") from None
        except ConfigError as exc:
            raise EditError(500, f"failed to save config: {exc}") from None

    async def _save(self, path: Path, text: str, current: Config, new: Config) -> None:
        edited = render_changes(text, current, new)
        try:
            if edited is not None:
                await asyncio.to_thread(atomic_write, path, edited.encode("utf-8"))
            else:
                await asyncio.to_thread(save_config, new, path)
        except OSError as exc:
            raise EditError(500, f"failed to save config: {exc.strerror or exc}") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return ""
