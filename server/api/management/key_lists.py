"""``/api-keys`` and the provider key lists (gemini, claude, codex, vertex, openai-compatibility).

Lists are replaced by ``PUT`` (a JSON array or ``{"items": [...]}``), edited by ``PATCH`` (by
``index`` or by key value; a value is merged into the entry, a blank ``api-key``/``base-url`` where
the original says so deletes it) and trimmed by ``DELETE`` (``?index=`` or ``?api-key=``/``?name=``).
Entries are checked and cleaned by the config loader itself, so errors name the exact key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, json_body, ok, query_index, route
from server.api.management.render import entries_json
from server.config.edit import plain
from server.config.load import ConfigError, parse_config
from server.config.schema import Config
from server.jsontypes import JSON

__all__ = ["KEY_LISTS", "KeyList", "key_list_routes"]


@dataclass(frozen=True, slots=True)
class KeyList:
    """How one provider list is matched and edited (server.md §3.4)."""

    key: str
    attribute: str
    match_field: str = "api-key"
    """The entry field PATCH ``match`` and DELETE ``?<field>=`` compare with (exactly)."""
    patch_param: str = "match"
    blank_deletes: str = ""
    """A PATCH value with this field blank deletes the entry."""
    absent_is_404: bool = False
    """DELETE by value answers 404 when nothing matched (else 200)."""


KEY_LISTS: tuple[KeyList, ...] = (
    KeyList("gemini-api-key", "gemini_api_key", blank_deletes="api-key", absent_is_404=True),
    KeyList("claude-api-key", "claude_api_key"),
    KeyList("codex-api-key", "codex_api_key", blank_deletes="base-url"),
    KeyList("vertex-api-key", "vertex_api_key", blank_deletes="api-key", absent_is_404=True),
    KeyList("openai-compatibility", "openai_compatibility", "name", "name", blank_deletes="base-url"),
)


def _items(body: JSON, what: str, *, allow_empty_items: bool = True) -> list[JSON]:
    """A PUT body: a raw array or ``{"items": [...]}``."""
    if isinstance(body, list):
        return body
    items = body.get("items") if isinstance(body, dict) else None
    if isinstance(items, list) and (items or allow_empty_items):
        return items
    raise ApiError(400, f'invalid body: {what} expects a JSON array or {{"items": [...]}} with items')


def _with(config: Config, attribute: str, value: object) -> Config:
    """``config`` with one top-level field (named by attribute) replaced."""
    changes: dict[str, Any] = {attribute: value}
    return dataclasses.replace(config, **changes)


def _update(attribute: str, value: object) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        return _with(config, attribute, value)

    return change


# -- api-keys -------------------------------------------------------------------------------------


async def get_api_keys(request: Request, m: Management) -> Response:
    keys = m.service.config.api_keys
    return JSONResponse({"api-keys": list(keys) if keys else None})


async def put_api_keys(request: Request, m: Management) -> Response:
    items = _items(await json_body(request), "api-keys", allow_empty_items=False)
    if not all(isinstance(item, str) for item in items):
        raise ApiError(400, "invalid body: api-keys must be a list of strings")
    await m.editor.edit(_update("api_keys", tuple(items)))
    return ok()


async def patch_api_keys(request: Request, m: Management) -> Response:
    body = await json_body(request)
    body = body if isinstance(body, dict) else {}
    index, value, old, new = body.get("index"), body.get("value"), body.get("old"), body.get("new")

    def change(config: Config) -> Config:
        keys = list(config.api_keys)
        if isinstance(index, int) and not isinstance(index, bool) and isinstance(value, str):
            if not 0 <= index < len(keys):
                raise ApiError(400, f"invalid index: {index} is outside api-keys (0..{len(keys) - 1})")
            keys[index] = value
        elif isinstance(old, str) and isinstance(new, str):
            if old in keys:
                keys[keys.index(old)] = new
            else:
                keys.append(new)
        else:
            raise ApiError(400, 'missing fields: api-keys PATCH needs {"index", "value"} or {"old", "new"}')
        return dataclasses.replace(config, api_keys=tuple(keys))

    await m.editor.edit(change)
    return ok()


async def delete_api_keys(request: Request, m: Management) -> Response:
    index = query_index(request)
    value = request.query_params.get("value")

    def change(config: Config) -> Config:
        keys = list(config.api_keys)
        if index is not None:
            if not 0 <= index < len(keys):
                raise ApiError(400, f"invalid index: {index} is outside api-keys")
            del keys[index]
        elif value is not None:
            keys = [k for k in keys if k.strip() != value.strip()]
        else:
            raise ApiError(400, "missing index or value")
        return dataclasses.replace(config, api_keys=tuple(keys))

    await m.editor.edit(change)
    return ok()


# -- provider lists -------------------------------------------------------------------------------


def _parse_entries(spec: KeyList, items: list[JSON]) -> tuple[object, ...]:
    """Entries checked and cleaned by the loader; 400 naming the bad key otherwise."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(400, f"invalid body: {spec.key}[{i}] must be an object")
    try:
        parsed = parse_config({spec.key: items})
    except ConfigError as exc:
        raise ApiError(400, f"{exc.where}: {exc.problem}") from None
    entries: tuple[object, ...] = getattr(parsed, spec.attribute)
    return entries


def _identity(entry: object, spec: KeyList) -> str:
    value = plain(entry)
    found = value.get(spec.match_field, "") if isinstance(value, dict) else ""
    return found if isinstance(found, str) else ""


def _list_handlers(spec: KeyList) -> list[BaseRoute]:
    async def get(request: Request, m: Management) -> Response:
        return JSONResponse({spec.key: entries_json(getattr(m.service.config, spec.attribute))})

    async def put(request: Request, m: Management) -> Response:
        entries = _parse_entries(spec, _items(await json_body(request), spec.key))
        await m.editor.edit(_update(spec.attribute, entries))
        return ok()

    async def patch(request: Request, m: Management) -> Response:
        body = await json_body(request)
        body = body if isinstance(body, dict) else {}
        value, index, match = body.get("value"), body.get("index"), body.get(spec.patch_param)
        if not isinstance(value, dict):
            raise ApiError(400, f'invalid body: {spec.key} PATCH needs "value" as an object')
        if not (isinstance(index, int) and not isinstance(index, bool)) and not isinstance(match, str):
            raise ApiError(400, f'invalid body: {spec.key} PATCH needs "index" or "{spec.patch_param}"')

        def change(config: Config) -> Config:
            entries = list(getattr(config, spec.attribute))
            if isinstance(index, int) and not isinstance(index, bool):
                at = index if 0 <= index < len(entries) else None
            else:
                at = next((i for i, e in enumerate(entries) if _identity(e, spec) == match), None)
            if at is None:
                raise ApiError(404, "item not found")
            blank = spec.blank_deletes
            if blank and blank in value and not str(value[blank] or "").strip():
                del entries[at]
            else:
                merged = {**_as_dict(plain(entries[at])), **value}
                entries[at : at + 1] = _parse_entries(spec, [merged])
            return _with(config, spec.attribute, tuple(entries))

        await m.editor.edit(change)
        return ok()

    async def delete(request: Request, m: Management) -> Response:
        index = query_index(request)
        value = request.query_params.get(spec.match_field)

        def change(config: Config) -> Config:
            entries = list(getattr(config, spec.attribute))
            if index is not None:
                if not 0 <= index < len(entries):
                    raise ApiError(404, "item not found")
                del entries[index]
            elif value is not None:
                kept = [e for e in entries if _identity(e, spec) != value]
                if len(kept) == len(entries) and spec.absent_is_404:
                    raise ApiError(404, "item not found")
                entries = kept
            else:
                raise ApiError(400, f"missing {spec.match_field} or index")
            return _with(config, spec.attribute, tuple(entries))

        await m.editor.edit(change)
        return ok()

    suffix = spec.attribute
    get.__name__, put.__name__ = f"get_{suffix}", f"put_{suffix}"
    patch.__name__, delete.__name__ = f"patch_{suffix}", f"delete_{suffix}"
    path = "/" + spec.key
    return [
        route(path, get, ["GET"]),
        route(path, put, ["PUT"]),
        route(path, patch, ["PATCH"]),
        route(path, delete, ["DELETE"]),
    ]


def _as_dict(value: object) -> dict[str, JSON]:
    return dict(value) if isinstance(value, dict) else {}


def key_list_routes() -> list[BaseRoute]:
    return [
        route("/api-keys", get_api_keys, ["GET"]),
        route("/api-keys", put_api_keys, ["PUT"]),
        route("/api-keys", patch_api_keys, ["PATCH"]),
        route("/api-keys", delete_api_keys, ["DELETE"]),
        *(r for spec in KEY_LISTS for r in _list_handlers(spec)),
    ]
