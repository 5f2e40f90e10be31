"""This port's account endpoints for the desktop GUI: ``/accounts/state``, ``/accounts/reset-cooldown``,
``/accounts/test`` and ``/accounts/quota/refresh`` (see the package docstring for the full table).

Each account object carries ``"quota"`` (the credential's usage windows from server.quota, contract
C1; ``[]`` when nothing is known) and ``"quota_error"`` (why the last active fetch failed, or "").
``POST /accounts/quota/refresh`` answers ``{"accounts": [...]}`` with these objects: the one asked
for, or every account fetched; unknown id → 404; no quota component in the service → 503.

Times in answers are Unix seconds (wall clock); the pool keeps cooldowns in monotonic time, so they
are converted with the current offset between the two clocks.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from server.api.management.account_test import AccountTestError, run_account_test
from server.api.management.common import ApiError, Management, json_body, ok, route
from server.api.management.runtime import accounts_of, settle
from server.jsontypes import JSON, JSONObject
from server.quota import quota_of
from server.routing.cooldown import ModelStatus

__all__ = ["account_objects", "gui_routes"]

_TEST_TIMEOUT = 60.0


def _epoch(value: object) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    return None


def _model(status: ModelStatus, offset: float) -> JSONObject:
    return {
        "model": status.model,
        "cooling_until": None if status.cooling_until is None else status.cooling_until + offset,
        "remaining": round(status.remaining, 3),
        "last_status": status.last_status,
        "quota": status.quota,
        "reason": status.reason,
    }


async def _refresh_states(m: Management) -> dict[str, JSONObject]:
    accounts = accounts_of(m.service)
    getter = getattr(accounts, "refresh_states", None)
    if getter is None:
        return {}
    states = await settle(getter())
    out: dict[str, JSONObject] = {}
    for credential_id, state in states.items() if isinstance(states, dict) else ():
        error = getattr(state, "error", "")
        out[str(credential_id)] = {
            "last_refresh": _epoch(getattr(state, "last_refresh", None)),
            "expires_at": _epoch(getattr(state, "expires_at", None)),
            "error": error if isinstance(error, str) else "",
            "refreshing": getattr(state, "refreshing", False) is True,
            "permanent_failure": getattr(state, "permanent", False) is True,
        }
    return out


async def account_objects(m: Management, ids: Collection[str] | None = None) -> list[JSONObject]:
    """The ``/accounts/state`` objects of every credential (only those in ``ids`` when given)."""
    mono, wall = time.monotonic(), time.time()
    offset = wall - mono
    state = m.service.state
    kinds = {c.id: c for c in state.credentials}
    refresh = await _refresh_states(m)
    quota = quota_of(m.service)
    accounts: list[JSONObject] = []
    for entry in state.pool.snapshot(mono):
        if ids is not None and entry.id not in ids:
            continue
        credential = kinds.get(entry.id)
        models = [_model(status, offset) for status in entry.models]
        ends = [model["cooling_until"] for model in models if model["cooling_until"] is not None]
        failed = [model["last_status"] for model in models if model["last_status"] is not None]
        accounts.append(
            {
                "id": entry.id,
                "provider": entry.provider,
                "label": entry.label,
                "kind": credential.kind if credential else "apikey",
                "prefix": credential.prefix if credential else "",
                "priority": credential.priority if credential else 0,
                "disabled": entry.disabled,
                "cooling": entry.cooling,
                "cooling_until": max(ends) if ends else None,
                "last_status": failed[-1] if failed else None,
                "models": models,
                "refresh": refresh.get(entry.id),
                "quota": quota.book.as_json(entry.id) if quota is not None else [],
                "quota_error": quota.errors.get(entry.id, "") if quota is not None else "",
            }
        )
    return accounts


async def accounts_state(request: Request, m: Management) -> Response:
    wall = time.time()
    return JSONResponse({"now": wall, "accounts": await account_objects(m)})


def credential_id_of(body: JSON) -> str:
    value = body.get("id", body.get("credential")) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, 'invalid body: "id" (the credential id) is required')
    return value.strip()


async def reset_cooldown(request: Request, m: Management) -> Response:
    body = await json_body(request)
    credential_id = credential_id_of(body)
    model = body.get("model") if isinstance(body, dict) else None
    if model is not None and not isinstance(model, str):
        raise ApiError(400, 'invalid body: "model" must be a string')
    pool = m.service.state.pool
    if all(entry.id != credential_id for entry in pool.snapshot(time.monotonic())):
        raise ApiError(404, f"credential not found: {credential_id}")
    cleared = pool.reset_cooldown(credential_id, model or None)
    return ok(cleared=cleared)


async def test_account(request: Request, m: Management) -> Response:
    body = await json_body(request)
    credential_id = credential_id_of(body)
    model = body.get("model", "") if isinstance(body, dict) else ""
    timeout = body.get("timeout", _TEST_TIMEOUT) if isinstance(body, dict) else _TEST_TIMEOUT
    if not isinstance(model, str):
        raise ApiError(400, 'invalid body: "model" must be a string')
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
        raise ApiError(400, 'invalid body: "timeout" must be a number of seconds from 0 to 300')
    try:
        result = await run_account_test(m.service, credential_id, model, time_limit=float(timeout))
    except AccountTestError as exc:
        raise ApiError(exc.status, exc.message) from None
    return JSONResponse(result)


async def refresh_quota(request: Request, m: Management) -> Response:
    """``{"id"}`` fetches that account's quota when it can (Codex and Claude learn theirs from
    answers) and answers it; ``{}`` or no body fetches and answers every account that supports it."""
    body: JSON = await json_body(request) if (await request.body()).strip() else {}
    if not isinstance(body, dict):
        raise ApiError(400, 'invalid body: expected {"id": "<account id>"} or {}')
    quota = quota_of(m.service)
    if quota is None:
        raise ApiError(503, "quota tracking is not running in this server")
    if "id" not in body and "credential" not in body:
        fetched = await quota.refresh()
        return JSONResponse({"accounts": await account_objects(m, set(fetched))})
    credential_id = credential_id_of(body)
    if all(entry.id != credential_id for entry in m.service.state.pool.snapshot(time.monotonic())):
        raise ApiError(404, f"credential not found: {credential_id}")
    await quota.refresh([credential_id])
    return JSONResponse({"accounts": await account_objects(m, {credential_id})})


def gui_routes() -> list[BaseRoute]:
    return [
        route("/accounts/state", accounts_state, ["GET"]),
        route("/accounts/reset-cooldown", reset_cooldown, ["POST"]),
        route("/accounts/test", test_account, ["POST"]),
        route("/accounts/quota/refresh", refresh_quota, ["POST"]),
    ]
