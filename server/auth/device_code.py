"""Device-code logins (RFC 8628): reading the device authorization and polling the token endpoint.

Polling follows the Qwen flow of providers.md §6.1 by default (every 5 s, at most 60 polls,
``slow_down`` multiplies the interval by 1.5 up to 10 s); a provider passes its own numbers.
``authorization_pending`` keeps polling; ``expired_token``, ``access_denied`` and any other error end
the login with a LoginError.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from server.auth.base import LoginError
from server.jsontypes import JSONObject

__all__ = ["DeviceAuthorization", "parse_device_authorization", "poll_device_token"]

_MESSAGES = {
    "expired_token": "the device code expired before the login was approved; start the login again",
    "access_denied": "the login was denied in the browser",
}


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str = ""
    expires_in: int = 0
    interval: int = 0

    @property
    def browser_url(self) -> str:
        """Where to send the person: the complete URI (code embedded) when the server gave one."""
        return self.verification_uri_complete or self.verification_uri


def parse_device_authorization(data: JSONObject) -> DeviceAuthorization:
    """The device authorization response; LoginError when it lacks ``device_code``."""
    device_code = data.get("device_code")
    if not isinstance(device_code, str) or not device_code:
        raise LoginError("the device authorization response carries no device_code")

    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    def number(key: str) -> int:
        value = data.get(key)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

    return DeviceAuthorization(
        device_code=device_code,
        user_code=text("user_code") or text("usercode"),
        verification_uri=text("verification_uri") or text("verification_url"),
        verification_uri_complete=text("verification_uri_complete"),
        expires_in=number("expires_in"),
        interval=number("interval"),
    )


def _slower(interval: float) -> float:
    return min(interval * 1.5, 10.0)


async def poll_device_token(
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    interval: float = 5.0,
    max_attempts: int = 60,
    slow_down: Callable[[float], float] = _slower,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> JSONObject:
    """Call ``send`` (one token request) until it yields tokens; the token response's JSON object."""
    for _ in range(max_attempts):
        await sleep(interval)
        response = await send()
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise LoginError(f"the token endpoint answered HTTP {response.status_code} without JSON")
        error = data.get("error")
        if response.status_code == 200 and not error:
            return data
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval = slow_down(interval)
            continue
        if isinstance(error, str) and error in _MESSAGES:
            raise LoginError(_MESSAGES[error])
        detail = error if isinstance(error, str) and error else f"HTTP {response.status_code}"
        raise LoginError(f"the device login failed: {detail}")
    raise LoginError("the login was not approved in time; start it again")
