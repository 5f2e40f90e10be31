"""Bundle smoke test (``-m bundle``): build the bundle and the .deb, install it into a scratch root, run it.

The CLI answers ``GET /v1/models`` with the default config; the tray app under Xvfb + trayer registers its
icon and serves clients (its ``--self-test`` line), a second launch starts no second server, and quitting
leaves no process behind. Sizes, start-up time and idle memory are written to ``build/bundle-metrics.json``
and printed. ``CLIPROXYAPI_BUNDLE_DIST=DIR`` reuses a bundle and .deb built before (the release workflow);
otherwise the test builds them (about a minute). A missing PyInstaller fails the test, never skips it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from build_scripts import appinfo
from build_scripts.smoke import (
    exe_path,
    free_port,
    isolated_env,
    models_status,
    run_cli,
    stop,
    wait_models,
    write_default_config,
)
from tests.packaging.conftest import need_tool

pytestmark = [pytest.mark.bundle, pytest.mark.timeout(600)]

ROOT = appinfo.ROOT
METRICS = ROOT / "build" / "bundle-metrics.json"
_MIB = 1048576


@dataclass(frozen=True, slots=True)
class Installed:
    bundle: Path  # the onedir folder as built
    deb: Path
    root: Path  # the .deb extracted with dpkg -x

    def command(self, name: str) -> Path:
        return self.root / "usr" / "bin" / name


def _record(**values: object) -> None:
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(METRICS.read_text(encoding="utf-8")) if METRICS.is_file() else {}
    current.update(values)
    METRICS.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    print(f"bundle metrics: {values}", file=sys.__stderr__, flush=True)


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _build(dist: Path) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: pip install -e '.[build]' (the bundle test never skips)")
    need_tool("dpkg-deb", "dpkg")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "build_scripts" / "build.py"), "--deb", "--compression", "gzip"]
        + [f"--dist={dist}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _record(build_seconds=round(time.monotonic() - started, 1))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    reuse = os.environ.get("CLIPROXYAPI_BUNDLE_DIST", "").strip()
    dist = Path(reuse).resolve() if reuse else tmp_path_factory.mktemp("dist")
    if not reuse:
        _build(dist)
    debs = sorted(dist.glob(f"{appinfo.DEB_PACKAGE}_*.deb"))
    assert debs, f"no .deb in {dist}"
    root = tmp_path_factory.mktemp("root")
    subprocess.run([need_tool("dpkg", "dpkg"), "-x", str(debs[-1]), str(root)], check=True)
    found = Installed(dist / appinfo.APP_NAME, debs[-1], root)
    _record(
        bundle_mib=round(_folder_size(found.bundle) / _MIB, 1),
        deb_mib=round(debs[-1].stat().st_size / _MIB, 1),
    )
    yield found


def _processes_under(folder: Path) -> list[int]:
    """PIDs whose executable lives in ``folder`` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                exe = os.readlink(entry / "exe")
            except OSError:
                continue
            if exe.startswith(str(folder)):
                pids.append(int(entry.name))
    return pids


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _read_until(process: subprocess.Popen[bytes], needle: bytes, timeout: float = 60.0) -> str:
    """What the process printed up to the first line containing ``needle``; fails on exit or silence."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    buffer = b""
    while not any(needle in line for line in buffer.splitlines(keepends=True) if line.endswith(b"\n")):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {needle!r} line (exit code {process.poll()}): {buffer[-2000:]!r}")
        readable, _, _ = select.select([descriptor], [], [], 0.1)
        if readable:
            chunk = os.read(descriptor, 4096)
            if not chunk:
                pytest.fail(f"the app closed its output (exit code {process.wait(10)}): {buffer[-2000:]!r}")
            buffer += chunk
    return buffer.decode("utf-8", "replace")


def _self_test_line(process: subprocess.Popen[bytes]) -> str:
    text = _read_until(process, b"self-test:")
    return next(line for line in text.splitlines() if line.startswith("self-test:"))


def _fields(line: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in line.split() if "=" in word)


def test_deb_metadata_and_layout(installed: Installed) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(installed.deb)], capture_output=True, text=True, check=True
    )
    assert f"Version: {appinfo.version()}" in fields.stdout
    for name, exe in (("cliproxyapi", appinfo.CLI_EXE), ("cliproxyapi-gui", appinfo.GUI_EXE)):
        target = installed.command(name).resolve()
        assert target == (installed.root / "opt" / "cliproxyapi" / exe).resolve() and os.access(
            target, os.X_OK
        )
    internal = installed.root / "opt" / "cliproxyapi" / "_internal"
    assert (internal / "resources" / "default_config.yaml").is_file()
    assert (internal / "server" / "providers" / "catalog_data.json").is_file()
    assert not list(internal.rglob("libqgtk3.so")) and not (internal / "PIL").exists()
    assert (internal / "resources" / "i18n" / "zh_CN.qm").is_file() and not list(internal.rglob("*.ts"))
    assert list(internal.rglob("qtbase_zh_CN.qm"))  # Qt's own dialog strings in the language the app ships
    assert not list(internal.rglob("QtQml*")) and not list(internal.rglob("PyQt*"))


def test_installed_cli_serves_models_with_the_default_config(installed: Installed, tmp_path: Path) -> None:
    version = subprocess.run(
        [str(installed.command("cliproxyapi")), "-version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == f"CLIProxyAPI for desktop {appinfo.version()}"
    status, code = run_cli(installed.command("cliproxyapi"), tmp_path)
    assert status == 200 and code == 0


def test_installed_cli_finds_the_account_providers(installed: Installed, tmp_path: Path) -> None:
    """Account providers are found with pkgutil at run time: a login starts instead of "not available"."""
    config = write_default_config(tmp_path / "config.yaml")
    command = [
        str(installed.command("cliproxyapi")),
        "-config",
        str(config.path),
        "-claude-login",
        "-no-browser",
    ]
    login = subprocess.Popen(
        [*command, "-oauth-callback-port", str(free_port())],
        env=isolated_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        text = _read_until(login, b"https://claude.ai/oauth/authorize?")
        assert "not available" not in text
    finally:
        login.kill()
        login.wait(10)
        if login.stdout is not None:
            login.stdout.close()


def test_gui_without_a_tray_opens_its_window(installed: Installed, tmp_path: Path) -> None:
    config = write_default_config(tmp_path / "config.yaml")
    result = subprocess.run(
        [str(installed.command("cliproxyapi-gui")), "--config", str(config.path), "--self-test"],
        env=isolated_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr[-2000:]
    fields = _fields(result.stdout.splitlines()[0])
    assert fields["surface"] == "window" and fields["models"] == "200"
    assert models_status(config.url) != 200  # quit stopped the proxy


def test_gui_in_the_tray_single_instance_and_clean_quit(
    installed: Installed, display: str, tmp_path: Path
) -> None:
    config = write_default_config(tmp_path / "config.yaml")
    gui = installed.command("cliproxyapi-gui")
    env = isolated_env(tmp_path, DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_SESSION_TYPE="x11")
    started = time.monotonic()
    first = subprocess.Popen(
        [str(gui), "--config", str(config.path), "--self-test=stay"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = _self_test_line(first)
        ready_s = round(time.monotonic() - started, 2)
        fields = _fields(line)
        assert line.startswith("self-test: ok") and fields["surface"] == "tray" and fields["models"] == "200"
        assert fields["url"] == config.url

        second = subprocess.run(
            [str(gui), "--config", str(config.path)], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 0 and "already running" in second.stderr
        assert models_status(config.url) == 200 and first.poll() is None
        assert _processes_under(installed.root) == [first.pid]  # the second launch is gone, no second server

        time.sleep(3)  # measuring idle memory, not synchronising
        _record(start_to_tray_and_proxy_s=ready_s, self_test_ready_ms=int(fields["ready_ms"]))
        _record(idle_rss_mib=_rss_mib(first.pid))
        quit_started = time.monotonic()
        assert stop(first) == 0
        _record(quit_s=round(time.monotonic() - quit_started, 2))
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait(5)
        if first.stdout is not None:
            first.stdout.close()
    assert wait_models(config.url, timeout=0) != 200  # the server went with the app
    assert _processes_under(installed.root) == []


def test_bundle_is_a_onedir_folder_with_both_executables(installed: Installed) -> None:
    for name in (appinfo.GUI_EXE, appinfo.CLI_EXE):
        assert exe_path(installed.bundle, name).is_file()
    assert (installed.bundle / "_internal").is_dir()
