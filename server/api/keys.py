"""Client API key check: every place a client may put its key, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from starlette.requests import Request

from server.errors import AuthenticationFailed

__all__ = ["authenticate", "presented_keys"]


_KEY_HEADERS = {b"authorization": 0, b"x-goog-api-key": 1, b"x-api-key": 2}
"""Header names (ASGI gives them lower-cased) to their place in the original's order."""


def presented_keys(request: Request) -> list[str]:
    """Keys the request carries, in the original's order of places (the first of repeated headers).

    One pass over the raw ASGI headers: ``request.headers.get`` would scan them once per name.
    """
    places: list[str | None] = [None, None, None]
    for name, value in request.scope["headers"]:
        place = _KEY_HEADERS.get(name)
        if place is not None and places[place] is None:
            places[place] = value.decode("latin-1")
    found: list[str] = []
    authorization, goog, api_key = places
    if authorization:
        scheme, _, token = authorization.partition(" ")
        found.append(token.strip() if scheme.lower() == "bearer" and token else authorization)
    found += [value for value in (goog, api_key) if value]
    if request.scope.get("query_string"):
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
