"""The management guard's decisions and the failed-attempt ban, with a fake clock."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from server.api.management.auth import (
    BAN_SECONDS,
    MAX_FAILURES,
    Denied,
    Lockout,
    ManagementGuard,
    Secrets,
    is_local,
    presented_key,
)
from server.api.management.secret import hash_secret

HASHED = hash_secret("the-secret")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "query_string": b""})


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({}, ""),
        ({"Authorization": "Bearer abc"}, "abc"),
        ({"Authorization": "BEARER  abc  "}, "abc"),
        ({"Authorization": "Basic xyz"}, "Basic xyz"),
        ({"Authorization": "Bearer"}, "Bearer"),
        ({"X-Management-Key": " k "}, "k"),
        ({"Authorization": "Bearer a", "X-Management-Key": "b"}, "a"),
    ],
    ids=[
        "none",
        "bearer",
        "bearer-case-spaces",
        "other-scheme",
        "bearer-alone",
        "header",
        "authorization-first",
    ],
)
def test_presented_key(headers: dict[str, str], key: str) -> None:
    assert presented_key(_request(headers)) == key


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("127.0.0.2", False),
        ("10.0.0.1", False),
    ],
)
def test_is_local(host: str, local: bool) -> None:
    assert is_local(host) is local


LOCAL, REMOTE = "127.0.0.1", "192.0.2.7"


@pytest.mark.parametrize(
    ("peer", "key", "secrets", "expected"),
    [
        (LOCAL, "x", Secrets(), Denied(404)),
        (REMOTE, "the-secret", Secrets(HASHED), Denied(403, "remote management disabled")),
        (REMOTE, "the-secret", Secrets(HASHED, allow_remote=True), None),
        (REMOTE, "env", Secrets(env_password="env"), None),
        (
            REMOTE,
            "gui",
            Secrets(local_key="gui", allow_remote=True),
            Denied(403, "remote management key not set"),
        ),
        (REMOTE, "gui", Secrets(local_key="gui"), Denied(403, "remote management disabled")),
        (LOCAL, "", Secrets(HASHED), Denied(401, "missing management key")),
        (LOCAL, "nope", Secrets(HASHED), Denied(401, "invalid management key")),
        (LOCAL, "the-secret", Secrets(HASHED), None),
        (LOCAL, "plain", Secrets("plain"), None),
        (LOCAL, "plai", Secrets("plain"), Denied(401, "invalid management key")),
        (LOCAL, "gui", Secrets(local_key="gui"), None),
        (LOCAL, "gui", Secrets(HASHED, local_key="other"), Denied(401, "invalid management key")),
        (LOCAL, "env", Secrets(HASHED, env_password="env"), None),
        (LOCAL, "the-secret", Secrets(env_password="env"), Denied(401, "invalid management key")),
    ],
    ids=[
        "disabled",
        "remote-refused",
        "remote-allowed",
        "remote-env-password",
        "remote-local-key-only",
        "remote-local-key-no-allow",
        "missing",
        "wrong",
        "hashed",
        "plaintext",
        "plaintext-prefix",
        "local-key",
        "local-key-wrong",
        "env-password",
        "secret-not-configured",
    ],
)
async def test_decisions(peer: str, key: str, secrets: Secrets, expected: Denied | None) -> None:
    assert await ManagementGuard().check(peer, key, secrets) == expected


async def test_five_failures_ban_for_thirty_minutes_then_the_count_restarts() -> None:
    clock = Clock()
    guard = ManagementGuard(clock=clock)
    secrets = Secrets("plain")
    for _ in range(MAX_FAILURES):
        assert (await guard.check(LOCAL, "wrong", secrets) or Denied(0)).status == 401
    banned = await guard.check(LOCAL, "plain", secrets)
    assert banned == Denied(403, "IP banned due to too many failed attempts. Try again in 30m0s")
    assert await guard.check("127.0.0.2", "plain", secrets) == Denied(403, "remote management disabled")
    clock.now += BAN_SECONDS - 61
    assert await guard.check(LOCAL, "plain", secrets) == Denied(
        403, "IP banned due to too many failed attempts. Try again in 1m1s"
    )
    clock.now += 61
    assert await guard.check(LOCAL, "plain", secrets) is None
    for _ in range(MAX_FAILURES - 1):
        await guard.check(LOCAL, "", secrets)
    assert await guard.check(LOCAL, "plain", secrets) is None


async def test_refusals_before_the_key_check_do_not_count() -> None:
    guard = ManagementGuard()
    for _ in range(10):
        assert await guard.check(REMOTE, "x", Secrets("plain")) == Denied(403, "remote management disabled")
    assert await guard.check(REMOTE, "plain", Secrets("plain", allow_remote=True)) is None


def test_idle_entries_are_purged() -> None:
    clock = Clock()
    lockout = Lockout(clock=clock)
    lockout.fail("a")
    lockout.banned_for("b")  # the first call schedules the hourly sweep
    clock.now += 3 * 3600
    lockout.banned_for("b")
    for _ in range(MAX_FAILURES - 1):
        lockout.fail("a")
    assert lockout.banned_for("a") == 0.0  # the old failure was forgotten
