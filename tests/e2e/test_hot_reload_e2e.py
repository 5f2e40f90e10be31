"""Hot reload end to end: config and auth-dir edits reach a running proxy without dropping a request."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.service import ProxyService
from tests.e2e.conftest import Upstream
from tests.e2e.runtime_support import (
    CLIENT_KEY,
    Running,
    StartProxy,
    base_document,
    proxies,
    wait_for,
    write_config,
)
from tests.fakes import Slow

pytestmark = pytest.mark.timeout(30)

SONNET = "claude-sonnet-4-5-20250929"
OPUS = "claude-opus-4-1-20250805"
MAIN_KEY = "sk-ant-reload-main-0001"
ALIAS_KEY = "sk-ant-reload-alias-0001"
NEW_CLIENT_KEY = "sk-reload-client-key-0002"
WATCH_LOGGER = "server.config.watch"


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartProxy]:
    with proxies(tmp_path) as starter:
        yield starter


def _document(
    tmp_path: Path,
    upstream: Upstream,
    *,
    alias: str = "reload-alpha",
    exclude: bool = False,
    keys: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One catalogue Claude key (optionally excluding Opus) and one key serving Sonnet under ``alias``."""
    main: dict[str, Any] = {"api-key": MAIN_KEY, "base-url": upstream.url}
    if exclude:
        main["excluded-models"] = [OPUS]
    aliased = {"api-key": ALIAS_KEY, "base-url": upstream.url, "models": [{"name": SONNET, "alias": alias}]}
    document = base_document(tmp_path, **{"claude-api-key": [main, aliased]}, **extra)
    if keys is not None:
        document["api-keys"] = keys
    return document


def _models(proxy: Running, key: str = CLIENT_KEY) -> set[str] | None:
    reply = httpx.get(proxy.url + "/v1/models", headers={"Authorization": f"Bearer {key}"})
    return {m["id"] for m in reply.json()["data"]} if reply.status_code == 200 else None


def _ask(proxy: Running, model: str, key: str = CLIENT_KEY) -> httpx.Response:
    body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(proxy.url + "/v1/messages", json=body, headers={"x-api-key": key}, timeout=10)


@dataclass
class SlowStream:
    """A Claude stream read in a thread; ``first`` is set once the first event arrived."""

    proxy: Running
    model: str
    first: threading.Event = field(default_factory=threading.Event)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: BaseException | None = None
    thread: threading.Thread | None = None

    def start(self) -> SlowStream:
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.first.wait(5), "the stream never started"
        return self

    def _read(self) -> None:
        body = {
            "model": self.model,
            "max_tokens": 16,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        }
        try:
            with httpx.stream(
                "POST",
                self.proxy.url + "/v1/messages",
                json=body,
                headers={"x-api-key": CLIENT_KEY},
                timeout=10,
            ) as reply:
                assert reply.status_code == 200
                for line in reply.iter_lines():
                    if line.startswith("data: "):
                        self.events.append(json.loads(line[6:]))
                        self.first.set()
        except BaseException as exc:
            self.error = exc
            self.first.set()

    def finish(self) -> str:
        assert self.thread is not None
        self.thread.join(10)
        assert self.error is None, self.error
        types = [event["type"] for event in self.events]
        assert types[0] == "message_start" and types[-1] == "message_stop", types
        return "".join(e["delta"].get("text", "") for e in self.events if e["type"] == "content_block_delta")


def test_edits_reach_new_requests_while_a_slow_stream_completes(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream))
    models = _models(proxy)
    assert models is not None and {"reload-alpha", OPUS} <= models
    assert _models(proxy, NEW_CLIENT_KEY) is None
    upstream.fake.script(ALIAS_KEY, Slow(0.3))
    stream = SlowStream(proxy, "reload-alpha").start()

    edited = _document(
        tmp_path, upstream, alias="reload-beta", exclude=True, keys=[CLIENT_KEY, NEW_CLIENT_KEY]
    )
    write_config(proxy.config_path, edited)
    deadline = time.monotonic() + 1.0

    def within() -> float:
        return max(0.05, deadline - time.monotonic())

    wait_for(lambda: _models(proxy, NEW_CLIENT_KEY), timeout=within(), what="the new client key is accepted")

    def with_new_alias() -> set[str] | None:
        models = _models(proxy)
        return models if models is not None and "reload-beta" in models else None

    seen = wait_for(with_new_alias, timeout=within(), what="the new alias is listed")
    assert "reload-alpha" not in seen
    assert OPUS not in seen and SONNET in seen
    assert stream.thread is not None and stream.thread.is_alive(), "the stream should still be running"

    assert stream.finish() == "Hello from claude fake"
    assert _ask(proxy, "reload-beta", NEW_CLIENT_KEY).status_code == 200
    assert _ask(proxy, OPUS).status_code >= 400
    # the old alias's stream went to the upstream under its real name, with the key it started with
    first = upstream.fake.requests_for(ALIAS_KEY)[0]
    assert isinstance(first.json, dict) and first.json["model"] == SONNET


def test_a_stream_outlives_the_removal_of_its_credential(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream))
    upstream.fake.script(ALIAS_KEY, Slow(0.15))
    stream = SlowStream(proxy, "reload-alpha").start()
    document = _document(tmp_path, upstream)
    document["claude-api-key"] = document["claude-api-key"][:1]
    write_config(proxy.config_path, document)
    wait_for(
        lambda: (m := _models(proxy)) is not None and "reload-alpha" not in m, timeout=1.0, what="alias gone"
    )
    assert stream.finish() == "Hello from claude fake"
    assert _ask(proxy, "reload-alpha").status_code >= 400
    assert _ask(proxy, SONNET).status_code == 200


def test_an_in_place_rewrite_is_picked_up_too(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    proxy = start(_document(tmp_path, upstream))
    write_config(proxy.config_path, _document(tmp_path, upstream, keys=[NEW_CLIENT_KEY]), atomic=False)
    wait_for(lambda: _models(proxy, NEW_CLIENT_KEY), timeout=1.0, what="the rewritten key list is live")
    assert _models(proxy, CLIENT_KEY) is None


def _reload_counter(service: ProxyService) -> list[int]:
    count = [0]

    def listener(old: object, new: object) -> None:
        count[0] += 1

    service.on_config_change(listener)
    return count


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records if record.name == WATCH_LOGGER)


def test_invalid_yaml_keeps_the_running_config(
    start: StartProxy, upstream: Upstream, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=WATCH_LOGGER)
    proxy = start(_document(tmp_path, upstream))
    reloads = _reload_counter(proxy.service)
    write_config(proxy.config_path, f"api-keys: [{NEW_CLIENT_KEY}\nport: [oops\n")
    wait_for(lambda: _logged(caplog, "config reload failed"), timeout=2.0, what="the load error is logged")
    message = next(r.getMessage() for r in caplog.records if "config reload failed" in r.getMessage())
    assert "config.yaml" in message and "line" in message
    assert _ask(proxy, SONNET).status_code == 200
    assert _models(proxy, NEW_CLIENT_KEY) is None
    assert reloads == [0]

    write_config(proxy.config_path, _document(tmp_path, upstream, keys=[NEW_CLIENT_KEY]))
    wait_for(lambda: _models(proxy, NEW_CLIENT_KEY), timeout=1.0, what="a fixed file is applied")
    assert reloads == [1]


def test_identical_rewrites_cause_no_reload(
    start: StartProxy, upstream: Upstream, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=WATCH_LOGGER)
    document = _document(tmp_path, upstream)
    proxy = start(document)
    reloads = _reload_counter(proxy.service)
    original = proxy.config_path.read_bytes()

    write_config(proxy.config_path, original.decode(), atomic=True)
    wait_for(lambda: _logged(caplog, "unchanged"), timeout=2.0, what="the rewrite is looked at")
    caplog.clear()
    # same settings, different text (a comment and another key order): parsed equal, so no reload either
    reordered = dict(reversed(list(document.items())))
    write_config(proxy.config_path, "# edited by hand\n" + json.dumps(reordered), atomic=False)
    wait_for(lambda: _logged(caplog, "without changes"), timeout=2.0, what="the reordered file is looked at")
    assert reloads == [0]

    write_config(proxy.config_path, _document(tmp_path, upstream, keys=[NEW_CLIENT_KEY]))
    wait_for(lambda: _models(proxy, NEW_CLIENT_KEY), timeout=1.0, what="a real change is applied")
    assert reloads == [1]


def test_restart_only_settings_are_reported_and_the_port_is_kept(
    start: StartProxy, upstream: Upstream, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=WATCH_LOGGER)
    proxy = start(_document(tmp_path, upstream))
    edited = _document(tmp_path, upstream, port=1)
    edited["request-retry"] = 2
    write_config(proxy.config_path, edited)
    wait_for(lambda: _logged(caplog, "after a restart"), timeout=2.0, what="the restart notice")
    notice = next(r for r in caplog.records if "after a restart" in r.getMessage())
    assert notice.levelno == logging.WARNING and "port" in notice.getMessage()
    assert proxy.service.config.request_retry == 2
    assert _ask(proxy, SONNET).status_code == 200  # still listening where it started


@dataclass
class FakeAccounts:
    """Stands in for the account runtime: counts reloads and what the auth-dir held at each."""

    directory: Path
    seen: list[list[str]] = field(default_factory=list)

    def reload(self) -> None:
        self.seen.append(sorted(p.name for p in self.directory.glob("*.json")))


def test_auth_dir_changes_reload_the_accounts(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    auth_dir = tmp_path / "auths"
    accounts = FakeAccounts(auth_dir)
    proxy = start(_document(tmp_path, upstream))
    assert auth_dir.is_dir()
    proxy.service.accounts = accounts  # type: ignore[assignment]  # replaces any real account runtime
    credential = {"type": "claude", "email": "a@example.com", "access_token": "at-secret-0001"}

    (auth_dir / "claude-a.json").write_text(json.dumps(credential), encoding="utf-8")
    wait_for(lambda: accounts.seen == [["claude-a.json"]], timeout=1.0, what="an added file reloads")

    temp = auth_dir / ".claude-a.json.tmp"
    temp.write_text(json.dumps({**credential, "access_token": "at-secret-0002"}), encoding="utf-8")
    temp.replace(auth_dir / "claude-a.json")  # an atomic save, as a token refresh writes it
    wait_for(lambda: len(accounts.seen) == 2, timeout=1.0, what="a modified file reloads")

    (auth_dir / "notes.txt").write_text("not a credential", encoding="utf-8")
    (auth_dir / "claude-a.json").write_text(
        json.dumps({**credential, "access_token": "at-secret-0002"}), encoding="utf-8"
    )  # same bytes again
    (auth_dir / "claude-a.json").unlink()
    wait_for(lambda: len(accounts.seen) == 3, timeout=1.0, what="a deleted file reloads")
    assert accounts.seen[-1] == []
    assert _ask(proxy, SONNET).status_code == 200
