"""Tests for server.config.defaults: the generated key, first-run creation and the bundled default."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from server.config.defaults import FirstRun, default_config_text, ensure_config, generate_api_key
from server.config.load import load_config, parse_config
from server.config.paths import default_config_path

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def test_generate_api_key() -> None:
    keys = {generate_api_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(r"sk-[A-Za-z0-9_-]{43}", key) for key in keys)


def test_bundled_default_config_loads() -> None:
    cfg = parse_config(yaml.safe_load(default_config_text("sk-test")), source="default_config.yaml")
    assert (cfg.host, cfg.port, cfg.auth_dir) == ("127.0.0.1", 8317, "~/.cli-proxy-api")
    assert cfg.api_keys == ("sk-test",)
    assert cfg.usage_statistics_enabled
    assert (cfg.request_retry, cfg.max_retry_interval, cfg.routing.strategy) == (3, 30, "round-robin")
    assert cfg.quota_exceeded.switch_project and cfg.quota_exceeded.switch_preview_model
    assert not cfg.remote_management.allow_remote and cfg.remote_management.secret_key == ""
    providers = (cfg.gemini_api_key, cfg.claude_api_key, cfg.codex_api_key, cfg.vertex_api_key)
    assert all(entries == () for entries in providers) and cfg.openai_compatibility == ()
    assert cfg.extra == {}


def test_bundled_examples_load_when_uncommented() -> None:
    """The commented provider examples are valid once a user removes the '# '."""
    lines = default_config_text("sk-test").splitlines()
    start = lines.index("# gemini-api-key:")
    end = next(i for i, line in enumerate(lines) if line.startswith("# --- Remote management"))
    examples = [line[2:] for line in lines[start:end] if re.match(r"# ([a-z-]+:$|  )", line)]
    cfg = parse_config(yaml.safe_load("\n".join(examples)))
    assert cfg.openai_compatibility[0].models[0].alias == "kimi-k2"
    assert [len(cfg.gemini_api_key), len(cfg.claude_api_key), len(cfg.codex_api_key)] == [1, 1, 1]
    assert len(cfg.vertex_api_key) == 1


def test_first_run_creates_the_default_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", str(tmp_path / "deep" / "cfg"))
    result = ensure_config(None)
    assert result.path == default_config_path() == tmp_path / "deep" / "cfg" / "config.yaml"
    assert result.created
    assert result.api_key is not None and result.api_key.startswith("sk-")
    assert result.api_key not in repr(result)
    assert load_config(result.path).api_keys == (result.api_key,)
    assert "# " in result.path.read_text(encoding="utf-8")  # the comments for people are kept

    before = result.path.read_bytes()
    again = ensure_config(None)
    assert again == FirstRun(result.path, False, None)
    assert result.path.read_bytes() == before


@posix_only
def test_first_run_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXYAPI_CONFIG_DIR", str(tmp_path / "cfg"))
    result = ensure_config(None)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.path.parent.stat().st_mode) == 0o700


def test_explicit_missing_path_is_created(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    result = ensure_config(path)
    assert (result.path, result.created) == (path, True)
    assert load_config(path).api_keys == (result.api_key,)
    assert list(tmp_path.iterdir()) == [path]


@posix_only
def test_existing_parent_directory_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    ensure_config(tmp_path / "config.yaml")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_existing_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: 9999\n", encoding="utf-8")
    assert ensure_config(path) == FirstRun(path, False, None)
    assert path.read_text(encoding="utf-8") == "port: 9999\n"
