"""Changes while requests stream: hot reload, alias edits through management, many refreshes at once.

In each case the clients use a key and a model that every version of the config keeps; no request may
fail because something else changed under it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from server.config.save import atomic_write
from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.management_support import Launcher, Managed, launcher, wait_for
from tests.fakes import FakeUpstream, ServerThread
from tests.fakes.oauth_fake import FakeOAuth
from tests.hardening.safety_support import upstream_fixture

STREAMS = 16
BODY = {"model": "stable-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    yield from upstream_fixture()


@pytest.fixture
def fake(upstream: tuple[FakeUpstream, ServerThread]) -> FakeUpstream:
    upstream[0].reset()
    upstream[0].configure(chunks=6, delay=0.01)
    return upstream[0]


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def provider(url: str, *aliases: str) -> dict[str, Any]:
    models = [{"name": "up-model", "alias": alias} for alias in ("stable-model", *aliases)]
    return {
        "name": "compat",
        "base-url": url + "/v1",
        "api-key-entries": [{"api-key": "sk-upstream-conc"}],
        "models": models,
    }


async def stream_until(url: str, stop: threading.Event, failures: list[str]) -> int:
    """Streams ``BODY`` from ``STREAMS`` clients until ``stop``; failures are described in ``failures``."""
    done = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal done
        while not stop.is_set():
            async with http.stream("POST", "/v1/chat/completions", json=BODY) as reply:
                lines = [line async for line in reply.aiter_lines() if line.strip()]
            if reply.status_code != 200 or lines[-1:] != ["data: [DONE]"]:
                failures.append(f"{reply.status_code}: {lines[-1:]}")
            done += 1

    headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=20) as http:
        await asyncio.gather(*(client(http) for _ in range(STREAMS)))
    return done


def run_load_while(url: str, change: Any, rounds: int) -> tuple[int, list[str]]:
    """Stream while ``change(i)`` runs ``rounds`` times in this thread; (streams done, failures)."""
    stop, failures, result = threading.Event(), [], []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(stream_until(url, stop, failures))))
    thread.start()
    try:
        for i in range(rounds):
            change(i)
    finally:
        stop.set()
        thread.join(30)
    return result[0], failures


def test_hot_reload_of_keys_and_aliases_during_streaming(
    launch: Launcher, fake: FakeUpstream, upstream: tuple[FakeUpstream, ServerThread]
) -> None:
    url = upstream[1].url
    server = launch.start({"openai-compatibility": [provider(url)]})
    base = server.config()
    seen: list[int] = []

    def rewrite(i: int) -> None:
        document = dict(base)
        document["api-keys"] = [CLIENT_KEY, *(f"sk-extra-{i}-{j}" for j in range(i % 3))]
        document["openai-compatibility"] = [provider(url, *(f"alias-{i}-{j}" for j in range(i % 4)))]
        if i % 2:
            document["claude-api-key"] = [{"api-key": f"sk-claude-{i}", "base-url": url}]
        text = yaml.safe_dump(document, sort_keys=False)
        if i % 2:  # an editor that saves in place, and one that renames a temp file
            server.path.write_text(text, encoding="utf-8")
        else:
            atomic_write(server.path, text.encode())
        wanted = f"alias-{i}-0" if i % 4 else None
        ids: set[str] = set()

        def live() -> bool:  # the reload is live before the next rewrite
            models = httpx.get(server.url + "/v1/models", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
            ids.clear()
            ids.update(m["id"] for m in models.json()["data"])
            return wanted is None or wanted in ids

        assert wait_for(live, 5)
        seen.append(len(ids))

    done, failures = run_load_while(server.url, rewrite, 12)
    assert failures == []
    assert done >= STREAMS and len(seen) == 12
    assert max(seen) > min(seen)  # the reloads did change what the proxy serves


def test_alias_edits_through_management_while_streaming(
    launch: Launcher, fake: FakeUpstream, upstream: tuple[FakeUpstream, ServerThread]
) -> None:
    url = upstream[1].url
    server: Managed = launch.start({"openai-compatibility": [provider(url)]})

    def edit(i: int) -> None:
        with server.client() as http:
            aliases = [f"edit-{i}-{j}" for j in range(i % 3)]
            if i % 2:
                reply = http.put("/openai-compatibility", json=[provider(url, *aliases)])
            else:
                models = [{"name": "up-model", "alias": a} for a in ("stable-model", *aliases)]
                reply = http.patch(
                    "/openai-compatibility", json={"name": "compat", "value": {"models": models}}
                )
            assert reply.status_code == 200, reply.text

    done, failures = run_load_while(server.url, edit, 20)
    assert failures == []
    assert done >= STREAMS
    assert "edit-19-0" in server.text()


def test_twenty_requests_with_an_expired_token_make_one_refresh_call(
    launch: Launcher,
    fake: FakeUpstream,
    upstream: tuple[FakeUpstream, ServerThread],
    oauth_server: FakeOAuth,
    tmp_path: Path,
) -> None:
    oauth_server.reset()
    oauth_server.configure(token_delay=0.5, expires_in=28800)
    auth_dir = tmp_path / "auths"
    auth_dir.mkdir()
    account = {"type": "claude", "email": "a@x", "access_token": "expired-token", "refresh_token": "r-1"}
    (auth_dir / "claude-a.json").write_text(json.dumps(account | {"expired": "2020-01-01T00:00:00Z"}))
    endpoints = {"claude": {"token": oauth_server.url("/token"), "upstream": upstream[1].url}}
    server = launch.start({"oauth-endpoints": endpoints})
    body = {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": "hi"}],
    }

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30, headers={"x-api-key": CLIENT_KEY}) as http:
            return list(
                await asyncio.gather(*(http.post(server.url + "/v1/messages", json=body) for _ in range(20)))
            )

    replies = asyncio.run(burst())
    assert [r.status_code for r in replies] == [200] * 20
    assert len(oauth_server.token_requests("refresh_token")) == 1
    used = {r.headers.get("authorization") for r in fake.requests}
    assert used == {"Bearer at-1"}  # nobody went upstream with the expired token
    assert json.loads((auth_dir / "claude-a.json").read_bytes())["access_token"] == "at-1"
