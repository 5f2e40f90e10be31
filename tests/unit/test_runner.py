"""ServerController: start, stop, restart, serve in the caller's loop, state reports, bind and TLS errors."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml

from server.config import Config, ConfigError, parse_config
from server.runner import (
    PortInUseError,
    ServerController,
    ServerOptions,
    ServerState,
    ServerStatus,
    TLSConfigError,
)
from tests.fakes import FakeUpstream, Hang, Slow, start_fake_upstream
from tests.fakes.certs import self_signed

KEY = "sk-runner-test"
UPSTREAM_KEY = "sk-upstream-1"
MODEL = "runner-model"
STOPPED, STARTING, RUNNING, STOPPING, FAILED = (
    ServerState[n] for n in "STOPPED STARTING RUNNING STOPPING FAILED".split()
)


# -- helpers -----------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """A state listener that keeps every status it is told about, with the thread it ran on."""

    statuses: list[ServerStatus] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)

    def __call__(self, status: ServerStatus) -> None:
        self.statuses.append(status)
        self.threads.append(threading.current_thread().name)

    @property
    def states(self) -> list[ServerState]:
        return [s.state for s in self.statuses]


def settings(**extra: object) -> dict[str, object]:
    document: dict[str, object] = {"host": "127.0.0.1", "port": 0, "api-keys": [KEY], "request-retry": 0}
    document.update(extra)
    return document


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def write_config(path: Path, document: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


Make = Callable[..., ServerController]


@pytest.fixture
def make() -> Iterator[Make]:
    """``ServerController(...)``, stopped after the test whatever happened."""
    made: list[ServerController] = []

    def build(
        config: Config | None = None, *, config_path: Path | None = None, options: ServerOptions | None = None
    ) -> ServerController:
        made.append(ServerController(config, config_path=config_path, options=options))
        return made[-1]

    yield build
    for controller in made:
        controller.stop()


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake, thread = start_fake_upstream()
    yield fake, thread.url
    thread.stop()


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port held by a plain listening socket of this process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# -- start / stop ------------------------------------------------------------------------------------


def test_needs_a_config_or_a_path() -> None:
    with pytest.raises(ValueError, match="config"):
        ServerController()


def test_start_serves_root_and_models_then_stop_reports_every_state(make: Make) -> None:
    controller = make(parse_config(settings()))
    seen = Recorder()
    controller.add_listener(seen)
    assert controller.status == ServerStatus(STOPPED)
    assert (controller.port, controller.url) == (0, "")

    controller.start()

    assert controller.status.state is RUNNING
    assert controller.port > 0
    assert controller.url == f"http://127.0.0.1:{controller.port}"
    assert controller.status.url == controller.url
    root = httpx.get(controller.url + "/")
    assert root.status_code == 200
    assert root.json()["message"] == "CLI Proxy API Server"
    models = httpx.get(controller.url + "/v1/models", headers=auth())
    assert models.status_code == 200
    assert models.json()["object"] == "list"
    assert httpx.get(controller.url + "/v1/models").status_code == 401
    url = controller.url

    controller.stop()

    assert seen.states == [STARTING, RUNNING, STOPPING, STOPPED]
    assert [s.url for s in seen.statuses] == [url, url, url, ""]
    assert controller.status == ServerStatus(STOPPED)
    assert (controller.port, controller.url) == (0, "")
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/")


def test_starting_twice_and_stopping_twice_is_harmless(make: Make) -> None:
    controller = make(parse_config(settings()))
    seen = Recorder()
    controller.add_listener(seen)
    controller.start()
    port = controller.port
    controller.start()
    assert controller.port == port
    assert controller.status.state is RUNNING
    assert [t.name for t in threading.enumerate()].count("cliproxyapi-server") == 1
    controller.stop()
    controller.stop()
    assert seen.states == [STARTING, RUNNING, STOPPING, STOPPED]


def test_listeners_run_on_the_server_thread_and_a_failing_listener_does_not_break_start(make: Make) -> None:
    controller = make(parse_config(settings()))

    def broken(status: ServerStatus) -> None:
        raise RuntimeError("listener bug")

    seen = Recorder()
    controller.add_listener(broken)
    controller.add_listener(seen)
    controller.start()
    assert seen.states == [STARTING, RUNNING]
    assert seen.threads == ["cliproxyapi-server", "cliproxyapi-server"]


def test_embedding_hooks_run_on_start_and_stop(make: Make) -> None:
    events: list[str] = []
    options = ServerOptions(
        on_started=lambda: events.append("started"), on_stopped=lambda: events.append("stopped")
    )
    controller = make(parse_config(settings()), options=options)
    controller.start()
    assert events == ["started"]
    controller.stop()
    assert events == ["started", "stopped"]


# -- stop with requests in flight ----------------------------------------------------------------------


@dataclass
class StreamResult:
    status: int | None = None
    received: list[bytes] = field(default_factory=list)
    completed: bool = False
    error: httpx.HTTPError | None = None


def _streaming_client(url: str, result: StreamResult, first_byte: threading.Event) -> None:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    try:
        with httpx.stream(
            "POST", url + "/v1/chat/completions", headers=auth(), json=body, timeout=30
        ) as reply:
            result.status = reply.status_code
            for chunk in reply.iter_raw():
                result.received.append(chunk)
                first_byte.set()
            result.completed = True
    except httpx.HTTPError as exc:
        result.error = exc
    finally:
        first_byte.set()


@pytest.mark.parametrize(
    "behaviour",
    [Slow(delay_per_chunk=0.5), Hang()],
    ids=["slow-stream", "hanging-upstream"],
)
def test_stop_returns_within_two_seconds_while_a_stream_is_in_flight(
    make: Make, upstream: tuple[FakeUpstream, str], behaviour: Slow | Hang
) -> None:
    fake, upstream_url = upstream
    fake.reset()
    fake.configure(chunks=30, text="x" * 300)
    fake.always(UPSTREAM_KEY, behaviour)
    compat = {
        "name": "fake",
        "base-url": upstream_url + "/v1",
        "api-key-entries": [{"api-key": UPSTREAM_KEY}],
        "models": [{"name": "upstream-model", "alias": MODEL}],
    }
    controller = make(parse_config(settings(**{"openai-compatibility": [compat]})))
    controller.start()
    result = StreamResult()
    first_byte = threading.Event()
    client = threading.Thread(
        target=_streaming_client, args=(controller.url, result, first_byte), daemon=True
    )
    client.start()
    fake.wait_for_requests(1)
    if isinstance(behaviour, Slow):
        assert first_byte.wait(5), "the stream never started"
        assert result.status == 200

    started = time.monotonic()
    controller.stop()
    took = time.monotonic() - started

    assert took < 2.0
    assert controller.status.state is STOPPED
    client.join(3.0)
    assert not client.is_alive(), "the in-flight client still hangs after stop()"
    if isinstance(behaviour, Slow):
        # The 15 s stream was cut: the client got its beginning, then the connection ended.
        assert b"data:" in b"".join(result.received)
        assert isinstance(result.error, httpx.RemoteProtocolError)
    else:
        # Nothing was sent yet: the client gets an error answer or a closed connection.
        assert result.error is not None or (result.status or 0) >= 500


# -- restart -----------------------------------------------------------------------------------------


def test_restart_rereads_the_config_file(make: Make, tmp_path: Path) -> None:
    port = free_port()
    path = write_config(tmp_path / "config.yaml", settings(port=port, **{"api-keys": ["sk-old"]}))
    controller = make(config_path=path)
    seen = Recorder()
    controller.add_listener(seen)
    controller.start()
    assert httpx.get(controller.url + "/v1/models", headers=auth("sk-old")).status_code == 200

    write_config(path, settings(port=port, **{"api-keys": ["sk-new"]}))
    controller.restart()

    assert controller.status.state is RUNNING
    assert controller.port == port
    assert httpx.get(controller.url + "/v1/models", headers=auth("sk-new")).status_code == 200
    assert httpx.get(controller.url + "/v1/models", headers=auth("sk-old")).status_code == 401
    assert seen.states == [STARTING, RUNNING, STOPPING, STOPPED, STARTING, RUNNING]


def test_restart_of_a_stopped_controller_starts_it(make: Make) -> None:
    controller = make(parse_config(settings()))
    controller.restart()
    assert controller.status.state is RUNNING
    assert httpx.get(controller.url + "/healthz").json() == {"status": "ok"}


def test_a_broken_config_file_fails_the_start_with_its_message(make: Make, tmp_path: Path) -> None:
    path = write_config(tmp_path / "config.yaml", settings())
    controller = make(config_path=path)
    controller.start()
    controller.stop()
    path.write_text("port: abc\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        controller.start()
    assert "port: expected an integer, got 'abc'" in str(caught.value)
    assert controller.status == ServerStatus(FAILED, error=str(caught.value))
    write_config(path, settings())
    controller.start()
    assert controller.status.state is RUNNING


# -- serve() in the caller's loop ----------------------------------------------------------------------


async def _serve_until_running(controller: ServerController) -> asyncio.Task[None]:
    running = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_status(status: ServerStatus) -> None:
        if status.state is RUNNING:
            loop.call_soon_threadsafe(running.set)

    controller.add_listener(on_status)
    task = asyncio.ensure_future(controller.serve())
    await asyncio.wait_for(running.wait(), 10)
    return task


async def test_serve_in_the_callers_loop_and_stop_from_another_thread() -> None:
    controller = ServerController(parse_config(settings()))
    seen = Recorder()
    controller.add_listener(seen)
    task = await _serve_until_running(controller)
    assert seen.threads[0] == threading.current_thread().name  # the caller's loop runs the server
    async with httpx.AsyncClient() as client:
        reply = await client.get(controller.url + "/v1/models", headers=auth())
    assert reply.status_code == 200

    started = time.monotonic()
    await asyncio.to_thread(controller.stop)
    assert time.monotonic() - started < 2.0
    assert task.done()
    await task
    assert controller.status == ServerStatus(STOPPED)
    assert seen.states == [STARTING, RUNNING, STOPPING, STOPPED]


async def test_stop_called_inside_the_serving_loop_does_not_block_it() -> None:
    controller = ServerController(parse_config(settings()))
    task = await _serve_until_running(controller)
    controller.stop()  # on the loop's own thread: asks, does not wait
    await asyncio.wait_for(task, 3)
    assert controller.status.state is STOPPED


async def test_cancelling_serve_stops_the_server() -> None:
    controller = ServerController(parse_config(settings()))
    task = await _serve_until_running(controller)
    url = controller.url
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert controller.status.state is STOPPED
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url + "/")


def test_serve_while_started_in_a_thread_is_refused(make: Make) -> None:
    controller = make(parse_config(settings()))
    controller.start()
    with pytest.raises(RuntimeError, match="already running"):
        asyncio.run(controller.serve())
    assert controller.status.state is RUNNING


# -- bind errors -------------------------------------------------------------------------------------


def test_port_in_use_fails_with_a_message_naming_port_and_holder(make: Make, held_port: int) -> None:
    controller = make(parse_config(settings(port=held_port)))
    seen = Recorder()
    controller.add_listener(seen)
    with pytest.raises(PortInUseError) as caught:
        controller.start()
    message = str(caught.value)
    assert f"port {held_port} is already in use" in message
    if sys.platform.startswith("linux"):
        comm = Path("/proc/self/comm").read_text().strip()
        assert f"by {comm} (pid {os.getpid()})" in message
    assert controller.status == ServerStatus(FAILED, error=message)
    assert seen.states == [FAILED]
    assert controller.url == ""


def test_a_failed_start_can_be_retried_once_the_port_is_free(make: Make) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    controller = make(parse_config(settings(port=port)))
    with pytest.raises(PortInUseError):
        controller.start()
    holder.close()
    controller.start()
    assert controller.status == ServerStatus(RUNNING, url=f"http://127.0.0.1:{port}")


async def test_serve_on_a_taken_port_raises_port_in_use(held_port: int) -> None:
    controller = ServerController(parse_config(settings(port=held_port)))
    with pytest.raises(PortInUseError):
        await controller.serve()
    assert controller.status.state is FAILED


# -- TLS ---------------------------------------------------------------------------------------------


def test_tls_serves_https(make: Make, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    controller = make(parse_config(settings(tls={"enable": True, "cert": str(cert), "key": str(key)})))
    controller.start()
    assert controller.url == f"https://127.0.0.1:{controller.port}"
    with httpx.Client(verify=False) as client:
        assert client.get(controller.url + "/").status_code == 200
        assert client.get(controller.url + "/v1/models", headers=auth()).json()["object"] == "list"
    with pytest.raises(httpx.HTTPError):  # plain HTTP is not served on the TLS port
        httpx.get(f"http://127.0.0.1:{controller.port}/", timeout=2)


@pytest.mark.parametrize(
    ("tls", "expected"),
    [
        ({"enable": True}, "tls.cert or tls.key is empty"),
        (
            {"enable": True, "cert": "/nonexistent/cert.pem", "key": "/nonexistent/key.pem"},
            "tls.cert: file not found",
        ),
    ],
    ids=["empty", "missing-files"],
)
def test_unusable_tls_settings_fail_the_start(make: Make, tls: dict[str, object], expected: str) -> None:
    controller = make(parse_config(settings(tls=tls)))
    with pytest.raises(TLSConfigError, match=expected):
        controller.start()
    assert controller.status.state is FAILED
    assert expected in controller.status.error


def test_a_file_that_is_no_certificate_fails_the_start(make: Make, tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate\n")
    (tmp_path / "key.pem").write_text("not a key\n")
    tls = {"enable": True, "cert": str(tmp_path / "cert.pem"), "key": str(tmp_path / "key.pem")}
    controller = make(parse_config(settings(tls=tls)))
    with pytest.raises(OSError):  # ssl.SSLError
        controller.start()
    assert controller.status.state is FAILED
    assert controller.status.error
    assert controller.port == 0
