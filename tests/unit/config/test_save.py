"""Tests for server.config.save: atomic writes and merging saves of config.yaml."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from server.config.load import load_config, parse_config
from server.config.save import atomic_write, save_config
from server.config.schema import ClaudeKey, Config, GeminiKey, Routing

FULL = Path(__file__).parent / "data" / "full_config.yaml"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _yaml(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@posix_only
@pytest.mark.parametrize(
    ("mode", "existing"), [(0o600, False), (0o600, True), (0o640, True)], ids=["new", "replace", "mode"]
)
def test_atomic_write_content_and_mode(tmp_path: Path, mode: int, existing: bool) -> None:
    path = tmp_path / "file.json"
    if existing:
        path.write_bytes(b"old")
        path.chmod(0o644)
    atomic_write(path, b"new content", mode=mode)
    assert path.read_bytes() == b"new content"
    assert _mode(path) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"]


@pytest.mark.parametrize("failing", ["replace", "fsync", "chmod"])
def test_atomic_write_failure_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"old content")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new content")
    monkeypatch.undo()
    assert path.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]


def test_atomic_write_interrupted_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "auth.json"
    path.write_bytes(b"{}")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, b'{"a": 1}')
    monkeypatch.undo()
    assert path.read_bytes() == b"{}"
    assert len(list(tmp_path.iterdir())) == 1


@posix_only
def test_atomic_write_through_symlink_keeps_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.yaml"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_save_then_load_is_identical(tmp_path: Path) -> None:
    cfg = load_config(FULL)
    path = tmp_path / "config.yaml"
    save_config(cfg, path)
    assert load_config(path) == cfg
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("", encoding="utf-8")
    save_config(cfg, fresh)
    assert load_config(fresh) == cfg


@posix_only
def test_save_mode_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: 9000\n", encoding="utf-8")
    path.chmod(0o644)
    save_config(load_config(path), path)
    assert _mode(path) == 0o600


def test_unknown_keys_and_order_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    shutil.copy(FULL, path)
    before = _yaml(path)
    cfg = load_config(path)
    changed = dataclasses.replace(cfg, debug=False, routing=Routing("round-robin"))
    save_config(changed, path)
    after = _yaml(path)

    assert list(after) == list(before)
    assert after["debug"] is False
    assert after["routing"] == {"strategy": "round-robin", "session-affinity": True}
    assert after["tls"] == before["tls"]
    assert after["pprof"] == {"enable": True, "addr": "127.0.0.1:8316"}
    assert after["my-own-note"] == "kept as is"
    assert after["plugins"] == [{"name": "x", "enabled": False}]
    gemini, claude = after["gemini-api-key"], after["claude-api-key"]
    assert isinstance(gemini, list) and isinstance(claude, list)
    assert gemini[0]["weight"] == 7
    assert (claude[0]["disable-cooling"], claude[0]["request-retry"]) == (True, 1)
    assert list(claude[0]) == list(before["claude-api-key"][0])  # type: ignore[index]
    assert load_config(path) == changed


def test_new_keys_are_written_only_when_not_default(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: 8317\nnote: mine\n", encoding="utf-8")
    cfg = dataclasses.replace(
        load_config(path),
        debug=True,
        claude_api_key=(ClaudeKey(api_key="sk-ant", priority=2),),
    )
    save_config(cfg, path)
    assert _yaml(path) == {
        "port": 8317,
        "note": "mine",
        "debug": True,
        "claude-api-key": [{"api-key": "sk-ant", "priority": 2}],
    }


def test_save_into_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new.yaml"
    save_config(Config(), path)
    assert path.read_text(encoding="utf-8").strip() == "{}"
    assert load_config(path) == Config()


def test_legacy_keys_are_dropped_on_save(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "generative-language-api-key: [g1]\n"
        "amp-upstream-url: https://amp\n"
        "auth:\n  providers:\n    - type: config-api-key\n      api-keys: [legacy]\n"
        "oauth-model-mappings:\n  codex: [{name: a, alias: b}]\n"
        "openai-compatibility:\n  - name: n\n    base-url: https://n\n    api-keys: [k1]\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    save_config(cfg, path)
    data = _yaml(path)
    assert set(data) == {"openai-compatibility", "gemini-api-key", "api-keys", "ampcode", "oauth-model-alias"}
    assert data["openai-compatibility"] == [
        {"name": "n", "base-url": "https://n", "api-key-entries": [{"api-key": "k1"}]}
    ]
    assert load_config(path) == cfg


def test_list_items_are_matched_by_identity(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "claude-api-key:\n  - api-key: a\n    note: first\n  - api-key: b\n    note: second\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    save_config(dataclasses.replace(cfg, claude_api_key=cfg.claude_api_key[1:]), path)
    assert _yaml(path)["claude-api-key"] == [{"api-key": "b", "note": "second"}]

    renamed = dataclasses.replace(cfg.claude_api_key[1], api_key="b2")
    save_config(dataclasses.replace(cfg, claude_api_key=(renamed,)), path)
    assert _yaml(path)["claude-api-key"] == [{"api-key": "b2", "note": "second"}]


def test_maps_follow_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "api-keys:\noauth-excluded-models:\n  claude: [a]\n  codex: [b]\n"
        "gemini-api-key:\n  - api-key: k\n    headers: {X-A: '1', X-B: '2'}\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    gemini = dataclasses.replace(cfg.gemini_api_key[0], headers={"X-B": "3"})
    cfg = dataclasses.replace(cfg, oauth_excluded_models={"codex": ("b", "c")}, gemini_api_key=(gemini,))
    save_config(cfg, path)
    data = _yaml(path)
    assert data["api-keys"] is None  # an unchanged null stays null
    assert data["oauth-excluded-models"] == {"codex": ["b", "c"]}
    assert data["gemini-api-key"] == [{"api-key": "k", "headers": {"X-B": "3"}}]


def test_extra_values_come_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("pprof: {enable: false}\nport: 9000\n", encoding="utf-8")
    cfg = load_config(path)
    save_config(dataclasses.replace(cfg, extra={"pprof": {"enable": True}, "added": (1, 2)}), path)
    assert _yaml(path) == {"pprof": {"enable": True}, "port": 9000, "added": [1, 2]}


def test_unparsable_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: [\n", encoding="utf-8")
    cfg = parse_config({"gemini-api-key": [{"api-key": "k"}]})
    save_config(cfg, path)
    assert load_config(path) == cfg
    assert dataclasses.replace(cfg.gemini_api_key[0]) == GeminiKey(api_key="k")
