"""Start at login per OS, written into temporary folders (and a fake registry for Windows)."""

from __future__ import annotations

import configparser
import plistlib
import sys
from pathlib import Path

import pytest

from gui.platform.autostart import (
    LaunchAgent,
    WindowsRun,
    XdgAutostart,
    autostart_for,
    desktop_exec,
    launch_command,
)

COMMAND = ["/opt/CLI Proxy/cliproxyapi-gui", "--autostart"]


class FakeRegistry:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (["/usr/bin/cliproxyapi-gui", "--autostart"], "/usr/bin/cliproxyapi-gui --autostart"),
        (COMMAND, '"/opt/CLI Proxy/cliproxyapi-gui" --autostart'),
        (["/a/b", "100%"], "/a/b 100%%"),
        (["/a/$HOME"], '"/a/\\\\$HOME"'),
    ],
    ids=["plain", "space quoted", "percent doubled", "dollar escaped"],
)
def test_desktop_exec(command: list[str], line: str) -> None:
    assert desktop_exec(command) == line


def test_xdg_autostart(tmp_path: Path) -> None:
    backend = XdgAutostart(tmp_path / "autostart")
    assert not backend.is_enabled()
    backend.enable(COMMAND)
    assert backend.is_enabled()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(backend.path, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "CLIProxyAPI"
    assert section["Exec"] == '"/opt/CLI Proxy/cliproxyapi-gui" --autostart'
    assert section["X-GNOME-Autostart-enabled"] == "true" and section["Terminal"] == "false"
    backend.disable()
    backend.disable()  # twice is fine
    assert not backend.is_enabled()


def test_launch_agent(tmp_path: Path) -> None:
    backend = LaunchAgent(tmp_path / "LaunchAgents")
    backend.enable(COMMAND)
    plist = plistlib.loads(backend.path.read_bytes())
    assert plist == {
        "Label": "com.cliproxyapi.desktop",
        "ProgramArguments": COMMAND,
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    assert backend.is_enabled()
    backend.disable()
    assert not backend.path.exists()


def test_windows_run_value() -> None:
    registry = FakeRegistry()
    backend = WindowsRun(registry)
    backend.enable(COMMAND)
    assert registry.values == {"CLIProxyAPI": '"/opt/CLI Proxy/cliproxyapi-gui" --autostart'}
    assert backend.is_enabled()
    backend.disable()
    assert registry.values == {} and not backend.is_enabled()


@pytest.mark.parametrize(
    ("platform", "kind", "where"),
    [("linux", XdgAutostart, "xdg/autostart"), ("darwin", LaunchAgent, "Library/LaunchAgents")],
    ids=["linux", "macos"],
)
def test_autostart_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, kind: type, where: str
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    backend = autostart_for(platform, home=tmp_path)
    assert isinstance(backend, XdgAutostart | LaunchAgent) and isinstance(backend, kind)
    assert str(backend.path.parent).endswith(where)


def test_autostart_for_windows_uses_the_registry() -> None:
    registry = FakeRegistry()
    backend = autostart_for("win32", registry=registry)
    backend.enable(["C:\\Program Files\\CLIProxyAPI\\cliproxyapi-gui.exe", "--autostart"])
    assert (
        registry.values["CLIProxyAPI"] == '"C:\\Program Files\\CLIProxyAPI\\cliproxyapi-gui.exe" --autostart'
    )


def test_launch_command_from_source() -> None:
    assert launch_command() == [sys.executable, "-m", "gui", "--autostart"]
