"""The GUI's additions to the management API: account state, reset-cooldown, the account test, and the
``/events`` stream of state changes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, launcher
from tests.fakes import Fail

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


@pytest.fixture
def server(launch: Launcher, upstream: Upstream) -> Managed:
    keys = [
        {"api-key": "sk-ant-gui-1", "base-url": upstream.url},
        {"api-key": "sk-ant-gui-2", "base-url": upstream.url},
    ]
    return launch.start({"claude-api-key": keys})


def _chat(server: Managed) -> httpx.Response:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(server.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=10)


def _accounts(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get("/accounts/state")
    assert answer.status_code == 200
    accounts: list[dict[str, Any]] = answer.json()["accounts"]
    return accounts


def test_account_state_cooldown_and_reset(server: Managed, upstream: Upstream) -> None:
    with server.client() as client:
        before = _accounts(client)
        assert [(a["provider"], a["kind"], a["cooling"], a["disabled"]) for a in before] == [
            ("claude", "apikey", False, False)
        ] * 2
        assert all("sk-ant" not in json.dumps(a) for a in before)
        for key in ("sk-ant-gui-1", "sk-ant-gui-2"):
            upstream.fake.script(key, Fail(429, retry_after=120))
        assert _chat(server).status_code == 429
        cooling = _accounts(client)
        now = time.time()
        for account in cooling:
            assert account["cooling"] is True and account["last_status"] == 429
            assert now + 100 < account["cooling_until"] <= now + 121
            [model] = account["models"]
            assert model["quota"] is True and model["reason"] == "quota" and model["remaining"] > 100
        first = cooling[0]["id"]
        reset = client.post("/accounts/reset-cooldown", json={"id": first})
        unknown = client.post("/accounts/reset-cooldown", json={"id": "no-such-credential"})
        no_id = client.post("/accounts/reset-cooldown", json={})
        after = {a["id"]: a["cooling"] for a in _accounts(client)}
    assert reset.json() == {"status": "ok", "cleared": 1}
    assert after[first] is False and list(after.values()).count(True) == 1
    assert unknown.status_code == 404 and "credential" in unknown.json()["error"]
    assert no_id.status_code == 400 and '"id"' in no_id.json()["error"]
    assert _chat(server).status_code == 200  # the reset credential is used again


def test_account_test_reports_timing_and_errors(server: Managed, upstream: Upstream) -> None:
    with server.client() as client:
        ids = [a["id"] for a in _accounts(client)]
        good = client.post("/accounts/test", json={"id": ids[0], "model": SONNET}).json()
        for key in ("sk-ant-gui-1", "sk-ant-gui-2"):  # which id belongs to which key is not known here
            upstream.fake.script(key, Fail(401))
        bad = client.post("/accounts/test", json={"id": ids[1]}).json()
        unknown = client.post("/accounts/test", json={"id": "nope"})
        unserved = client.post("/accounts/test", json={"id": ids[0], "model": "gpt-5"})
        bad_timeout = client.post("/accounts/test", json={"id": ids[0], "timeout": 0})
        still_usable = _accounts(client)
    assert good["ok"] is True and good["status"] == 200 and good["error"] == ""
    assert 0 <= good["ttft_ms"] <= good["latency_ms"] and good["bytes"] > 0
    assert (good["credential"], good["provider"], good["model"]) == (ids[0], "claude", SONNET)
    assert bad["ok"] is False and bad["status"] == 401 and bad["error"]
    assert bad["model"]  # a default model was chosen
    assert unknown.status_code == 404
    assert unserved.status_code == 400 and unserved.json()["error"].startswith("model")
    assert bad_timeout.status_code == 400 and "timeout" in bad_timeout.json()["error"]
    assert not any(a["cooling"] for a in still_usable)  # a test never cools a credential down
    assert upstream.fake.requests[0].json["messages"][0]["role"] == "user"


def _events(lines: Iterator[str], wanted: str, limit: float = 5.0) -> dict[str, Any]:
    """The data of the next event of kind ``wanted``."""
    deadline = time.monotonic() + limit
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line[len("event: ") :]
        elif line.startswith("data: ") and kind == wanted:
            data: dict[str, Any] = json.loads(line[len("data: ") :])
            return data
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"no {wanted} event")


def test_events_stream_state_changes(server: Managed, upstream: Upstream) -> None:
    with server.client(timeout=5.0) as stream_client, server.client() as client:
        with stream_client.stream("GET", "/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert _events(lines, "hello")["version"]
            client.put("/debug", json={"value": True})
            assert _events(lines, "config.changed")["keys"] == ["debug"]
            for _ in range(3):
                assert _chat(server).status_code == 200
            usage = _events(lines, "usage.recorded")
            assert usage["model"] == SONNET and 1 <= usage["count"] <= 3
            upstream.fake.script("sk-ant-gui-1", Fail(429, retry_after=30))
            upstream.fake.script("sk-ant-gui-2", Fail(429, retry_after=30))
            _chat(server)
            started = _events(lines, "cooldown.started")
            assert started["status"] == 429 and 29 <= started["seconds"] <= 30
            assert started["until"] > time.time() + 20
            client.post("/accounts/reset-cooldown", json={"id": started["credential"]})
            ended = _events(lines, "cooldown.ended")
            assert ended["reason"] == "reset" and ended["credential"] == started["credential"]


def test_events_can_be_filtered_by_kind(server: Managed) -> None:
    with server.client(timeout=5.0) as stream_client, server.client() as client:
        with stream_client.stream("GET", "/events", params={"kinds": "config.changed"}) as stream:
            lines = stream.iter_lines()
            _events(lines, "hello")
            assert _chat(server).status_code == 200
            client.put("/request-retry", json={"value": 2})
            kinds = []
            for line in lines:
                if line.startswith("event: "):
                    kinds.append(line[len("event: ") :])
                    break
    assert kinds == ["config.changed"]


def test_events_need_the_management_key(server: Managed) -> None:
    with server.client("wrong") as client:
        assert client.get("/events").status_code == 401
