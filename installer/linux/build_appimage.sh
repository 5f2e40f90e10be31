#!/usr/bin/env bash
# AppImage of the onedir bundle (GitHub Actions only: appimagetool is not in Debian and is downloaded).
#
# Usage: installer/linux/build_appimage.sh dist/CLIProxyAPI VERSION [OUT_DIR]
# Needs: build/icons (python build_scripts/make_icons.py), curl, and FUSE or APPIMAGE_EXTRACT_AND_RUN=1.
# Layout: AppDir/AppRun (starts the tray app; "AppRun cli ..." runs the headless command), the .desktop
# entry and icon at the root, .DirIcon, the bundle under usr/lib/cliproxyapi, metainfo under usr/share.
set -euo pipefail
bundle="${1:?usage: build_appimage.sh BUNDLE_DIR VERSION [OUT_DIR]}"
version="${2:?usage: build_appimage.sh BUNDLE_DIR VERSION [OUT_DIR]}"
out="${3:-dist}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
arch="$(uname -m)"
work="$root/build/appimage"
appdir="$work/CLIProxyAPI.AppDir"
tool_url="https://github.com/AppImage/appimagetool/releases/download/continuous/appimagetool-${arch}.AppImage"

rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/share/metainfo" "$appdir/usr/share/icons/hicolor/256x256/apps"
cp -a "$bundle" "$appdir/usr/lib/cliproxyapi"
cp "$here/cliproxyapi.desktop" "$appdir/cliproxyapi.desktop"
cp "$root/build/icons/app-256.png" "$appdir/cliproxyapi.png"
cp "$root/build/icons/app-256.png" "$appdir/usr/share/icons/hicolor/256x256/apps/cliproxyapi.png"
ln -s cliproxyapi.png "$appdir/.DirIcon"
cp "$here/com.cliproxyapi.desktop.metainfo.xml" "$appdir/usr/share/metainfo/"
cat > "$appdir/AppRun" <<'APPRUN'
#!/bin/sh
# AppImage entry: the tray app by default; "cli" as first argument runs the headless cliproxyapi command.
here="$(dirname "$(readlink -f "$0")")"
if [ "${1:-}" = "cli" ]; then
    shift
    exec "$here/usr/lib/cliproxyapi/cliproxyapi" "$@"
fi
exec "$here/usr/lib/cliproxyapi/cliproxyapi-gui" "$@"
APPRUN
chmod +x "$appdir/AppRun"

tool="$work/appimagetool"
if [ ! -x "$tool" ]; then
    curl -fsSL -o "$tool" "$tool_url"
    chmod +x "$tool"
fi
mkdir -p "$out"
target="$out/CLIProxyAPI-${version}-linux-${arch}.AppImage"
ARCH="$arch" VERSION="$version" "$tool" --no-appstream "$appdir" "$target"
echo "AppImage: $target ($(du -h "$target" | cut -f1))"
