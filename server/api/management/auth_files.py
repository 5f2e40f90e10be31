"""Credential files in auth-dir: ``/auth-files`` (list, upload, delete), its ``download``, ``status`` and
``priority``, and ``/vertex/import`` (a Google service-account key stored as a ``vertex`` credential).

Everything goes through ``service.accounts.store`` so the credentials change at once; without the
accounts runtime, listing and download read auth-dir directly and changes answer 503. File names are
plain names inside auth-dir: ``/``, ``\\`` and ``..`` are refused everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.common import ApiError, Management, json_body, ok, route
from server.api.management.multipart import MultipartError, parse_form
from server.api.management.runtime import AccountsLike, CredentialStoreLike, accounts_of, field_of, settle
from server.config.paths import resolve_auth_dir
from server.jsontypes import JSON, JSONObject

__all__ = ["auth_file_routes", "check_name"]

_UNAVAILABLE = "core auth manager unavailable"
_STATUS = {"active": "active", "disabled": "disabled", "refresh_failed": "error", "invalid": "error"}


def check_name(name: str) -> str:
    """``name`` if it is a plain ``*.json`` file name; 400 ``invalid name`` / ``name must end with .json``."""
    name = name.strip()
    # ":": "C:x.json" is on drive C on Windows; a leading "." is refused by the store (temp files)
    if not name or name.startswith(".") or any(bad in name for bad in ("/", "\\", "..", "\x00", ":")):
        raise ApiError(400, "invalid name")
    if not name.lower().endswith(".json"):
        raise ApiError(400, "name must end with .json")
    return name


def _accounts(m: Management) -> AccountsLike:
    accounts = accounts_of(m.service)
    if accounts is None:
        raise ApiError(503, _UNAVAILABLE)
    return accounts


def _auth_dir(m: Management) -> Path:
    return resolve_auth_dir(m.service.config, config_path=m.service.config_path)


def _time(value: object) -> str:
    """RFC 3339 UTC text of an epoch number, a datetime or a text timestamp ("" when unknown)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    return value if isinstance(value, str) else ""


def _auth_index(name: str) -> str:
    return hashlib.sha256(f"file:{name}".encode()).hexdigest()[:16]


def _entry(info: object, auth_dir: Path) -> JSONObject:
    name = field_of(info, "name", str, "")
    file_type = field_of(info, "type", str, "")
    provider = field_of(info, "provider", str, "") or ("gemini-cli" if file_type == "gemini" else file_type)
    email = field_of(info, "email", str, "")
    raw_status = field_of(info, "status", str, "active")
    modified = _time(getattr(info, "modified", None))
    return {
        "id": name,
        "auth_index": _auth_index(name),
        "name": name,
        "type": file_type,
        "provider": provider,
        "label": field_of(info, "label", str, "") or email,
        "email": email,
        "status": _STATUS.get(raw_status, "unknown"),
        "status_message": field_of(info, "last_error", str, ""),
        "disabled": field_of(info, "disabled", bool, False),
        "unavailable": raw_status in ("refresh_failed", "invalid"),
        "runtime_only": False,
        "source": "file",
        "account_type": "oauth",
        "size": field_of(info, "size", int, 0),
        "modtime": modified,
        "updated_at": modified,
        "expires_at": _time(getattr(info, "expires_at", None)),
        "path": str(auth_dir / name),
    }


def _scan(auth_dir: Path) -> list[JSONObject]:
    """Without the accounts runtime: the original's minimal entries straight from disk."""
    out: list[JSONObject] = []
    if not auth_dir.is_dir():
        return out
    for path in auth_dir.glob("*.json"):
        try:
            stat = path.stat()
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue
        data = data if isinstance(data, dict) else {}
        out.append(
            {
                "name": path.name,
                "size": stat.st_size,
                "modtime": _time(stat.st_mtime),
                "type": str(data.get("type", "")),
                "email": str(data.get("email", "")),
            }
        )
    return out


async def list_files(request: Request, m: Management) -> Response:
    auth_dir = _auth_dir(m)
    accounts = accounts_of(m.service)
    if accounts is None:
        files = await asyncio.to_thread(_scan, auth_dir)
    else:
        infos = await settle(accounts.store.list_files())
        files = [_entry(info, auth_dir) for info in (infos if isinstance(infos, list | tuple) else [])]
    files.sort(key=lambda entry: str(entry.get("name", "")).lower())
    return JSONResponse({"files": files})


async def download(request: Request, m: Management) -> Response:
    name = check_name(request.query_params.get("name", ""))
    accounts = accounts_of(m.service)
    try:
        if accounts is None:
            data: object = await asyncio.to_thread((_auth_dir(m) / name).read_bytes)
        else:
            data = await settle(accounts.store.read_bytes(name))
    except (FileNotFoundError, KeyError):
        raise ApiError(404, "file not found") from None
    body = data if isinstance(data, bytes) else str(data).encode()
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type="application/json", headers={"Content-Disposition": disposition})


async def upload(request: Request, m: Management) -> Response:
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if content_type.lower().startswith("multipart/"):
        try:
            part = parse_form(raw, content_type).get("file")
        except MultipartError as exc:
            raise ApiError(400, f"invalid body: {exc}") from None
        if part is None:
            raise ApiError(400, "file required")
        filename = re.split(r"[/\\]", part.filename)[-1]
        if not filename.lower().endswith(".json"):
            raise ApiError(400, "file must be .json")
        name, data = check_name(filename), part.data
    else:
        name, data = check_name(request.query_params.get("name", "")), raw
        if not data.strip():
            raise ApiError(400, "invalid body: the request has no file content")
    await _write(m, name, data)
    return ok()


async def _write(m: Management, name: str, data: bytes) -> None:
    accounts = _accounts(m)
    try:
        await settle(accounts.store.write_bytes(name, data))
    except ValueError as exc:
        raise ApiError(400, f"invalid auth file: {exc}") from None
    except OSError as exc:
        raise ApiError(500, f"failed to write auth file: {exc.strerror or exc}") from None
    await settle(accounts.reload())


async def delete(request: Request, m: Management) -> Response:
    accounts = _accounts(m)
    if request.query_params.get("all", "").strip().lower() in ("true", "1", "*"):
        deleted = await settle(accounts.store.delete_all())
        await settle(accounts.reload())
        return ok(deleted=deleted if isinstance(deleted, int) else 0)
    name = check_name(request.query_params.get("name", ""))
    try:
        found = await settle(accounts.store.delete(name))
    except (FileNotFoundError, KeyError):
        found = False
    if not found:
        raise ApiError(404, "file not found")
    await settle(accounts.reload())
    return ok()


_V = TypeVar("_V")


async def _patch_file(
    request: Request,
    m: Management,
    key: str,
    parse: Callable[[JSON], _V | None],
    error: str,
    apply: Callable[[CredentialStoreLike, str, _V], object],
) -> Response:
    """``{"name", <key>: value}``: ``apply`` sets one field of the named file to the ``parse``d value."""
    try:
        body: JSON = await json_body(request)
    except ApiError:
        raise ApiError(400, "invalid request body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid request body")
    name, value = body.get("name"), parse(body.get(key))
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "name is required")
    if value is None:
        raise ApiError(400, error)
    accounts = _accounts(m)
    try:
        await settle(apply(accounts.store, check_name(name), value))
    except (FileNotFoundError, KeyError):
        raise ApiError(404, "auth file not found") from None
    except ValueError as exc:
        raise ApiError(400, f"invalid auth file: {exc}") from None
    await settle(accounts.reload())
    return ok(**{key: value})


def _boolean(value: JSON) -> bool | None:
    return value if isinstance(value, bool) else None


def _integer(value: JSON) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def patch_status(request: Request, m: Management) -> Response:
    """``PATCH /auth-files/status`` ``{"name", "disabled": bool}``."""
    return await _patch_file(
        request, m, "disabled", _boolean, "disabled is required", lambda store, n, v: store.set_disabled(n, v)
    )


async def patch_priority(request: Request, m: Management) -> Response:
    """``PATCH /auth-files/priority`` ``{"name", "priority": int}``: higher is preferred by routing."""
    return await _patch_file(
        request,
        m,
        "priority",
        _integer,
        "priority must be an integer",
        lambda store, n, v: store.set_priority(n, v),
    )


async def vertex_import(request: Request, m: Management) -> Response:
    try:
        form = parse_form(await request.body(), request.headers.get("content-type", ""))
    except MultipartError:
        raise ApiError(400, "file required") from None
    part = form.get("file")
    if part is None:
        raise ApiError(400, "file required")
    location_part = form.get("location")
    location = (location_part.text if location_part else request.query_params.get("location", "")).strip()
    try:
        account = json.loads(part.data)
    except ValueError:
        raise ApiError(400, "invalid json") from None
    if not isinstance(account, dict) or not account.get("private_key"):
        raise ApiError(400, "invalid service account")
    project = str(account.get("project_id") or "").strip()
    if not project:
        raise ApiError(400, "project_id missing")
    location = location or "us-central1"
    email = str(account.get("client_email") or "")
    name = "vertex-" + re.sub(r"[/\\:]", "_", project).replace(" ", "-") + ".json"
    document = {
        "service_account": account,
        "project_id": project,
        "email": email,
        "location": location,
        "type": "vertex",
    }
    await _write(m, check_name(name), json.dumps(document, indent=2).encode())
    path = str(_auth_dir(m) / name)
    return ok(**{"auth-file": path, "project_id": project, "email": email, "location": location})


async def file_models(request: Request, m: Management) -> Response:
    """``GET /auth-files/models?name=``: the models the file's credentials serve now."""
    name = check_name(request.query_params.get("name", ""))
    file_of = getattr(accounts_of(m.service), "file_of", None)
    state = m.service.state
    ids = {c.id for c in state.credentials if (file_of(c.id) if callable(file_of) else c.id) == name}
    pool = state.pool
    models = [
        info
        for info in pool.list_models(time.monotonic())
        if any(pool.candidate_for(cid, info.id) is not None for cid in ids)
    ]
    listed = [
        {
            k: v
            for k, v in (
                ("id", i.id),
                ("display_name", i.display_name),
                ("type", i.type),
                ("owned_by", i.owned_by),
            )
            if v
        }
        for i in models
    ]
    return JSONResponse({"models": listed})


def auth_file_routes() -> list[BaseRoute]:
    return [
        route("/auth-files", list_files, ["GET"]),
        route("/auth-files", upload, ["POST"]),
        route("/auth-files", delete, ["DELETE"]),
        route("/auth-files/download", download, ["GET"]),
        route("/auth-files/models", file_models, ["GET"]),
        route("/auth-files/status", patch_status, ["PATCH"]),
        route("/auth-files/priority", patch_priority, ["PATCH"]),
        route("/vertex/import", vertex_import, ["POST"]),
    ]
