"""Client API key check: every place a client may put its key, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from starlette.requests import Request

from server.errors import AuthenticationFailed

__all__ = ["authenticate", "presented_keys"]


def presented_keys(request: Request) -> list[str]:
    """Keys the request carries, in the original's order of places."""
    found: list[str] = []
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        found.append(token.strip() if scheme.lower() == "bearer" and token else authorization)
    for header in ("x-goog-api-key", "x-api-key"):
        value = request.headers.get(header)
        if value:
            found.append(value)
    for param in ("key", "auth_token"):
        value = request.query_params.get(param)
        if value:
            found.append(value)
    return found


def authenticate(request: Request, accepted: Sequence[str]) -> str:
    """The matching client key, or ``""`` when no keys are configured (open proxy).

    Raises ``AuthenticationFailed`` with the original's messages. Every presented key is compared
    against every configured key, so timing does not tell which one nearly matched.
    """
    if not accepted:
        return ""
    presented = presented_keys(request)
    if not presented:
        raise AuthenticationFailed("Missing API key")
    match = ""
    for candidate in presented:
        raw = candidate.encode()
        for key in accepted:
            if hmac.compare_digest(raw, key.encode()):
                match = key
    if not match:
        raise AuthenticationFailed("Invalid API key")
    return match
