"""Config values as the original's management JSON: ``GET /config`` and the list endpoints.

The original serialises its Go structs: nil lists become ``null``, ``host``, ``port``, ``auth-dir``
and ``remote-management`` are never included, and list entries leave out empty optional fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from server.config.edit import plain
from server.config.load import config_to_dict
from server.config.schema import Config
from server.jsontypes import JSON, JSONObject

__all__ = ["HIDDEN_KEYS", "config_json", "entries_json", "entry_json", "mapping_json"]

HIDDEN_KEYS = frozenset({"host", "port", "auth-dir", "remote-management"})
"""Top-level keys ``GET /config`` never shows."""

_NULL_WHEN_EMPTY = frozenset(
    {
        "api-keys",
        "gemini-api-key",
        "claude-api-key",
        "codex-api-key",
        "vertex-api-key",
        "openai-compatibility",
    }
)
_OMIT_WHEN_EMPTY = frozenset({"oauth-excluded-models", "oauth-model-alias"})
_ALWAYS = ("api-key", "base-url", "name")
"""Entry fields shown even when empty (the ones an entry is identified by)."""


def entry_json(entry: object) -> JSONObject:
    """One list entry: its set fields plus the identifying ones (``api-key``/``base-url``/``name``)."""
    out = plain(entry)
    assert isinstance(out, dict)
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        keys = {f.metadata.get("key"): f.name for f in dataclasses.fields(entry)}
        for key in _ALWAYS:
            if key in keys and key not in out:
                out[key] = getattr(entry, keys[key])
    return out


def entries_json(entries: Sequence[object]) -> JSON:
    """A list of entries, or ``null`` when empty (Go's nil slice)."""
    return [entry_json(e) for e in entries] or None


def mapping_json(value: Mapping[str, Sequence[object]]) -> JSONObject:
    """``oauth-excluded-models`` / ``oauth-model-alias``: channel → list."""
    return {key: [plain(item) for item in items] for key, items in value.items()}


def config_json(config: Config) -> JSONObject:
    """The body of ``GET /config``."""
    full = config_to_dict(config)
    out: JSONObject = {}
    for f in dataclasses.fields(Config):
        key = f.metadata.get("key")
        if not key or key in HIDDEN_KEYS:
            continue
        value = getattr(config, f.name)
        if key in _NULL_WHEN_EMPTY:
            out[key] = list(value) if key == "api-keys" and value else entries_json(value)
        elif key in _OMIT_WHEN_EMPTY:
            if value:
                out[key] = mapping_json(value)
        else:
            out[key] = full[key]
    return out
