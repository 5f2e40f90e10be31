"""``GET /model-definitions/{channel}``: the built-in model catalogue of one channel.

Channels (case-insensitive): ``claude``, ``codex``, ``gemini`` (alias ``aistudio``), ``vertex``,
``gemini-cli``, ``antigravity`` (the models listed before an account's own list is fetched),
``qwen``, ``iflow``. Answer ``{"channel": <name>, "models": [{"id", "object": "model", "created"?,
"owned_by"?, "type"?, "display_name"?, "description"?, "version"?, "context_length"?,
"max_completion_tokens"?, "thinking"?}]}`` (empty values left out); an unknown channel → 404
``{"error": ..., "channels": [...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, route
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.catalog import CatalogGroup, builtin_models
from server.providers.google_models import (
    antigravity_default_models,
    antigravity_model_info,
    gemini_cli_models,
)

__all__ = ["CHANNELS", "definition_routes", "model_definition"]


def _group(name: str) -> Callable[[], list[ModelInfo]]:
    return lambda: builtin_models(cast(CatalogGroup, name))


def _antigravity() -> list[ModelInfo]:
    return [antigravity_model_info(model_id) for model_id in antigravity_default_models()]


CHANNELS: dict[str, Callable[[], list[ModelInfo]]] = {
    "claude": _group("claude"),
    "codex": _group("codex"),
    "gemini": _group("gemini"),
    "aistudio": _group("gemini"),
    "vertex": _group("vertex"),
    "gemini-cli": gemini_cli_models,
    "antigravity": _antigravity,
    "qwen": _group("qwen"),
    "iflow": _group("iflow"),
}
"""Each channel's catalogue."""


def model_definition(info: ModelInfo) -> JSONObject:
    """One catalogue entry as JSON (fields without a value left out)."""
    out: JSONObject = {"id": info.id, "object": "model"}
    for key, value in (
        ("created", info.created),
        ("owned_by", info.owned_by),
        ("type", info.type),
        ("display_name", info.display_name),
        ("description", info.description),
        ("version", info.version),
        ("context_length", info.context_length),
        ("max_completion_tokens", info.max_completion_tokens),
    ):
        if value:
            out[key] = value
    if info.thinking is not None:
        t = info.thinking
        out["thinking"] = {
            "min": t.min,
            "max": t.max,
            "zero_allowed": t.zero_allowed,
            "dynamic_allowed": t.dynamic_allowed,
        }
    return out


async def model_definitions(request: Request, m: Management) -> Response:
    channel = str(request.path_params.get("channel", "")).strip().lower()
    catalogue = CHANNELS.get(channel)
    if catalogue is None:
        known = sorted(CHANNELS)
        message = f"unknown channel: {channel or '(empty)'}"
        raise ApiError(404, message, {"error": message, "channels": list(known)})
    return JSONResponse({"channel": channel, "models": [model_definition(i) for i in catalogue()]})


def definition_routes() -> list[BaseRoute]:
    return [route("/model-definitions/{channel}", model_definitions, ["GET"])]
