"""The Accounts page's per-provider switch end to end: the GUI's own ManagementClient writes ``*`` into
``oauth-excluded-models[claude]`` (keeping the person's other patterns), the real server then routes Claude
requests past the OAuth account to the API key, answers "no credential" in the client's format once the key
is gone, and serves through the account again after the switch is turned back on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from gui.client import ManagementClient
from gui.models import Exclusion
from gui.windows.provider_switch import switched_off, with_switch
from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import MANAGEMENT_KEY, Launcher, Managed, launcher

__all__: list[str] = []

pytestmark = pytest.mark.timeout(30)

SONNET = "claude-sonnet-4-5-20250929"
HAIKU_RULE = "claude-3-haiku*"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def _claude_file(upstream: Upstream) -> bytes:
    expiry = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    data = {
        "type": "claude",
        "email": "a@example.com",
        "access_token": "tok-oauth",
        "refresh_token": "rt-oauth",
        "expired": expiry,
        "base_url": upstream.url,
    }
    return json.dumps(data).encode()


def _switch(server: Managed, channel: str, on: bool) -> list[Exclusion]:
    """What the Accounts page does for one click: read, switch, write, read back (the GUI's client)."""

    async def run() -> list[Exclusion]:
        client = ManagementClient(server.url, MANAGEMENT_KEY)
        try:
            await client.set_exclusions(with_switch(await client.exclusions(), channel, on))
            return await client.exclusions()
        finally:
            await client.aclose()

    return asyncio.run(run())


def _chat(server: Managed) -> httpx.Response:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(server.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=10)


def _served_by(server: Managed, upstream: Upstream, count: int) -> set[str]:
    before = len(upstream.fake.requests)
    for _ in range(count):
        answer = _chat(server)
        assert answer.status_code == 200, answer.text
    return {record.api_key for record in upstream.fake.requests[before:]}


def test_switching_claude_off_and_on(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start({"claude-api-key": [{"api-key": "sk-ant-key", "base-url": upstream.url}]})
    with server.client() as client:
        upload = client.post("/auth-files", files={"file": ("claude-a.json", _claude_file(upstream))})
        if upload.status_code == 503:
            pytest.skip("this build has no accounts runtime (service.accounts)")
        assert upload.json() == {"status": "ok"}
        assert client.put("/oauth-excluded-models", json={"claude": [HAIKU_RULE]}).status_code == 200
    assert _served_by(server, upstream, 4) == {"tok-oauth", "sk-ant-key"}

    off = _switch(server, "claude", False)
    assert off == [Exclusion("claude", HAIKU_RULE), Exclusion("claude", "*")]
    assert server.config()["oauth-excluded-models"] == {"claude": [HAIKU_RULE, "*"]}
    assert _served_by(server, upstream, 3) == {"sk-ant-key"}  # the account serves nothing now

    with server.client() as client:
        assert client.delete("/claude-api-key", params={"index": 0}).status_code == 200
    gone = _chat(server)
    assert gone.status_code == 404
    assert gone.json()["type"] == "error" and gone.json()["error"]["type"] == "not_found_error"
    assert SONNET in gone.json()["error"]["message"]

    on = _switch(server, "Claude", True)
    assert on == [Exclusion("claude", HAIKU_RULE)]  # the person's own pattern stays
    assert _served_by(server, upstream, 2) == {"tok-oauth"}

    with server.client() as client:  # only the switch's "*": switching on leaves an empty map
        assert client.put("/oauth-excluded-models", json={"claude": ["*"]}).status_code == 200
    assert _chat(server).status_code == 404
    assert switched_off(_switch(server, "claude", True)) == frozenset()
    assert not server.config().get("oauth-excluded-models")
    assert _served_by(server, upstream, 1) == {"tok-oauth"}
