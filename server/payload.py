"""Payload rules: the config's edits of an upstream request body (default, override, filter).

Rules run in the order default → default-raw → override → override-raw → filter. A rule applies
when one of its ``models`` entries glob-matches (only ``*`` is special, case-sensitive) any of the
given model names (the requested and the upstream model) and, when the entry names a ``protocol``,
that protocol equals the caller's (an empty caller protocol is not compared). Paths are dotted
(``a.b.0.c``: numeric segments index arrays, ``-1`` appends, ``\\.`` is a literal dot); missing
intermediate containers are created as objects. Defaults only set paths absent from the original
body and the first default to set a path wins; overrides always set, so the last one wins.
``*-raw`` values are JSON text (a value that does not parse is skipped). The input body is never
mutated: containers on an edited path are copied on write.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence

from server.config.schema import Payload, PayloadModel, PayloadRule
from server.jsontypes import JSON, JSONObject
from server.routing.patterns import wildcard_match

__all__ = ["apply_payload_rules", "glob_match"]

_Path = tuple[str, ...]
_Container = dict[str, JSON] | list[JSON]


def glob_match(pattern: str, name: str) -> bool:
    """Case-sensitive glob where only ``*`` is special (``gpt-*``, ``*-5``, ``gemini-*-pro``, ``*``)."""
    return wildcard_match(pattern, name, case_sensitive=True)


def apply_payload_rules(
    body: JSONObject,
    payload: Payload,
    *,
    models: Sequence[str],
    protocol: str,
    root: str = "",
) -> JSONObject:
    """A new body with every matching rule of ``payload`` applied; ``root`` prefixes every path."""
    names = [name for name in models if name]

    def matching(rules: Sequence[PayloadRule]) -> list[PayloadRule]:
        return [rule for rule in rules if _matches(rule.models, names, protocol)]

    defaults, defaults_raw = matching(payload.default), matching(payload.default_raw)
    overrides, overrides_raw = matching(payload.override), matching(payload.override_raw)
    filters = [rule for rule in payload.filter if _matches(rule.models, names, protocol)]
    if not (defaults or defaults_raw or overrides or overrides_raw or filters):
        return dict(body)

    prefix = _split_path(root) if root else ()
    editor = _Editor(body)
    applied: set[_Path] = set()
    for rules, raw in ((defaults, False), (defaults_raw, True)):
        for path_text, value in _params(rules, raw):
            path = (*prefix, *_split_path(path_text))
            if path in applied or _exists(body, path):
                continue
            if editor.set(path, value):
                applied.add(path)
    for rules, raw in ((overrides, False), (overrides_raw, True)):
        for path_text, value in _params(rules, raw):
            editor.set((*prefix, *_split_path(path_text)), value)
    for rule in filters:
        for path_text in rule.params:
            if path_text:
                editor.delete((*prefix, *_split_path(path_text)))
    return editor.root


def _matches(entries: Sequence[PayloadModel], names: Sequence[str], protocol: str) -> bool:
    for entry in entries:
        if not entry.name:
            continue
        wanted = entry.protocol.strip().lower()
        if wanted and protocol and wanted != protocol.strip().lower():
            continue
        if any(glob_match(entry.name, name) for name in names):
            return True
    return False


def _params(rules: Sequence[PayloadRule], raw: bool) -> list[tuple[str, JSON]]:
    """``(path, value)`` pairs of ``rules`` in order; raw values parsed, unparsable ones skipped."""
    out: list[tuple[str, JSON]] = []
    for rule in rules:
        for path_text, value in rule.params.items():
            if not path_text:
                continue
            if not raw:
                out.append((path_text, copy.deepcopy(value)))
            elif isinstance(value, str | bytes | bytearray):
                try:
                    out.append((path_text, json.loads(value)))
                except ValueError:
                    continue
            elif value is not None:
                # YAML may already have decoded the JSON text into a value; take it as is.
                out.append((path_text, copy.deepcopy(value)))
    return out


def _split_path(text: str) -> _Path:
    """``a.b\\.c.0`` → ``("a", "b.c", "0")``."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return tuple(parts)


def _list_position(segment: str, length: int) -> int | None:
    if segment == "-1":
        return length
    return int(segment) if segment.isdigit() else None


def _exists(node: JSON, path: _Path) -> bool:
    for segment in path:
        if isinstance(node, dict):
            if segment not in node:
                return False
            node = node[segment]
        elif isinstance(node, list):
            position = _list_position(segment, len(node))
            if position is None or position >= len(node):
                return False
            node = node[position]
        else:
            return False
    return True


def _get(node: _Container, key: str | int) -> JSON:
    return node.get(str(key)) if isinstance(node, dict) else node[int(key)]


def _put(node: _Container, key: str | int, value: JSON) -> None:
    if isinstance(node, dict):
        node[str(key)] = value
    else:
        node[int(key)] = value


class _Editor:
    """Edits a copy of a body, copying each container on the edited path once (copy-on-write)."""

    def __init__(self, body: JSONObject) -> None:
        self.root: JSONObject = dict(body)
        self._owned: set[int] = {id(self.root)}

    def _adopt(self, container: _Container) -> _Container:
        self._owned.add(id(container))
        return container

    def _child(self, node: _Container, key: str | int, *, create: bool) -> _Container | None:
        """The container at ``node[key]``, copied if still shared with the input; maybe created."""
        current = _get(node, key)
        if isinstance(current, dict | list):
            if id(current) in self._owned:
                return current
            fresh = self._adopt(dict(current) if isinstance(current, dict) else list(current))
        elif create:
            fresh = self._adopt({})
        else:
            return None
        _put(node, key, fresh)
        return fresh

    def set(self, path: _Path, value: JSON) -> bool:
        """Set ``path`` to ``value``; False when an array is addressed with a non-numeric key."""
        node: _Container = self.root
        for depth, segment in enumerate(path):
            key: str | int = segment
            if isinstance(node, list):
                position = _list_position(segment, len(node))
                if position is None:
                    return False
                node.extend([None] * (position - len(node)))
                if position == len(node):
                    node.append(None)
                key = position
            if depth == len(path) - 1:
                _put(node, key, value)
                return True
            child = self._child(node, key, create=True)
            assert child is not None
            node = child
        return False

    def delete(self, path: _Path) -> None:
        """Remove ``path`` if it exists (an array element is removed, shifting the rest)."""
        if not _exists(self.root, path):
            return
        node: _Container = self.root
        for segment in path[:-1]:
            key: str | int = segment if isinstance(node, dict) else int(segment)
            child = self._child(node, key, create=False)
            if child is None:
                return
            node = child
        last = path[-1]
        if isinstance(node, dict):
            node.pop(last, None)
        else:
            del node[int(last)]
