"""``GET /keep-alive`` and its watchdog (server.md §2.8, acceptance 39): in-process with a short timeout,
and once through the real command with ``-password`` and the real 10 s."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from server.config import load_config
from server.runner import ServerController, ServerOptions, ServerState, ServerStatus
from tests.e2e.management_support import REMOTE_ADDRESS, remote_supported
from tests.e2e.test_cli_e2e import Process, write_config

PASSWORD = "keepalive-e2e-secret"
TIMEOUT = 0.5
"""The in-process watchdog's timeout: short, but well above a loopback round trip on a busy machine."""

OK = {"status": "ok"}
REFUSED = {"error": "invalid password"}


class Served:
    """A started controller and an event set when it reaches STOPPED."""

    def __init__(self, root: Path, options: ServerOptions) -> None:
        root.mkdir()
        path = root / "config.yaml"
        document = {"host": "127.0.0.1", "port": 0, "api-keys": ["sk-k"], "auth-dir": str(root / "auths")}
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        self.stopped = threading.Event()
        self.stopped_at = 0.0
        self.controller = ServerController(load_config(path), options=options)
        self.controller.add_listener(self._on_state)
        self.controller.start()
        self.url = self.controller.url

    def _on_state(self, status: ServerStatus) -> None:
        if status.state is ServerState.STOPPED and not self.stopped.is_set():
            self.stopped_at = time.monotonic()
            self.stopped.set()

    def ping(self, client: httpx.Client, headers: dict[str, str]) -> httpx.Response:
        return client.get(f"{self.url}/keep-alive", headers=headers)


Serve = Callable[[ServerOptions], Served]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start servers with ``serve(options)``; all are stopped at the end."""
    started: list[Served] = []

    def start(options: ServerOptions) -> Served:
        started.append(Served(tmp_path / str(len(started)), options))
        return started[-1]

    yield start
    for served in started:
        served.controller.stop()


def watched() -> ServerOptions:
    return ServerOptions(local_management_key=PASSWORD, keepalive_timeout=TIMEOUT)


GOOD_HEADERS = [{"Authorization": f"Bearer {PASSWORD}"}, {"X-Local-Password": PASSWORD}]


def test_pings_keep_it_alive_then_it_stops_a_timeout_after_the_last(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="server.access")
    served = serve(watched())
    replies: list[httpx.Response] = []
    with httpx.Client(timeout=5) as client:
        first = time.monotonic()
        while time.monotonic() - first < 2.5 * TIMEOUT:  # several timeouts' worth of pings
            last_sent = time.monotonic()
            replies.append(served.ping(client, GOOD_HEADERS[len(replies) % 2]))
            assert not served.stopped.wait(TIMEOUT / 4), "stopped although pinged"
    assert [(r.status_code, r.json()) for r in replies] == [(200, OK)] * len(replies)
    assert replies[0].headers["content-type"] == "application/json"

    assert served.stopped.wait(TIMEOUT + 5), "still running a timeout after the last ping"
    assert served.stopped_at - last_sent >= TIMEOUT
    assert served.controller.status.state is ServerState.STOPPED
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.url}/keep-alive", headers=GOOD_HEADERS[0], timeout=2)
    # pings are access-logged at DEBUG, like the management API (one line per ping otherwise)
    lines = [r for r in caplog.records if r.name == "server.access" and "/keep-alive" in r.getMessage()]
    assert len(lines) == len(replies)
    assert {r.levelno for r in lines} == {logging.DEBUG}
    assert PASSWORD not in caplog.text
    assert "keep-alive endpoint idle for 0.5s, shutting down" in caplog.text


def test_refused_pings_answer_401_and_do_not_keep_it_alive(serve: Serve) -> None:
    served = serve(watched())
    bad: list[tuple[httpx.Client, dict[str, str]]] = []
    with httpx.Client(timeout=5) as local:
        bad += [(local, {"Authorization": "Bearer wrong"}), (local, {"X-Local-Password": "wrong"})]
        bad += [(local, {}), (local, {"Authorization": f"Basic {PASSWORD}"})]
        remote = None
        if remote_supported():  # the right password from another address: loopback peers only
            remote = httpx.Client(transport=httpx.HTTPTransport(local_address=REMOTE_ADDRESS), timeout=5)
            bad.append((remote, GOOD_HEADERS[0]))
        try:
            last_good = time.monotonic()
            assert served.ping(local, GOOD_HEADERS[0]).status_code == 200
            answers: list[tuple[int, str, object]] = []
            turn = 0
            while time.monotonic() < last_good + TIMEOUT + 3:
                client, headers = bad[turn % len(bad)]
                turn += 1
                try:
                    reply = served.ping(client, headers)
                except httpx.TransportError:
                    break  # the port closed under us
                if served.stopped.is_set():
                    break
                answers.append((reply.status_code, reply.headers["content-type"], reply.json()))
                if served.stopped.wait(0.03):
                    break
        finally:
            if remote is not None:
                remote.close()
    assert served.stopped.wait(5)
    # a timeout after the good ping, not after the refused ones (sent until the very end)
    assert TIMEOUT <= served.stopped_at - last_good < TIMEOUT + 2.5, "refused pings kept the server alive"
    assert len(answers) >= len(bad)
    assert answers == [(401, "application/json", REFUSED)] * len(answers)


def test_no_ping_at_all_stops_the_server(serve: Serve) -> None:
    stopped_hook = threading.Event()
    options = ServerOptions(
        local_management_key=PASSWORD, keepalive_timeout=TIMEOUT, on_stopped=stopped_hook.set
    )
    served = serve(options)
    assert served.stopped.wait(TIMEOUT + 5)
    assert stopped_hook.is_set()


@pytest.mark.parametrize(
    "options",
    [ServerOptions(), ServerOptions(local_management_key=PASSWORD)],
    ids=["default", "local-key-as-the-gui-sets-it"],
)
def test_without_the_option_there_is_no_endpoint(serve: Serve, options: ServerOptions) -> None:
    served = serve(options)
    for headers in GOOD_HEADERS:
        reply = httpx.get(f"{served.url}/keep-alive", headers=headers, timeout=5)
        assert (reply.status_code, reply.text) == (404, "404 page not found")
    assert served.controller.status.state is ServerState.RUNNING


# -- the real command ----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
def test_the_command_with_password_lives_while_pinged_and_exits_0_ten_seconds_after(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yaml")
    process = Process([sys.executable, "-m", "server", "-config", str(config), "-password", PASSWORD])
    try:
        url = process.wait_started()
        started = time.monotonic()
        codes: list[int] = []
        with httpx.Client(timeout=5) as client:
            while time.monotonic() - started < 2.0:
                last_sent = time.monotonic()
                codes.append(
                    client.get(f"{url}/keep-alive", headers=GOOD_HEADERS[len(codes) % 2]).status_code
                )
                time.sleep(0.5)  # the wrapper's ping interval
            wrong = client.get(f"{url}/keep-alive", headers={"Authorization": "Bearer nope"})
        assert (wrong.status_code, wrong.json()) == (401, REFUSED)
        assert codes == [200] * len(codes)
        assert process.popen.poll() is None
        code = process.finish(timeout=15)
        gone = time.monotonic()
    finally:
        process.kill()
    assert code == 0, process.output()
    # 10 s after the last good ping (so pings did reset it: the start was more than 10 s before)
    assert 10.0 <= gone - last_sent < 13.0, gone - last_sent
    assert gone - started > 10.0 + 1.5
    assert "keep-alive endpoint idle for 10s, shutting down" in process.stderr
    assert "Traceback" not in process.output()
    assert PASSWORD not in process.output()
