"""End-to-end fixtures: a fake upstream on loopback and a real proxy started from a config file."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.config import load_config
from server.runner import ServerController, ServerOptions
from server.usage.record import UsageRecord
from tests.fakes import FakeUpstream, ServerThread, start_fake_upstream

CLIENT_KEY = "sk-test-client-key"


@dataclass
class Upstream:
    fake: FakeUpstream
    server: ServerThread

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Proxy:
    controller: ServerController
    config_path: Path
    usage: list[UsageRecord]

    @property
    def url(self) -> str:
        return self.controller.url

    @property
    def key(self) -> str:
        return CLIENT_KEY


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[Upstream]:
    fake, server = start_fake_upstream()
    try:
        yield Upstream(fake, server)
    finally:
        server.stop()


@pytest.fixture
def upstream(upstream_server: Upstream) -> Upstream:
    """The shared fake upstream, with scripts, records and options reset for this test."""
    upstream_server.fake.reset()
    return upstream_server


ProxyFactory = Callable[..., Proxy]


@pytest.fixture
def start_proxy(tmp_path: Path) -> Iterator[ProxyFactory]:
    """Start the real server from a config file written from ``settings`` (YAML keys).

    The file gets a client key, a private auth-dir and ``port: 0`` unless ``settings`` say otherwise;
    it is loaded by the same loader the CLI uses.
    """
    running: list[ServerController] = []

    def start(settings: dict[str, Any] | None = None, *, options: ServerOptions | None = None) -> Proxy:
        document: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "auth-dir": str(tmp_path / "auths"),
            "api-keys": [CLIENT_KEY],
            "request-retry": 0,
        }
        document.update(settings or {})
        path = tmp_path / f"config-{len(running)}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        usage: list[UsageRecord] = []
        chosen = options or ServerOptions()
        chosen = dataclasses.replace(chosen, usage_sinks=[*chosen.usage_sinks, usage.append])
        controller = ServerController(load_config(path), options=chosen)
        controller.start()
        running.append(controller)
        return Proxy(controller, path, usage)

    yield start
    for controller in running:
        controller.stop()
