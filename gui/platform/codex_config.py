"""Codex setup: the ``[model_providers.cliproxyapi]`` table and the top-level ``model_provider`` / ``model``
in ``config.toml``.

Edits are made line by line so every other table, key and comment stays as it is, and each result is
parsed back and refused unless it is exactly what was meant. ``CODEX_HOME`` overrides ``~/.codex``. Plans
are applied by ``client_config``. No Qt here.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tomllib
from pathlib import Path

from gui.platform.client_config import (
    ClientConfigError,
    ConfigPlan,
    Endpoint,
    SetupState,
    backup_of,
    read_config_text,
    user_home,
)

__all__ = [
    "CODEX_ENV_KEY",
    "CODEX_PROVIDER_ID",
    "codex_config_path",
    "codex_state",
    "plan_codex",
    "plan_codex_undo",
]

CODEX_PROVIDER_ID = "cliproxyapi"
CODEX_ENV_KEY = "CLIPROXYAPI_API_KEY"
_CODEX_TOP = ("model_provider", "model")


def codex_config_path() -> Path:
    """Codex's user config (``CODEX_HOME`` overrides ``~/.codex``)."""
    base = os.environ.get("CODEX_HOME")
    return (Path(base) if base else user_home() / ".codex") / "config.toml"


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_\-.\"' ]+?)\s*\]\]?\s*(#.*)?$")
_OWN_TABLE = re.compile(
    rf"^model_providers\s*\.\s*(\"{CODEX_PROVIDER_ID}\"|'{CODEX_PROVIDER_ID}'|{CODEX_PROVIDER_ID})\b"
)


def _toml(path: Path, text: str | None) -> dict[str, object]:
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClientConfigError(f"{path} is not valid TOML ({exc}); fix or move it, then try again") from None


def _split(text: str) -> tuple[list[str], list[str], list[str]]:
    """(top-level lines, lines of other tables, lines of our provider's tables).

    Comments and blank lines just above a header belong to the table that follows them.
    """
    top: list[str] = []
    others: list[str] = []
    ours: list[str] = []
    target = top
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            lead: list[str] = []
            while target and (not target[-1].strip() or target[-1].lstrip().startswith("#")):
                lead.insert(0, target.pop())
            target = ours if _OWN_TABLE.match(header.group(1)) else others
            target.extend(lead)
        target.append(line)
    return top, others, ours


def _set_top(top: list[str], key: str, value: object | None) -> list[str]:
    """Replace, add (value not None) or drop (None) the top-level ``key = …`` line."""
    pattern = re.compile(rf"^\s*{key}\s*=")
    kept = [line for line in top if not pattern.match(line)]
    if value is None:
        return kept
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}"
    for index, old in enumerate(top):
        if pattern.match(old):
            return [*top[:index], line, *top[index + 1 :]]
    end = len(kept)
    while end and not kept[end - 1].strip():
        end -= 1
    return [*kept[:end], line, *kept[end:]]


def _join(*parts: list[str]) -> str:
    blocks = ["\n".join(part).strip("\n") for part in parts]
    text = "\n\n".join(block for block in blocks if block)
    return text + "\n" if text else ""


def _provider_block(endpoint: Endpoint) -> list[str]:
    return [
        f"[model_providers.{CODEX_PROVIDER_ID}]",
        'name = "CLIProxyAPI"',
        f"base_url = {json.dumps(endpoint.openai_base_url)}",
        f'env_key = "{CODEX_ENV_KEY}"',
        'wire_api = "responses"',
    ]


def _checked(path: Path, text: str, expected: dict[str, object]) -> str:
    """Refuse an edit whose parsed result is not exactly what was meant (odd layouts of the file)."""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        parsed = None
    if parsed != expected:
        raise ClientConfigError(f"{path} is laid out in a way this app cannot edit safely; edit it by hand")
    return text


def plan_codex(endpoint: Endpoint, model: str = "") -> ConfigPlan:
    """Add the ``cliproxyapi`` provider to Codex's config and select it (and the model when chosen)."""
    path = codex_config_path()
    old = read_config_text(path)
    data = _toml(path, old)
    providers = data.get("model_providers", {})
    if not isinstance(providers, dict):
        raise ClientConfigError(f'"model_providers" in {path} is not a table; fix it, then try again')
    expected = copy.deepcopy(data)
    expected["model_provider"] = CODEX_PROVIDER_ID
    if model:
        expected["model"] = model
    block = _provider_block(endpoint)
    expected["model_providers"] = {**providers, CODEX_PROVIDER_ID: tomllib.loads("\n".join(block[1:]))}
    top, others, _ = _split(old or "")
    top = _set_top(top, "model_provider", CODEX_PROVIDER_ID)
    if model:
        top = _set_top(top, "model", model)
    new = _checked(path, _join(top, others, block), expected)
    return ConfigPlan("codex", "setup", path, old, new, endpoint.api_key)


def plan_codex_undo() -> ConfigPlan:
    """Remove the ``cliproxyapi`` provider and put ``model_provider`` / ``model`` back as they were."""
    path = codex_config_path()
    old = read_config_text(path)
    data = _toml(path, old)
    backup_path = backup_of(path)
    backup_text = read_config_text(backup_path)
    before = _toml(backup_path, backup_text)
    top, others, _ = _split(old or "")
    expected = copy.deepcopy(data)
    for key in _CODEX_TOP:
        value = before.get(key)
        top = _set_top(top, key, value if isinstance(value, str) else None)
        expected.pop(key, None)
        if isinstance(value, str):
            expected[key] = value
    restored = _split(backup_text or "")[2]
    providers = expected.get("model_providers")
    if isinstance(providers, dict):
        providers.pop(CODEX_PROVIDER_ID, None)
        before_providers = before.get("model_providers")
        if restored and isinstance(before_providers, dict) and CODEX_PROVIDER_ID in before_providers:
            providers[CODEX_PROVIDER_ID] = before_providers[CODEX_PROVIDER_ID]
        if not providers and "model_providers" not in before:
            expected.pop("model_providers")
    new = _join(top, others, restored)
    if old is None or (not new.strip() and backup_text is None):
        return ConfigPlan("codex", "undo", path, old, None)
    return ConfigPlan("codex", "undo", path, old, _checked(path, new, expected))


def codex_state(endpoint: Endpoint) -> SetupState:
    """Whether Codex's config selects the ``cliproxyapi`` provider pointing at this proxy."""
    path = codex_config_path()
    try:
        data = _toml(path, read_config_text(path))
    except ClientConfigError:
        return "broken"
    providers = data.get("model_providers")
    ours = providers.get(CODEX_PROVIDER_ID) if isinstance(providers, dict) else None
    if data.get("model_provider") != CODEX_PROVIDER_ID or not isinstance(ours, dict):
        return "missing" if ours is None and "model_provider" not in data else "other"
    return "ours" if ours.get("base_url") == endpoint.openai_base_url else "other"
