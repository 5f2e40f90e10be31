"""Config and auth-dir watchers against a real (unserved) ProxyService and real files."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from server.config import Config, load_config
from server.config.watch import AuthDirWatcher, ConfigWatcher, DirectoryWatch, changed_keys
from server.routing.pool import Candidate
from server.service import ProxyService

pytestmark = pytest.mark.timeout(20)


def _write(path: Path, document: dict[str, object]) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(yaml.safe_dump(document), encoding="utf-8")
    temp.replace(path)


def _document(tmp_path: Path, **settings: object) -> dict[str, object]:
    return {"port": 0, "auth-dir": str(tmp_path / "auths"), "api-keys": ["client-1"], **settings}


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[tuple[ProxyService, ConfigWatcher]]:
    path = tmp_path / "config.yaml"
    _write(path, _document(tmp_path, **{"gemini-api-key": [{"api-key": "AIza-watch-1"}]}))
    service = ProxyService(load_config(path), config_path=path)
    watcher = ConfigWatcher(debounce=10.0)  # the events never fire here: checks are called directly
    await watcher.start(service)
    yield service, watcher
    await watcher.stop()


async def test_check_applies_only_real_changes(
    tmp_path: Path, watched: tuple[ProxyService, ConfigWatcher]
) -> None:
    service, watcher = watched
    path = tmp_path / "config.yaml"
    assert await watcher.check() is False  # nothing changed since start

    _write(path, _document(tmp_path, **{"gemini-api-key": [{"api-key": "AIza-watch-1"}], "api-keys": ["c2"]}))
    assert await watcher.check() is True
    assert service.config.api_keys == ("c2",) and watcher.reloads == 1

    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert await watcher.check() is False  # same settings
    path.write_text("", encoding="utf-8")
    assert await watcher.check() is False  # an editor's truncation
    path.write_text("api-keys: [unclosed\n", encoding="utf-8")
    assert await watcher.check() is False
    assert service.config.api_keys == ("c2",) and watcher.reloads == 1


async def test_a_held_candidate_survives_a_reload_that_removes_its_credential(
    tmp_path: Path, watched: tuple[ProxyService, ConfigWatcher]
) -> None:
    service, watcher = watched
    pool = service.state.pool
    candidate: Candidate = pool.pick("gemini-2.5-flash", set(), time.monotonic())
    _write(tmp_path / "config.yaml", _document(tmp_path))  # no provider keys at all
    assert await watcher.check() is True
    assert service.state.credentials == ()
    pool.record_failure(candidate, 429, None, time.monotonic())
    pool.record_success(candidate)
    assert candidate.credential.api_key == "AIza-watch-1"  # the request still holds what it picked


def test_changed_keys_names_top_level_settings_only(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    _write(path, _document(tmp_path))
    old = load_config(path)
    _write(path, _document(tmp_path, port=9000, **{"api-keys": ["other"]}))
    assert changed_keys(old, load_config(path)) == ["api-keys", "port"]


async def test_directory_watch_debounces_a_burst_into_one_call(tmp_path: Path) -> None:
    calls: list[float] = []
    done = asyncio.Event()

    async def changed() -> None:
        calls.append(time.monotonic())
        done.set()

    watch = DirectoryWatch([tmp_path], lambda name: name.endswith(".json"), changed, debounce=0.15)
    watch.start()
    try:
        await asyncio.sleep(0.2)  # let the OS watch settle before the burst
        for i in range(5):
            await asyncio.to_thread((tmp_path / f"{i}.json").write_text, "{}")
        await asyncio.to_thread((tmp_path / "ignored.txt").write_text, "x")
        await asyncio.wait_for(done.wait(), 3)
        await asyncio.sleep(0.4)
    finally:
        await watch.stop()
    assert len(calls) == 1


class AsyncAccounts:
    def __init__(self) -> None:
        self.reloads = 0

    async def reload(self) -> None:
        self.reloads += 1


async def test_auth_dir_watcher_awaits_an_async_reload_and_ignores_same_content(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    _write(path, _document(tmp_path, **{"auth-dir": "auths"}))  # relative to the config file
    service = ProxyService(load_config(path), config_path=path)
    watcher = AuthDirWatcher(debounce=10.0)
    await watcher.start(service)
    try:
        assert watcher.directory == tmp_path / "auths" and watcher.directory.is_dir()
        assert await watcher.check() is False  # no account runtime, nothing changed
        accounts = AsyncAccounts()
        service.accounts = accounts  # type: ignore[assignment]
        await asyncio.to_thread((tmp_path / "auths" / "a.json").write_text, '{"type": "claude"}')
        assert await watcher.check() is True and accounts.reloads == 1
        await asyncio.to_thread((tmp_path / "auths" / "a.json").write_text, '{"type": "claude"}')
        assert await watcher.check() is False and accounts.reloads == 1
    finally:
        await watcher.stop()


async def test_a_service_without_a_config_file_is_not_watched(tmp_path: Path) -> None:
    service = ProxyService(load_config_from(tmp_path))
    watcher = ConfigWatcher()
    await watcher.start(service)
    assert await watcher.check() is False
    await watcher.stop()


def load_config_from(tmp_path: Path) -> Config:
    path = tmp_path / "c.yaml"
    _write(path, _document(tmp_path))
    return load_config(path)
