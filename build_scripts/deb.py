"""The Linux ``.deb``: lay out the package tree around the onedir bundle and pack it with ``dpkg-deb``.

Tree (packaging.md section 6): ``opt/cliproxyapi/`` (the bundle), relative symlinks ``usr/bin/cliproxyapi``
and ``usr/bin/cliproxyapi-gui``, the ``.desktop`` entry, hicolor icons, the AppStream file and
``DEBIAN/control`` rendered from ``installer/linux/control.in``. No maintainer scripts: the icon cache and
desktop database are refreshed by the file triggers of hicolor-icon-theme and desktop-file-utils, and
autostart stays per user (the app writes ``~/.config/autostart``), never ``/etc/xdg/autostart``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from build_scripts.appinfo import (
    CLI_EXE,
    DEB_DEPENDS,
    DEB_PACKAGE,
    DESCRIPTION,
    GUI_EXE,
    ICON_SIZES,
    ROOT,
    URL,
    version,
)
from build_scripts.make_icons import make_icons, png_name

__all__ = ["INSTALL_DIR", "LINKS", "build_deb", "deb_arch", "render_control", "stage_tree"]

LINUX = ROOT / "installer" / "linux"
INSTALL_DIR = f"opt/{DEB_PACKAGE}"
LINKS = {"cliproxyapi": CLI_EXE, "cliproxyapi-gui": GUI_EXE}
"""usr/bin name → executable in the bundle folder."""
_HICOLOR_MAX = 512


def deb_arch() -> str:
    try:
        return subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "amd64"


def _tree_kib(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return (total + 1023) // 1024


def render_control(installed_kib: int, arch: str, text: str | None = None) -> str:
    template = (LINUX / "control.in").read_text(encoding="utf-8")
    values = {
        "@PACKAGE@": DEB_PACKAGE,
        "@VERSION@": text or version(),
        "@ARCH@": arch,
        "@INSTALLED_SIZE@": str(installed_kib),
        "@DEPENDS@": ", ".join(DEB_DEPENDS),
        "@HOMEPAGE@": URL,
        "@DESCRIPTION@": DESCRIPTION,
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def _copy_bundle(bundle: Path, target: Path) -> None:
    """Hard-link the bundle into the tree when possible (same file system: fast), copy otherwise."""

    def link_or_copy(src: str, dst: str) -> object:
        try:
            os.link(src, dst)
            return dst
        except OSError:
            return shutil.copy2(src, dst)

    shutil.copytree(bundle, target, symlinks=True, copy_function=link_or_copy)


def stage_tree(bundle: Path, stage: Path, icons: Path, arch: str) -> Path:
    """Lay out the package tree of ``bundle`` (the onedir folder) in ``stage``; returns ``stage``."""
    if stage.exists():
        shutil.rmtree(stage)
    _copy_bundle(bundle, stage / INSTALL_DIR)
    bin_dir = stage / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for name, exe in LINKS.items():
        (bin_dir / name).symlink_to(Path("..", "..", INSTALL_DIR, exe))
    share = stage / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(LINUX / "cliproxyapi.desktop", share / "applications" / f"{DEB_PACKAGE}.desktop")
    (share / "metainfo").mkdir(parents=True)
    shutil.copy2(LINUX / "com.cliproxyapi.desktop.metainfo.xml", share / "metainfo")
    for size in ICON_SIZES:
        if size <= _HICOLOR_MAX:
            folder = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
            folder.mkdir(parents=True)
            shutil.copy2(icons / png_name(size), folder / f"{DEB_PACKAGE}.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / "app.svg", scalable / f"{DEB_PACKAGE}.svg")
    debian = stage / "DEBIAN"
    debian.mkdir(mode=0o755)
    control = render_control(_tree_kib(stage), arch)
    (debian / "control").write_text(control, encoding="utf-8")
    for path in [stage, *stage.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    return stage


def build_deb(bundle: Path, out_dir: Path, *, compression: str = "xz", work: Path | None = None) -> Path:
    """Build ``<out_dir>/cliproxyapi_<version>_<arch>.deb`` from the onedir ``bundle``."""
    arch = deb_arch()
    work = work or ROOT / "build" / "deb"
    icons = work / "icons"
    if not (icons / png_name(max(ICON_SIZES))).is_file():
        make_icons(icons)
    stage = stage_tree(bundle, work / "root", icons, arch)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{DEB_PACKAGE}_{version()}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target
