"""Logins started through the management API (GUI, web panel): run in the background, polled by state.

``await start(file_type, options)`` runs the provider's login as a background task until it shows
its URL (or device code), and returns that URL with the login's ``state``; the login then waits for
its callback on the provider's fixed loopback port, or for ``submit_callback`` (the main port's
``/<provider>/callback`` routes and ``POST /oauth-callback`` with a pasted redirect URL).
``status(state)`` answers ``wait`` / ``ok`` / ``error`` (unknown states are ``ok``, as in the
original); finished sessions are kept 10 minutes. Starting a login replaces a pending one of the
same provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from server.auth.accounts import account_provider
from server.auth.base import AccountProvider, CallbackResult, LoginError, LoginOptions
from server.auth.login import BaseLoginContext, login_title, run_login
from server.auth.paste import parse_callback_params, parse_pasted
from server.auth.store import CredentialStore

__all__ = [
    "PROVIDER_ALIASES",
    "LoginSessions",
    "LoginStart",
    "LoginStatus",
    "SubmitOutcome",
    "is_valid_state",
]

log = logging.getLogger(__name__)

PROVIDER_ALIASES = {
    "anthropic": "claude",
    "claude": "claude",
    "codex": "codex",
    "openai": "codex",
    "google": "gemini",
    "gemini": "gemini",
    "gemini-cli": "gemini",
    "antigravity": "antigravity",
    "iflow": "iflow",
    "qwen": "qwen",
}
"""Provider names of the callback routes and ``POST /oauth-callback`` → credential file type."""

SubmitOutcome = Literal["ok", "invalid", "unknown_state", "provider_mismatch", "not_pending"]
_STATE = re.compile(r"[A-Za-z0-9._-]{1,128}")
_START_TIMEOUT = 60.0
_TTL = 600.0

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


def is_valid_state(state: str) -> bool:
    """A state the management API accepts: ``[A-Za-z0-9._-]``, at most 128 characters, no ``..``."""
    return bool(_STATE.fullmatch(state)) and ".." not in state


@dataclass(frozen=True, slots=True)
class LoginStart:
    url: str
    state: str
    user_code: str = ""
    verification_url: str = ""


@dataclass(frozen=True, slots=True)
class LoginStatus:
    status: Literal["wait", "ok", "error"]
    error: str = ""


class _SessionContext(BaseLoginContext):
    """Records the URL the provider shows instead of printing it."""

    def __init__(self, ready: asyncio.Event, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ready = ready
        self.url = ""
        self.user_code = ""
        self.verification_url = ""

    async def show_url(self, url: str, *, port: int) -> None:
        await self.listen(port)
        self.url = url
        self.ready.set()

    async def show_device_code(self, url: str, user_code: str) -> None:
        self.url = self.verification_url = url
        self.user_code = user_code
        self.ready.set()


@dataclass(slots=True)
class _Session:
    file_type: str
    ctx: _SessionContext
    state: str = ""
    status: Literal["wait", "ok", "error"] = "wait"
    error: str = ""
    started: float = 0.0
    finished: float | None = None
    names: list[str] = field(default_factory=list)
    task: asyncio.Task[Any] | None = None
    failure: LoginError | None = None


class LoginSessions:
    """Background logins by state."""

    def __init__(
        self,
        *,
        store: CredentialStore,
        http: Callable[[], httpx.AsyncClient],
        endpoints: Callable[[], Callable[[str, str, str], str]],
        on_saved: Callable[[list[str]], None],
        spawn: Spawn,
        clock: Callable[[], float] = time.time,
        start_timeout: float = _START_TIMEOUT,
    ) -> None:
        self._store = store
        self._http = http
        self._endpoints = endpoints
        self._on_saved = on_saved
        self._spawn = spawn
        self._clock = clock
        self._start_timeout = start_timeout
        self._sessions: dict[str, _Session] = {}
        self._counter = 0

    async def start(self, file_type: str, options: LoginOptions) -> LoginStart:
        """Start a login; its URL and state. LoginError when it cannot start (port taken, no provider …)."""
        kind = file_type.strip().lower()
        provider = account_provider(kind)
        if provider is None:
            raise LoginError(f"{login_title(kind)} login is not available")
        self._expire()
        await self._replace_pending(kind)
        ready = asyncio.Event()
        ctx = _SessionContext(
            ready, http=self._http(), options=options, endpoints=self._endpoints(), clock=self._clock
        )
        session = _Session(kind, ctx, started=self._clock())
        session.task = self._spawn(self._run(session, provider), f"{kind} login")
        waiter = asyncio.ensure_future(ready.wait())
        try:
            await asyncio.wait(
                {session.task, waiter}, timeout=self._start_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        if not ready.is_set():
            if not session.task.done():
                session.task.cancel()
                raise LoginError("the login did not produce a URL in time")
            raise session.failure or LoginError(session.error or "the login ended before it showed a URL")
        session.state = _state_in(ctx.url) or self._new_state(kind)
        self._sessions[session.state] = session
        return LoginStart(ctx.url, session.state, ctx.user_code, ctx.verification_url)

    def status(self, state: str) -> LoginStatus:
        self._expire()
        session = self._sessions.get(state)
        if session is None or session.status == "ok":
            return LoginStatus("ok")
        return LoginStatus(session.status, session.error)

    def submit_callback(self, provider_path: str, params: Mapping[str, str]) -> SubmitOutcome:
        """Hand a callback (query parameters, or ``redirect_url`` = a pasted URL) to its login."""
        kind = PROVIDER_ALIASES.get(provider_path.strip().strip("/").lower())
        fields = {str(k): str(v) for k, v in params.items()}
        pasted = fields.get("redirect_url", "")
        result = parse_pasted(pasted) if pasted else parse_callback_params(fields)
        if kind is None or result is None:
            return "invalid"
        state = fields.get("state") or result.state
        session = self._find(kind, state)
        if session is None:
            return "unknown_state"
        if session.file_type != kind:
            return "provider_mismatch"
        if session.status != "wait" or session.ctx.inbox.done:
            return "not_pending"
        if not result.state and state:
            result = CallbackResult(result.code, state, result.error, result.params)
        session.ctx.inbox.deliver(result)
        return "ok"

    async def close(self) -> None:
        """Cancel every running login (server shutdown)."""
        tasks = [s.task for s in self._sessions.values() if s.task is not None and not s.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    # -- internals ------------------------------------------------------------------------------

    def _find(self, kind: str, state: str) -> _Session | None:
        if state:
            return self._sessions.get(state)
        waiting = [s for s in self._sessions.values() if s.file_type == kind and s.status == "wait"]
        return waiting[0] if len(waiting) == 1 else None

    def _new_state(self, kind: str) -> str:
        self._counter += 1
        return f"{kind[:3]}-{time.time_ns()}-{self._counter}"

    async def _replace_pending(self, kind: str) -> None:
        for session in list(self._sessions.values()):
            if session.file_type == kind and session.status == "wait" and session.task is not None:
                session.error = "replaced by a newer login"
                session.task.cancel()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(session.task, 5.0)

    def _expire(self) -> None:
        now = self._clock()
        for state, session in list(self._sessions.items()):
            if session.finished is not None and now - session.finished > _TTL:
                del self._sessions[state]
            elif session.finished is None and now - session.started > _TTL and session.task is not None:
                session.error = "the login timed out"
                session.task.cancel()

    async def _run(self, session: _Session, provider: AccountProvider) -> None:
        try:
            session.names = await run_login(provider, session.ctx, self._store)
        except asyncio.CancelledError:
            session.status, session.error = "error", session.error or "the login was cancelled"
            raise
        except LoginError as exc:
            session.status, session.error, session.failure = "error", str(exc), exc
        except httpx.HTTPError as exc:
            session.status, session.error = "error", f"network error ({type(exc).__name__})"
        except Exception as exc:
            log.exception("%s login failed", session.file_type)
            session.status, session.error = "error", f"the login failed ({type(exc).__name__})"
        else:
            session.status = "ok"
            log.info("%s login saved %s", session.file_type, ", ".join(session.names))
            try:
                self._on_saved(session.names)
            except Exception:
                log.exception("loading the new credential failed")
        finally:
            session.finished = self._clock()
            if session.status == "error":
                log.warning("%s login failed: %s", session.file_type, session.error)


def _state_in(url: str) -> str:
    values = parse_qs(urlsplit(url).query).get("state")
    return values[0] if values and is_valid_state(values[0]) else ""
