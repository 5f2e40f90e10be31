"""Listening sockets: binding, the port-in-use error and who holds the port."""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.ports import PortInUseError, bind_listen_socket, port_holder

ON_LINUX_PROC = sys.platform.startswith("linux") and Path("/proc/net/tcp").exists()


def _own_holder() -> str:
    """How port_holder names this test process: ``"<comm> (pid N)"``."""
    comm = Path("/proc/self/comm").read_text().strip()
    return f"{comm} (pid {os.getpid()})"


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port held by a plain listening socket of this process."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_bind_any_port_gives_a_listening_non_blocking_socket() -> None:
    sock = bind_listen_socket("127.0.0.1", 0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        assert port > 0
        assert sock.getblocking() is False
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # the socket already listens: connect succeeds without accept
    finally:
        sock.close()


def test_bind_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        sock = bind_listen_socket("::1", 0)
    except OSError as exc:
        pytest.skip(f"IPv6 loopback not usable here: {exc}")
    try:
        assert sock.family == socket.AF_INET6
        assert sock.getsockname()[0] == "::1"
    finally:
        sock.close()


def test_a_port_can_be_bound_again_right_after_a_served_connection() -> None:
    """SO_REUSEADDR: a restart on a fixed port does not fail on the old connection's TIME_WAIT."""
    first = bind_listen_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    first.setblocking(True)
    client = socket.create_connection(("127.0.0.1", port), timeout=2)
    served, _ = first.accept()
    served.close()  # server side closes first: its end goes to TIME_WAIT
    client.close()
    first.close()
    again = bind_listen_socket("127.0.0.1", port)
    assert again.getsockname()[1] == port
    again.close()


def test_taken_port_raises_port_in_use_naming_the_port(held_port: int) -> None:
    with pytest.raises(PortInUseError) as caught:
        bind_listen_socket("127.0.0.1", held_port)
    error = caught.value
    assert isinstance(error, OSError)
    assert error.errno == errno.EADDRINUSE
    assert error.port == held_port
    assert f"port {held_port} is already in use" in str(error)
    assert f"(127.0.0.1:{held_port})" in str(error)
    assert "[Errno" not in str(error)


@pytest.mark.skipif(not ON_LINUX_PROC, reason="the holder is looked up in /proc (Linux only)")
def test_taken_port_error_names_the_holding_process(held_port: int) -> None:
    with pytest.raises(PortInUseError) as caught:
        bind_listen_socket("127.0.0.1", held_port)
    assert caught.value.holder == _own_holder()
    assert f"already in use by {_own_holder()}" in str(caught.value)


@pytest.mark.skipif(not ON_LINUX_PROC, reason="the holder is looked up in /proc (Linux only)")
def test_port_holder_finds_this_process(held_port: int) -> None:
    assert port_holder(held_port) == _own_holder()


@pytest.mark.skipif(not ON_LINUX_PROC, reason="the holder is looked up in /proc (Linux only)")
def test_port_holder_of_a_free_port_is_none() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    assert port_holder(port) is None


def test_a_connected_but_not_listening_socket_does_not_count_as_holder(held_port: int) -> None:
    """Only LISTEN entries name a holder: a client socket using the port number elsewhere does not."""
    with socket.create_connection(("127.0.0.1", held_port), timeout=2) as client:
        client_port = client.getsockname()[1]
        assert port_holder(client_port) is None


@pytest.mark.parametrize(
    ("host", "port", "holder", "message"),
    [
        (
            "127.0.0.1",
            8317,
            "python (pid 42)",
            "port 8317 is already in use by python (pid 42) (127.0.0.1:8317)",
        ),
        ("127.0.0.1", 8317, None, "port 8317 is already in use (127.0.0.1:8317)"),
        ("", 9000, None, "port 9000 is already in use (*:9000)"),
        ("::1", 1455, "go (pid 7)", "port 1455 is already in use by go (pid 7) (::1:1455)"),
    ],
    ids=["with-holder", "holder-unknown", "all-interfaces", "ipv6"],
)
def test_port_in_use_message(host: str, port: int, holder: str | None, message: str) -> None:
    error = PortInUseError(host, port, holder)
    assert str(error) == message
    assert error.strerror == message
    assert (error.port, error.holder) == (port, holder)
