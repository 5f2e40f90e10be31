"""Google account plumbing shared by Gemini CLI and Antigravity: tokens, userinfo, Code Assist setup.

Token calls are Google's "client credentials in the form" style (providers.md §2.1, §3.1, §3.3).
A refresh answered with ``invalid_grant`` (revoked or expired refresh token) or ``invalid_client``
is permanent; anything else (5xx, transport) may pass. Errors never carry a token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from server.auth.base import LoginError, RefreshError
from server.jsontypes import JSONObject

__all__ = [
    "AUTHORIZE_URL",
    "CODE_ASSIST_URL",
    "TOKEN_URL",
    "USERINFO_URL",
    "call_code_assist",
    "companion_project",
    "default_tier",
    "exchange_code",
    "fetch_email",
    "onboard",
    "refresh_tokens",
    "rfc3339",
    "token_fields",
]

log = logging.getLogger(__name__)

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
USERINFO_URL = "https://www.googleapis.com/oauth2/v1/userinfo?alt=json"
CODE_ASSIST_URL = "https://cloudcode-pa.googleapis.com"
"""Base of ``/v1internal:loadCodeAssist`` and ``/v1internal:onboardUser``."""

_TIMEOUT = 30.0
_PERMANENT = ("invalid_grant", "invalid_client", "unauthorized_client")

Sleep = Callable[[float], Awaitable[None]]


def rfc3339(seconds: float, *, fraction: bool = True) -> str:
    """Unix seconds as RFC 3339 in UTC (``…Z``); microseconds unless ``fraction`` is False."""
    moment = datetime.fromtimestamp(seconds, UTC)
    text = moment.isoformat(timespec="microseconds" if fraction else "seconds")
    return text.replace("+00:00", "Z")


def _json(response: httpx.Response) -> JSONObject:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _token_call(
    http: httpx.AsyncClient, url: str, form: Mapping[str, str], headers: Mapping[str, str]
) -> httpx.Response:
    return await http.post(url, data=dict(form), headers=dict(headers), timeout=_TIMEOUT)


async def exchange_code(
    http: httpx.AsyncClient, url: str, *, code: str, redirect_uri: str, client_id: str, client_secret: str
) -> JSONObject:
    """The token answer for an authorization code; LoginError when Google refuses it."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        response = await _token_call(http, url, form, {"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise LoginError(f"could not reach the Google token endpoint: {type(exc).__name__}") from exc
    data = _json(response)
    if response.status_code != 200 or not isinstance(data.get("access_token"), str):
        reason = data.get("error_description") or data.get("error") or f"HTTP {response.status_code}"
        raise LoginError(f"Google refused the authorization code: {reason}")
    return data


async def refresh_tokens(
    http: httpx.AsyncClient,
    url: str,
    *,
    refresh_token: str,
    client_id: str,
    client_secret: str,
    headers: Mapping[str, str] | None = None,
) -> JSONObject:
    """The token answer for a refresh; RefreshError (``permanent`` for a revoked grant)."""
    if not refresh_token:
        raise RefreshError("the account file has no refresh token", permanent=True)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        response = await _token_call(http, url, form, headers or {})
    except httpx.HTTPError as exc:
        raise RefreshError(f"could not reach the Google token endpoint: {type(exc).__name__}") from exc
    data = _json(response)
    if response.status_code == 200 and isinstance(data.get("access_token"), str):
        return data
    error = str(data.get("error") or "")
    description = str(data.get("error_description") or error or f"HTTP {response.status_code}")
    permanent = error in _PERMANENT or response.status_code == 401
    raise RefreshError(f"Google token refresh failed: {description}", permanent=permanent)


async def fetch_email(http: httpx.AsyncClient, url: str, access_token: str) -> str:
    """The account's e-mail from the userinfo endpoint ("" when it does not say)."""
    try:
        response = await http.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise LoginError(f"could not reach Google userinfo: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise LoginError(f"Google userinfo answered HTTP {response.status_code}")
    email = _json(response).get("email")
    return email.strip() if isinstance(email, str) else ""


async def call_code_assist(
    http: httpx.AsyncClient, base: str, method: str, body: JSONObject, headers: Mapping[str, str]
) -> JSONObject:
    """POST ``<base>/v1internal:<method>``; LoginError on a non-2xx answer."""
    url = f"{base.rstrip('/')}/v1internal:{method}"
    try:
        response = await http.post(url, json=body, headers=dict(headers), timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise LoginError(f"could not reach Code Assist ({method}): {type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise LoginError(f"Code Assist {method} answered HTTP {response.status_code}: {response.text[:300]}")
    return _json(response)


def companion_project(data: Mapping[str, Any]) -> str:
    """``cloudaicompanionProject`` as a string or an object's ``id`` ("" when absent)."""
    value = data.get("cloudaicompanionProject")
    if isinstance(value, dict):
        value = value.get("id")
    return value.strip() if isinstance(value, str) else ""


def default_tier(load: Mapping[str, Any], fallback: str = "legacy-tier") -> str:
    """The ``id`` of the ``allowedTiers`` entry marked ``isDefault``."""
    tiers = load.get("allowedTiers")
    for tier in tiers if isinstance(tiers, list) else []:
        if isinstance(tier, dict) and tier.get("isDefault") is True and isinstance(tier.get("id"), str):
            return str(tier["id"])
    return fallback


async def onboard(
    http: httpx.AsyncClient,
    base: str,
    body: JSONObject,
    headers: Mapping[str, str],
    *,
    interval: float,
    attempts: int,
    sleep: Sleep = asyncio.sleep,
) -> JSONObject:
    """Call ``onboardUser`` until it answers ``done: true`` (``attempts`` calls, ``interval`` apart);
    the final answer's ``response`` object. LoginError when it never finishes."""
    for attempt in range(attempts):
        answer = await call_code_assist(http, base, "onboardUser", body, headers)
        if answer.get("done") is True:
            response = answer.get("response")
            return response if isinstance(response, dict) else {}
        log.info("Code Assist onboarding in progress (%d/%d)", attempt + 1, attempts)
        if attempt + 1 < attempts:
            await sleep(interval)
    raise LoginError("Code Assist onboarding did not finish in time; try the login again")


def token_fields(answer: JSONObject, now: float) -> JSONObject:
    """``access_token``, ``token_type``, ``refresh_token`` (when sent), ``expiry`` (RFC 3339) and
    ``expires_in`` of a Google token answer, as the Go oauth2 token is stored."""
    fields: JSONObject = {
        "access_token": str(answer.get("access_token") or ""),
        "token_type": str(answer.get("token_type") or "Bearer"),
    }
    refresh = answer.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        fields["refresh_token"] = refresh
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        fields["expiry"] = rfc3339(now + float(expires_in))
        fields["expires_in"] = int(expires_in)
    return fields
