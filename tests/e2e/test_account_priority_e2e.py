"""``PATCH /v0/management/auth-files/priority``: the file keeps every other key, ``/accounts/state``
reports the value and routing prefers the higher priority (server/routing/pool.py); its 400/404 answers.

Skipped with a reason when the build has no accounts runtime (``service.accounts``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, launcher

__all__: list[str] = []

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def _needs_accounts(server: Managed) -> None:
    with server.client() as client:
        answer = client.patch("/auth-files/priority", json={"name": "probe.json", "priority": 1})
    if answer.status_code == 503:
        pytest.skip("this build has no accounts runtime (service.accounts): auth files are read-only")


def _claude_file(upstream: Upstream, email: str, token: str) -> bytes:
    expiry = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    data = {
        "type": "claude",
        "email": email,
        "access_token": token,
        "refresh_token": "rt-" + token,
        "expired": expiry,
        "base_url": upstream.url,
        "label": "kept",
    }
    return json.dumps(data).encode()


def _served_by(server: Managed, upstream: Upstream, count: int) -> list[str]:
    """The upstream keys of ``count`` chat requests sent now."""
    before = len(upstream.fake.requests)
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    for _ in range(count):
        answer = httpx.post(
            server.url + "/v1/messages", json=body, headers={"x-api-key": CLIENT_KEY}, timeout=10
        )
        assert answer.status_code == 200
    return [record.api_key for record in upstream.fake.requests[before:]]


def _set(server: Managed, name: str, priority: int) -> httpx.Response:
    with server.client() as client:
        return client.patch("/auth-files/priority", json={"name": name, "priority": priority})


def test_priority_is_saved_reported_and_preferred_by_routing(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        for name, email, token in (
            ("claude-a.json", "a@e.com", "tok-a"),
            ("claude-b.json", "b@e.com", "tok-b"),
        ):
            answer = client.post("/auth-files", files={"file": (name, _claude_file(upstream, email, token))})
            assert answer.json() == {"status": "ok"}
    assert set(_served_by(server, upstream, 4)) == {"tok-a", "tok-b"}  # equal priority: both serve

    original = json.loads((server.auth_dir / "claude-a.json").read_text())
    answer = _set(server, "claude-a.json", 5)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok", "priority": 5})
    saved = json.loads((server.auth_dir / "claude-a.json").read_text())
    assert saved["priority"] == 5
    assert {k: v for k, v in saved.items() if k != "priority"} == original  # every other key intact
    with server.client() as client:
        accounts = {a["id"]: a for a in client.get("/accounts/state").json()["accounts"]}
    assert (accounts["claude-a.json"]["priority"], accounts["claude-b.json"]["priority"]) == (5, 0)
    assert set(_served_by(server, upstream, 3)) == {"tok-a"}  # the higher number is preferred

    assert _set(server, "claude-b.json", 10).json() == {"status": "ok", "priority": 10}
    assert set(_served_by(server, upstream, 3)) == {"tok-b"}
    assert _set(server, "claude-b.json", -3).json() == {"status": "ok", "priority": -3}
    assert json.loads((server.auth_dir / "claude-b.json").read_text())["priority"] == -3
    assert set(_served_by(server, upstream, 3)) == {"tok-a"}


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("not json", 400, "invalid request body"),
        ([1], 400, "invalid request body"),
        ({"priority": 1}, 400, "name is required"),
        ({"name": " ", "priority": 1}, 400, "name is required"),
        ({"name": "a.json"}, 400, "priority must be an integer"),
        ({"name": "a.json", "priority": True}, 400, "priority must be an integer"),
        ({"name": "a.json", "priority": "3"}, 400, "priority must be an integer"),
        ({"name": "a.json", "priority": 1.5}, 400, "priority must be an integer"),
        ({"name": "../a.json", "priority": 1}, 400, "invalid name"),
        ({"name": "a.txt", "priority": 1}, 400, "name must end with .json"),
        ({"name": "absent.json", "priority": 1}, 404, "auth file not found"),
    ],
    ids=[
        "not-json",
        "array",
        "no-name",
        "blank-name",
        "no-priority",
        "bool",
        "string",
        "float",
        "escape",
        "not-json-name",
        "absent",
    ],
)
def test_priority_patch_errors(launch: Launcher, body: object, status: int, error: str) -> None:
    server = launch.start()
    _needs_accounts(server)
    with server.client() as client:
        if isinstance(body, str):
            answer = client.patch("/auth-files/priority", content=body.encode())
        else:
            answer = client.patch("/auth-files/priority", json=body)
    assert (answer.status_code, answer.json()) == (status, {"error": error})
