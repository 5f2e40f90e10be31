"""Gemini CLI setup files: the proxy's address and key in ``~/.gemini/.env``, API-key login in settings.

Setting up sets (or replaces) only the ``GEMINI_API_KEY`` and ``GOOGLE_GEMINI_BASE_URL`` lines of the
``.env`` file, keeping every other line and comment, and merges ``security.auth.selectedType`` (and
``model.name`` when a model is chosen) into ``settings.json``, keeping every other key. A ``settings.json``
that does not parse is refused, never replaced. Backups and atomic writes are ``client_config``'s
(:func:`~gui.platform.client_config.apply_plan`); a setup or undo is two plans, one per file, applied in
order. ``GEMINI_CLI_HOME`` (the folder holding ``.gemini``) overrides the home folder. No Qt here.
"""

from __future__ import annotations

import copy
import json
import os
import re
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

__all__ = [
    "GEMINI_AUTH_TYPE",
    "GEMINI_OWNED_ENV",
    "gemini_dir",
    "gemini_env_path",
    "gemini_settings_path",
    "gemini_state",
    "plan_gemini",
    "plan_gemini_undo",
]

GEMINI_AUTH_TYPE = "gemini-api-key"
GEMINI_OWNED_ENV = ("GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*?)\s*$")
_PLAIN = re.compile(r"^[A-Za-z0-9_\-.:/+=@~]*$")
_OWNED_PATHS = (("security", "auth", "selectedType"), ("model", "name"))


def gemini_dir() -> Path:
    """Gemini CLI's user folder (``GEMINI_CLI_HOME`` overrides the home folder that holds ``.gemini``)."""
    base = os.environ.get("GEMINI_CLI_HOME")
    return (Path(base) if base else user_home()) / ".gemini"


def gemini_env_path() -> Path:
    return gemini_dir() / ".env"


def gemini_settings_path() -> Path:
    return gemini_dir() / "settings.json"


# -- .env -------------------------------------------------------------------------------------------------


def _env_values(text: str | None) -> dict[str, str]:
    """``KEY=VALUE`` pairs of a dotenv text (the last line of a key wins, as dotenv reads it)."""
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        match = _LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def _env_lines(text: str | None) -> dict[str, str]:
    """The line of each key that counts (the last), as written."""
    lines: dict[str, str] = {}
    for line in (text or "").splitlines():
        match = _LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            lines[match.group(1)] = line
    return lines


def _env_line(key: str, value: str) -> str:
    return f"{key}={value if _PLAIN.match(value) else json.dumps(value)}"


def _set_env(text: str | None, wanted: dict[str, str | None]) -> str:
    """Replace each wanted key's first line (dropping repeats), add missing ones at the end, drop ``None``."""
    out: list[str] = []
    done: set[str] = set()
    for line in (text or "").splitlines():
        match = _LINE.match(line)
        key = match.group(1) if match and not line.lstrip().startswith("#") else ""
        if key not in wanted:
            out.append(line)
            continue
        if key not in done and wanted[key] is not None:
            out.append(str(wanted[key]))
        done.add(key)
    while out and not out[-1].strip():
        out.pop()
    out.extend(line for key, line in wanted.items() if key not in done and line is not None)
    return "\n".join(out) + "\n" if out else ""


# -- settings.json ----------------------------------------------------------------------------------------


def _settings(path: Path, text: str | None) -> dict[str, object]:
    data = parse_json_object(path, text)
    for keys in _OWNED_PATHS:
        node: object = data
        for depth, key in enumerate(keys[:-1]):
            node = node.get(key) if isinstance(node, dict) else None
            if node is not None and not isinstance(node, dict):
                name = ".".join(keys[: depth + 1])
                raise ClientConfigError(f'"{name}" in {path} is not an object; fix or move it, then retry')
    return data


def _get(data: dict[str, object], keys: tuple[str, ...]) -> object | None:
    node: object = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _put(data: dict[str, object], keys: tuple[str, ...], value: object, keep: dict[str, object]) -> None:
    """Set ``keys`` to ``value``, or remove it (``None``) with the parents left empty that ``keep`` lacks."""
    if value is not None:
        node = data
        for key in keys[:-1]:
            child = node.get(key)
            node[key] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        node[keys[-1]] = value
        return
    parents: list[dict[str, object]] = [data]
    for key in keys[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            return
        parents.append(child)
    parents[-1].pop(keys[-1], None)
    for depth in range(len(keys) - 1, 0, -1):
        if not parents[depth] and _get(keep, keys[:depth]) is None:
            parents[depth - 1].pop(keys[depth - 1], None)


# -- plans --------------------------------------------------------------------------------------------------


def plan_gemini(endpoint: Endpoint, model: str = "") -> tuple[ConfigPlan, ConfigPlan]:
    """Point Gemini CLI at the proxy: ``(.env plan, settings.json plan)``; refuses a broken settings.json."""
    settings_path, env_path = gemini_settings_path(), gemini_env_path()
    old_settings = read_config_text(settings_path)
    data = copy.deepcopy(_settings(settings_path, old_settings))
    _put(data, ("security", "auth", "selectedType"), GEMINI_AUTH_TYPE, {})
    if model:
        _put(data, ("model", "name"), model, {})
    old_env = read_config_text(env_path)
    new_env = _set_env(
        old_env,
        {
            "GEMINI_API_KEY": _env_line("GEMINI_API_KEY", endpoint.api_key),
            "GOOGLE_GEMINI_BASE_URL": _env_line("GOOGLE_GEMINI_BASE_URL", endpoint.base_url),
        },
    )
    secrets = tuple(v for v in [_env_values(old_env).get("GEMINI_API_KEY", "")] if len(v) > 3)
    return (
        ConfigPlan("gemini", "setup", env_path, old_env, new_env, endpoint.api_key, secrets),
        ConfigPlan("gemini", "setup", settings_path, old_settings, dump_json(data)),
    )


def _undo_env() -> ConfigPlan:
    path = gemini_env_path()
    old = read_config_text(path)
    backup_text = read_config_text(backup_of(path))
    before = _env_lines(backup_text)
    new = _set_env(old, {key: before.get(key) for key in GEMINI_OWNED_ENV})
    secrets = tuple(
        value for text in (old, backup_text) if len(value := _env_values(text).get("GEMINI_API_KEY", "")) > 3
    )
    if old is None or (not new.strip() and backup_text is None):
        return ConfigPlan("gemini", "undo", path, old, None, secrets=secrets)
    return ConfigPlan("gemini", "undo", path, old, old if new == old else new, secrets=secrets)


def _undo_settings() -> ConfigPlan:
    path = gemini_settings_path()
    old = read_config_text(path)
    original = _settings(path, old)
    backup_path = backup_of(path)
    backup_text = read_config_text(backup_path)
    before = _settings(backup_path, backup_text)
    data = copy.deepcopy(original)
    for keys in _OWNED_PATHS:
        _put(data, keys, _get(before, keys), before)
    if old is None or (not data and backup_text is None):
        return ConfigPlan("gemini", "undo", path, old, None)
    return ConfigPlan("gemini", "undo", path, old, old if data == original else dump_json(data))


def plan_gemini_undo() -> tuple[ConfigPlan, ConfigPlan]:
    """Put Gemini CLI's owned lines and keys back as they were before the first setup (or remove them)."""
    return _undo_env(), _undo_settings()


def gemini_state(endpoint: Endpoint) -> SetupState:
    """Whether Gemini CLI's ``.env`` points at this proxy with API-key login selected."""
    try:
        values = _env_values(read_config_text(gemini_env_path()))
        auth = _get(
            _settings(gemini_settings_path(), read_config_text(gemini_settings_path())), _OWNED_PATHS[0]
        )
    except ClientConfigError:
        return "broken"
    url = values.get("GOOGLE_GEMINI_BASE_URL")
    if url is None:
        return "missing"
    ours = url == endpoint.base_url and values.get("GEMINI_API_KEY") == endpoint.api_key
    return "ours" if ours and auth == GEMINI_AUTH_TYPE else "other"
