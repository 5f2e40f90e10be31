"""Isolation for config tests: the home directory and the app's directories point into a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real home: HOME, XDG_*, APPDATA and the app's dir overrides live in a temp dir.

    The temp dir is not ``tmp_path``, so tests can assert on exactly what they create there.
    """
    root = tmp_path_factory.mktemp("isolated")
    home = root / "home"
    home.mkdir()
    for name in ("HOME", "USERPROFILE"):
        monkeypatch.setenv(name, str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.setenv(name, str(home / name.lower()))
    for name in ("CONFIG", "DATA", "LOG"):
        monkeypatch.setenv(f"CLIPROXYAPI_{name}_DIR", str(root / name.lower()))
    return home
