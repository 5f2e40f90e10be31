"""A scriptable AccountProvider for machinery tests, registered under the file type ``testacct``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from server.auth.accounts import ACCOUNT_PROVIDERS, register
from server.auth.base import AccountFile, LoginContext, RefreshContext, RefreshError
from server.credential import Credential
from server.jsontypes import JSONObject

__all__ = ["Clock", "TestAccounts", "registered"]


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestAccounts:
    """Refresh answers ``access_token = <old>+`` and ``expired = now + lifetime``, or raises ``fail``."""

    __test__ = False
    file_type = "testacct"
    provider_key = "testacct"

    def __init__(self) -> None:
        self.refresh_lead: float | None = 3600.0
        self.request_lead = 0.0
        self.lifetime = 7200.0
        self.fail: Exception | None = None
        self.gate: asyncio.Event | None = None
        self.calls = 0

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        return [
            Credential(
                id=name,
                provider="claude",
                provider_type="claude",
                kind="oauth",
                api_key=str(data.get("access_token", "")),
                label=str(data.get("email", "")),
            )
        ]

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return {
            **data,
            "access_token": f"{data.get('access_token', '')}+",
            "expired": int(ctx.now() + self.lifetime),
        }

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        raise RefreshError("no login")


def registered() -> Iterator[TestAccounts]:
    """Register a fresh double for one test (use as a generator fixture body)."""
    double = TestAccounts()
    register(double)
    try:
        yield double
    finally:
        ACCOUNT_PROVIDERS.pop("testacct", None)
