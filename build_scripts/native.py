"""Commands of the Windows and macOS installer steps: Inno Setup's ISCC and dmgbuild (run by build.py).

Kept as functions returning argument lists so the packaging tests check exactly what CI runs.
"""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from build_scripts.appinfo import APP_NAME, ROOT, numeric_version, version

__all__ = ["INNO_SCRIPT", "dmg_name", "dmgbuild_command", "find_iscc", "iscc_command", "setup_name"]

INNO_SCRIPT = ROOT / "installer" / "windows" / "cliproxyapi.iss"
DMG_SETTINGS = ROOT / "installer" / "macos" / "dmg_settings.py"


def setup_name(text: str | None = None) -> str:
    """The installer's base name (Inno's OutputBaseFilename), without ``.exe``."""
    return f"{APP_NAME}-{text or version()}-windows-x64-setup"


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles")):
        candidate = Path(base or "") / "Inno Setup 6" / "ISCC.exe"
        if base and candidate.is_file():
            return str(candidate)
    return None


def iscc_command(iscc: str, bundle: Path, out_dir: Path, text: str | None = None) -> list[str]:
    """ISCC with the version, the bundle folder and the output name passed in as preprocessor defines."""
    current = text or version()
    return [
        iscc,
        f"/DAppVersion={current}",
        f"/DNumericVersion={numeric_version(current)}",
        f"/DSourceDir={bundle}",
        f"/DIconFile={ROOT / 'build' / 'icons' / 'app.ico'}",
        f"/DOutputName={setup_name(current)}",
        f"/O{out_dir}",
        str(INNO_SCRIPT),
    ]


def dmg_name(text: str | None = None, machine: str | None = None) -> str:
    arch = {"x86_64": "x64", "arm64": "arm64"}.get(machine or platform.machine(), machine or "unknown")
    return f"{APP_NAME}-{text or version()}-macos-{arch}.dmg"


def dmgbuild_command(app: Path, out_dir: Path, text: str | None = None) -> list[str]:
    """dmgbuild with the settings file; the .app and volume icon are passed with ``-D``."""
    return [
        "dmgbuild",
        "-s",
        str(DMG_SETTINGS),
        "-D",
        f"app={app}",
        "-D",
        f"icon={ROOT / 'build' / 'icons' / 'app.icns'}",
        APP_NAME,
        str(out_dir / dmg_name(text)),
    ]
