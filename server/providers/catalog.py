"""Model catalogues: the built-in lists per provider and the list a credential's mappings give."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from importlib import resources
from typing import Any, Literal

from server.credential import Credential
from server.modelinfo import ModelInfo, ThinkingRange

__all__ = ["CatalogGroup", "builtin_models", "models_for", "upstream_model_for"]

CatalogGroup = Literal["claude", "codex", "gemini", "vertex"]
"""Built-in catalogues shipped in ``catalog_data.json`` (v6.6.0 model registry)."""


@functools.cache
def _catalog() -> dict[str, tuple[ModelInfo, ...]]:
    text = resources.files("server.providers").joinpath("catalog_data.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return {
        group: tuple(_model_info(row) for row in rows)
        for group, rows in raw.items()
        if not group.startswith("_")
    }


def _model_info(row: dict[str, Any]) -> ModelInfo:
    thinking = row.get("thinking")
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
        thinking=ThinkingRange(**thinking) if thinking else None,
        generation_methods=tuple(row.get("generation_methods", ("generateContent",))),
    )


def builtin_models(group: CatalogGroup) -> list[ModelInfo]:
    """The built-in catalogue of ``group`` (a fresh list; the entries are immutable)."""
    return list(_catalog()[group])


def models_for(
    credential: Credential, group: CatalogGroup | None, *, owned_by: str, type_: str
) -> list[ModelInfo]:
    """Models ``credential`` serves: its configured mappings, else the ``group`` catalogue.

    Mapped models are listed by alias (or name), de-duplicated case-insensitively (first wins).
    A mapping whose upstream name is in the catalogue keeps that entry's limits and thinking
    range; ``owned_by``/``type_`` label every mapped entry. ``group=None`` means "no catalogue"
    (OpenAI-compatible services serve exactly their mappings).
    """
    if not credential.models:
        return builtin_models(group) if group is not None else []
    known = {m.id.lower(): m for m in _catalog()[group]} if group is not None else {}
    seen: set[str] = set()
    out: list[ModelInfo] = []
    for mapping in credential.models:
        client_id = mapping.client_id
        if not client_id or client_id.lower() in seen:
            continue
        seen.add(client_id.lower())
        base = known.get(mapping.name.lower())
        if base is None:
            out.append(ModelInfo(id=client_id, owned_by=owned_by, type=type_, display_name=client_id))
        else:
            out.append(replace(base, id=client_id, owned_by=owned_by, type=type_))
    return out


def upstream_model_for(credential: Credential, client_model: str) -> str:
    """The upstream name for ``client_model`` under ``credential``'s mappings.

    An alias match wins (case-insensitive), then a name match (returning the configured
    spelling); a model no mapping mentions is returned unchanged.
    """
    wanted = client_model.lower()
    for mapping in credential.models:
        if mapping.alias and mapping.alias.lower() == wanted:
            return mapping.name
    for mapping in credential.models:
        if mapping.name.lower() == wanted:
            return mapping.name
    return client_model
