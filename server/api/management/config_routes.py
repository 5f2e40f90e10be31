"""``/config`` (JSON), ``/config.yaml`` (the file itself, read and replaced) and ``/latest-version``.

``GET /latest-version`` makes no network call: this build does not check for updates online, so it
answers with its own version (``"checked": false`` says so).
"""

from __future__ import annotations

import asyncio
import dataclasses

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server import __version__
from server.api.management.common import Management, route
from server.api.management.render import config_json
from server.config.load import ConfigError
from server.config.schema import Config

__all__ = ["RESTART_KEYS", "config_routes"]

RESTART_KEYS = ("host", "port", "tls", "auth-dir", "commercial-mode")
"""Keys a running server cannot change (reported by ``PUT /config.yaml``)."""

_YAML_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def get_config(request: Request, m: Management) -> Response:
    return JSONResponse(config_json(m.service.config))


async def get_config_yaml(request: Request, m: Management) -> Response:
    path = m.service.config_path
    if path is None:
        return JSONResponse({"error": "not_found", "message": "config file not found"}, 404)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        return JSONResponse({"error": "not_found", "message": "config file not found"}, 404)
    except OSError as exc:
        return JSONResponse({"error": "read_failed", "message": str(exc.strerror or exc)}, 500)
    return Response(data, media_type="application/yaml; charset=utf-8", headers=_YAML_HEADERS)


async def put_config_yaml(request: Request, m: Management) -> Response:
    raw = await request.body()
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return JSONResponse({"error": "invalid_yaml", "message": f"not UTF-8 text (byte {exc.start})"}, 400)
    if not body.strip():
        return JSONResponse({"error": "invalid_yaml", "message": "the body is empty"}, 400)
    try:
        old, new = await m.editor.replace_text(body)
    except yaml.YAMLError as exc:
        return JSONResponse({"error": "invalid_yaml", "message": _yaml_problem(exc)}, 400)
    except ConfigError as exc:
        where = f"{exc.where}: " if exc.where else ""
        return JSONResponse({"error": "invalid_config", "message": f"{where}{exc.problem}"}, 422)
    answer: dict[str, object] = {"ok": True, "changed": ["config"]}
    restart = _restart_needed(old, new)
    if restart:
        answer["restart-required"] = restart
    return JSONResponse(answer)


async def latest_version(request: Request, m: Management) -> Response:
    return JSONResponse({"latest-version": __version__, "current-version": __version__, "checked": False})


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


def _restart_needed(old: Config, new: Config) -> list[str]:
    names = {f.metadata.get("key"): f.name for f in dataclasses.fields(Config)}
    return [key for key in RESTART_KEYS if getattr(old, names[key]) != getattr(new, names[key])]


def config_routes() -> list[BaseRoute]:
    return [
        route("/config", get_config, ["GET"]),
        route("/config.yaml", get_config_yaml, ["GET"]),
        route("/config.yaml", put_config_yaml, ["PUT"]),
        route("/latest-version", latest_version, ["GET"]),
    ]
