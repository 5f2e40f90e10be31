"""dmgbuild settings: the .app beside an Applications link in a plain window (macOS only: uses hdiutil).

Run by ``build_scripts/build.py --installer`` on macOS as
``dmgbuild -s installer/macos/dmg_settings.py -D app=dist/CLIProxyAPI.app -D icon=build/icons/app.icns
CLIProxyAPI dist/CLIProxyAPI-<version>-macos-<arch>.dmg``. dmgbuild executes this file with ``defines``
(the ``-D`` values) in its namespace.
"""

from __future__ import annotations

import os.path

__all__: list[str] = []

_defines: dict[str, str] = globals().get("defines", {})  # set by dmgbuild
application = _defines.get("app", "dist/CLIProxyAPI.app")
app_name = os.path.basename(application)

format = "UDZO"  # zlib: opens on every supported macOS
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon = _defines.get("icon") or None  # the volume icon
badge_icon = None
icon_locations = {app_name: (140, 160), "Applications": (400, 160)}
background = "builtin-arrow"
window_rect = ((200, 200), (540, 360))
default_view = "icon-view"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
arrange_by = None
icon_size = 112
text_size = 13
