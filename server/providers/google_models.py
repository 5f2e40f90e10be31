"""Model data of the Google account providers: the Gemini CLI catalogue and Antigravity's names.

Data lives in ``google_models.json`` (v6.6.0 registry facts): the static Gemini CLI list, the
Antigravity per-model overrides (thinking ranges, max output) and the Antigravity upstream ↔
client name table with the upstream ids that are never listed (providers.md §2.5, §3.4, §3.5).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from server.modelinfo import ModelInfo, ThinkingRange

__all__ = [
    "antigravity_client_name",
    "antigravity_default_models",
    "antigravity_model_info",
    "antigravity_upstream_name",
    "gemini_cli_models",
]


@dataclass(frozen=True, slots=True)
class _Data:
    gemini_cli: tuple[ModelInfo, ...]
    overrides: dict[str, dict[str, Any]]
    client_names: dict[str, str]
    upstream_names: dict[str, str]
    hidden: frozenset[str]
    until_fetched: tuple[str, ...]


@functools.cache
def _data() -> _Data:
    text = resources.files("server.providers").joinpath("google_models.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    antigravity: dict[str, Any] = raw["antigravity"]
    client_names: dict[str, str] = dict(antigravity["client_names"])
    return _Data(
        gemini_cli=tuple(_model_info(row) for row in raw["gemini-cli"]),
        overrides={k.lower(): v for k, v in antigravity["overrides"].items()},
        client_names={k.lower(): v for k, v in client_names.items()},
        upstream_names={v.lower(): k for k, v in client_names.items()},
        hidden=frozenset(name.lower() for name in antigravity["hidden"]),
        until_fetched=tuple(antigravity["until_fetched"]),
    )


def _thinking(raw: Any) -> ThinkingRange | None:
    return ThinkingRange(**raw) if isinstance(raw, dict) and raw else None


def _model_info(row: dict[str, Any]) -> ModelInfo:
    return ModelInfo(
        id=row["id"],
        owned_by=row.get("owned_by", ""),
        created=int(row.get("created", 0)),
        type=row.get("type", ""),
        display_name=row.get("display_name", ""),
        description=row.get("description", ""),
        version=row.get("version", ""),
        context_length=int(row.get("context_length", 0)),
        max_completion_tokens=int(row.get("max_completion_tokens", 0)),
        thinking=_thinking(row.get("thinking")),
        generation_methods=tuple(row.get("generation_methods", ("generateContent",))),
    )


def gemini_cli_models() -> list[ModelInfo]:
    """The static Gemini CLI catalogue (a fresh list of immutable entries)."""
    return list(_data().gemini_cli)


def antigravity_client_name(upstream: str) -> str | None:
    """The id clients see for an Antigravity upstream model; None for ids never listed."""
    data = _data()
    key = upstream.lower()
    if key in data.hidden:
        return None
    return data.client_names.get(key, upstream)


def antigravity_default_models() -> tuple[str, ...]:
    """Client ids an Antigravity account lists before its own model list has been fetched."""
    return _data().until_fetched


def antigravity_upstream_name(client: str) -> str:
    """The upstream id for a client-visible Antigravity model (unknown names pass unchanged)."""
    return _data().upstream_names.get(client.lower(), client)


def antigravity_model_info(client_id: str, display_name: str = "", created: int = 0) -> ModelInfo:
    """A listing entry for an Antigravity model, with the static thinking / output overrides."""
    override = _data().overrides.get(client_id.lower(), {})
    return ModelInfo(
        id=client_id,
        owned_by="antigravity",
        created=created,
        type="antigravity",
        display_name=display_name or client_id,
        max_completion_tokens=int(override.get("max_completion_tokens", 0)),
        thinking=_thinking(override.get("thinking")),
        generation_methods=("generateContent",),
    )
