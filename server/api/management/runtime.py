"""The service parts the management API reads but other packages own: accounts, usage, logs.

They are attached to the service by their own components (``service.accounts``, ``service.usage``,
``service.logs``) and may be missing in a given build or embedding; the accessors return None then
and the endpoints answer 503. Their methods may be plain or coroutines: ``settle`` awaits either.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Protocol, TypeVar, cast

from server.auth.base import LoginOptions
from server.service import ProxyService
from server.usage.queries import UsageQueries
from server.usage.recorder import UsageRecorder
from server.usage.store import UsageStore

__all__ = [
    "AccountsLike",
    "CredentialStoreLike",
    "LoginSessionsLike",
    "LogsLike",
    "UsageLike",
    "accounts_of",
    "field_of",
    "logs_of",
    "settle",
    "usage_of",
]

_T = TypeVar("_T")


class CredentialStoreLike(Protocol):
    """``service.accounts.store``: the credential files in auth-dir."""

    def list_files(self) -> object: ...

    def read_bytes(self, name: str) -> object: ...

    def write_bytes(self, name: str, data: bytes) -> object: ...

    def delete(self, name: str) -> object: ...

    def delete_all(self) -> object: ...

    def set_disabled(self, name: str, disabled: bool) -> object: ...

    def set_priority(self, name: str, priority: int) -> object: ...


class LoginSessionsLike(Protocol):
    """``service.accounts.sessions``: logins run in the background for the management API."""

    def start(self, file_type: str, options: LoginOptions) -> object: ...

    def status(self, state: str) -> object: ...

    def submit_callback(self, provider_path: str, params: dict[str, str]) -> object: ...


class AccountsLike(Protocol):
    """``service.accounts`` (server/auth/runtime.py)."""

    @property
    def store(self) -> CredentialStoreLike: ...

    @property
    def sessions(self) -> LoginSessionsLike: ...

    def reload(self) -> object: ...


class UsageLike(Protocol):
    """``service.usage`` (server/usage/runtime.py)."""

    @property
    def store(self) -> UsageStore: ...

    @property
    def recorder(self) -> UsageRecorder: ...

    @property
    def queries(self) -> UsageQueries: ...


class LogsLike(Protocol):
    """``service.logs`` (server/logfiles.py)."""

    @property
    def enabled(self) -> bool: ...

    def main_log_lines(self, after: float | None, limit: int) -> tuple[list[str], float]: ...

    def clear_main_logs(self) -> int: ...

    def request_error_logs(self) -> Sequence[object]: ...

    def read_error_log(self, name: str) -> bytes: ...


def accounts_of(service: ProxyService) -> AccountsLike | None:
    return cast("AccountsLike | None", getattr(service, "accounts", None))


def usage_of(service: ProxyService) -> UsageLike | None:
    return cast("UsageLike | None", getattr(service, "usage", None))


def logs_of(service: ProxyService) -> LogsLike | None:
    return cast("LogsLike | None", getattr(service, "logs", None))


async def settle(value: object) -> object:
    """``value``, awaited first when it is awaitable (the owners may make any method a coroutine)."""
    if inspect.isawaitable(value):
        return await value
    return value


def field_of(obj: object, name: str, kind: type[_T], default: _T) -> _T:
    """Attribute ``name`` of ``obj`` when it has the expected type, else ``default``."""
    value = getattr(obj, name, None)
    if isinstance(value, bool) and kind is not bool:
        return default
    return value if isinstance(value, kind) else default
