"""Who may use the management API: enablement, key check, remote rule and the failed-attempt ban.

Decision order (server.md §3.1-3.2 with this port's changes):

1. No secret-key, no ``MANAGEMENT_PASSWORD`` and no local management key → 404 (not mounted).
2. The peer is the socket's address (``request.client``; never X-Forwarded-For); "local" is exactly
   ``127.0.0.1`` / ``::1``. A banned address (local ones too) → 403 ``IP banned …``.
3. Remote without ``allow-remote`` and without ``MANAGEMENT_PASSWORD`` → 403 ``remote management disabled``.
4. Nothing to compare with → 403 ``remote management key not set``.
5. No key (``Authorization: Bearer`` or ``X-Management-Key``) → 401 ``missing management key``.
6. Local peer and the local management key → allowed; ``MANAGEMENT_PASSWORD`` → allowed; the secret
   (bcrypt hash or plaintext) → allowed; else 401 ``invalid management key``.

5 failures (missing or wrong key) from one address ban it for 30 minutes; idle entries are purged.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from server.api.management.secret import SecretVerifier
from server.errors import format_go_duration

__all__ = [
    "BAN_SECONDS",
    "MAX_FAILURES",
    "Denied",
    "Lockout",
    "ManagementGuard",
    "Secrets",
    "is_local",
    "presented_key",
]

MAX_FAILURES = 5
BAN_SECONDS = 30 * 60.0
_IDLE_PURGE = 2 * 3600.0
_LOCAL = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


def is_local(host: str) -> bool:
    """The original's "local client": exactly the IPv4 or IPv6 loopback address."""
    return host in _LOCAL


def presented_key(request: Request) -> str:
    """``Authorization: Bearer <k>`` (any other Authorization value is taken whole), else X-Management-Key."""
    authorization = request.headers.get("authorization", "").strip()
    if authorization:
        scheme, _, token = authorization.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else authorization
    return request.headers.get("x-management-key", "").strip()


@dataclass(slots=True)
class _Attempts:
    failures: int = 0
    banned_until: float = 0.0
    seen: float = 0.0


class Lockout:
    """Failed attempts per address; ``clock`` is monotonic seconds (injected in tests)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_address: dict[str, _Attempts] = {}
        self._next_purge = 0.0

    def banned_for(self, address: str) -> float:
        """Seconds of ban left for ``address`` (0 = not banned); an expired ban starts a fresh count."""
        now = self._clock()
        self._purge(now)
        entry = self._by_address.get(address)
        if entry is None or entry.banned_until == 0.0:
            return 0.0
        if now >= entry.banned_until:
            entry.banned_until = 0.0
            entry.failures = 0
            return 0.0
        return entry.banned_until - now

    def fail(self, address: str) -> None:
        now = self._clock()
        entry = self._by_address.setdefault(address, _Attempts())
        entry.seen = now
        entry.failures += 1
        if entry.failures >= MAX_FAILURES:
            entry.failures = 0
            entry.banned_until = now + BAN_SECONDS

    def succeed(self, address: str) -> None:
        entry = self._by_address.get(address)
        if entry is not None and entry.banned_until == 0.0:
            del self._by_address[address]

    def _purge(self, now: float) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + 3600.0
        stale = [
            address
            for address, entry in self._by_address.items()
            if entry.banned_until <= now and now - entry.seen > _IDLE_PURGE
        ]
        for address in stale:
            del self._by_address[address]


@dataclass(frozen=True, slots=True)
class Secrets:
    """What a key may match: the config secret (hash or plaintext), the env password, the local key."""

    secret: str = ""
    env_password: str = ""
    local_key: str = ""
    allow_remote: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.secret or self.env_password or self.local_key)

    @staticmethod
    def current(secret: str, allow_remote: bool, local_key: str) -> Secrets:
        return Secrets(secret, os.environ.get("MANAGEMENT_PASSWORD", ""), local_key, allow_remote)


@dataclass(frozen=True, slots=True)
class Denied:
    """A refused request: HTTP status and the original's message ("" for the bare 404)."""

    status: int
    message: str = ""


class ManagementGuard:
    """The per-service state of management authentication."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.lockout = Lockout(clock=clock)
        self._verifier = SecretVerifier()

    async def check(self, peer: str, key: str, secrets: Secrets) -> Denied | None:
        """None when ``key`` from ``peer`` may use the API, else why not."""
        if not secrets.enabled:
            return Denied(404)
        local = is_local(peer)
        remaining = self.lockout.banned_for(peer)
        if remaining > 0:
            wait = format_go_duration(max(1, round(remaining)))
            return Denied(403, f"IP banned due to too many failed attempts. Try again in {wait}")
        if not local and not secrets.allow_remote and not secrets.env_password:
            return Denied(403, "remote management disabled")
        usable_local = local and bool(secrets.local_key)
        if not secrets.secret and not secrets.env_password and not usable_local:
            return Denied(403, "remote management key not set")
        if not key:
            self.lockout.fail(peer)
            return Denied(401, "missing management key")
        if usable_local and _same(key, secrets.local_key):
            self.lockout.succeed(peer)
            return None
        if secrets.env_password and _same(key, secrets.env_password):
            self.lockout.succeed(peer)
            return None
        if await self._verifier.verify(key, secrets.secret):
            self.lockout.succeed(peer)
            return None
        self.lockout.fail(peer)
        return Denied(401, "invalid management key")


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
