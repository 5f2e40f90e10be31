"""One entry point for every OS: ``python build_scripts/build.py [--deb|--installer]`` builds the bundle.

Steps: icons (``make_icons``) → PyInstaller onedir ``dist/CLIProxyAPI/`` (both executables) → optionally the
host's installer: ``.deb`` on Linux (``--deb``; ``--compression gzip`` for quick CI runs), Inno Setup on
Windows, dmg on macOS (``--installer``; on Linux the same as ``--deb``). Prints the sizes at the end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from build_scripts.appinfo import APP_NAME, ROOT, version
from build_scripts.make_icons import make_icons

__all__ = ["build_bundle", "folder_size", "main"]

SPEC = ROOT / "build_scripts" / "cliproxyapi.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f} MiB"


def build_bundle(dist: Path = DIST, work: Path = WORK) -> Path:
    """Run PyInstaller on the spec; returns the onedir folder (``dist/CLIProxyAPI``)."""
    make_icons(work / "icons")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work / 'pyinstaller'}",
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    return dist / APP_NAME


def _windows_installer(bundle: Path, dist: Path) -> Path:
    from build_scripts.native import find_iscc, iscc_command, setup_name

    iscc = find_iscc()
    if iscc is None:
        raise SystemExit("Inno Setup's ISCC.exe was not found (choco install innosetup)")
    subprocess.run(iscc_command(iscc, bundle, dist), check=True)
    return dist / f"{setup_name()}.exe"


def _macos_dmg(dist: Path) -> Path:
    from build_scripts.native import dmg_name, dmgbuild_command

    if shutil.which("dmgbuild") is None:
        raise SystemExit("dmgbuild was not found (pip install dmgbuild)")
    subprocess.run(dmgbuild_command(dist / f"{APP_NAME}.app", dist), check=True)
    return dist / dmg_name()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    parser.add_argument("--deb", action="store_true", help="Linux: also build the .deb")
    parser.add_argument("--installer", action="store_true", help="also build the host OS's installer")
    parser.add_argument("--compression", choices=("xz", "gzip"), default="xz", help=".deb compression")
    parser.add_argument("--skip-bundle", action="store_true", help="reuse dist/ from an earlier run")
    parser.add_argument("--dist", type=Path, default=DIST, help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    dist: Path = args.dist.resolve()
    started = time.monotonic()
    bundle = dist / APP_NAME if args.skip_bundle else build_bundle(dist)
    took = time.monotonic() - started
    print(f"{APP_NAME} {version()}: bundle {bundle} ({_mib(folder_size(bundle))}) in {took:.0f} s")
    artifact: Path | None = None
    if sys.platform.startswith("linux") and (args.deb or args.installer):
        from build_scripts.deb import build_deb

        artifact = build_deb(bundle, dist, compression=args.compression)
    elif sys.platform == "win32" and args.installer:
        artifact = _windows_installer(bundle, dist)
    elif sys.platform == "darwin" and args.installer:
        artifact = _macos_dmg(dist)
    if artifact is not None:
        print(
            f"installer {artifact} ({_mib(artifact.stat().st_size)}) after {time.monotonic() - started:.0f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
