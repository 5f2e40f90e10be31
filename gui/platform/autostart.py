"""Start at login, per OS: HKCU ``Run`` value (Windows), a LaunchAgent plist (macOS), XDG autostart (Linux).

Each backend has ``is_enabled()``, ``enable(command)`` and ``disable()``; ``autostart_for()`` picks the
one of this OS. Locations are parameters so tests write into temporary folders (and a fake registry).
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

__all__ = [
    "APP_ID",
    "AutostartBackend",
    "LaunchAgent",
    "RunRegistry",
    "WindowsRun",
    "XdgAutostart",
    "autostart_for",
    "desktop_exec",
    "launch_command",
]

APP_ID = "cliproxyapi"
_AGENT_LABEL = "com.cliproxyapi.desktop"
_RUN_VALUE = "CLIProxyAPI"
_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutostartBackend(Protocol):
    def is_enabled(self) -> bool: ...
    def enable(self, command: Sequence[str]) -> None: ...
    def disable(self) -> None: ...


def launch_command() -> list[str]:
    """How the OS should start this app at login (``--autostart``: start quietly in the tray)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--autostart"]
    return [sys.executable, "-m", "gui", "--autostart"]


def desktop_exec(command: Sequence[str]) -> str:
    """A .desktop ``Exec`` value: arguments with reserved characters quoted as the spec says."""
    out = []
    for arg in command:
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            out.append(arg.replace("%", "%%"))
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
            out.append(f'"{escaped}"')
    # the string-value escape rule applies before the quoting rule: a backslash is written twice
    return " ".join(out).replace("\\", "\\\\")


class XdgAutostart:
    """``<config>/autostart/cliproxyapi.desktop`` (XDG autostart spec); disabling deletes the file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: Sequence[str]) -> None:
        text = "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                "Name=CLIProxyAPI",
                "Comment=Local proxy for your AI subscriptions and API keys",
                f"Exec={desktop_exec(command)}",
                f"Icon={APP_ID}",
                "Terminal=false",
                "StartupNotify=false",
                "X-GNOME-Autostart-enabled=true",
                "X-GNOME-Autostart-Delay=5",
                "",
            ]
        )
        _write(self.path, text.encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class LaunchAgent:
    """``~/Library/LaunchAgents/com.cliproxyapi.desktop.plist`` with ``RunAtLoad``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / f"{_AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: Sequence[str]) -> None:
        plist = {
            "Label": _AGENT_LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        _write(self.path, plistlib.dumps(plist))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class RunRegistry(Protocol):
    """The HKCU Run key: string values by name."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class WindowsRun:
    """The ``CLIProxyAPI`` value under HKCU ``...\\CurrentVersion\\Run`` (the installer writes it too)."""

    def __init__(self, registry: RunRegistry) -> None:
        self._registry = registry

    def is_enabled(self) -> bool:
        return bool(self._registry.get(_RUN_VALUE))

    def enable(self, command: Sequence[str]) -> None:
        self._registry.set(_RUN_VALUE, subprocess.list2cmdline(list(command)))

    def disable(self) -> None:
        self._registry.delete(_RUN_VALUE)


class _WinRegistry:
    """The real HKCU Run key through ``winreg`` (Windows only)."""

    def get(self, name: str) -> str | None:
        if sys.platform != "win32":
            return None
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, name)
        except OSError:
            return None
        return value if isinstance(value, str) else None

    def set(self, name: str, value: str) -> None:
        if sys.platform == "win32":
            import winreg

            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        if sys.platform == "win32":
            import winreg

            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                    winreg.DeleteValue(key, name)
            except FileNotFoundError:
                pass


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def autostart_for(
    platform: str = sys.platform, *, home: Path | None = None, registry: RunRegistry | None = None
) -> AutostartBackend:
    """The backend of ``platform``; ``home`` and ``registry`` are for tests."""
    home = home or Path.home()
    if platform == "win32":
        return WindowsRun(registry or _WinRegistry())
    if platform == "darwin":
        return LaunchAgent(home / "Library" / "LaunchAgents")
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config) if config and Path(config).is_absolute() else home / ".config"
    return XdgAutostart(base / "autostart")
