"""Path traversal: every management endpoint that takes a file name refuses names that leave its dir.

Requests are sent byte for byte (``http.client``, no URL normalisation). After each one the canary
files outside the auth and log dirs are unchanged, nothing new appeared outside them, and the canary's
content is in no answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.management_support import MANAGEMENT_KEY, Managed, shared_server
from tests.hardening.safety_support import files_under, raw_request

CANARY = b'{"type": "claude", "access_token": "canary-outside-the-dir"}'
AUTH = {"Authorization": f"Bearer {MANAGEMENT_KEY}"}
NAMES = [
    "../canary.json",
    "../../canary.json",
    "..\\canary.json",
    "..%2fcanary.json",
    "%2e%2e/canary.json",
    "....//canary.json",
    "/tmp/canary.json",
    "C:canary.json",
    "C:\\canary.json",
    "canary.json\x00.json",
    " ../canary.json",
    "..",
    ".",
    "",
    ".hidden.json",
    "auths/../../canary.json",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Managed]:
    yield from shared_server(tmp_path_factory, settings={"logging-to-file": True})


@pytest.fixture
def canaries(server: Managed) -> Iterator[list[Path]]:
    """Canary files next to and above the auth dir and the log dir; checked after the test."""
    root = server.path.parent
    server.auth_dir.mkdir(parents=True, exist_ok=True)
    log_dir = root / "logs"
    places = [root, root.parent, log_dir.parent, server.auth_dir / "sub"]
    paths = []
    for place in places:
        place.mkdir(parents=True, exist_ok=True)
        for name in ("canary.json", "canary.log"):
            (place / name).write_bytes(CANARY)
            paths.append(place / name)
    (server.auth_dir / "good.json").write_text(json.dumps({"type": "claude", "access_token": "good"}))
    outside_before = {p for p in files_under(root) if not _inside(p, server.auth_dir, log_dir)}
    yield paths
    for path in paths:
        assert path.read_bytes() == CANARY, f"{path} was changed"
    outside_after = {p for p in files_under(root) if not _inside(p, server.auth_dir, log_dir)}
    assert outside_after == outside_before, f"new files outside: {outside_after - outside_before}"


def _inside(path: Path, *dirs: Path) -> bool:
    return any(path.is_relative_to(d) for d in dirs)


def _encodings(name: str) -> list[str]:
    """The name as the query carries it: percent-encoded, and raw where the bytes allow it."""
    out = [quote(name, safe="")]
    if all(32 < ord(c) < 127 for c in name) and "%" not in name and "&" not in name and "#" not in name:
        out.append(name)
    return out


def _assert_refused(status: int, body: bytes) -> None:
    assert status in (400, 404), (status, body)
    assert b"canary-outside" not in body


@pytest.mark.parametrize("name", NAMES)
def test_auth_file_names_that_leave_auth_dir_are_refused(
    server: Managed, canaries: list[Path], name: str
) -> None:
    api = "/v0/management"
    for encoded in _encodings(name):
        for method, target, body in [
            ("GET", f"{api}/auth-files/download?name={encoded}", None),
            ("GET", f"{api}/auth-files/models?name={encoded}", None),
            ("DELETE", f"{api}/auth-files?name={encoded}", None),
            ("POST", f"{api}/auth-files?name={encoded}", CANARY),
        ]:
            _assert_refused(*raw_request(server.url, method, target, AUTH, body))
    patch = json.dumps({"name": name, "disabled": True}).encode()
    headers = {**AUTH, "Content-Type": "application/json"}
    _assert_refused(*raw_request(server.url, "PATCH", f"{api}/auth-files/status", headers, patch))
    assert (server.auth_dir / "good.json").exists()


@pytest.mark.parametrize(
    "filename",
    ["../canary.json", "..\\..\\canary.json", "/tmp/x/canary.json", "C:\\canary.json", "a/../b.json"],
)
def test_a_multipart_upload_never_writes_outside_auth_dir(
    server: Managed, canaries: list[Path], filename: str
) -> None:
    boundary = "hardening-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/json\r\n\r\n"
        ).encode()
        + CANARY.replace(b"canary-outside", b"uploaded")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, answer = raw_request(server.url, "POST", "/v0/management/auth-files", headers, body)
    # the base name is kept (the original does the same) or the name is refused; never a path
    assert status in (200, 400), answer
    for stored in server.auth_dir.glob("*.json"):
        if stored.name != "good.json":
            stored.unlink()


@pytest.mark.parametrize(
    "target",
    [
        "/request-error-logs/..%2fcanary.log",
        "/request-error-logs/..%2f..%2fcanary.log",
        "/request-error-logs/error-..%2f..%2fcanary.log",
        "/request-error-logs/..%5ccanary.log",
        "/request-error-logs/error-..%5c..%5ccanary.log",
        "/request-error-logs/%2e%2e",
        "/request-error-logs/..",
        "/request-error-logs/error-x%00.log",
        "/request-error-logs/%2ftmp%2fcanary.log",
        "/request-error-logs/C:canary.log",
        "/request-error-logs/../../canary.log",
        "/request-log-by-id/..%2f..%2fcanary",
        "/request-log-by-id/%2e%2e",
        "/request-log-by-id/../canary.log",
        "/request-log-by-id/0000000%00",
        "/logs/../canary.log",
        "/../../canary.log",
    ],
)
def test_log_names_that_leave_the_log_dir_are_refused(
    server: Managed, canaries: list[Path], target: str
) -> None:
    status, body = raw_request(server.url, "GET", "/v0/management" + target, AUTH)
    _assert_refused(status, body)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "canary.json"])
def test_the_stores_refuse_the_same_names(name: str) -> None:
    """The credential store and the log files check names themselves too (not only the HTTP layer)."""
    from server.auth.store import check_name as auth_name
    from server.logfiles import check_name as log_name

    with pytest.raises(ValueError):
        auth_name(name)
    if name.startswith(("C:", "canary.json")):
        return  # log names are matched against the server's own patterns before any file access
    with pytest.raises(ValueError):
        log_name(name.replace(".json", ".log"))
