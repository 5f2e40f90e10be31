"""Who can reach what: default bind, management from non-loopback peers, header spoofing, the ban.

A non-loopback peer is faked at the ASGI scope (``FakePeer``); everything else is real HTTP over
loopback. tests/e2e/test_management_auth_e2e.py covers the basic remote/ban cases with 127.0.0.2.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from server.api.management import auth as management_auth
from server.config import load_config
from server.runner import ServerController
from tests.e2e.management_support import MANAGEMENT_KEY, Launcher, launcher, needs_remote
from tests.hardening.safety_support import PEER_HEADER, ManualClock, fake_peer_options

SPOOFS = {
    "X-Forwarded-For": "127.0.0.1",
    "X-Real-IP": "127.0.0.1",
    "Forwarded": "for=127.0.0.1;proto=http",
    "True-Client-IP": "127.0.0.1",
    "X-Client-IP": "127.0.0.1",
    "CF-Connecting-IP": "127.0.0.1",
}
REMOTE = "203.0.113.7"
OTHER_REMOTE = "198.51.100.20"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def test_default_bind_is_loopback_only(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"port": 0, "auth-dir": str(tmp_path / "a")}), encoding="utf-8")
    config = load_config(path)
    assert config.host == "127.0.0.1"
    controller = ServerController(config)
    controller.start()
    try:
        assert controller.url.startswith("http://127.0.0.1:")
        with socket.create_connection(("127.0.0.1", controller.port), timeout=2):
            pass
        try:  # on Linux all of 127/8 is local: a socket bound to 127.0.0.1 must not answer on .2
            with socket.socket() as probe:
                probe.bind(("127.0.0.2", 0))
                probe.settimeout(2)
                assert probe.connect_ex(("127.0.0.2", controller.port)) != 0
        except OSError:
            pass  # no 127.0.0.2 on this OS
    finally:
        controller.stop()


@pytest.mark.parametrize("spoof", [{}, SPOOFS], ids=["plain", "spoofed-headers"])
def test_non_loopback_peer_is_refused_without_allow_remote(launch: Launcher, spoof: dict[str, str]) -> None:
    server = launch.start(options=fake_peer_options())
    with server.client() as http:
        answer = http.get("/debug", headers={PEER_HEADER: REMOTE, **spoof})
    assert (answer.status_code, answer.json()) == (403, {"error": "remote management disabled"})


def test_allow_remote_lets_a_remote_peer_in_only_with_the_key(launch: Launcher) -> None:
    settings = {"remote-management": {"secret-key": MANAGEMENT_KEY, "allow-remote": True}}
    server = launch.start(settings, options=fake_peer_options())
    with server.client() as http:
        assert http.get("/debug", headers={PEER_HEADER: REMOTE}).status_code == 200
    with server.client("wrong") as http:
        assert http.get("/debug", headers={PEER_HEADER: REMOTE, **SPOOFS}).status_code == 401


def test_local_only_key_is_refused_to_a_remote_peer_claiming_loopback(launch: Launcher) -> None:
    """The GUI's local management key works from 127.0.0.1 only; headers cannot make a peer local."""
    settings = {"remote-management": {"secret-key": MANAGEMENT_KEY, "allow-remote": True}}
    local_key = "local-only-key-0123456789"
    options = fake_peer_options()
    from dataclasses import replace

    server = launch.start(settings, options=replace(options, local_management_key=local_key))
    with server.client(local_key) as http:
        assert http.get("/debug").status_code == 200
        spoofed = http.get("/debug", headers={PEER_HEADER: REMOTE, **SPOOFS})
    assert spoofed.status_code == 401


@needs_remote
def test_spoofed_headers_over_real_loopback_do_not_make_127_0_0_2_local(launch: Launcher) -> None:
    server = launch.start()
    with server.client(remote=True) as remote:
        answer = remote.get("/debug", headers=SPOOFS)
    assert (answer.status_code, answer.json()) == (403, {"error": "remote management disabled"})


def test_ban_after_five_bad_keys_is_per_address_and_expires(launch: Launcher) -> None:
    clock = ManualClock()
    settings = {"remote-management": {"secret-key": MANAGEMENT_KEY, "allow-remote": True}}
    server = launch.start(settings, options=fake_peer_options(clock))
    with server.client("wrong") as wrong, server.client() as right:
        codes = [wrong.get("/debug", headers={PEER_HEADER: REMOTE}).status_code for _ in range(5)]
        assert codes == [401] * 5
        banned = right.get("/debug", headers={PEER_HEADER: REMOTE})
        assert banned.status_code == 403 and "IP banned" in banned.json()["error"]
        # another address and the loopback user are not affected
        assert right.get("/debug", headers={PEER_HEADER: OTHER_REMOTE}).status_code == 200
        assert right.get("/debug").status_code == 200
        clock.now += management_auth.BAN_SECONDS - 1
        assert right.get("/debug", headers={PEER_HEADER: REMOTE}).status_code == 403
        clock.now += 2
        assert right.get("/debug", headers={PEER_HEADER: REMOTE}).status_code == 200
        # the count started afresh: four more failures do not ban again
        codes = [wrong.get("/debug", headers={PEER_HEADER: REMOTE}).status_code for _ in range(4)]
        assert codes == [401] * 4
        assert right.get("/debug", headers={PEER_HEADER: REMOTE}).status_code == 200
