"""Device-code polling (RFC 8628 as Qwen runs it, providers.md §6.1)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from server.auth.base import LoginError
from server.auth.device_code import parse_device_authorization, poll_device_token
from server.jsontypes import JSON


def replies(*answers: tuple[int, JSON]) -> tuple[Callable[[], Awaitable[httpx.Response]], list[int]]:
    queue = list(answers)
    calls: list[int] = []

    async def send() -> httpx.Response:
        calls.append(1)
        status, body = queue.pop(0)
        return httpx.Response(status, content=json.dumps(body).encode())

    return send, calls


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


PENDING = (400, {"error": "authorization_pending"})
SLOW = (400, {"error": "slow_down"})
TOKENS = (200, {"access_token": "at", "refresh_token": "rt"})


async def test_pending_then_tokens() -> None:
    send, calls = replies(PENDING, PENDING, TOKENS)
    sleeps = Sleeps()
    assert (await poll_device_token(send, sleep=sleeps))["access_token"] == "at"
    assert len(calls) == 3
    assert sleeps.waits == [5.0, 5.0, 5.0]


async def test_slow_down_lengthens_the_interval_up_to_ten_seconds() -> None:
    send, _ = replies(SLOW, SLOW, SLOW, TOKENS)
    sleeps = Sleeps()
    await poll_device_token(send, sleep=sleeps)
    assert sleeps.waits == [5.0, 7.5, 10.0, 10.0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((400, {"error": "expired_token"}), "expired"),
        ((400, {"error": "access_denied"}), "denied"),
        ((400, {"error": "invalid_client"}), "invalid_client"),
        ((500, "oops"), "without JSON"),
        ((503, {"detail": "x"}), "HTTP 503"),
    ],
    ids=["expired", "denied", "other-error", "not-json", "no-error-code"],
)
async def test_failures_end_the_login(answer: tuple[int, JSON], message: str) -> None:
    send, _ = replies(PENDING, answer)
    with pytest.raises(LoginError, match=message):
        await poll_device_token(send, sleep=Sleeps())


async def test_too_many_polls() -> None:
    send, calls = replies(PENDING, PENDING, PENDING)
    with pytest.raises(LoginError, match="not approved in time"):
        await poll_device_token(send, max_attempts=3, sleep=Sleeps())
    assert len(calls) == 3


def test_device_authorization_fields() -> None:
    found = parse_device_authorization(
        {
            "device_code": "d",
            "user_code": "U",
            "verification_uri": "https://v",
            "interval": 5,
            "expires_in": 600,
        }
    )
    assert (found.device_code, found.user_code, found.browser_url, found.interval) == (
        "d",
        "U",
        "https://v",
        5,
    )
    complete = parse_device_authorization({"device_code": "d", "verification_uri_complete": "https://v?c=U"})
    assert complete.browser_url == "https://v?c=U"
    with pytest.raises(LoginError, match="no device_code"):
        parse_device_authorization({"user_code": "U"})
