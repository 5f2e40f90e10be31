"""Running the real server with a config file the management API may rewrite, and clients for it.

Like the ``start_proxy`` fixture, but the controller gets the config *path* (management writes need
the file) and the file may be given as raw text (comments, unknown keys). A "remote" client
connects from 127.0.0.2: loopback on Linux, but not the original's "local" (exactly 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from server.runner import ServerController, ServerOptions
from server.usage.record import UsageRecord
from tests.e2e.conftest import CLIENT_KEY

MANAGEMENT_KEY = "mgmt-secret-for-tests"
REMOTE_ADDRESS = "127.0.0.2"


@dataclass
class Managed:
    controller: ServerController
    path: Path
    usage: list[UsageRecord]
    auth_dir: Path

    @property
    def url(self) -> str:
        return self.controller.url

    @property
    def api(self) -> str:
        return self.url + "/v0/management"

    def client(
        self, key: str | None = MANAGEMENT_KEY, *, remote: bool = False, timeout: float = 10.0
    ) -> httpx.Client:
        """An httpx client for the management API sending ``key`` as a Bearer token."""
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        transport = httpx.HTTPTransport(local_address=REMOTE_ADDRESS) if remote else None
        return httpx.Client(base_url=self.api, headers=headers, transport=transport, timeout=timeout)

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def config(self) -> dict[str, Any]:
        data = yaml.safe_load(self.text())
        assert isinstance(data, dict)
        return data


def default_document(tmp_path: Path, secret: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "auth-dir": str(tmp_path / "auths"),
        "api-keys": [CLIENT_KEY],
        "request-retry": 0,
    }
    if secret is not None:
        document["remote-management"] = {"secret-key": secret}
    return document


class Launcher:
    """Starts servers from config files in ``tmp_path``; ``close`` stops them all."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp = tmp_path
        self._running: list[ServerController] = []

    def start(
        self,
        settings: dict[str, Any] | None = None,
        *,
        text: str | None = None,
        secret: str | None = MANAGEMENT_KEY,
        options: ServerOptions | None = None,
    ) -> Managed:
        path = self._tmp / f"config-{len(self._running)}.yaml"
        if text is None:
            document = default_document(self._tmp, secret)
            document.update(settings or {})
            text = yaml.safe_dump(document, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        usage: list[UsageRecord] = []
        chosen = options or ServerOptions()
        chosen = dataclasses.replace(chosen, usage_sinks=[*chosen.usage_sinks, usage.append])
        controller = ServerController(config_path=path, options=chosen)
        controller.start()
        self._running.append(controller)
        return Managed(controller, path, usage, self._tmp / "auths")

    def close(self) -> None:
        for controller in self._running:
            controller.stop()


def launcher(tmp_path: Path) -> Iterator[Launcher]:
    """Body of each test module's ``launch`` fixture."""
    running = Launcher(tmp_path)
    try:
        yield running
    finally:
        running.close()


@contextlib.contextmanager
def isolated_env(root: Path) -> Iterator[None]:
    """The per-user directories of tests/conftest.py's isolation, for a server shared by a module."""
    with pytest.MonkeyPatch.context() as patch:
        for name, sub in (("HOME", "home"), ("CLIPROXYAPI_CONFIG_DIR", "config")):
            patch.setenv(name, str(root / sub))
        patch.setenv("CLIPROXYAPI_DATA_DIR", str(root / "data"))
        patch.setenv("CLIPROXYAPI_LOG_DIR", str(root / "logs"))
        patch.delenv("MANAGEMENT_PASSWORD", raising=False)
        yield


def shared_server(factory: pytest.TempPathFactory, **start: Any) -> Iterator[Managed]:
    """Body of a module-scoped fixture: one server for tests that only read or set their own keys."""
    root = factory.mktemp("shared-server")
    with isolated_env(root):
        running = Launcher(root)
        try:
            yield running.start(**start)
        finally:
            running.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def remote_supported() -> bool:
    """True when this machine can use 127.0.0.2 as a source address (Linux: all of 127/8 is loopback)."""
    import socket

    try:
        with socket.socket() as sock:
            sock.bind((REMOTE_ADDRESS, 0))
    except OSError:
        return False
    return True


needs_remote = pytest.mark.skipif(
    not remote_supported(), reason="127.0.0.2 is not a usable local address here"
)
