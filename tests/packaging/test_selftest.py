"""``cliproxyapi-gui --self-test`` from source: one line, exit code 0 when app and proxy are up, 1 when not.

The bundle test runs the same flag on the installed executable; this one keeps the mode itself honest in
the default test run (offscreen: no tray, so the window is the surface).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from build_scripts.appinfo import ROOT
from build_scripts.smoke import isolated_env, models_status, write_default_config
from gui.__main__ import build_parser
from gui.selftest import PREFIX, SelfTestResult


def _run(config: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gui", "--config", str(config), "--self-test"],
        cwd=ROOT,
        env=isolated_env(home, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=50,
    )


def test_flag_modes() -> None:
    parse = build_parser().parse_args
    assert parse([]).self_test == "" and parse(["--self-test"]).self_test == "quit"
    assert parse(["--self-test=stay"]).self_test == "stay"
    with pytest.raises(SystemExit):
        parse(["--self-test=later"])


def test_line_format() -> None:
    result = SelfTestResult(True, "tray", "http://127.0.0.1:1", 200, 1234)
    assert result.line() == f"{PREFIX} ok surface=tray url=http://127.0.0.1:1 models=200 ready_ms=1234"
    assert (
        SelfTestResult(False, "none", "", "-", 5, "health=error")
        .line()
        .endswith("ready_ms=5 detail=health=error")
    )


@pytest.mark.timeout(60)
def test_self_test_passes_and_quits(tmp_path: Path) -> None:
    config = write_default_config(tmp_path / "config.yaml")
    result = _run(config.path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"{PREFIX} ok surface=window url={config.url} models=200 ready_ms=")
    assert models_status(config.url) != 200  # the proxy stopped with the app


@pytest.mark.timeout(60)
def test_self_test_fails_when_the_proxy_cannot_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = write_default_config(tmp_path / "config.yaml", port=taken.getsockname()[1])
        result = _run(config.path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{PREFIX} FAIL") and "proxy=failed" in result.stdout
