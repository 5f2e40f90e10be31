"""Client tool setup files: merge only owned keys, back up, refuse broken files, undo, atomic writes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from gui.models import mask_secret
from gui.platform.claude_config import claude_settings_path, claude_state, plan_claude, plan_claude_undo
from gui.platform.client_config import BACKUP_SUFFIX, ClientConfigError, Endpoint, apply_plan
from gui.platform.codex_config import (
    CODEX_ENV_KEY,
    codex_config_path,
    codex_state,
    plan_codex,
    plan_codex_undo,
)

KEY = "sk-local-0123456789abcdef"
ENDPOINT = Endpoint(port=8317, api_key=KEY)


@pytest.fixture(autouse=True)
def _no_tool_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tools' own dir overrides would send writes outside the test HOME."""
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("CODEX_HOME", raising=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- paths --------------------------------------------------------------------------------------------


def test_paths_live_under_home(isolated_home: Path) -> None:
    assert claude_settings_path() == isolated_home / ".claude" / "settings.json"
    assert codex_config_path() == isolated_home / ".codex" / "config.toml"


def test_tool_dir_overrides_are_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "x"))
    assert claude_settings_path() == tmp_path / "c" / "settings.json"
    assert codex_config_path() == tmp_path / "x" / "config.toml"


# -- Claude Code ----------------------------------------------------------------------------------------


def test_claude_setup_creates_the_file_without_a_backup() -> None:
    plan = plan_claude(ENDPOINT)
    assert plan.old_text is None
    assert apply_plan(plan) is None
    data = json.loads(claude_settings_path().read_text())
    assert data == {"env": {"ANTHROPIC_BASE_URL": "http://127.0.0.1:8317", "ANTHROPIC_AUTH_TOKEN": KEY}}
    assert claude_state(ENDPOINT) == "ours"


def test_claude_setup_merges_and_keeps_other_keys() -> None:
    original = {"theme": "dark", "env": {"FOO": "1", "ANTHROPIC_BASE_URL": "https://old"}, "permissions": {}}
    _write(claude_settings_path(), json.dumps(original))
    backup = apply_plan(plan_claude(ENDPOINT, model="gemini-2.5-pro", fast_model="gemini-2.5-flash"))
    data = json.loads(claude_settings_path().read_text())
    assert data["theme"] == "dark" and data["permissions"] == {}
    assert data["env"] == {
        "FOO": "1",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:8317",
        "ANTHROPIC_AUTH_TOKEN": KEY,
        "ANTHROPIC_MODEL": "gemini-2.5-pro",
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": "gemini-2.5-flash",
    }
    assert backup == claude_settings_path().with_name("settings.json" + BACKUP_SUFFIX)
    assert json.loads(backup.read_text()) == original


def test_claude_second_setup_keeps_the_first_backup() -> None:
    _write(claude_settings_path(), '{"theme": "light"}')
    apply_plan(plan_claude(ENDPOINT))
    backup = apply_plan(plan_claude(Endpoint(port=9000, api_key=KEY)))
    assert backup is not None and json.loads(backup.read_text()) == {"theme": "light"}


@pytest.mark.parametrize(
    "text",
    ["{not json", "[1, 2]", '{"env": "x"}'],
    ids=["syntax-error", "not-an-object", "env-not-an-object"],
)
def test_claude_refuses_a_file_it_cannot_read(text: str) -> None:
    _write(claude_settings_path(), text)
    with pytest.raises(ClientConfigError, match="settings.json"):
        plan_claude(ENDPOINT)
    assert claude_settings_path().read_text() == text
    assert claude_state(ENDPOINT) == "broken"


def test_claude_undo_restores_owned_keys_and_keeps_later_edits() -> None:
    _write(claude_settings_path(), json.dumps({"env": {"ANTHROPIC_BASE_URL": "https://corp", "A": "1"}}))
    apply_plan(plan_claude(ENDPOINT, model="m"))
    data = json.loads(claude_settings_path().read_text())
    data["theme"] = "dark"  # the user changed something after the setup
    _write(claude_settings_path(), json.dumps(data))
    apply_plan(plan_claude_undo())
    assert json.loads(claude_settings_path().read_text()) == {
        "env": {"ANTHROPIC_BASE_URL": "https://corp", "A": "1"},
        "theme": "dark",
    }
    assert not claude_settings_path().with_name("settings.json" + BACKUP_SUFFIX).exists()
    assert claude_state(ENDPOINT) == "other"


def test_claude_undo_removes_a_file_this_app_created() -> None:
    apply_plan(plan_claude(ENDPOINT))
    plan = plan_claude_undo()
    assert plan.new_text is None
    apply_plan(plan)
    assert not claude_settings_path().exists()
    assert claude_state(ENDPOINT) == "missing"


def test_claude_undo_without_setup_changes_nothing() -> None:
    _write(claude_settings_path(), '{"theme":"dark"}')
    assert not plan_claude_undo().changed


def test_diff_masks_the_key() -> None:
    diff = plan_claude(ENDPOINT).diff()
    assert KEY not in diff
    assert mask_secret(KEY) in diff and "+++ settings.json (after)" in diff


def test_apply_refuses_when_the_file_changed_after_the_preview() -> None:
    plan = plan_claude(ENDPOINT)
    _write(claude_settings_path(), '{"theme":"dark"}')
    with pytest.raises(ClientConfigError, match="changed since the preview"):
        apply_plan(plan)
    assert claude_settings_path().read_text() == '{"theme":"dark"}'


def test_writes_are_atomic_and_private() -> None:
    apply_plan(plan_claude(ENDPOINT))
    folder = claude_settings_path().parent
    assert [p.name for p in folder.iterdir()] == ["settings.json"]  # no temp file left behind
    assert claude_settings_path().stat().st_mode & 0o077 == 0


# -- Codex ------------------------------------------------------------------------------------------------

CODEX_EXISTING = """# my codex config
model = "gpt-5"
approval_policy = "never"

[analytics]
enabled = false

# a custom provider the user has
[model_providers.other]
name = "Other"
base_url = "https://other.example/v1"
env_key = "OTHER_KEY"
wire_api = "responses"
"""


def _codex() -> dict[str, object]:
    return tomllib.loads(codex_config_path().read_text())


def test_codex_setup_creates_the_provider_block() -> None:
    apply_plan(plan_codex(ENDPOINT, model="gpt-5-codex"))
    assert _codex() == {
        "model_provider": "cliproxyapi",
        "model": "gpt-5-codex",
        "model_providers": {
            "cliproxyapi": {
                "name": "CLIProxyAPI",
                "base_url": "http://127.0.0.1:8317/v1",
                "env_key": CODEX_ENV_KEY,
                "wire_api": "responses",
            }
        },
    }
    assert KEY not in codex_config_path().read_text()  # the key travels in the env var only
    assert codex_state(ENDPOINT) == "ours"


def test_codex_setup_merges_keeping_comments_and_other_tables() -> None:
    _write(codex_config_path(), CODEX_EXISTING)
    apply_plan(plan_codex(ENDPOINT))
    text = codex_config_path().read_text()
    assert "# my codex config" in text and "# a custom provider the user has" in text
    data = _codex()
    assert data["model"] == "gpt-5" and data["approval_policy"] == "never"
    assert data["analytics"] == {"enabled": False}
    providers = data["model_providers"]
    assert isinstance(providers, dict) and set(providers) == {"other", "cliproxyapi"}
    assert data["model_provider"] == "cliproxyapi"


def test_codex_setup_twice_replaces_its_own_block() -> None:
    _write(codex_config_path(), CODEX_EXISTING)
    apply_plan(plan_codex(ENDPOINT))
    apply_plan(plan_codex(Endpoint(port=9999, api_key=KEY), model="o3"))
    text = codex_config_path().read_text()
    assert text.count("[model_providers.cliproxyapi]") == 1
    providers = _codex()["model_providers"]
    assert isinstance(providers, dict)
    assert providers["cliproxyapi"]["base_url"] == "http://127.0.0.1:9999/v1"
    assert _codex()["model"] == "o3"


def test_codex_undo_restores_the_original_selection() -> None:
    _write(codex_config_path(), CODEX_EXISTING)
    before = tomllib.loads(CODEX_EXISTING)
    apply_plan(plan_codex(ENDPOINT, model="gpt-5-codex"))
    apply_plan(plan_codex_undo())
    assert _codex() == before
    assert codex_state(ENDPOINT) == "missing"
    assert not codex_config_path().with_name("config.toml" + BACKUP_SUFFIX).exists()


def test_codex_undo_removes_a_file_this_app_created() -> None:
    apply_plan(plan_codex(ENDPOINT))
    apply_plan(plan_codex_undo())
    assert not codex_config_path().exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model = [unclosed", "not valid TOML"),
        ("model_providers = 3\n", "not a table"),
        ("model_providers = { cliproxyapi = { name = 'x' } }\n", "cannot edit safely"),
    ],
    ids=["syntax-error", "providers-not-a-table", "inline-table-layout"],
)
def test_codex_refuses_files_it_cannot_edit(text: str, message: str) -> None:
    _write(codex_config_path(), text)
    with pytest.raises(ClientConfigError, match=message):
        plan_codex(ENDPOINT)
    assert codex_config_path().read_text() == text


@pytest.mark.parametrize(
    ("text", "state"),
    [
        (None, "missing"),
        ('model_provider = "openai"\n', "other"),
        ("oops = \n", "broken"),
    ],
    ids=["no-file", "other-provider", "broken"],
)
def test_codex_state(text: str | None, state: str) -> None:
    if text is not None:
        _write(codex_config_path(), text)
    assert codex_state(ENDPOINT) == state
