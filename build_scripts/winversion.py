"""Windows version resources for the two executables, generated from the package version.

PyInstaller's ``EXE(version=...)`` takes a text file holding a ``VSVersionInfo(...)`` expression; this writes
one per executable so Explorer and Task Manager show the product name, description and version.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from build_scripts.appinfo import APP_NAME, PUBLISHER, version, version_tuple

__all__ = ["version_info_text", "write_version_file"]


def version_info_text(exe: str, description: str, text: str | None = None) -> str:
    """The ``VSVersionInfo`` expression of ``exe`` (``text`` defaults to the package version)."""
    current = text or version()
    numbers = version_tuple(current)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": description,
        "FileVersion": current,
        "InternalName": exe,
        "LegalCopyright": f"{PUBLISHER}, MIT license",
        "OriginalFilename": f"{exe}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": current,
    }
    entries = ",\n            ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [
            {entries}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def write_version_file(out: Path, exe: str, description: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{exe}.version.txt"
    path.write_text(version_info_text(exe, description), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(version_info_text(sys.argv[1] if len(sys.argv) > 1 else APP_NAME, APP_NAME))
