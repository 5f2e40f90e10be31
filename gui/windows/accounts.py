"""``AccountsPage``: the account list wired to the proxy — every action awaited through the client, then the
shared AppState refreshed (its ``accounts_changed`` re-renders the list); logins open a ``LoginDialog``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.aio import async_slot, spawn
from gui.client import ManagementError
from gui.i18n import tr
from gui.models import Exclusion, ModelTest, QuotaWindow, ServerStatus, UsageSeries
from gui.state import AppState
from gui.windows.accounts_view import AccountRow, AccountsView
from gui.windows.login import LoginClient, LoginDialog
from gui.windows.provider_switch import short_name, switched_off, with_switch

__all__ = ["QUOTA_FETCH_EVERY", "AccountsClient", "AccountsPage"]

_WEEK = 7 * 86400.0
QUOTA_FETCH_EVERY = 300.0
"""Seconds between the quiet quota fetches made when the page is shown."""


class AccountsClient(LoginClient, Protocol):
    """What the page needs from ManagementClient."""

    async def set_account_disabled(self, file_name: str, disabled: bool) -> None: ...
    async def exclusions(self) -> list[Exclusion]: ...
    async def set_exclusions(self, exclusions: Iterable[Exclusion]) -> None: ...
    async def set_account_priority(self, file_name: str, priority: int) -> None: ...
    async def delete_account(self, file_name: str) -> None: ...
    async def reset_cooldown(self, account_id: str) -> int: ...
    async def test_account(self, account_id: str, model: str = "") -> ModelTest: ...
    async def refresh_quota(self, account_id: str | None = None) -> dict[str, tuple[QuotaWindow, ...]]: ...
    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]: ...


class AccountsPage(QWidget):
    """The Accounts page: the view, wired to the client and the shared AppState."""

    def __init__(
        self,
        state: AppState,
        client: AccountsClient,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
        login_factory: Callable[[LoginClient, str, QWidget], LoginDialog] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme paints pages
        self._state, self._client, self._clock = state, client, clock
        self._login_factory = login_factory or (lambda c, p, w: LoginDialog(c, p, w))
        self._last_used: dict[str, float] = {}
        self._used_loaded = 0.0
        self._quota_asked = 0.0
        self._tests: dict[str, str] = {}
        self._excluded: list[Exclusion] = []  # the server's oauth-excluded-models, as last read
        self._was_running = state.status.running
        self.login: LoginDialog | None = None
        self.view = AccountsView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        v = self.view
        v.add_requested.connect(self.open_login)
        v.relogin_requested.connect(self.open_login)
        v.toggle_requested.connect(self.set_disabled)
        v.remove_requested.connect(self.remove)
        v.priority_requested.connect(self.set_priority)
        v.reset_requested.connect(self.reset_cooldown)
        v.test_requested.connect(self.test)
        v.refresh_requested.connect(self.refresh)
        v.quota_refresh_requested.connect(self.refresh_quota)
        v.services.switch_requested.connect(self.switch_service)
        state.accounts_changed.connect(self.redraw)
        state.config_changed.connect(self._config_changed)
        state.status_changed.connect(self._status_changed)
        state.error_raised.connect(self.view.show_message)
        self._ticker = QTimer(self)
        self._ticker.setInterval(30_000)
        self._ticker.timeout.connect(self.redraw)
        self._ticker.start()
        self.redraw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._clock() - self._used_loaded > 60:
            spawn(self._reload_last_used(), "accounts: last used")
        if self._clock() - self._quota_asked > QUOTA_FETCH_EVERY and self._state.status.running:
            spawn(self._fetch_quota_quietly(), "accounts: quota", owner=self)
        if self._state.status.running:
            spawn(self.load_services(), "accounts: services", owner=self)

    def _config_changed(self) -> None:
        spawn(self.load_services(), "accounts: services", owner=self)

    def _status_changed(self, status: ServerStatus) -> None:
        if status.running and not self._was_running:  # (re)started: which providers are off
            spawn(self.load_services(), "accounts: services", owner=self)
        self._was_running = status.running

    async def _fetch_quota_quietly(self) -> None:
        """Ask the providers that can be asked (Antigravity, Gemini CLI) when the page is opened; the
        others report with every answer. A failure here is not worth a message."""
        self._quota_asked = self._clock()
        try:
            answered = await self._client.refresh_quota(None)
        except ManagementError:
            return
        if any(answered.values()):
            await self._state.refresh_accounts()

    async def _reload_last_used(self) -> None:
        await self.load_last_used()
        self.redraw()

    def redraw(self) -> None:
        now = self._clock()
        off = switched_off(self._excluded)
        accounts = self._state.accounts
        rows = [
            AccountRow(
                a,
                now,
                self._last_used.get(a.id),
                self._tests.get(a.id, ""),
                service_off=a.kind == "oauth" and a.provider.lower() in off,
            )  # fmt: skip
            for a in accounts
        ]
        self.view.show_rows(rows)
        self.view.services.show_services((a.provider for a in accounts if a.kind == "oauth"), off)

    async def load_services(self) -> None:
        """Read ``oauth-excluded-models`` (which providers are off); a failure keeps what is shown."""
        try:
            self._excluded = await self._client.exclusions()
        except ManagementError:
            return
        self.redraw()

    @async_slot(str, bool)
    async def switch_service(self, provider: str, on: bool) -> None:
        """Add (off) or remove (on) the ``*`` of ``provider`` in the server's current exclusion list; on
        failure the menu shows the last known state again."""
        name = short_name(provider)
        try:
            current = await self._client.exclusions()
            await self._client.set_exclusions(with_switch(current, provider, on))
            self._excluded = await self._client.exclusions()
        except ManagementError as exc:
            failed = (
                tr("Could not switch {name} accounts on: {error}")
                if on
                else tr("Could not switch {name} accounts off: {error}")
            )
            self.view.show_message(failed.format(name=name, error=exc.message))
            self.redraw()
            return
        done = (
            tr("{name} accounts are used again.")
            if on
            else tr("{name} accounts are switched off: requests go to your other accounts and keys.")
        )
        self.view.show_message(done.format(name=name), "success")
        self.redraw()

    def open_login(self, provider: str) -> LoginDialog:
        self.login = self._login_factory(self._client, provider, self)
        self.login.logged_in.connect(self.refresh)
        self.login.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.login.destroyed.connect(self._login_gone)
        self.login.open()
        return self.login

    def _login_gone(self) -> None:
        self.login = None

    async def _do(self, call: Callable[[], Awaitable[object]], done: str = "") -> bool:
        try:
            await call()
        except ManagementError as exc:
            self.view.show_message(exc.message)
            return False
        self.view.show_message(done, "success")
        await self._state.refresh_accounts()
        return True

    @async_slot()
    async def refresh(self) -> None:
        self.view.show_message("")
        await self._state.refresh_accounts()
        await self.load_last_used()
        await self.load_services()
        self.redraw()

    async def load_last_used(self) -> None:
        """When each account last answered a request (hour buckets of the last 7 days)."""
        now = self._used_loaded = self._clock()
        try:
            series = await self._client.usage_series(now - _WEEK, now, "hour", "credential")
        except ManagementError:
            return  # the column stays empty; the list itself matters more
        for line in series:
            used = [p.bucket_start for p in line.points if p.requests]
            if used:
                self._last_used[line.group] = max(used)

    @async_slot(str, bool)
    async def set_disabled(self, file_name: str, disabled: bool) -> None:
        await self._do(lambda: self._client.set_account_disabled(file_name, disabled))

    @async_slot(str, int)
    async def set_priority(self, file_name: str, priority: int) -> None:
        done = tr("Priority set to {priority}.").format(priority=priority)
        await self._do(lambda: self._client.set_account_priority(file_name, priority), done)

    @async_slot(str)
    async def remove(self, file_name: str) -> None:
        await self._do(lambda: self._client.delete_account(file_name), tr("The account was deleted."))

    @async_slot(str)
    async def reset_cooldown(self, account_id: str) -> None:
        await self._do(lambda: self._client.reset_cooldown(account_id), tr("The account can be used again."))

    @async_slot(str)
    async def test(self, account_id: str) -> None:
        self._tests[account_id] = tr("Testing…")
        self.redraw()
        try:
            result = await self._client.test_account(account_id)
        except ManagementError as exc:
            self._tests[account_id] = tr("Failed")
            self.view.show_message(exc.message)
            self.redraw()
            return
        if result.ok:
            self._tests[account_id] = f"{result.ttft_ms or 0:,} ms / {(result.latency_ms or 0) / 1000:.1f} s"
            self.view.show_message("")
        else:
            self._tests[account_id] = tr("Failed")
            self.view.show_message(
                tr("The test failed: {error}").format(error=result.error or tr("no answer"))
            )
        self.redraw()

    @async_slot(str)
    async def refresh_quota(self, account_id: str) -> None:
        """Have the proxy fetch quota now ("" = every account that can be asked), then show it."""
        self.view.quota_button.setEnabled(False)
        self._quota_asked = self._clock()
        try:
            answered = await self._client.refresh_quota(account_id or None)
        except ManagementError as exc:
            self.view.show_message(tr("Could not refresh the quota: {error}").format(error=exc.message))
            return
        finally:
            self.view.quota_button.setEnabled(True)
        if any(answered.values()):
            self.view.show_message(tr("Quota updated."), "success")
        else:
            self.view.show_message(
                tr("No provider could be asked right now; quota also updates with every request."), "muted"
            )
        await self._state.refresh_accounts()
