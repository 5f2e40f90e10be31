"""Logins for the management API: started in the background, polled by state, fed by callbacks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from server.auth.base import LoginError, LoginOptions
from server.auth.callback import CallbackPortBusy
from server.auth.endpoints import Endpoints
from server.auth.sessions import LoginSessions, LoginStatus, is_valid_state
from server.auth.store import CredentialStore
from server.tasks import TaskGroup
from tests.fakes.oauth_fake import FakeOAuth, abrowse

ACCOUNT = {"account": {"email_address": "me@example.com"}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Harness:
    def __init__(self, sessions: LoginSessions, saved: list[list[str]], directory: Path) -> None:
        self.sessions, self.saved, self.directory = sessions, saved, directory

    async def settled(self, state: str) -> LoginStatus:
        for _ in range(500):
            status = self.sessions.status(state)
            if status.status != "wait":
                return status
            await asyncio.sleep(0.01)
        raise AssertionError("the login did not finish")


@pytest.fixture
async def harness(oauth: FakeOAuth, http: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[Harness]:
    oauth.configure(token_extra=ACCOUNT)
    tasks = TaskGroup()
    saved: list[list[str]] = []
    urls = {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}

    def spawn(coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return tasks.spawn(coro, name=name)

    sessions = LoginSessions(
        store=CredentialStore(tmp_path),
        http=lambda: http,
        endpoints=lambda: Endpoints({"claude": urls, "codex": urls}, environ={}),
        on_saved=saved.append,
        spawn=spawn,
    )
    yield Harness(sessions, saved, tmp_path)
    await sessions.close()
    await tasks.aclose()


def redirect_query(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).query))


async def test_a_browser_login_completes(harness: Harness) -> None:
    start = await harness.sessions.start("claude", LoginOptions(callback_port=free_port()))
    assert start.state == redirect_query(start.url)["state"]
    assert harness.sessions.status(start.state) == LoginStatus("wait")
    landed = await abrowse(start.url)
    assert "Login successful" in landed.text
    assert await harness.settled(start.state) == LoginStatus("ok")
    assert harness.saved == [["claude-me@example.com.json"]]
    assert (harness.directory / "claude-me@example.com.json").is_file()


@pytest.mark.parametrize("pasted", [False, True], ids=["route-params", "pasted-redirect-url"])
async def test_a_callback_submitted_through_the_main_server(
    harness: Harness, http: httpx.AsyncClient, pasted: bool
) -> None:
    start = await harness.sessions.start("claude", LoginOptions(callback_port=free_port()))
    location = (await http.get(start.url)).headers["location"]
    params = {"redirect_url": location} if pasted else redirect_query(location)
    assert harness.sessions.submit_callback("codex", params) == "provider_mismatch"
    assert harness.sessions.submit_callback("anthropic", params) == "ok"
    assert await harness.settled(start.state) == LoginStatus("ok")
    assert harness.sessions.submit_callback("anthropic", params) == "not_pending"


@pytest.mark.parametrize(
    ("provider", "params", "outcome"),
    [
        ("anthropic", {"code": "c", "state": "unknown"}, "unknown_state"),
        ("nobody", {"code": "c", "state": "s"}, "invalid"),
        ("anthropic", {"state": "s"}, "invalid"),
    ],
    ids=["unknown-state", "unknown-provider", "no-code"],
)
def test_submissions_that_reach_no_login(
    harness: Harness, provider: str, params: dict[str, str], outcome: str
) -> None:
    assert harness.sessions.submit_callback(provider, params) == outcome


async def test_a_refused_login_reports_its_error(harness: Harness, oauth: FakeOAuth) -> None:
    oauth.configure(authorize_error="access_denied")
    start = await harness.sessions.start("claude", LoginOptions(callback_port=free_port()))
    await abrowse(start.url)
    status = await harness.settled(start.state)
    assert status.status == "error" and "access_denied" in status.error
    assert harness.sessions.status(start.state) == status  # errors stay visible
    assert harness.saved == []


async def test_a_new_login_replaces_a_pending_one(harness: Harness) -> None:
    port = free_port()
    first = await harness.sessions.start("claude", LoginOptions(callback_port=port))
    second = await harness.sessions.start("claude", LoginOptions(callback_port=port))
    assert harness.sessions.status(first.state) == LoginStatus("error", "replaced by a newer login")
    await abrowse(second.url)
    assert await harness.settled(second.state) == LoginStatus("ok")


async def test_logins_that_cannot_start(harness: Harness) -> None:
    with pytest.raises(LoginError, match="not available"):
        await harness.sessions.start("kimi", LoginOptions())
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        with pytest.raises(CallbackPortBusy):
            await harness.sessions.start("claude", LoginOptions(callback_port=holder.getsockname()[1]))


def test_unknown_states_read_ok(harness: Harness) -> None:
    assert harness.sessions.status("never-started") == LoginStatus("ok")


@pytest.mark.parametrize(
    ("state", "valid"),
    [("abc-123_X.y", True), ("", False), ("a/b", False), ("a..b", False), ("x" * 129, False)],
    ids=["ok", "empty", "slash", "dotdot", "too-long"],
)
def test_state_validation(state: str, valid: bool) -> None:
    assert is_valid_state(state) is valid
