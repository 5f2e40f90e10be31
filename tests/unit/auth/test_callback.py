"""The loopback callback listener, its checks, and a taken port named with its holder."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from server.auth.base import CallbackResult, LoginError
from server.auth.callback import CallbackInbox, CallbackPortBusy, CallbackServer, check_callback


@pytest.fixture
async def listening() -> AsyncIterator[tuple[CallbackServer, CallbackInbox]]:
    inbox = CallbackInbox()
    server = CallbackServer(inbox, 0)
    await server.start()
    server.path = "/callback"
    yield server, inbox
    await server.close(grace=0)


async def get(url: str, method: str = "GET") -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as client:
        return await client.request(method, url)


async def test_a_redirect_lands_and_the_browser_sees_success(
    listening: tuple[CallbackServer, CallbackInbox],
) -> None:
    server, inbox = listening
    reply = await get(f"http://127.0.0.1:{server.port}/callback?code=c1&state=s1")
    assert reply.status_code == 200
    assert reply.url.path == "/success"
    assert "Login successful" in reply.text
    result = await inbox.wait(1)
    assert (result.code, result.state) == ("c1", "s1")


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("POST", "/callback?code=c&state=s", 405),
        ("GET", "/other?code=c&state=s", 404),
        ("GET", "/callback", 400),
        ("GET", "/callback?state=s", 400),
    ],
    ids=["post", "wrong-path", "no-query", "no-code"],
)
async def test_requests_that_are_not_the_callback(
    listening: tuple[CallbackServer, CallbackInbox], method: str, target: str, status: int
) -> None:
    server, inbox = listening
    reply = await get(f"http://127.0.0.1:{server.port}{target}", method)
    assert reply.status_code == status
    assert not inbox.done


async def test_an_error_callback_is_delivered_and_shown(
    listening: tuple[CallbackServer, CallbackInbox],
) -> None:
    server, inbox = listening
    reply = await get(f"http://127.0.0.1:{server.port}/callback?error=access_denied&state=s")
    assert "access_denied" in reply.text
    assert (await inbox.wait(1)).error == "access_denied"


async def test_only_the_first_callback_counts(listening: tuple[CallbackServer, CallbackInbox]) -> None:
    server, inbox = listening
    await get(f"http://127.0.0.1:{server.port}/callback?code=first&state=s")
    second = await get(f"http://127.0.0.1:{server.port}/callback?code=second&state=s")
    assert second.status_code == 409
    assert (await inbox.wait(1)).code == "first"


async def test_waiting_times_out_with_a_login_error() -> None:
    with pytest.raises(LoginError, match="no login callback arrived within 0.05 seconds"):
        await CallbackInbox().wait(0.05)


async def test_a_taken_port_names_its_holder() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(CallbackPortBusy) as caught:
            await CallbackServer(CallbackInbox(), port).start()
    finally:
        holder.close()
    assert caught.value.port == port
    assert f"port {port} is already in use" in str(caught.value)
    if sys.platform.startswith("linux"):
        assert f"pid {os.getpid()}" in str(caught.value)


@pytest.mark.parametrize(
    ("platform", "holder", "hint"),
    [("win32", None, True), ("win32", "svchost (pid 4)", False), ("linux", None, False)],
    ids=["windows-unknown-holder", "windows-known-holder", "linux"],
)
def test_windows_excluded_range_hint(platform: str, holder: str | None, hint: bool) -> None:
    message = str(CallbackPortBusy(1455, holder, platform=platform))
    assert ("excludedportrange" in message) is hint
    assert ("svchost (pid 4)" in message) is (holder is not None)


@pytest.mark.parametrize(
    ("result", "state", "problem"),
    [
        (CallbackResult(code="c", state="s"), "s", None),
        (CallbackResult(code="c", state=""), "", None),
        (CallbackResult(error="access_denied", state="s"), "s", "refused the login: access_denied"),
        (CallbackResult(code="c", state=""), "s", "no_state"),
        (CallbackResult(code="c", state="other"), "s", "state mismatch"),
        (CallbackResult(code="", state="s"), "s", "no authorization code"),
    ],
    ids=["ok", "unchecked-state", "error", "no-state", "mismatch", "no-code"],
)
def test_check_callback(result: CallbackResult, state: str, problem: str | None) -> None:
    if problem is None:
        assert check_callback(result, state) is result
    else:
        with pytest.raises(LoginError, match=problem):
            check_callback(result, state)
