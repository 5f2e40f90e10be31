"""Smoke test of a built bundle on any OS: the CLI serves ``/v1/models``, the tray app passes ``--self-test``.

``python build_scripts/smoke.py dist/CLIProxyAPI`` (the release workflow runs it on Windows and macOS; the
Linux bundle test in tests/packaging uses the same functions on the installed .deb). Every run uses a fresh
temporary home folder and the app's default config with only the port changed to a free one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from build_scripts.appinfo import CLI_EXE, GUI_EXE, ROOT

__all__ = [
    "SMOKE_KEY",
    "SmokeConfig",
    "exe_path",
    "free_port",
    "isolated_env",
    "models_status",
    "run_cli",
    "stop",
    "wait_models",
    "write_default_config",
]

SMOKE_KEY = "sk-smoke-test-client-key"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


@dataclass(frozen=True, slots=True)
class SmokeConfig:
    path: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def exe_path(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_default_config(path: Path, port: int | None = None) -> SmokeConfig:
    """The config the app creates on first run (bundled template), with a known key and a free port."""
    sys.path.insert(0, str(ROOT))
    from server.config.defaults import default_config_text

    chosen = port or free_port()
    text = default_config_text(SMOKE_KEY)
    if "\nport: 8317\n" not in text:
        raise RuntimeError("the default config no longer has 'port: 8317' on its own line")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("\nport: 8317\n", f"\nport: {chosen}\n"), encoding="utf-8")
    return SmokeConfig(path, chosen)


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a first-time user whose home folder is ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPROXYAPI_", "XDG_", "QT_", "PYTHON"))}
    env.pop("WAYLAND_DISPLAY", None)
    env["HOME"] = str(home)
    env.setdefault("LANG", "C.UTF-8")
    if sys.platform == "win32":  # platformdirs asks Windows, not the environment: use the overrides
        env["USERPROFILE"] = str(home)
        env["CLIPROXYAPI_CONFIG_DIR"] = str(home / "config")
        env["CLIPROXYAPI_DATA_DIR"] = str(home / "data")
        env["CLIPROXYAPI_LOG_DIR"] = str(home / "logs")
    env.update(extra)
    return env


def models_status(url: str, key: str = SMOKE_KEY) -> int | str:
    request = urllib.request.Request(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"})
    try:
        with _OPENER.open(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError) as error:
        return type(error).__name__


def wait_models(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> int | str:
    """Poll ``/v1/models`` until it answers (or ``process`` exits, or ``timeout``); the last status."""
    deadline = time.monotonic() + timeout
    status = models_status(url)
    while not isinstance(status, int) and time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.05)
        status = models_status(url)
    return status


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """Ask the process to quit (SIGTERM; terminate on Windows) and wait; its exit code."""
    if process.poll() is None:
        if sys.platform == "win32":
            process.terminate()
        else:
            process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        raise


def run_cli(cli: Path, home: Path) -> tuple[int | str, int]:
    """Start the CLI with the default config on a free port; (status of /v1/models, exit code after stop)."""
    config = write_default_config(home / "smoke-config.yaml")
    process = subprocess.Popen(
        [str(cli), "-config", str(config.path)],
        env=isolated_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status = wait_models(config.url, process)
    finally:
        code = stop(process)
    return status, code


def main(argv: list[str]) -> int:
    bundle = Path(argv[0]) if argv else ROOT / "dist" / "CLIProxyAPI"
    with tempfile.TemporaryDirectory(prefix="cliproxyapi-smoke-") as folder:
        home = Path(folder)
        status, code = run_cli(exe_path(bundle, CLI_EXE), home)
        print(f"cli: GET /v1/models -> {status}; exit code {code}")
        config = write_default_config(home / "gui-config.yaml")
        gui = subprocess.run(
            [str(exe_path(bundle, GUI_EXE)), "--config", str(config.path), "--self-test"],
            env=isolated_env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(f"gui: exit code {gui.returncode}; {gui.stdout.strip() or '(no self-test line)'}")
        stop_ok = sys.platform == "win32" or code == 0  # TerminateProcess gives no clean exit code
        return 0 if status == 200 and stop_ok and gui.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
