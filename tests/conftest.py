"""Test isolation: a private HOME and per-user dirs, Qt offscreen, and no traffic off loopback."""

from __future__ import annotations

import gc
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock: socket.socket, address: object) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return
    host = str(address[0])
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self, address)
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
    """After a Qt test, once pytest has dropped its fixture values, collect its cyclic garbage here in the
    GUI thread: left to the automatic collector, a Qt object in it (a qasync loop's timers, a window) may
    be destroyed in a later test's server thread, and Qt crashes when an object dies in a foreign thread."""
    used_qt = not {"qapp", "qtbot"}.isdisjoint(getattr(item, "fixturenames", ()))
    try:
        return (yield)
    finally:
        if used_qt:
            gc.collect()


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own HOME and per-user config/data/log dirs; proxies from the env are dropped."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("CLIPROXYAPI_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CLIPROXYAPI_LOG_DIR", str(home / "logs"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("MANAGEMENT_PASSWORD", raising=False)
    yield home


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[FakeOAuth]:
    """One fake OAuth server (authorize, token, user info) for a test module; tests ``reset`` /
    ``configure`` it as they need."""
    fake, server = start_fake_oauth()
    try:
        yield fake
    finally:
        server.stop()
