"""The keep-alive watchdog and endpoint (server.md §2.8) with an injected clock, and the CLI's options."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from server.api.keepalive import KeepAlive, keepalive_for, keepalive_route, presented_password
from server.options import ServerOptions

PASSWORD = "wrapper-pw-ü"


class FakeTime:
    """A monotonic clock and a ``sleep`` that advances it, pinging ``target`` at the ``pings`` times."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.pings: list[float] = []
        self.target: KeepAlive | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        end = self.now + seconds
        while self.pings and self.pings[0] <= end:
            self.now = self.pings.pop(0)
            assert self.target is not None
            self.target.ping()
        self.now = end


def watchdog(time: FakeTime, fired: list[float], timeout: float = 10.0) -> KeepAlive:
    return KeepAlive(PASSWORD, timeout, lambda: fired.append(time.now), clock=time.clock, sleep=time.sleep)


def test_it_is_armed_at_construction_and_a_ping_restarts_the_count() -> None:
    time, fired = FakeTime(), list[float]()
    keepalive = watchdog(time, fired)
    assert keepalive.remaining() == 10.0
    time.now += 7.0
    assert keepalive.remaining() == 3.0
    keepalive.ping()
    assert keepalive.remaining() == 10.0
    time.now += 10.5
    assert keepalive.remaining() == -0.5
    assert fired == []  # only the watch fires


async def test_the_watch_fires_once_a_whole_timeout_after_the_last_ping() -> None:
    time, fired = FakeTime(), list[float]()
    keepalive = time.target = watchdog(time, fired)
    # pings 4 s into the first wait and 9.5 s after that one
    time.pings = [104.0, 113.5]
    await keepalive.watch()
    assert fired == [123.5]
    assert keepalive.expired
    assert time.sleeps == [10.0, 4.0, 9.5]


async def test_the_watch_fires_at_once_when_already_due() -> None:
    time, fired = FakeTime(), list[float]()
    keepalive = watchdog(time, fired, timeout=0.5)
    time.now += 0.5
    await keepalive.watch()
    assert fired == [time.now]
    assert time.sleeps == []


async def test_start_rearms_and_aclose_cancels_the_watch() -> None:
    fired: list[str] = []
    keepalive = KeepAlive(PASSWORD, 60.0, lambda: fired.append("x"))
    keepalive.start()
    assert keepalive.remaining() > 59.0
    await keepalive.aclose()
    await keepalive.aclose()  # twice is fine
    assert fired == []


async def test_a_started_watch_calls_on_expire_after_a_short_timeout() -> None:
    done = asyncio.Event()
    keepalive = KeepAlive(PASSWORD, 0.05, done.set)
    keepalive.start()
    await asyncio.wait_for(done.wait(), 2.0)
    assert keepalive.expired
    await keepalive.aclose()


@pytest.mark.parametrize(("password", "timeout"), [("", 10.0), ("pw", 0.0), ("pw", -1.0)])
def test_it_needs_a_password_and_a_positive_timeout(password: str, timeout: float) -> None:
    with pytest.raises(ValueError):
        KeepAlive(password, timeout, lambda: None)


def test_options_refuse_a_timeout_without_a_password() -> None:
    with pytest.raises(ValueError, match="keepalive_timeout needs a local_management_key"):
        ServerOptions(keepalive_timeout=10.0)


@pytest.mark.parametrize(
    ("options", "enabled"),
    [
        (ServerOptions(), False),
        (ServerOptions(local_management_key="gui-key"), False),  # the desktop GUI: no watchdog
        (ServerOptions(local_management_key="pw", keepalive_timeout=2.5), True),
    ],
    ids=["default", "gui", "cli"],
)
def test_keepalive_for_follows_the_option(options: ServerOptions, enabled: bool) -> None:
    found = keepalive_for(options, lambda: None)
    assert (found is not None) == enabled
    if found is not None:
        assert found.timeout == 2.5
        assert found.accepts("pw")


def request_with(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode("latin-1"), v.encode("utf-8")) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/keep-alive", "headers": raw})


# Go's handleKeepAlive: Authorization trimmed, "Bearer <x>" (any case) unwrapped, any other value whole;
# X-Local-Password only when Authorization is empty.
HEADER_CASES = [
    ({"Authorization": f"Bearer {PASSWORD}"}, True),
    ({"Authorization": f"bEaReR {PASSWORD}"}, True),
    ({"Authorization": f"  {PASSWORD} "}, True),
    ({"X-Local-Password": f" {PASSWORD}"}, True),
    ({"Authorization": "", "X-Local-Password": PASSWORD}, True),
    ({"Authorization": "Bearer", "X-Local-Password": PASSWORD}, False),
    ({"Authorization": f"Basic {PASSWORD}", "X-Local-Password": PASSWORD}, False),
    ({"Authorization": f"Bearer  {PASSWORD}"}, False),
    ({"Authorization": f"Bearer {PASSWORD}x"}, False),
    ({"Authorization": "Bearer wrapper-pw-u"}, False),
    ({"X-Management-Key": PASSWORD}, False),
    ({}, False),
]


@pytest.mark.parametrize(("headers", "accepted"), HEADER_CASES)
def test_presented_password(headers: dict[str, str], accepted: bool) -> None:
    keepalive = KeepAlive(PASSWORD, 10.0, lambda: None)
    assert keepalive.accepts(presented_password(request_with(headers))) is accepted


async def call(keepalive: KeepAlive, headers: dict[str, str], peer: str) -> httpx.Response:
    app = Starlette(routes=[keepalive_route(keepalive)])
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    encoded = {k.encode("latin-1"): v.encode("utf-8") for k, v in headers.items()}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.get("/keep-alive", headers=encoded)


@pytest.mark.parametrize(
    ("headers", "peer", "status"),
    [
        ({"Authorization": f"Bearer {PASSWORD}"}, "127.0.0.1", 200),
        ({"X-Local-Password": PASSWORD}, "::1", 200),
        ({"Authorization": "Bearer nope"}, "127.0.0.1", 401),
        ({}, "127.0.0.1", 401),
        ({"Authorization": f"Bearer {PASSWORD}"}, "192.168.1.20", 401),  # loopback only
        ({"Authorization": f"Bearer {PASSWORD}"}, "127.0.0.2", 401),
    ],
)
async def test_the_endpoint_answers_and_only_a_good_local_ping_restarts_the_count(
    headers: dict[str, str], peer: str, status: int
) -> None:
    time, fired = FakeTime(), list[float]()
    keepalive = watchdog(time, fired)
    time.now += 6.0
    reply = await call(keepalive, headers, peer)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/json"
    expected = {"status": "ok"} if status == 200 else {"error": "invalid password"}
    assert reply.json() == expected
    assert keepalive.remaining() == (10.0 if status == 200 else 4.0)
    assert PASSWORD not in reply.text
