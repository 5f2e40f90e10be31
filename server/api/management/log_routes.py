"""Logs through ``service.logs``: ``/logs`` (tail, clear), ``/request-error-logs``, ``/request-log-by-id``."""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, route
from server.api.management.runtime import LogsLike, field_of, logs_of

__all__ = ["log_routes"]

_ERROR_LOG = re.compile(r"error-[^/\\]*\.log")


def _logs(m: Management, *, need_file_logging: bool) -> LogsLike:
    logs = logs_of(m.service)
    if logs is None:
        raise ApiError(503, "log files are not available in this build")
    if need_file_logging and not logs.enabled:
        raise ApiError(400, "logging to file disabled")
    return logs


async def get_logs(request: Request, m: Management) -> Response:
    logs = _logs(m, need_file_logging=True)
    params = request.query_params
    after: float | None = None
    if params.get("after", "").strip():
        try:
            after = float(params["after"])
        except ValueError:
            raise ApiError(400, f"invalid after: {params['after']!r} is not Unix seconds") from None
    limit = 0
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            limit = 0
        if limit <= 0:
            raise ApiError(400, f"invalid limit: {params['limit']!r} must be a positive integer")
    reader = getattr(logs, "read_main_log", None)
    if reader is not None:  # LogFiles also counts every line it scanned, as the original reports
        read = await asyncio.to_thread(reader, after, limit)
        lines, count, latest = read.lines, read.line_count, read.latest
    else:
        lines, latest = await asyncio.to_thread(logs.main_log_lines, after, limit)
        count = len(lines)
    return JSONResponse({"lines": lines, "line-count": count, "latest-timestamp": latest})


async def delete_logs(request: Request, m: Management) -> Response:
    logs = _logs(m, need_file_logging=True)
    try:
        removed = await asyncio.to_thread(logs.clear_main_logs)
    except FileNotFoundError:
        raise ApiError(404, "log directory not found") from None
    return JSONResponse({"success": True, "message": "Logs cleared successfully", "removed": removed})


async def list_error_logs(request: Request, m: Management) -> Response:
    logs = _logs(m, need_file_logging=False)
    if m.service.config.request_log:
        return JSONResponse({"files": []})
    infos = await asyncio.to_thread(logs.request_error_logs)
    files = [
        {
            "name": field_of(info, "name", str, ""),
            "size": field_of(info, "size", int, 0),
            "modified": int(field_of(info, "modified", float, 0.0) or field_of(info, "modified", int, 0)),
        }
        for info in infos
    ]
    files.sort(key=lambda f: (f["modified"], f["name"]), reverse=True)
    return JSONResponse({"files": files})


async def get_error_log(request: Request, m: Management) -> Response:
    name = str(request.path_params["name"])
    if "/" in name or "\\" in name or ".." in name:
        raise ApiError(400, "invalid name")
    if not _ERROR_LOG.fullmatch(name):
        raise ApiError(404, "file not found")
    logs = _logs(m, need_file_logging=False)
    try:
        data = await asyncio.to_thread(logs.read_error_log, name)
    except FileNotFoundError:
        raise ApiError(404, "file not found") from None
    except ValueError:
        raise ApiError(400, "invalid name") from None
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="text/plain; charset=utf-8", headers=headers)


async def get_request_log(request: Request, m: Management) -> Response:
    request_id = str(request.path_params["id"])
    logs = _logs(m, need_file_logging=False)
    finder, reader = getattr(logs, "find_request_log", None), getattr(logs, "read_log", None)
    if finder is None or reader is None:
        raise ApiError(404, "request log not found")
    try:
        found = await asyncio.to_thread(finder, request_id)
        if found is None:
            raise FileNotFoundError(request_id)
        name = field_of(found, "name", str, "")
        data = await asyncio.to_thread(reader, name)
    except ValueError:
        raise ApiError(400, "invalid id: expected the 8 hex digits of a request id") from None
    except FileNotFoundError:
        raise ApiError(404, "request log not found") from None
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="text/plain; charset=utf-8", headers=headers)


def log_routes() -> list[BaseRoute]:
    return [
        route("/logs", get_logs, ["GET"]),
        route("/logs", delete_logs, ["DELETE"]),
        route("/request-error-logs", list_error_logs, ["GET"]),
        route("/request-error-logs/{name}", get_error_log, ["GET"]),
        route("/request-log-by-id/{id}", get_request_log, ["GET"]),
    ]
