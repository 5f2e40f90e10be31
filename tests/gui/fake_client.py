"""A fake ManagementClient for widget tests: the same coroutines over in-memory state.

Use it with the Qt harness (``tests.gui.qt_harness``)::

    from tests.gui.fake_client import FakeClient
    from tests.gui.qt_harness import QT_MARKS, qt_loop

``FakeClient.fail("accounts", "Cannot reach the proxy", 0)`` makes the next calls raise
``ManagementError``; ``hold("accounts")`` returns an ``asyncio.Event`` the call waits for (loading
states); ``push_event(kind, data)`` feeds ``events()``. Every call is recorded in ``calls``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace

import gui.aio  # noqa: F401  (applies gui.qtfix before the tests call Qt)
from gui.client import ManagementError
from gui.models import (
    Account,
    Alias,
    Exclusion,
    LoginStart,
    LoginStatus,
    LogLine,
    ModelTest,
    PayloadRule,
    ProviderKey,
    QuotaWindow,
    ServerStatus,
    Settings,
    UsageSeries,
    UsageSummary,
    log_level,
)
from tests.gui.sample_data import (
    BASE_URL,
    CLIENT_KEY,
    NOW,
    sample_accounts,
    sample_series,
    sample_summary,
    sample_values,
)

__all__ = [
    "BASE_URL",
    "CLIENT_KEY",
    "NOW",
    "FakeClient",
    "sample_accounts",
    "sample_series",
]


class FakeClient:
    """In-memory stand-in for ``gui.client.ManagementClient``; intents change its state like the server."""

    def __init__(
        self,
        *,
        accounts: Iterable[Account] = (),
        aliases: Iterable[Alias] = (),
        exclusions: Iterable[Exclusion] = (),
        models: Iterable[str] = (),
        settings: dict[str, object] | None = None,
        api_keys: Iterable[str] = (CLIENT_KEY,),
        log_lines: Iterable[str] = (),
        series: Iterable[UsageSeries] = (),
        summary: UsageSummary | None = None,
        running: bool = True,
        payload: Iterable[PayloadRule] = (),
        provider_keys: Iterable[ProviderKey] = (),
    ) -> None:
        self.base_url = BASE_URL
        self.account_list = list(accounts)
        self.alias_list = list(aliases)
        self.exclusion_list = list(exclusions)
        self.model_list = list(models)
        self.setting_values: dict[str, object] = dict(settings or {})
        self.key_list = list(api_keys)
        self.log_list = [LogLine(t, log_level(t)) for t in log_lines]
        self.series_list = list(series)
        self.synthetic_usage = False
        self.summary_value = summary or UsageSummary(0, 0, 0, 0)
        self.summaries: dict[float, UsageSummary] = {}  # by window length (until - since, seconds)
        self.payload_list = list(payload)
        self.provider_key_list = list(provider_keys)
        self.fetched_quota: dict[str, tuple[QuotaWindow, ...]] = {}  # what refresh_quota "fetches"
        self.running = running
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.login_answers: list[LoginStatus] = []
        self.test_answer = ModelTest(True, 420, 1310, "", "claude-sonnet-4-5")
        self.restart_keys = frozenset({"host", "port"})
        self._failures: dict[str, ManagementError] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._events: asyncio.Queue[tuple[str, dict[str, object]] | None] | None = None
        self.closed = False
        self._served = 0

    @classmethod
    def sample(cls) -> FakeClient:
        """A client with realistic data on every page (for screenshots and smoke tests); its usage
        series are made up inside whatever window and grouping a page asks for."""
        made = cls._sample()
        made.synthetic_usage = True
        return made

    @classmethod
    def _sample(cls) -> FakeClient:
        return cls(**sample_values())  # type: ignore[arg-type]

    # -- test controls ---------------------------------------------------------------------------

    def fail(self, method: str, message: str, status: int = 500) -> None:
        """Make every later call of ``method`` raise ``ManagementError(message, status)``."""
        self._failures[method] = ManagementError(message, status)

    def recover(self, method: str) -> None:
        self._failures.pop(method, None)

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` wait until the returned event is set."""
        event = self._holds[method] = asyncio.Event()
        return event

    def called(self, method: str) -> list[tuple[object, ...]]:
        """The arguments of each call of ``method`` so far."""
        return [args for name, args in self.calls if name == method]

    def push_event(self, kind: str, data: dict[str, object] | None = None) -> None:
        self._queue().put_nowait((kind, dict(data or {})))

    def end_events(self) -> None:
        self._queue().put_nowait(None)

    def _queue(self) -> asyncio.Queue[tuple[str, dict[str, object]] | None]:
        if self._events is None:
            self._events = asyncio.Queue()
        return self._events

    async def _enter(self, name: str, *args: object) -> None:
        self.calls.append((name, args))
        hold = self._holds.get(name)
        if hold is not None:
            await hold.wait()
        failure = self._failures.get(name)
        if failure is not None:
            raise ManagementError(failure.message, failure.status)

    def _find(self, *, file_name: str = "", account_id: str = "") -> int:
        for i, a in enumerate(self.account_list):
            if (file_name and a.file_name == file_name) or (account_id and a.id == account_id):
                return i
        raise ManagementError("File not found", 404)

    # -- the ManagementClient surface ------------------------------------------------------------

    def set_base_url(self, base_url: str) -> None:
        self.base_url = base_url

    async def aclose(self) -> None:
        self.closed = True

    async def status(self) -> ServerStatus:
        await self._enter("status")
        if self.running:
            return ServerStatus("running", self.base_url)
        return ServerStatus("unreachable", self.base_url, f"Cannot reach the proxy at {self.base_url}.")

    async def accounts(self) -> list[Account]:
        await self._enter("accounts")
        return list(self.account_list)

    async def set_account_disabled(self, file_name: str, disabled: bool) -> None:
        await self._enter("set_account_disabled", file_name, disabled)
        i = self._find(file_name=file_name)
        status = "disabled" if disabled else "ready"
        self.account_list[i] = replace(self.account_list[i], disabled=disabled, status=status)

    async def set_account_priority(self, file_name: str, priority: int) -> None:
        await self._enter("set_account_priority", file_name, priority)
        i = self._find(file_name=file_name)
        self.account_list[i] = replace(self.account_list[i], priority=priority)

    async def delete_account(self, file_name: str) -> None:
        await self._enter("delete_account", file_name)
        del self.account_list[self._find(file_name=file_name)]

    async def reset_cooldown(self, account_id: str) -> int:
        await self._enter("reset_cooldown", account_id)
        i = self._find(account_id=account_id)
        self.account_list[i] = replace(self.account_list[i], status="ready", cooling_until=None)
        return 1

    async def test_account(self, account_id: str, model: str = "") -> ModelTest:
        await self._enter("test_account", account_id, model)
        self._find(account_id=account_id)
        return self.test_answer

    async def refresh_quota(self, account_id: str | None = None) -> dict[str, tuple[QuotaWindow, ...]]:
        await self._enter("refresh_quota", account_id)
        if account_id:
            self._find(account_id=account_id)
        answered = {k: v for k, v in self.fetched_quota.items() if account_id is None or k == account_id}
        for i, account in enumerate(self.account_list):
            if account.id in answered:
                self.account_list[i] = replace(account, quota=answered[account.id])
        return answered

    async def test_model(self, model: str) -> ModelTest:
        await self._enter("test_model", model)
        return replace(self.test_answer, model=model)

    async def start_login(self, provider: str, project_id: str = "") -> LoginStart:
        await self._enter("start_login", provider, project_id)
        state = f"state-{provider}-{len(self.called('start_login'))}"
        if provider == "qwen":
            return LoginStart(
                "https://chat.example.com/device?user_code=WXYZ-1234", state, "WXYZ-1234",
                "https://chat.example.com/device",
            )  # fmt: skip
        return LoginStart(f"https://login.example.com/{provider}?state={state}", state)

    async def login_status(self, state: str) -> LoginStatus:
        await self._enter("login_status", state)
        answer = self.login_answers.pop(0) if self.login_answers else LoginStatus("ok")
        if answer.status == "ok":
            provider = state.split("-")[1] if state.count("-") >= 2 else "claude"
            n = len(self.account_list) + 1
            self.account_list.append(
                Account(
                    f"{provider}-new{n}.json",
                    f"{provider}-new{n}.json",
                    provider,
                    f"new{n}@example.com",
                    f"new{n}@example.com",
                    "ready",
                    False,
                    None,
                    time.time() + 3600,
                    "",
                    0,
                )  # fmt: skip
            )
        return answer

    async def submit_callback(self, provider: str, redirect_url: str) -> None:
        await self._enter("submit_callback", provider, redirect_url)

    async def aliases(self) -> list[Alias]:
        await self._enter("aliases")
        return list(self.alias_list)

    async def set_aliases(self, aliases: Iterable[Alias]) -> None:
        listed = list(aliases)
        await self._enter("set_aliases", listed)
        self.alias_list = listed

    async def exclusions(self) -> list[Exclusion]:
        await self._enter("exclusions")
        return list(self.exclusion_list)

    async def set_exclusions(self, exclusions: Iterable[Exclusion]) -> None:
        listed = list(exclusions)
        await self._enter("set_exclusions", listed)
        self.exclusion_list = listed

    async def payload_rules(self) -> list[PayloadRule]:
        await self._enter("payload_rules")
        return list(self.payload_list)

    async def set_payload_rules(self, rules: Iterable[PayloadRule]) -> None:
        listed = list(rules)
        await self._enter("set_payload_rules", listed)
        self.payload_list = listed

    async def provider_keys(self) -> list[ProviderKey]:
        await self._enter("provider_keys")
        return list(self.provider_key_list)

    async def set_provider_keys(self, kind: str, keys: Iterable[ProviderKey]) -> None:
        listed = list(keys)
        await self._enter("set_provider_keys", kind, listed)
        self.provider_key_list = [k for k in self.provider_key_list if k.kind != kind] + listed

    async def models(self) -> list[str]:
        await self._enter("models")
        return list(self.model_list)

    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]:
        await self._enter("usage_series", since, until, bucket, group_by)
        if self.synthetic_usage:
            return sample_series(since, until, bucket, group_by)
        return list(self.series_list)

    async def usage_export(self) -> dict[str, object]:
        await self._enter("usage_export")
        return {"version": 1, "exported_at": "2025-10-09T15:20:00Z", "usage": {"total_requests": 3}}

    async def usage_summary(self, since: float, until: float) -> UsageSummary:
        await self._enter("usage_summary", since, until)
        if self.synthetic_usage:
            return sample_summary(since, until)
        return self.summaries.get(round(until - since), self.summary_value)

    async def logs(self, after: float | None, limit: int) -> tuple[list[LogLine], float]:
        await self._enter("logs", after, limit)
        lines = self.log_list[-limit:] if after is None else self.log_list[self._served :]
        self._served = len(self.log_list)
        return list(lines), NOW + len(self.log_list)

    def add_log_lines(self, *lines: str) -> None:
        self.log_list.extend(LogLine(t, log_level(t)) for t in lines)

    async def settings(self) -> Settings:
        await self._enter("settings")
        return Settings(dict(self.setting_values))

    async def update_setting(self, key: str, value: object) -> bool:
        await self._enter("update_setting", key, value)
        self.setting_values[key] = value
        return key in self.restart_keys

    async def api_keys(self) -> list[str]:
        await self._enter("api_keys")
        return list(self.key_list)

    async def set_api_keys(self, keys: Iterable[str]) -> None:
        listed = list(keys)
        await self._enter("set_api_keys", listed)
        self.key_list = listed

    async def events(self) -> AsyncIterator[tuple[str, dict[str, object]]]:
        await self._enter("events")
        yield "hello", {"version": "test"}
        queue = self._queue()
        while True:
            item = await queue.get()
            if item is None:
                return
            yield item
