"""Account logins for the web panel and the GUI (server.md §3.6): ``/<provider>-auth-url`` starters,
``/get-auth-status`` polling, ``POST /oauth-callback`` (a pasted redirect URL), and the main-port
``/<provider>/callback`` landing pages the providers redirect the browser to.

The login itself runs in ``service.accounts.sessions`` (the accounts runtime); these handlers only
translate HTTP to it. States are checked (``[A-Za-z0-9._-]``, at most 128, no ``..``) before use.
"""

from __future__ import annotations

import asyncio
import html
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.api.management.common import ApiError, Handler, Management, json_body, route
from server.api.management.runtime import AccountsLike, accounts_of, field_of, settle
from server.auth.base import LoginError, LoginOptions
from server.config.paths import resolve_auth_dir
from server.service import ProxyService

__all__ = ["CALLBACK_PROVIDERS", "STARTERS", "callback_routes", "oauth_routes", "valid_state"]

STARTERS: dict[str, str] = {
    "anthropic-auth-url": "claude",
    "codex-auth-url": "codex",
    "gemini-cli-auth-url": "gemini",
    "antigravity-auth-url": "antigravity",
    "qwen-auth-url": "qwen",
    "iflow-auth-url": "iflow",
}
"""Starter path → credential file type."""

CALLBACK_PROVIDERS = ("anthropic", "codex", "google", "iflow", "antigravity")
"""Path segments of the main-port ``/<p>/callback`` routes."""

_PROVIDERS = frozenset(
    {
        "anthropic",
        "claude",
        "codex",
        "openai",
        "gemini",
        "gemini-cli",
        "google",
        "iflow",
        "antigravity",
        "qwen",
    }
)
_STATE = re.compile(r"[A-Za-z0-9._-]{1,128}")
_COOKIE_WAIT = 60.0


def valid_state(state: str) -> bool:
    return bool(_STATE.fullmatch(state)) and ".." not in state


def _error(status: int, message: str) -> ApiError:
    return ApiError(status, message, {"status": "error", "error": message})


def _accounts(service: ProxyService) -> AccountsLike:
    accounts = accounts_of(service)
    if accounts is None:
        raise _error(503, "core auth manager unavailable")
    return accounts


async def _start(m: Management, file_type: str, options: LoginOptions) -> object:
    sessions = _accounts(m.service).sessions
    try:
        return await settle(sessions.start(file_type, options))
    except (LoginError, OSError, ValueError, LookupError) as exc:
        raise _error(500, f"failed to start the login: {exc}") from None


def _starter(file_type: str) -> Handler:
    async def start(request: Request, m: Management) -> Response:
        options = LoginOptions(project_id=request.query_params.get("project_id", "").strip(), no_browser=True)
        started = await _start(m, file_type, options)
        body: dict[str, object] = {
            "status": "ok",
            "url": field_of(started, "url", str, ""),
            "state": field_of(started, "state", str, ""),
        }
        user_code = field_of(started, "user_code", str, "")
        if user_code:
            body["user_code"] = user_code
            body["verification_url"] = field_of(started, "verification_url", str, "")
        return JSONResponse(body)

    start.__name__ = f"start_{file_type}_login"
    return start


async def iflow_cookie(request: Request, m: Management) -> Response:
    body = await json_body(request)
    cookie = body.get("cookie") if isinstance(body, dict) else None
    if not isinstance(cookie, str) or not cookie.strip():
        raise _error(400, "cookie is required")
    started = await _start(m, "iflow", LoginOptions(cookie=cookie.strip(), no_browser=True))
    state = field_of(started, "state", str, "")
    sessions = _accounts(m.service).sessions
    deadline = asyncio.get_running_loop().time() + _COOKIE_WAIT
    status = "wait"
    error = ""
    while status == "wait" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        result = await settle(sessions.status(state))
        status, error = field_of(result, "status", str, "ok"), field_of(result, "error", str, "")
    if status != "ok":
        raise _error(400, error or "the iFlow cookie login did not finish in time")
    newest = await _newest_file(m, "iflow")
    return JSONResponse(
        {
            "status": "ok",
            "saved_path": newest.get("path", ""),
            "email": newest.get("email", ""),
            "expired": newest.get("expires_at", ""),
            "type": "iflow",
        }
    )


async def _newest_file(m: Management, file_type: str) -> dict[str, object]:
    accounts = _accounts(m.service)
    infos = await settle(accounts.store.list_files())
    auth_dir = resolve_auth_dir(m.service.config, config_path=m.service.config_path)
    best: dict[str, object] = {}
    best_time = -1.0
    for info in infos if isinstance(infos, list | tuple) else []:
        modified = field_of(info, "modified", float, 0.0)
        if field_of(info, "type", str, "") == file_type and modified >= best_time:
            best_time = modified
            best = {
                "path": str(auth_dir / field_of(info, "name", str, "")),
                "email": field_of(info, "email", str, ""),
                "expires_at": str(getattr(info, "expires_at", "") or ""),
            }
    return best


async def auth_status(request: Request, m: Management) -> Response:
    state = request.query_params.get("state", "").strip()
    if not state:
        return JSONResponse({"status": "ok"})
    if not valid_state(state):
        raise _error(400, "invalid state")
    sessions = _accounts(m.service).sessions
    try:
        result = await settle(sessions.status(state))
    except LookupError:
        return JSONResponse({"status": "ok"})
    status = field_of(result, "status", str, "ok")
    if status == "error":
        return JSONResponse({"status": "error", "error": field_of(result, "error", str, "login failed")})
    return JSONResponse({"status": "wait" if status == "wait" else "ok"})


async def oauth_callback(request: Request, m: Management) -> Response:
    body = await json_body(request)
    body = body if isinstance(body, dict) else {}
    provider = str(body.get("provider", "")).strip().lower()
    if provider not in _PROVIDERS:
        raise _error(400, "invalid provider: expected anthropic, codex, gemini, iflow, antigravity or qwen")
    fields = ("state", "code", "error", "error_description", "redirect_url")
    params = {k: v.strip() for k, v in body.items() if k in fields and isinstance(v, str) and v.strip()}
    if "redirect_url" not in params:
        if not valid_state(params.get("state", "")):
            raise _error(400, "invalid state")
        if not params.get("code") and not params.get("error"):
            raise _error(400, "code or error is required")
    await _submit(m.service, provider, params)
    return JSONResponse({"status": "ok"})


_OUTCOMES = {
    "invalid": (400, "invalid callback: no code, error or state in it"),
    "unknown_state": (404, "unknown or expired state"),
    "provider_mismatch": (400, "the state belongs to a login of another provider"),
    "not_pending": (409, "that login is not waiting for a callback any more"),
}


async def _submit(service: ProxyService, provider: str, params: dict[str, str]) -> None:
    sessions = _accounts(service).sessions
    outcome = await settle(sessions.submit_callback(provider, params))
    if outcome in _OUTCOMES:
        status, message = _OUTCOMES[str(outcome)]
        raise _error(status, message)


_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{detail}</p><p>You can close this window.</p>
<script>setTimeout(function () {{ window.close(); }}, 5000);</script></body></html>"""


def _page(title: str, detail: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), detail=html.escape(detail)), status)


def _callback(provider: str) -> Route:
    async def landing(request: Request) -> Response:
        service = request.app.state.service
        assert isinstance(service, ProxyService)
        params = dict(request.query_params)
        try:
            if not valid_state(params.get("state", "")):
                raise _error(400, "invalid state")
            await _submit(service, provider, params)
        except ApiError as exc:
            return _page("Authentication failed", exc.message, exc.status)
        if params.get("error"):
            return _page("Authentication failed", params["error"])
        return _page("Authentication successful!", "The app finishes the login now.")

    landing.__name__ = f"{provider}_callback"
    return Route(f"/{provider}/callback", landing, methods=["GET"])


def oauth_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [route(f"/{path}", _starter(t), ["GET"]) for path, t in STARTERS.items()]
    routes += [
        route("/iflow-auth-url", iflow_cookie, ["POST"]),
        route("/get-auth-status", auth_status, ["GET"]),
        route("/oauth-callback", oauth_callback, ["POST"]),
    ]
    return routes


def callback_routes() -> list[BaseRoute]:
    """The main-port OAuth landing routes (no management auth: the browser comes here)."""
    return [_callback(provider) for provider in CALLBACK_PROVIDERS]
