"""``/config`` (JSON), ``/config.yaml`` (the file itself, read and replaced) and ``/latest-version``.

``GET /latest-version`` makes no network call: this build does not check for updates online, so it
answers with its own version (``"checked": false`` says so).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re

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
        if _flow_depth(body) > _MAX_DEPTH:
            return JSONResponse(
                {"error": "invalid_yaml", "message": "the document is nested too deeply"}, 400
            )
        if _expanded_size(body) > _MAX_NODES:
            return JSONResponse(
                {"error": "invalid_yaml", "message": "the document has excessive aliasing"}, 400
            )
        old, new = await m.editor.replace_text(body)
    except yaml.YAMLError as exc:
        return JSONResponse({"error": "invalid_yaml", "message": _yaml_problem(exc)}, 400)
    except RecursionError:
        return JSONResponse({"error": "invalid_yaml", "message": "the document is nested too deeply"}, 400)
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


_MAX_DEPTH = 100
"""Nesting of ``[`` / ``{`` a config may have: PyYAML needs quadratic time for deep flow nesting
(20 KB of ``[`` take seconds), so deeper documents are refused before they are parsed."""
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')
_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(body: str) -> int:
    """The deepest ``[``/``{`` nesting outside quotes and comments (a cheap, linear upper bound)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_QUOTED_OR_COMMENT.sub("", body)):
        depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


_MAX_NODES = 200_000
"""YAML nodes a config may have once its aliases are expanded (a "billion laughs" has ~10^9)."""


def _expanded_size(body: str) -> int:
    """How many nodes ``body`` has with every alias expanded (counted without expanding them)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # an alias of an enclosing node (a cycle) counts once
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(key) + size(value) for key, value in node.value)
        sizes[id(node)] = total
        return total

    root = yaml.compose(body, Loader=yaml.SafeLoader)
    return 0 if root is None else size(root)


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
