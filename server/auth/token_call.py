"""Calling an OAuth token endpoint and turning its failures into LoginError / RefreshError.

Messages name the HTTP status and the OAuth ``error`` code (with its description), never a token or
the response body. A refresh failure is permanent when the grant itself is dead (``invalid_grant``,
a reused or revoked refresh token …): retrying cannot help, the person must log in again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from server.auth.base import LoginError, RefreshError
from server.jsontypes import JSON, JSONObject

__all__ = ["TokenReply", "decode_jwt_claims", "post_token"]

_PERMANENT = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "unauthorized_client",
        "refresh_token_reused",
        "refresh_token_expired",
        "refresh_token_invalidated",
    }
)


@dataclass(frozen=True, slots=True)
class TokenReply:
    """A token endpoint's answer: its status, its JSON object (if any) and the OAuth error code."""

    status: int
    data: JSONObject
    error: str
    description: str

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error and bool(self.data)

    def _problem(self) -> str:
        detail = self.error or "no usable answer"
        if self.description and self.description != self.error:
            detail = f"{detail}: {self.description}"
        return f"HTTP {self.status}, {detail}"

    def login_error(self, what: str = "the token exchange") -> LoginError:
        return LoginError(f"{what} failed ({self._problem()})")

    def refresh_error(self) -> RefreshError:
        text = f"{self.error} {self.description}".lower()
        permanent = self.error in _PERMANENT or "revoked" in text or "refresh_token_reused" in text
        return RefreshError(f"the token refresh failed ({self._problem()})", permanent=permanent)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    def number(self, key: str) -> float:
        value = self.data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return 0.0


async def post_token(
    http: httpx.AsyncClient,
    url: str,
    *,
    json_body: JSONObject | None = None,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> TokenReply:
    """POST a JSON body or a form to ``url``; httpx errors propagate (callers word them)."""
    sent = {"Accept": "application/json", **(headers or {})}
    if json_body is not None:
        response = await http.post(url, json=json_body, headers=sent)
    else:
        response = await http.post(url, data=dict(form or {}), headers=sent)
    try:
        parsed: JSON = json.loads(response.content) if response.content else None
    except ValueError:
        parsed = None
    data = parsed if isinstance(parsed, dict) else {}
    error, description = _oauth_error(data)
    if response.status_code != 200 and not error:
        error = f"http_{response.status_code}"
    return TokenReply(response.status_code, data, error, description)


def _oauth_error(data: JSONObject) -> tuple[str, str]:
    error = data.get("error")
    description = data.get("error_description")
    if isinstance(error, dict):  # {"error": {"type": ..., "message": ...}} (Anthropic, OpenAI style)
        code = error.get("code") or error.get("type")
        message = error.get("message")
        return (str(code) if code else "error", str(message) if isinstance(message, str) else "")
    return (
        error if isinstance(error, str) else "",
        description if isinstance(description, str) else "",
    )


def decode_jwt_claims(token: str) -> JSONObject:
    """The payload of a JWT, without verifying its signature (Codex ``id_token``); ``{}`` if unreadable."""
    parts = token.split(".")
    if len(parts) < 2 or not parts[1]:
        return {}
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}
