"""The management component: secret hashing on start and on reload, and config-change events."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import bcrypt
import yaml

from server.api.management.component import ManagementComponent, changed_keys
from server.config.load import load_config
from server.config.schema import Config, RemoteManagement
from server.service import ProxyService


def test_changed_keys_names_keys_only() -> None:
    old = Config(extra={"mine": 1})
    new = dataclasses.replace(old, debug=True, api_keys=("secret-key-value",), extra={"mine": 2, "more": 0})
    assert changed_keys(old, new) == ["api-keys", "debug", "mine", "more"]
    assert changed_keys(old, old) == []


async def test_start_hashes_the_secret_in_the_file_and_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    text = "# note\nremote-management:\n  secret-key: pw  # mine\ndebug: false\n"
    path.write_text(text)
    service = ProxyService(load_config(path), config_path=path)
    component = ManagementComponent()
    await component.start(service)
    try:
        hashed = service.config.remote_management.secret_key
        assert bcrypt.checkpw(b"pw", hashed.encode())
        assert path.read_text() == text.replace("secret-key: pw", f'secret-key: "{hashed}"')
    finally:
        await component.stop()


async def test_a_config_without_a_file_is_hashed_in_memory_only() -> None:
    service = ProxyService(Config(remote_management=RemoteManagement(secret_key="pw")))
    component = ManagementComponent()
    await component.start(service)
    try:
        assert service.config.remote_management.secret_key.startswith("$2a$10$")
    finally:
        await component.stop()


async def test_a_reloaded_plaintext_secret_is_hashed_and_changes_are_published(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("debug: false\n")
    service = ProxyService(load_config(path), config_path=path)
    component = ManagementComponent()
    await component.start(service)
    events = service.events.subscribe()
    try:
        path.write_text("debug: true\nremote-management:\n  secret-key: later\n")
        service.apply_config(load_config(path))  # what the file watcher does
        published = {event.kind: event.data for event in await events.next_batch(2)}
        assert published["config.changed"] == {"keys": ["debug", "remote-management"]}
        assert published["credentials.changed"] == {"count": 0}
        for _ in range(50):
            if service.config.remote_management.secret_key.startswith("$2a$"):
                break
            await events.next_batch(0.1)
        stored = yaml.safe_load(path.read_text())["remote-management"]["secret-key"]
        assert stored == service.config.remote_management.secret_key
        assert bcrypt.checkpw(b"later", stored.encode())
    finally:
        events.close()
        await component.stop()
        await service.tasks.aclose()
