"""A real proxy started from a config *file* (so hot reload follows it), with its live service at hand."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from starlette.applications import Starlette

from server.runner import ServerController, ServerOptions
from server.service import ProxyService

__all__ = ["CLIENT_KEY", "Running", "StartProxy", "base_document", "proxies", "wait_for", "write_config"]

CLIENT_KEY = "sk-reload-client-key-0001"
T = TypeVar("T")


@dataclass
class Running:
    controller: ServerController
    service: ProxyService
    config_path: Path

    @property
    def url(self) -> str:
        return self.controller.url


def base_document(tmp_path: Path, **settings: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "auth-dir": str(tmp_path / "auths"),
        "api-keys": [CLIENT_KEY],
        "request-retry": 0,
    }
    document.update(settings)
    return document


def write_config(path: Path, document: dict[str, Any] | str, *, atomic: bool = True) -> None:
    """Save like an editor: a temp file renamed over the config (``atomic``), or an in-place rewrite."""
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    if not atomic:
        path.write_text(text, encoding="utf-8")
        return
    temp = path.with_name(f".{path.name}.swap")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def wait_for(check: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.01) -> T:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.1f}s: {what}")
        time.sleep(interval)


StartProxy = Callable[..., Running]


@contextmanager
def proxies(tmp_path: Path) -> Iterator[StartProxy]:
    """Start proxies from ``tmp_path/config.yaml`` written from ``document``; all stopped on exit.

    ``prepare(service)`` runs before the service starts (e.g. to add a fake account runtime).
    Starting again with ``document=None`` reuses the file (a restart).
    """
    started: list[ServerController] = []

    def start(
        document: dict[str, Any] | None = None,
        *,
        prepare: Callable[[ProxyService], None] | None = None,
    ) -> Running:
        path = tmp_path / "config.yaml"
        if document is not None:
            write_config(path, document)
        services: list[ProxyService] = []

        def configure(app: Starlette) -> None:
            service = app.state.service
            services.append(service)
            if prepare is not None:
                prepare(service)

        controller = ServerController(config_path=path, options=ServerOptions(configure_app=configure))
        controller.start()
        started.append(controller)
        return Running(controller, services[-1], path)

    try:
        yield start
    finally:
        for controller in started:
            controller.stop()
