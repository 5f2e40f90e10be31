"""Claude Code setup: the proxy's address and key (and the chosen models) in ``settings.json``'s ``env``.

Setting up merges only ``env.ANTHROPIC_BASE_URL`` / ``ANTHROPIC_AUTH_TOKEN`` (and ``ANTHROPIC_MODEL`` /
``ANTHROPIC_DEFAULT_HAIKU_MODEL`` when chosen) into the user's file; undoing puts them back as the backup
had them. ``CLAUDE_CONFIG_DIR`` overrides ``~/.claude``. Plans are applied by ``client_config``. No Qt here.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from gui.platform.client_config import (
    ClientConfigError,
    ConfigPlan,
    Endpoint,
    SetupState,
    backup_of,
    dump_json,
    parse_json_object,
    read_config_text,
    user_home,
)

__all__ = ["CLAUDE_OWNED", "claude_settings_path", "claude_state", "plan_claude", "plan_claude_undo"]

CLAUDE_OWNED = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
)


def claude_settings_path() -> Path:
    """Claude Code's user settings (``CLAUDE_CONFIG_DIR`` overrides ``~/.claude``)."""
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(base) if base else user_home() / ".claude") / "settings.json"


def _json_object(path: Path, text: str | None) -> dict[str, object]:
    data = parse_json_object(path, text)
    env = data.get("env")
    if env is not None and not isinstance(env, dict):
        raise ClientConfigError(f'"env" in {path} is not an object; fix or move it, then try again')
    return data


def _env(data: dict[str, object]) -> dict[str, object]:
    env = data.get("env")
    return env if isinstance(env, dict) else {}


def plan_claude(endpoint: Endpoint, model: str = "", fast_model: str = "") -> ConfigPlan:
    """Point Claude Code at the proxy: base URL and key (and models when chosen) in ``settings.json`` env."""
    path = claude_settings_path()
    old = read_config_text(path)
    data = _json_object(path, old)
    env = dict(_env(data))
    env["ANTHROPIC_BASE_URL"] = endpoint.base_url
    env["ANTHROPIC_AUTH_TOKEN"] = endpoint.api_key
    if model:
        env["ANTHROPIC_MODEL"] = model
    if fast_model:
        env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = fast_model
    data["env"] = env
    return ConfigPlan("claude", "setup", path, old, dump_json(data), endpoint.api_key)


def plan_claude_undo() -> ConfigPlan:
    """Put Claude Code's owned env keys back as they were before the first setup."""
    path = claude_settings_path()
    old = read_config_text(path)
    original = _json_object(path, old)
    backup_path = backup_of(path)
    backup_text = read_config_text(backup_path)
    before = _json_object(backup_path, backup_text)
    data = copy.deepcopy(original)
    env, before_env = dict(_env(data)), _env(before)
    for key in CLAUDE_OWNED:
        if key in before_env:
            env[key] = before_env[key]
        else:
            env.pop(key, None)
    if env or "env" in before:
        data["env"] = env
    else:
        data.pop("env", None)
    if old is None or (not data and backup_text is None):
        return ConfigPlan("claude", "undo", path, old, None)
    return ConfigPlan("claude", "undo", path, old, old if data == original else dump_json(data))


def claude_state(endpoint: Endpoint) -> SetupState:
    """Whether Claude Code's settings point at this proxy."""
    path = claude_settings_path()
    try:
        env = _env(_json_object(path, read_config_text(path)))
    except ClientConfigError:
        return "broken"
    url = env.get("ANTHROPIC_BASE_URL")
    if url is None:
        return "missing"
    return (
        "ours"
        if url == endpoint.base_url and env.get("ANTHROPIC_AUTH_TOKEN") == endpoint.api_key
        else "other"
    )
