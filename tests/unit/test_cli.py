"""The headless command in-process: flags, refused login flags, config errors, first run, start errors."""

from __future__ import annotations

import errno
import logging
import os
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from server import __version__
from server.cli import build_parser, main
from server.config import default_config_path, load_config
from server.options import ServerOptions

KEY_LINE = "Created a new config file. Your client API key (shown once): "


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """main() installs the app's log handlers on the root logger; take them off again (and close the file)."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in list(root.handlers):
        if type(handler).__module__ == "server.logsetup":
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def held_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def write_config(path: Path, **settings: object) -> Path:
    document: dict[str, object] = {"host": "127.0.0.1", "port": 0, "api-keys": ["sk-cli"]}
    document.update(settings)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


# -- parsing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["-config", "a.yaml"], "config", "a.yaml"),
        (["--config", "a.yaml"], "config", "a.yaml"),
        (["-config=a.yaml"], "config", "a.yaml"),
        (["--config=a.yaml"], "config", "a.yaml"),
        ([], "config", None),
        (["-login"], "login", True),
        (["--codex-login"], "codex_login", True),
        (["-claude-login"], "claude_login", True),
        (["-no-browser"], "no_browser", True),
        (["--no-browser"], "no_browser", True),
        (["-project_id", "my-project"], "project_id", "my-project"),
        (["-oauth-callback-port", "8085"], "oauth_callback_port", 8085),
        (["-vertex-import", "sa.json"], "vertex_import", "sa.json"),
        (["-password", "pw"], "password", "pw"),
        (["--version"], "version", True),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_flags_take_one_or_two_dashes(argv: list[str], dest: str, value: object) -> None:
    assert getattr(build_parser().parse_args(argv), dest) == value


def test_unknown_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["-no-such-flag"])
    assert caught.value.code == 2
    assert "unrecognized arguments: -no-such-flag" in capsys.readouterr().err


def test_password_is_hidden_from_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    assert "-claude-login" in usage
    assert "-password" not in usage


# -- version and refused flags -------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "-version"])
def test_version(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    out, err = capsys.readouterr()
    assert out == f"CLIProxyAPI for desktop {__version__}\n"
    assert err == ""
    assert not default_config_path().exists()


def test_a_failed_login_exits_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "c.yaml")
    missing = tmp_path / "service-account.json"
    assert main(["-config", str(config), "-vertex-import", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "Vertex login failed: cannot read" in err
    assert "Traceback" not in err


def test_password_becomes_the_local_management_key_and_is_not_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[ServerOptions] = []

    class Controller:
        def __init__(self, config: object, *, config_path: Path, options: ServerOptions) -> None:
            seen.append(options)

        async def serve(self) -> None:
            return None

    monkeypatch.setattr("server.cli.ServerController", Controller)
    config = write_config(tmp_path / "c.yaml")
    assert main(["-config", str(config), "-password", "hunter2-very-secret"]) == 0
    assert main(["-config", str(config)]) == 0
    # with -password also GET /keep-alive and its 10 s watchdog (server.md §2.8); never without
    assert [(o.local_management_key, o.keepalive_timeout) for o in seen] == [
        ("hunter2-very-secret", 10.0),
        ("", 0.0),
    ]
    out, err = capsys.readouterr()
    assert "hunter2-very-secret" not in out + err


# -- config errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: abc\n", "port: expected an integer, got 'abc'"),
        ("port: [\n", "line 2, column 1: invalid YAML:"),
        ("host: 127.0.0.1\n\tport: 1\n", "invalid YAML: found character '\\t' that cannot start any token"),
        ("tls: {enable: maybe}\n", "tls.enable: expected true or false, got 'maybe'"),
        ("- a list\n", "expected a mapping of settings at the top level, got a list"),
    ],
    ids=["bad-int", "yaml-syntax", "tab", "bad-bool", "not-a-mapping"],
)
def test_bad_config_exits_1_with_the_loaders_message(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["-config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"cliproxyapi: {path}: ")
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_a_config_path_that_is_a_directory_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-config", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cliproxyapi: {tmp_path}: cannot read the file")
    assert "Traceback" not in err


def test_a_secret_in_a_bad_value_is_not_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("api-keys: sk-do-not-print-me\n", encoding="utf-8")
    assert main(["-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "api-keys: expected a list" in err
    assert "sk-do-not-print-me" not in err


# -- start errors ------------------------------------------------------------------------------------


def test_port_in_use_exits_1_naming_the_port(
    tmp_path: Path, held_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path / "config.yaml", port=held_port)
    assert main(["-config", str(path)]) == 1
    out, err = capsys.readouterr()
    assert f"cliproxyapi: port {held_port} is already in use" in err
    if sys.platform.startswith("linux"):
        assert f"(pid {os.getpid()})" in err
    assert "Traceback" not in err
    assert out.startswith(f"CLIProxyAPI for desktop {__version__}, config: {path}")


def test_missing_tls_files_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tls = {"enable": True, "cert": str(tmp_path / "none.pem"), "key": str(tmp_path / "none.key")}
    path = write_config(tmp_path / "config.yaml", tls=tls)
    assert main(["-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"cliproxyapi: tls.cert: file not found: {tmp_path / 'none.pem'}" in err
    assert "Traceback" not in err


# -- first run ---------------------------------------------------------------------------------------


@pytest.fixture
def port_8317_taken() -> Iterator[None]:
    """Make sure the default port cannot be bound, so main() stops right after reading its config.

    If 8317 is free this process holds it; if something else already holds it, that does the job.
    """
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", 8317))
        sock.listen()
    except OSError as exc:
        sock.close()
        if exc.errno != errno.EADDRINUSE:
            pytest.skip(f"cannot hold port 8317 here: {exc}")
        yield
        return
    try:
        yield
    finally:
        sock.close()


@pytest.mark.usefixtures("port_8317_taken")
def test_first_run_creates_the_per_user_config_and_prints_the_key_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = default_config_path()
    assert not path.exists()

    assert main([]) == 1  # the default port 8317 is taken (see the fixture)
    out, err = capsys.readouterr()
    assert path.is_file()
    assert f"config: {path}" in out
    key_lines = [line for line in out.splitlines() if line.startswith(KEY_LINE)]
    assert len(key_lines) == 1
    key = key_lines[0].removeprefix(KEY_LINE)
    assert key.startswith("sk-")
    assert load_config(path).api_keys == (key,)
    assert load_config(path).port == 8317
    assert "port 8317 is already in use" in err
    assert key not in err
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()

    assert main([]) == 1
    out, _ = capsys.readouterr()
    assert f"config: {path}" in out
    assert "API key" not in out
    assert key not in out
    assert path.read_bytes() == content


@pytest.mark.usefixtures("port_8317_taken")
def test_an_explicit_missing_config_path_is_created_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sub" / "config.yaml"
    assert main(["-config", str(path)]) == 1  # the new file's port 8317 is taken (see the fixture)
    out = capsys.readouterr().out
    assert path.is_file()
    assert out.count(KEY_LINE) == 1
    assert not default_config_path().exists()
