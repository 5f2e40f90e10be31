"""Start AccountRuntimes on a ProxyService for the runtime tests (fake clock, injectable sleep)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from server.auth.runtime import AccountRuntime
from server.config.load import parse_config
from server.service import ProxyService
from tests.unit.auth.accounts_double import Clock

__all__ = ["Running", "StartRuntime", "never", "runtimes", "wait_until"]


async def never(seconds: float) -> None:
    await asyncio.Event().wait()


class Running:
    def __init__(self, service: ProxyService, runtime: AccountRuntime, clock: Clock) -> None:
        self.service, self.runtime, self.clock = service, runtime, clock

    def write(self, name: str, data: dict[str, Any]) -> None:
        (self.runtime.store.directory / name).write_text(json.dumps(data), encoding="utf-8")

    def ids(self) -> set[str]:
        """Ids of the account credentials the live state routes."""
        return {c.id for c in self.service.state.credentials if c.kind == "oauth"}

    def live(self, credential_id: str) -> Any:
        return next(c for c in self.service.state.credentials if c.id == credential_id)


StartRuntime = Callable[..., Awaitable[Running]]


async def runtimes(auth_dir: Path) -> AsyncIterator[StartRuntime]:
    """The body of a ``start`` fixture: ``await start(settings, sleep=...)`` gives a started runtime."""
    started: list[Running] = []

    async def run(
        settings: dict[str, Any] | None = None, *, sleep: Callable[[float], Awaitable[None]] = never
    ) -> Running:
        config = parse_config({"auth-dir": str(auth_dir), **(settings or {})})
        service = ProxyService(config)
        clock = Clock(2_000_000_000.0)
        runtime = AccountRuntime(clock=clock, sleep=sleep)
        await runtime.start(service)
        started.append(Running(service, runtime, clock))
        return started[-1]

    yield run
    for running in started:
        await running.runtime.stop()
        await running.service.clients.aclose()


async def wait_until(check: Callable[[], bool], *, seconds: float = 2.0) -> None:
    """Let background tasks run until ``check()`` holds (AssertionError after ``seconds``)."""
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
