"""The installer recipes agree with the app and with each other: names, ids, version, excludes, files.

Fast checks (no bundle build): the .desktop files validate, the Inno Setup script's values match what the
app itself writes (Run value, mutex, exe names), Info.plist keys, the spec's excludes and file filter, the
.deb tree of a stand-in bundle, the dmg settings and the release workflow's script paths.
"""

from __future__ import annotations

import plistlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import server
from build_scripts import appinfo, deb, native, winversion
from gui.platform import autostart, single_instance
from tests.packaging.conftest import need_tool

ROOT = appinfo.ROOT
ISS = ROOT / "installer" / "windows" / "cliproxyapi.iss"
DESKTOP = ROOT / "installer" / "linux" / "cliproxyapi.desktop"


def _iss_defines() -> dict[str, str]:
    return dict(re.findall(r'^#define (\w+) "([^"]*)"', ISS.read_text(encoding="utf-8"), re.M))


def _iss_setup() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    section = text.split("[Setup]", 1)[1].split("\n[", 1)[0]
    pairs = (line.split("=", 1) for line in section.splitlines() if "=" in line and not line.startswith(";"))
    return {key.strip(): value.strip() for key, value in pairs}


def _desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


class _Registry:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_version_is_single_sourced() -> None:
    assert appinfo.version() == server.__version__
    assert appinfo.info_plist()["CFBundleShortVersionString"] == server.__version__


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("2.0.0rc1", (2, 0, 0, 1)),
        ("3.1-beta", (3, 1, 0, 0)),
        ("1.0rc1", (1, 0, 0, 1)),
        ("1.2.3.dev4", (1, 2, 3, 4)),
        ("1.2+local.7", (1, 2, 0, 0)),
        ("v4", (4, 0, 0, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
    ],
)
def test_version_tuple(text: str, expected: tuple[int, int, int, int]) -> None:
    assert appinfo.version_tuple(text) == expected


def test_desktop_file_validates_and_names_the_installed_command() -> None:
    validate = need_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([validate, str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    entry = _desktop_entry(DESKTOP)
    assert entry["Exec"] in deb.LINKS and deb.LINKS[entry["Exec"]] == appinfo.GUI_EXE
    assert entry["Icon"] == appinfo.DEB_PACKAGE and entry["Terminal"] == "false"


def test_the_apps_own_autostart_entry_validates(tmp_path: Path) -> None:
    validate = need_tool("desktop-file-validate", "desktop-file-utils")
    backend = autostart.XdgAutostart(tmp_path)
    backend.enable(["/opt/cliproxyapi/cliproxyapi-gui", "--autostart"])
    result = subprocess.run([validate, str(backend.path)], capture_output=True, text=True)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout
    assert backend.path.name == f"{appinfo.DEB_PACKAGE}.desktop"


def test_inno_values_match_the_app() -> None:
    defines, setup = _iss_defines(), _iss_setup()
    assert setup["AppId"] == "{{" + appinfo.INNO_APP_ID + "}"
    assert defines["GuiExe"] == f"{appinfo.GUI_EXE}.exe" and defines["CliExe"] == f"{appinfo.CLI_EXE}.exe"
    registry = _Registry()
    autostart.autostart_for("win32", registry=registry).enable([r"C:\x\cliproxyapi-gui.exe", "--autostart"])
    assert list(registry.values) == [defines["RunValue"]]  # the installer task writes the app's value
    assert defines["AppMutexName"] == single_instance.WINDOWS_MUTEX == appinfo.WINDOWS_MUTEX
    assert setup["AppMutex"] == "{#AppMutexName}"
    assert setup["PrivilegesRequired"] == "lowest" and setup["DefaultDirName"].startswith("{autopf}")
    assert setup["UninstallDisplayIcon"] == r"{app}\{#GuiExe}"
    text = ISS.read_text(encoding="utf-8")
    assert '--autostart"; Tasks: autostart' in text and 'Name: "desktopicon"' in text
    assert "MB_DEFBUTTON1) <> IDNO" in text  # uninstall keeps user data unless the user says No


def test_inno_command_passes_the_package_version(tmp_path: Path) -> None:
    command = native.iscc_command("ISCC.exe", tmp_path / "CLIProxyAPI", tmp_path)
    assert f"/DAppVersion={server.__version__}" in command
    assert f"/DNumericVersion={appinfo.numeric_version()}" in command
    assert "VersionInfoVersion={#NumericVersion}" in ISS.read_text(encoding="utf-8")
    assert native.iscc_command("ISCC.exe", tmp_path, tmp_path, "1.0rc1")[2] == "/DNumericVersion=1.0.0.1"
    assert f"/DOutputName=CLIProxyAPI-{server.__version__}-windows-x64-setup" in command
    assert command[-1] == str(ISS) and ISS.is_file()
    assert "#error" in ISS.read_text(encoding="utf-8")  # building without /DAppVersion stops


class _Call:
    """Stands in for PyInstaller's version-info classes (importable only with pefile, on Windows)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args, self.kwargs = args, kwargs


def test_windows_version_resource_is_valid() -> None:
    text = winversion.version_info_text(appinfo.GUI_EXE, appinfo.APP_NAME, "1.2.3")
    classes = set(re.findall(r"\b([A-Z]\w+)\(", text))
    assert classes <= {
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    }
    info = eval(text, {"__builtins__": {}, **dict.fromkeys(classes, _Call)})  # what PyInstaller does
    assert info.kwargs["ffi"].kwargs["filevers"] == (1, 2, 3, 0)
    assert "'ProductVersion', '1.2.3'" in text and f"'{appinfo.GUI_EXE}.exe'" in text


def test_info_plist_is_a_menu_bar_app(tmp_path: Path) -> None:
    keys = plistlib.loads(plistlib.dumps(appinfo.info_plist("4.5.6")))
    assert keys["LSUIElement"] is True and keys["CFBundleShortVersionString"] == "4.5.6"
    agent = autostart.LaunchAgent(tmp_path)
    agent.enable(["/Applications/CLIProxyAPI.app/Contents/MacOS/cliproxyapi-gui", "--autostart"])
    assert plistlib.loads(agent.path.read_bytes())["Label"] == keys["CFBundleIdentifier"]
    entitlements = plistlib.loads((ROOT / "installer" / "macos" / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


def _imported_qt_modules() -> set[str]:
    found: set[str] = set()
    for path in [*(ROOT / "gui").rglob("*.py"), *(ROOT / "server").rglob("*.py")]:
        found.update(
            re.findall(r"^\s*(?:from|import) (PySide6\.\w+)", path.read_text(encoding="utf-8"), re.M)
        )
    return found


def test_excludes_drop_unused_qt_but_nothing_the_app_imports() -> None:
    excluded = set(appinfo.PY_EXCLUDES)
    assert {"tkinter", "PyQt5", "PyQt6", "PySide2", "PIL", "PySide6.QtQml", "PySide6.QtTest"} <= excluded
    used = _imported_qt_modules()
    assert {"PySide6.QtWidgets", "PySide6.QtNetwork", "PySide6.QtSvg"} <= used
    assert not used & excluded
    spec = (ROOT / "build_scripts" / "cliproxyapi.spec").read_text(encoding="utf-8")
    assert "excludes=list(PY_EXCLUDES)" in spec and 'collect_submodules("server.providers")' in spec


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/networkinformation/libqglib.so", False),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/translations/qtdeclarative_de.qm", False),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", False),
        ("PySide6/Qt/lib/libQt6Gui.so.6", True),
        ("libcairo.so.2", False),
        ("libglib-2.0.so.0", True),
        (r"PySide6\plugins\platforms\qwindows.dll", True),
        ("resources/theme.qss", True),
        ("resources/i18n/zh_CN.qm", True),
        ("resources/i18n/zh_CN.ts", False),
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
    ],
)
def test_collected_file_filter(dest: str, kept: bool) -> None:
    assert appinfo.keep_collected(dest) is kept


def test_deb_tree_of_a_stand_in_bundle(tmp_path: Path) -> None:
    dpkg_deb = need_tool("dpkg-deb", "dpkg")
    bundle = tmp_path / "CLIProxyAPI"
    (bundle / "_internal").mkdir(parents=True)
    for exe in (appinfo.GUI_EXE, appinfo.CLI_EXE):
        (bundle / exe).write_text("#!/bin/sh\n", encoding="utf-8")
        (bundle / exe).chmod(0o755)
    icons = (
        tmp_path / "work" / "icons"
    )  # rendered in a child: a QGuiApplication here would stay for later tests
    subprocess.run([sys.executable, str(ROOT / "build_scripts" / "make_icons.py"), str(icons)], check=True)
    package = deb.build_deb(bundle, tmp_path / "out", compression="gzip", work=tmp_path / "work")
    assert package.name == f"cliproxyapi_{server.__version__}_{deb.deb_arch()}.deb"
    fields = subprocess.run([dpkg_deb, "-f", str(package)], capture_output=True, text=True, check=True).stdout
    assert f"Version: {server.__version__}" in fields and "libxcb-icccm4" in fields
    listing = subprocess.run(
        [dpkg_deb, "-c", str(package)], capture_output=True, text=True, check=True
    ).stdout
    assert "./usr/bin/cliproxyapi -> ../../opt/cliproxyapi/cliproxyapi\n" in listing
    assert "./usr/bin/cliproxyapi-gui -> ../../opt/cliproxyapi/cliproxyapi-gui\n" in listing
    for path in (
        "./usr/share/applications/cliproxyapi.desktop",
        "./usr/share/icons/hicolor/48x48/apps/cliproxyapi.png",
        "./usr/share/icons/hicolor/scalable/apps/cliproxyapi.svg",
        "./usr/share/metainfo/com.cliproxyapi.desktop.metainfo.xml",
    ):
        assert f" {path}\n" in listing, path
    assert "root/root" in listing and "etc/xdg/autostart" not in listing


def test_dmg_settings(tmp_path: Path) -> None:
    namespace: dict[str, object] = {"defines": {"app": "/x/dist/CLIProxyAPI.app", "icon": "/x/app.icns"}}
    exec((ROOT / "installer" / "macos" / "dmg_settings.py").read_text(encoding="utf-8"), namespace)
    assert namespace["files"] == ["/x/dist/CLIProxyAPI.app"]
    assert namespace["symlinks"] == {"Applications": "/Applications"}
    assert set(namespace["icon_locations"]) == {"CLIProxyAPI.app", "Applications"}  # type: ignore[arg-type]
    command = native.dmgbuild_command(Path("/x/dist/CLIProxyAPI.app"), tmp_path)
    assert command[:3] == ["dmgbuild", "-s", str(ROOT / "installer" / "macos" / "dmg_settings.py")]


def test_signing_is_skipped_cleanly_without_an_identity(tmp_path: Path) -> None:
    script = ROOT / "installer" / "macos" / "sign_and_notarize.sh"
    env = {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(["bash", str(script), "a.app", "b.dmg"], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "skipping signing" in result.stdout


def test_release_workflow_runs_the_repository_scripts() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    assert {"test", "build-linux", "build-windows", "build-macos", "release"} <= set(jobs)
    assert jobs["build-macos"]["strategy"]["fail-fast"] is False
    runs = " ".join(step.get("run", "") for job in jobs.values() for step in job["steps"])
    scripts = set(re.findall(r"(?:build_scripts|installer)/[\w/.-]+\.(?:py|sh)", runs))
    assert "build_scripts/build.py" in scripts and "build_scripts/smoke.py" in scripts
    missing = [s for s in scripts if not (ROOT / s).is_file()]
    assert not missing
