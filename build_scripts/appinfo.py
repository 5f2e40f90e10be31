"""The facts every build step shares: names, ids, the version (read from the package), excludes, Info.plist.

Single source for the spec, ``build.py``, the installer renderers and the packaging tests, so the Windows,
macOS and Linux artifacts cannot drift apart. Importing it imports nothing of the app.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

__all__ = [
    "APP_NAME",
    "BUNDLE_ID",
    "CLI_EXE",
    "DEB_DEPENDS",
    "DEB_PACKAGE",
    "DESCRIPTION",
    "GUI_EXE",
    "ICON_SIZES",
    "ICO_SIZES",
    "INNO_APP_ID",
    "PUBLISHER",
    "PY_EXCLUDES",
    "QT_LANGUAGES",
    "ROOT",
    "URL",
    "WINDOWS_MUTEX",
    "info_plist",
    "keep_collected",
    "version",
    "numeric_version",
    "version_tuple",
]

ROOT = Path(__file__).resolve().parents[1]

APP_NAME = "CLIProxyAPI"
# The two executables share one onedir folder. Their names differ by more than case (Windows and macOS file
# systems are case-insensitive) and match the pip entry points.
GUI_EXE = "cliproxyapi-gui"
CLI_EXE = "cliproxyapi"
DEB_PACKAGE = "cliproxyapi"
BUNDLE_ID = "com.cliproxyapi.desktop"  # also the LaunchAgent label of gui/platform/autostart.py
# Never change: Windows upgrades find the previous install by it (Inno Setup writes it with a doubled "{").
INNO_APP_ID = "8F3C2A71-5D4E-4B9A-9C61-2E7B0D4A9F15"
# The named mutex the running app holds on Windows (gui/platform/single_instance.py); setup waits for it.
WINDOWS_MUTEX = "CLIProxyAPI.Desktop.Running"
PUBLISHER = "CLIProxyAPI for desktop"
URL = "https://github.com/router-for-me/CLIProxyAPI"
DESCRIPTION = "Local proxy for your AI subscriptions and API keys"

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

# X/Qt runtime libraries the bundle does not carry (packaging.md section 6).
DEB_DEPENDS = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libegl1",
    "libfontconfig1",
    "libdbus-1-3",
)

# Python modules that must never reach the bundle (other Qt bindings abort the build; unused Qt modules).
PY_EXCLUDES = (
    "tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.Qt3DCore",
    "PySide6.QtCharts",
    "PySide6.QtMultimedia",
    "PySide6.QtPdf",
    "PySide6.QtSql",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtTest",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtConcurrent",
    "PySide6.QtXml",
    "PIL",  # Pillow is a build dependency (icons), never a run-time one
    "pytest",
    "pytestqt",
    "hypothesis",
)

# Languages whose Qt base translations (standard dialog buttons) are kept.
QT_LANGUAGES = ("de", "es", "fr", "it", "ja", "ko", "pl", "pt_BR", "ru", "tr", "uk", "zh_CN", "zh_TW")

_KEEP_PLUGIN_DIRS = {"iconengines", "platforminputcontexts", "xcbglintegrations"}
_KEEP_PLUGINS = {
    "platforms": ("xcb", "offscreen", "windows", "cocoa", "minimal"),
    "platformthemes": ("xdgdesktopportal",),
    "imageformats": ("ico", "svg", "icns"),
    "styles": ("windowsvista", "modernwindows", "macstyle"),
}
_PLUGINS = re.compile(r"(?:^|/)Qt6?/plugins/([^/]+)/(?:lib)?q?([^/.]+)[^/]*$")
# Libraries only the dropped plugins need (gtk3 theme, wayland, eglfs): nothing kept links to them.
_DROP_LIBS = re.compile(
    r"(?:^|/)lib(?:cairo|cairo-gobject|pixman-1|pango(?:cairo|ft2)?-1\.0|atk-1\.0|gdk_pixbuf-2\.0|fribidi|thai|datrie"
    r"|graphite2|harfbuzz|jpeg|Xrender|Xext|gio-2\.0|gmodule-2\.0|gobject-2\.0|mount|blkid|selinux"
    r"|Qt6Wayland\w*|Qt6WlShell\w*|Qt6EglFs\w*|Qt6EglFSDeviceIntegration)\.so[.\d]*$"
)
_TRANSLATION = re.compile(r"(?:^|/)Qt6?/translations/([^/]+)\.qm$")


def version() -> str:
    """``server.__version__``, read without importing the package."""
    tree = ast.parse((ROOT / "server" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise RuntimeError("server/__init__.py has no __version__ string")


def version_tuple(text: str | None = None) -> tuple[int, int, int, int]:
    """The version as four integers (Windows version resources, Inno Setup's ``VersionInfoVersion``):
    the release numbers padded to three, then a pre-release number (``2.0rc1`` → 2.0.0.1); a local
    part (``+abc``) is dropped."""
    current = (text or version()).strip().split("+")[0]
    match = re.match(r"v?(\d+(?:\.\d+)*)(.*)", current)
    if match is None:
        return 0, 0, 0, 0
    release = [int(n) for n in match.group(1).split(".")][:4]
    if len(release) < 4:
        release = (release + [0, 0])[:3]
        extra = re.search(r"\d+", match.group(2))
        release.append(int(extra.group()) if extra else 0)
    return release[0], release[1], release[2], release[3]


def numeric_version(text: str | None = None) -> str:
    """``version_tuple`` as ``a.b.c.d`` (what Windows version fields accept; ``1.0rc1`` is refused)."""
    return ".".join(str(n) for n in version_tuple(text))


def keep_collected(dest: str) -> bool:
    """Whether a file PyInstaller collected (destination path in the bundle) stays in it."""
    dest = dest.replace("\\", "/")
    if _DROP_LIBS.search(dest) or (dest.startswith("resources/") and dest.endswith(".ts")):
        return False  # libraries of dropped plugins; Qt Linguist sources (the compiled .qm ships)
    translation = _TRANSLATION.search(dest)
    if translation:
        name = translation.group(1)
        return name.startswith("qtbase_") and name.removeprefix("qtbase_") in QT_LANGUAGES
    plugin = _PLUGINS.search(dest)
    if plugin:
        folder, name = plugin.group(1), plugin.group(2)
        if folder in _KEEP_PLUGIN_DIRS:
            return True
        return name in _KEEP_PLUGINS.get(folder, ())
    return True


def info_plist(text: str | None = None) -> dict[str, object]:
    """The macOS Info.plist keys of the .app (PyInstaller's BUNDLE adds executable and icon keys)."""
    current = text or version()
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": current,
        "CFBundleVersion": current,
        "LSUIElement": True,  # menu-bar app: no Dock icon, no app menu
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "NSHumanReadableCopyright": f"{PUBLISHER}, MIT license",
    }
