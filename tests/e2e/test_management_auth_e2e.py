"""Management API enablement and authentication over real HTTP (server.md §3.1-3.2, §8 items 12-18)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from server import __version__
from server.runner import ServerOptions
from tests.e2e.management_support import (
    MANAGEMENT_KEY,
    Launcher,
    Managed,
    launcher,
    needs_remote,
    shared_server,
    wait_for,
)

GO_HASH = "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga"
"""A hash from Go's x/crypto/bcrypt test vectors; the password is ``allmine``."""


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Managed]:
    yield from shared_server(tmp_path_factory)


@pytest.mark.parametrize("path", ["/config", "/api-keys", "/usage", "/auth-files", "/events", "/nope"])
def test_without_any_secret_every_route_is_404(launch: Launcher, path: str) -> None:
    server = launch.start(secret=None)
    with server.client() as client:
        answer = client.get(path)
    assert answer.status_code == 404
    assert answer.text == "404 page not found"
    assert "x-cpa-version" not in answer.headers


def test_plaintext_secret_is_hashed_in_the_file_and_still_works(launch: Launcher) -> None:
    text = (
        "# my proxy\n"
        "host: 127.0.0.1\n"
        "port: 0\n"
        "api-keys:\n  - k1  # first key\n"
        "remote-management:\n"
        "  # the management password\n"
        '  secret-key: "plain-secret"  # keep this comment\n'
        "  allow-remote: false\n"
        "extra-thing: {a: 1}\n"
    )
    server = launch.start(text=text)
    written = server.text()
    hashed = server.config()["remote-management"]["secret-key"]
    assert hashed.startswith("$2a$10$") and bcrypt.checkpw(b"plain-secret", hashed.encode())
    assert written == text.replace('"plain-secret"', f'"{hashed}"')
    with server.client("plain-secret") as client:
        assert client.get("/debug").json() == {"debug": False}


def test_a_go_bcrypt_hash_authenticates(launch: Launcher) -> None:
    server = launch.start(secret=GO_HASH)
    with server.client("allmine") as client:
        assert client.get("/debug").status_code == 200
    with server.client("allmine!") as client:
        assert client.get("/debug").status_code == 401
    assert server.config()["remote-management"]["secret-key"] == GO_HASH


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ({}, 401, {"error": "missing management key"}),
        ({"Authorization": "Bearer wrong"}, 401, {"error": "invalid management key"}),
        ({"X-Management-Key": "wrong"}, 401, {"error": "invalid management key"}),
        ({"Authorization": f"Bearer {MANAGEMENT_KEY}"}, 200, {"debug": False}),
        ({"Authorization": f"bearer {MANAGEMENT_KEY}"}, 200, {"debug": False}),
        ({"Authorization": MANAGEMENT_KEY}, 200, {"debug": False}),
        ({"X-Management-Key": MANAGEMENT_KEY}, 200, {"debug": False}),
    ],
    ids=["missing", "wrong-bearer", "wrong-header", "bearer", "bearer-lowercase", "bare", "x-management-key"],
)
def test_key_sources_and_answers(shared: Managed, headers: dict[str, str], status: int, body: object) -> None:
    # three failures in a row at most, and every success resets the count: the shared server is never banned
    with shared.client(None) as client:
        answer = client.get("/debug", headers=headers)
    assert (answer.status_code, answer.json()) == (status, body)
    assert answer.headers["x-cpa-version"] == __version__
    assert answer.headers["x-cpa-commit"] and answer.headers["x-cpa-build-date"]


@needs_remote
def test_remote_peer_needs_allow_remote_and_forwarded_for_is_ignored(launch: Launcher) -> None:
    server = launch.start()
    with server.client(remote=True) as remote:
        refused = remote.get("/debug")
        spoofed = remote.get("/debug", headers={"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"})
    assert (refused.status_code, refused.json()) == (403, {"error": "remote management disabled"})
    assert spoofed.status_code == 403
    with server.client() as local:
        assert local.get("/debug", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200


@needs_remote
def test_five_failures_ban_a_remote_address_for_thirty_minutes(launch: Launcher) -> None:
    server = launch.start({"remote-management": {"secret-key": MANAGEMENT_KEY, "allow-remote": True}})
    with server.client(remote=True) as remote:
        assert remote.get("/debug").status_code == 200
        with server.client("wrong", remote=True) as wrong:
            codes = [wrong.get("/debug").status_code for _ in range(5)]
        banned = remote.get("/debug")
    assert codes == [401] * 5
    assert banned.status_code == 403
    message = banned.json()["error"]
    assert re.fullmatch(r"IP banned due to too many failed attempts\. Try again in (29m\d+s|30m0s)", message)
    with server.client() as local:
        assert local.get("/debug").status_code == 200


def test_loopback_is_banned_too_and_missing_keys_count(launch: Launcher) -> None:
    server = launch.start()
    with server.client(None) as anonymous:
        codes = [anonymous.get("/debug").status_code for _ in range(3)]
    with server.client("wrong") as wrong:
        codes += [wrong.get("/debug").status_code for _ in range(2)]
    with server.client() as right:
        banned = right.get("/debug")
    assert codes == [401] * 5
    assert banned.status_code == 403 and "IP banned" in banned.json()["error"]


def test_success_resets_the_failure_count(launch: Launcher) -> None:
    server = launch.start()
    with server.client("wrong") as wrong, server.client() as right:
        for _ in range(3):
            for _ in range(4):
                assert wrong.get("/debug").status_code == 401
            assert right.get("/debug").status_code == 200


@needs_remote
def test_management_password_enables_the_api_and_remote_access(
    launch: Launcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MANAGEMENT_PASSWORD", "env-password")
    server = launch.start(secret=None)
    with server.client("env-password", remote=True) as remote:
        assert remote.get("/debug").json() == {"debug": False}
    with server.client("env-password") as local:
        assert local.get("/debug").status_code == 200
    with server.client(MANAGEMENT_KEY) as other:
        assert other.get("/debug").status_code == 401
    assert "remote-management" not in server.config()


@needs_remote
def test_local_management_key_works_from_loopback_only(launch: Launcher) -> None:
    options = ServerOptions(local_management_key="ephemeral-gui-key")
    server = launch.start({"remote-management": {"allow-remote": True}}, secret=None, options=options)
    with server.client("ephemeral-gui-key") as local:
        assert local.get("/debug").status_code == 200
    with server.client("ephemeral-gui-key", remote=True) as remote:
        refused = remote.get("/debug")
    assert (refused.status_code, refused.json()) == (403, {"error": "remote management key not set"})
    with server.client("not-it") as wrong:
        assert wrong.get("/debug").json() == {"error": "invalid management key"}


def test_local_key_and_secret_both_work(launch: Launcher) -> None:
    server = launch.start(options=ServerOptions(local_management_key="gui-key"))
    for key in ("gui-key", MANAGEMENT_KEY):
        with server.client(key) as client:
            assert client.get("/debug").status_code == 200


def test_removing_and_restoring_the_secret_switches_the_api(launch: Launcher) -> None:
    server = launch.start()
    original = server.text()
    with server.client() as client:
        without = "".join(line for line in original.splitlines(True) if "secret-key" not in line)
        assert without != original
        assert client.put("/config.yaml", content=without).json() == {"ok": True, "changed": ["config"]}
        assert client.get("/debug").status_code == 404
    # a hand edit, picked up by the file watcher (the comment makes its bytes differ from the start)
    server.path.write_text(original + "# secret restored\n", encoding="utf-8")

    def enabled() -> bool:
        with server.client() as again:
            return again.get("/debug").status_code == 200

    assert wait_for(enabled, timeout=5.0)
