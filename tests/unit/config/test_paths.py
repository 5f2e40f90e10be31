"""Tests for server.config.paths: directory overrides and auth-dir resolution."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pytest

from server.config.paths import (
    config_dir,
    data_dir,
    default_config_path,
    log_dir,
    resolve_auth_dir,
    usage_db_path,
)
from server.config.schema import Config


@pytest.mark.parametrize(
    ("variable", "function"),
    [
        ("CLIPROXYAPI_CONFIG_DIR", config_dir),
        ("CLIPROXYAPI_DATA_DIR", data_dir),
        ("CLIPROXYAPI_LOG_DIR", log_dir),
    ],
    ids=["config", "data", "log"],
)
def test_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, function: Callable[[], Path]
) -> None:
    monkeypatch.setenv(variable, str(tmp_path / "portable"))
    assert function() == tmp_path / "portable"
    assert not (tmp_path / "portable").exists()


@pytest.mark.parametrize(
    ("variable", "function", "platform"),
    [
        ("CLIPROXYAPI_CONFIG_DIR", config_dir, platformdirs.user_config_dir),
        ("CLIPROXYAPI_DATA_DIR", data_dir, platformdirs.user_data_dir),
        ("CLIPROXYAPI_LOG_DIR", log_dir, platformdirs.user_log_dir),
    ],
    ids=["config", "data", "log"],
)
def test_platform_defaults(
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
    variable: str,
    function: Callable[[], Path],
    platform: Callable[..., str],
) -> None:
    for value in (None, "  "):
        if value is None:
            monkeypatch.delenv(variable)
        else:
            monkeypatch.setenv(variable, value)
        assert function() == Path(platform("cliproxyapi", appauthor=False))
    if sys.platform != "win32":  # Windows asks the shell for its folders, not the environment
        assert str(function()).startswith(str(isolated_home))  # the fixture kept us out of the real home


def test_override_expands_home(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", "~/portable-config")
    assert config_dir() == isolated_home / "portable-config"


def test_file_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("CLIPROXYAPI_DATA_DIR", str(tmp_path / "d"))
    assert default_config_path() == tmp_path / "c" / "config.yaml"
    assert usage_db_path() == tmp_path / "d" / "usage.sqlite3"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("auth_dir", "expected"),
    [
        ("~/.cli-proxy-api", "{home}/.cli-proxy-api"),
        ("~", "{home}"),
        ("", "{home}/.cli-proxy-api"),
        ("auths", "{config}/auths"),
        ("./a/../b", "{config}/b"),
        ("{tmp}/abs/./x/", "{tmp}/abs/x"),
    ],
    ids=["tilde", "tilde-alone", "blank-is-default", "relative", "relative-cleaned", "absolute-cleaned"],
)
def test_resolve_auth_dir(tmp_path: Path, isolated_home: Path, auth_dir: str, expected: str) -> None:
    config_path = tmp_path / "conf" / "config.yaml"
    names = {"home": str(isolated_home), "config": str(config_path.parent), "tmp": str(tmp_path)}
    cfg = Config(auth_dir=auth_dir.format(**names))
    assert resolve_auth_dir(cfg, config_path=config_path) == Path(expected.format(**names))


def test_relative_auth_dir_defaults_to_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", str(tmp_path / "c"))
    assert resolve_auth_dir(Config(auth_dir="auths")) == tmp_path / "c" / "auths"
    assert not (tmp_path / "c").exists()
