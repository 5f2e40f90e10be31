"""Gemini CLI setup: .env lines and settings.json keys merged, backups, refusal, undo, state, masked diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gui.models import mask_secret
from gui.platform.client_config import BACKUP_SUFFIX, ClientConfigError, Endpoint, apply_plan
from gui.platform.gemini_config import (
    gemini_env_path,
    gemini_settings_path,
    gemini_state,
    plan_gemini,
    plan_gemini_undo,
)

KEY = "sk-local-0123456789abcdef"
ENDPOINT = Endpoint(port=8317, api_key=KEY)
OURS = f"GEMINI_API_KEY={KEY}\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317\n"


@pytest.fixture(autouse=True)
def _no_cli_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_CLI_HOME", raising=False)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _set_up(model: str = "") -> list[Path | None]:
    return [apply_plan(plan) for plan in plan_gemini(ENDPOINT, model)]


def _undo() -> None:
    for plan in plan_gemini_undo():
        apply_plan(plan)


def _settings() -> object:
    return json.loads(gemini_settings_path().read_text())


def test_fresh_home() -> None:
    assert gemini_state(ENDPOINT) == "missing"
    assert _set_up("gemini-2.5-pro") == [None, None]
    assert gemini_env_path() == Path.home() / ".gemini" / ".env"
    assert gemini_env_path().read_text() == OURS
    assert _settings() == {
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "model": {"name": "gemini-2.5-pro"},
    }
    assert gemini_state(ENDPOINT) == "ours"
    assert not any(plan.changed for plan in plan_gemini(ENDPOINT, "gemini-2.5-pro"))


def test_gemini_cli_home_is_respected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEMINI_CLI_HOME", str(tmp_path))
    _set_up()
    assert (tmp_path / ".gemini" / ".env").read_text() == OURS
    assert not (Path.home() / ".gemini").exists()


def test_env_keeps_other_lines_and_replaces_ours() -> None:
    original = (
        "# my settings\nexport GEMINI_API_KEY=AIzaOldGoogleKey123\nDEBUG=1\n\n"
        "GEMINI_API_KEY=repeat\n# GOOGLE_GEMINI_BASE_URL=commented\n"
    )
    _write(gemini_env_path(), original)
    backups = _set_up()
    assert gemini_env_path().read_text() == (
        f"# my settings\nGEMINI_API_KEY={KEY}\nDEBUG=1\n\n# GOOGLE_GEMINI_BASE_URL=commented\n"
        "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317\n"
    )
    assert backups[0] == gemini_env_path().with_name(".env" + BACKUP_SUFFIX)
    assert backups[0].read_text() == original
    assert gemini_state(ENDPOINT) == "ours"
    _undo()
    assert gemini_env_path().read_text() == (
        "# my settings\nGEMINI_API_KEY=repeat\nDEBUG=1\n\n"  # the line dotenv used (the last) comes back
        "# GOOGLE_GEMINI_BASE_URL=commented\n"
    )
    assert not backups[0].exists()


def test_settings_keep_other_keys_and_undo_restores() -> None:
    original = {"theme": "Dracula", "security": {"auth": {"selectedType": "oauth-personal"}, "x": 1}}
    _write(gemini_settings_path(), json.dumps(original))
    backups = _set_up("m-1")
    assert _settings() == {
        "theme": "Dracula",
        "security": {"auth": {"selectedType": "gemini-api-key"}, "x": 1},
        "model": {"name": "m-1"},
    }
    assert backups[1] is not None and json.loads(backups[1].read_text()) == original
    _undo()
    assert _settings() == original
    assert not backups[1].exists()
    assert not gemini_env_path().exists()  # we created it, so undo removes it
    assert gemini_state(ENDPOINT) == "missing"


def test_undo_of_a_fresh_setup_removes_both_files_and_only_our_keys() -> None:
    _set_up("m-1")
    settings = json.loads(gemini_settings_path().read_text())
    settings["ui"] = {"theme": "x"}
    settings["model"]["other"] = True
    _write(gemini_settings_path(), json.dumps(settings))
    _undo()
    assert _settings() == {"ui": {"theme": "x"}, "model": {"other": True}}
    assert not gemini_env_path().exists()
    _undo()  # nothing left to undo is not an error
    assert not any(plan.changed for plan in plan_gemini_undo())


@pytest.mark.parametrize(
    "text", ["{ not json", "[1, 2]", '{"security": "strict"}', '{"security": {"auth": 3}}', '{"model": []}']
)
def test_a_broken_settings_file_is_refused_and_untouched(text: str) -> None:
    _write(gemini_settings_path(), text)
    with pytest.raises(ClientConfigError) as caught:
        plan_gemini(ENDPOINT, "m")
    assert KEY not in str(caught.value)
    assert gemini_settings_path().read_text() == text
    assert not gemini_env_path().exists()
    assert gemini_state(ENDPOINT) == "broken"


@pytest.mark.parametrize(
    ("env", "settings", "state"),
    [
        ("DEBUG=1\n", None, "missing"),
        (OURS, None, "other"),  # API-key login not selected
        (OURS, {"security": {"auth": {"selectedType": "gemini-api-key"}}}, "ours"),
        (OURS.replace("8317", "9000"), {"security": {"auth": {"selectedType": "gemini-api-key"}}}, "other"),
        (OURS.replace(KEY, "other-key"), {"security": {"auth": {"selectedType": "gemini-api-key"}}}, "other"),
        (
            f"GEMINI_API_KEY=\"{KEY}\"\nGOOGLE_GEMINI_BASE_URL='http://127.0.0.1:8317'\n",
            {"security": {"auth": {"selectedType": "gemini-api-key"}}},
            "ours",
        ),
    ],
    ids=["missing", "no-auth", "ours", "other-port", "other-key", "quoted"],
)
def test_state(env: str, settings: object, state: str) -> None:
    _write(gemini_env_path(), env)
    if settings is not None:
        _write(gemini_settings_path(), json.dumps(settings))
    assert gemini_state(ENDPOINT) == state


def test_the_diff_masks_our_key_and_the_replaced_one() -> None:
    _write(gemini_env_path(), "GEMINI_API_KEY=AIzaOldGoogleKey123\n")
    diff = "".join(plan.diff() for plan in plan_gemini(ENDPOINT, "m-1"))
    assert KEY not in diff and "AIzaOldGoogleKey123" not in diff
    assert f"+GEMINI_API_KEY={mask_secret(KEY)}" in diff
    assert f"-GEMINI_API_KEY={mask_secret('AIzaOldGoogleKey123')}" in diff
    assert '+      "selectedType": "gemini-api-key"' in diff


def test_a_key_with_odd_characters_is_quoted() -> None:
    odd = Endpoint(port=8317, api_key='a b#c"d')
    _set_up_plans = plan_gemini(odd)
    apply_plan(_set_up_plans[0])
    assert gemini_env_path().read_text().splitlines()[0] == 'GEMINI_API_KEY="a b#c\\"d"'
