"""Credential and config files are 0600 and their directories 0700 after every write path (POSIX).

Each path starts from files and directories created with the usual umask (0644 / 0755), as a user
or an older version would leave them: first-run config, management save, management upload, CLI
login, background token refresh.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.auth.base import LoginOptions
from server.auth.login import cli_login
from server.config import ensure_config
from server.config.load import parse_config
from tests.e2e.management_support import Launcher, launcher, wait_for
from tests.fakes.oauth_fake import FakeOAuth, browse, start_fake_oauth

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private(file: Path) -> None:
    assert mode(file) == 0o600, f"{file.name}: {oct(mode(file))}"
    assert mode(file.parent) == 0o700, f"{file.parent}: {oct(mode(file.parent))}"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


@pytest.fixture(scope="module")
def oauth() -> Iterator[FakeOAuth]:
    fake, server = start_fake_oauth(expires_in=28800)
    try:
        yield fake
    finally:
        server.stop()


def wide_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o755)
    return path


def test_first_run_config_is_private(isolated_home: Path) -> None:
    first = ensure_config(None)
    assert first.created
    assert_private(first.path)


def test_a_management_save_makes_the_config_private(launch: Launcher) -> None:
    server = launch.start()
    os.chmod(server.path, 0o644)
    with server.client() as http:
        assert http.put("/debug", json={"value": True}).status_code == 200
    assert mode(server.path) == 0o600
    with server.client() as http:
        assert http.put("/config.yaml", content=server.text().encode()).status_code == 200
    assert mode(server.path) == 0o600


def test_a_management_upload_is_private_in_a_private_dir(launch: Launcher, tmp_path: Path) -> None:
    wide_dir(tmp_path / "auths")
    server = launch.start()
    body = json.dumps({"type": "claude", "access_token": "a", "refresh_token": "r"}).encode()
    with server.client() as http:
        assert http.post("/auth-files?name=claude-up.json", content=body).status_code == 200
    assert_private(tmp_path / "auths" / "claude-up.json")


def test_a_cli_login_writes_a_private_file(oauth: FakeOAuth, tmp_path: Path) -> None:
    auth_dir = wide_dir(tmp_path / "auths")
    oauth.reset()
    oauth.configure(token_extra={"account": {"email_address": "me@example.com"}}, expires_in=28800)
    urls = {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}
    config = parse_config({"auth-dir": str(auth_dir), "oauth-endpoints": {"claude": urls}})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = io.StringIO()
    codes: list[int] = []
    options = LoginOptions(no_browser=True, callback_port=port)
    thread = threading.Thread(
        target=lambda: codes.append(
            cli_login("claude", config, options, out=out, err=out, stdin=io.StringIO())
        )
    )
    thread.start()
    assert wait_for(lambda: oauth.url("/authorize") in out.getvalue(), 10), out.getvalue()
    url = next(w for w in out.getvalue().split() if w.startswith(oauth.url("/authorize")))
    browse(url)
    thread.join(10)
    assert codes == [0], out.getvalue()
    (saved,) = auth_dir.glob("*.json")
    assert_private(saved)


def test_a_background_refresh_keeps_the_file_private(
    oauth: FakeOAuth, launch: Launcher, tmp_path: Path
) -> None:
    oauth.reset()
    auth_dir = wide_dir(tmp_path / "auths")
    account = auth_dir / "claude-old.json"
    data = {
        "type": "claude",
        "access_token": "old",
        "refresh_token": "r-old",
        "expired": "2020-01-01T00:00:00Z",
    }
    account.write_text(json.dumps(data), encoding="utf-8")
    os.chmod(account, 0o644)
    endpoints = {"claude": {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}}
    launch.start({"oauth-endpoints": endpoints})
    deadline = time.monotonic() + 15
    while json.loads(account.read_bytes())["access_token"] == "old":
        assert time.monotonic() < deadline, "the token was not refreshed"
        time.sleep(0.05)
    assert_private(account)
    assert oauth.token_requests("refresh_token")
