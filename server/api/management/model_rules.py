"""Per-channel model rules for accounts: ``/oauth-excluded-models``, ``/oauth-model-alias``, and Amp's
``/ampcode`` with its ``/ampcode/model-mappings``.

Both channel maps are ``{channel: [...]}``: ``PUT`` replaces the map (raw or ``{"items": {...}}``),
``PATCH`` sets one channel (an empty list removes it) and ``DELETE ?provider=`` / ``?channel=``
removes one. Values are checked and normalised by the config loader (lower-cased channels, …).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, json_body, ok, route
from server.api.management.render import mapping_json
from server.config.edit import plain
from server.config.load import ConfigError, parse_config
from server.config.schema import Config
from server.jsontypes import JSON, JSONObject

__all__ = ["model_rule_routes"]

_EXCLUDED = "oauth-excluded-models"
_ALIAS = "oauth-model-alias"


def _parsed(key: str, value: JSON) -> Config:
    try:
        return parse_config({key: value})
    except ConfigError as exc:
        raise ApiError(400, f"{exc.where}: {exc.problem}") from None


def _replace(**changes: object) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        return dataclasses.replace(config, **changes)  # type: ignore[arg-type]

    return change


def _map_body(body: JSON, key: str) -> JSONObject:
    if isinstance(body, dict) and isinstance(body.get("items"), dict):
        items: JSONObject = body["items"]
        return items
    if isinstance(body, dict) and "items" not in body:
        return body
    raise ApiError(400, f'invalid body: {key} expects an object {{channel: [...]}} or {{"items": {{...}}}}')


# -- oauth-excluded-models --------------------------------------------------------------------------


async def get_excluded(request: Request, m: Management) -> Response:
    return JSONResponse({_EXCLUDED: mapping_json(m.service.config.oauth_excluded_models)})


async def put_excluded(request: Request, m: Management) -> Response:
    value = _parsed(_EXCLUDED, _map_body(await json_body(request), _EXCLUDED)).oauth_excluded_models
    await m.editor.edit(_replace(oauth_excluded_models=value))
    return ok()


async def patch_excluded(request: Request, m: Management) -> Response:
    body = await json_body(request)
    provider = body.get("provider") if isinstance(body, dict) else None
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(provider, str) or not provider.strip():
        raise ApiError(400, 'invalid body: "provider" is required')
    if models is not None and not isinstance(models, list):
        raise ApiError(400, 'invalid body: "models" must be a list of model patterns')
    key = provider.strip().lower()
    patterns = _parsed(_EXCLUDED, {key: models or []}).oauth_excluded_models.get(key, ())

    await m.editor.edit(_set_entry("oauth_excluded_models", key, patterns, "provider not found"))
    return ok()


async def delete_excluded(request: Request, m: Management) -> Response:
    provider = request.query_params.get("provider", "").strip().lower()
    if not provider:
        raise ApiError(400, "missing provider")

    await m.editor.edit(_set_entry("oauth_excluded_models", provider, (), "provider not found"))
    return ok()


# -- oauth-model-alias ------------------------------------------------------------------------------


async def get_alias(request: Request, m: Management) -> Response:
    return JSONResponse({_ALIAS: mapping_json(m.service.config.oauth_model_alias)})


async def put_alias(request: Request, m: Management) -> Response:
    value = _parsed(_ALIAS, _map_body(await json_body(request), _ALIAS)).oauth_model_alias
    await m.editor.edit(_replace(oauth_model_alias=value))
    return ok()


async def patch_alias(request: Request, m: Management) -> Response:
    body = await json_body(request)
    body = body if isinstance(body, dict) else {}
    channel = body.get("channel", body.get("provider"))
    aliases = body.get("aliases")
    if not isinstance(channel, str) or not channel.strip():
        raise ApiError(400, 'invalid body: "channel" is required')
    if aliases is not None and not isinstance(aliases, list):
        raise ApiError(400, 'invalid body: "aliases" must be a list of {name, alias, fork}')
    key = channel.strip().lower()
    entries = _parsed(_ALIAS, {key: aliases or []}).oauth_model_alias.get(key, ())

    await m.editor.edit(_set_entry("oauth_model_alias", key, entries, "channel not found"))
    return ok()


async def delete_alias(request: Request, m: Management) -> Response:
    params = request.query_params
    channel = (params.get("channel") or params.get("provider") or "").strip().lower()
    if not channel:
        raise ApiError(400, "missing channel")

    await m.editor.edit(_set_entry("oauth_model_alias", channel, (), "channel not found"))
    return ok()


def _set_entry(field: str, key: str, value: tuple[Any, ...], missing: str) -> Callable[[Config], Config]:
    """A config change setting ``key`` of the map ``field`` to ``value``; an empty value removes the
    key (404 ``missing`` when it was not there)."""

    def change(config: Config) -> Config:
        current: dict[str, Any] = dict(getattr(config, field))
        if value:
            current[key] = value
        elif current.pop(key, None) is None:
            raise ApiError(404, missing)
        changes: dict[str, Any] = {field: current}
        return dataclasses.replace(config, **changes)

    return change


# -- ampcode ------------------------------------------------------------------------------------------


async def get_ampcode(request: Request, m: Management) -> Response:
    amp = m.service.config.ampcode
    fields = dataclasses.fields(amp)
    return JSONResponse({"ampcode": {f.metadata["key"]: plain(getattr(amp, f.name)) for f in fields}})


async def get_mappings(request: Request, m: Management) -> Response:
    return JSONResponse({"model-mappings": [dict(x) for x in m.service.config.ampcode.model_mappings]})


def _mappings(body: JSON, *, strict: bool) -> list[JSON]:
    value = body.get("value") if isinstance(body, dict) else None
    if isinstance(value, list):
        return value
    if strict:
        raise ApiError(400, 'invalid body: ampcode/model-mappings expects {"value": [...]}')
    return []


def _pairs(items: list[JSON]) -> list[dict[str, str]]:
    pairs: list[dict[str, str]] = []
    for i, item in enumerate(items):
        source = item.get("from") if isinstance(item, dict) else None
        target = item.get("to") if isinstance(item, dict) else None
        if not isinstance(source, str) or not isinstance(target, str) or not source.strip():
            raise ApiError(400, f'invalid body: model-mappings[{i}] needs "from" and "to" strings')
        pairs.append({"from": source.strip(), "to": target.strip()})
    return pairs


def _set_mappings(
    update: Callable[[list[dict[str, object]]], list[dict[str, object]]],
) -> Callable[[Config], Config]:
    def change(config: Config) -> Config:
        current = [dict(x) for x in config.ampcode.model_mappings]
        amp = dataclasses.replace(config.ampcode, model_mappings=tuple(update(current)))
        return dataclasses.replace(config, ampcode=amp)

    return change


async def put_mappings(request: Request, m: Management) -> Response:
    pairs = _pairs(_mappings(await json_body(request), strict=True))
    await m.editor.edit(_set_mappings(lambda current: [dict(p) for p in pairs]))
    return ok()


async def patch_mappings(request: Request, m: Management) -> Response:
    pairs = _pairs(_mappings(await json_body(request), strict=True))

    def upsert(current: list[dict[str, object]]) -> list[dict[str, object]]:
        for pair in pairs:
            at = next((i for i, x in enumerate(current) if x.get("from") == pair["from"]), None)
            if at is None:
                current.append(dict(pair))
            else:
                current[at] = {**current[at], **pair}
        return current

    await m.editor.edit(_set_mappings(upsert))
    return ok()


async def delete_mappings(request: Request, m: Management) -> Response:
    try:
        body = await json_body(request)
    except ApiError:  # the original clears every mapping on an empty or invalid body
        body = None
    names = {str(x).strip() for x in _mappings(body, strict=False)}
    if names:
        await m.editor.edit(_set_mappings(lambda current: [x for x in current if x.get("from") not in names]))
    else:
        await m.editor.edit(_set_mappings(lambda current: []))
    return ok()


def model_rule_routes() -> list[BaseRoute]:
    return [
        route("/oauth-excluded-models", get_excluded, ["GET"]),
        route("/oauth-excluded-models", put_excluded, ["PUT"]),
        route("/oauth-excluded-models", patch_excluded, ["PATCH"]),
        route("/oauth-excluded-models", delete_excluded, ["DELETE"]),
        route("/oauth-model-alias", get_alias, ["GET"]),
        route("/oauth-model-alias", put_alias, ["PUT"]),
        route("/oauth-model-alias", patch_alias, ["PATCH"]),
        route("/oauth-model-alias", delete_alias, ["DELETE"]),
        route("/ampcode", get_ampcode, ["GET"]),
        route("/ampcode/model-mappings", get_mappings, ["GET"]),
        route("/ampcode/model-mappings", put_mappings, ["PUT"]),
        route("/ampcode/model-mappings", patch_mappings, ["PATCH"]),
        route("/ampcode/model-mappings", delete_mappings, ["DELETE"]),
    ]
