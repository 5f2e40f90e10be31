"""Client tool setup files: Claude Code's ``settings.json`` env and Codex's ``config.toml`` provider.

Setting up merges only the keys this app owns into the user's file and never touches the rest:
Claude Code's ``env.ANTHROPIC_BASE_URL`` / ``ANTHROPIC_AUTH_TOKEN`` (and the chosen models), Codex's
``[model_providers.cliproxyapi]`` table plus the top-level ``model_provider`` / ``model``. A file that
does not parse is refused, never replaced. Before the first write the original file is copied next to
it (``<name>.cliproxyapi-backup``); undoing puts the owned keys back to the backup's values, leaves
every other key as it is now, and removes the backup. Every change is planned first (a
:class:`ConfigPlan` with the old and new text, for a diff) and then applied atomically. No Qt here.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gui.models import mask_secret
from server.config import atomic_write

__all__ = [
    "BACKUP_SUFFIX",
    "CLAUDE_OWNED",
    "CODEX_ENV_KEY",
    "CODEX_PROVIDER_ID",
    "ClientConfigError",
    "ConfigPlan",
    "Endpoint",
    "SetupState",
    "apply_plan",
    "claude_settings_path",
    "claude_state",
    "codex_config_path",
    "codex_state",
    "plan_claude",
    "plan_claude_undo",
    "plan_codex",
    "plan_codex_undo",
]

BACKUP_SUFFIX = ".cliproxyapi-backup"
CODEX_PROVIDER_ID = "cliproxyapi"
CODEX_ENV_KEY = "CLIPROXYAPI_API_KEY"
CLAUDE_OWNED = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
)
_CODEX_TOP = ("model_provider", "model")

SetupState = Literal["missing", "ours", "other", "broken"]
"""``missing``: not set up; ``ours``: points at this proxy; ``other``: set up for something else;
``broken``: the file does not parse."""


class ClientConfigError(Exception):
    """A file cannot be set up safely; the message is fit to show a person and holds no secret."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the proxy listens and the client key the tools should send."""

    port: int
    api_key: str
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"


@dataclass(frozen=True, slots=True)
class ConfigPlan:
    """One planned change of one file: ``old_text`` None means the file is absent, ``new_text`` None
    means it is to be removed (an undo of a file this app created)."""

    tool: Literal["claude", "codex", "gemini"]
    action: Literal["setup", "undo"]
    path: Path
    old_text: str | None
    new_text: str | None
    secret: str = ""
    secrets: tuple[str, ...] = ()  # more values to mask in the diff (e.g. a key being replaced)

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    def diff(self) -> str:
        """A unified diff of the change with the client key (and ``secrets``) masked."""
        old, new = self.old_text or "", self.new_text or ""
        for secret in (self.secret, *self.secrets):
            if secret:
                old, new = old.replace(secret, mask_secret(secret)), new.replace(secret, mask_secret(secret))
        name = self.path.name
        lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        return "".join(difflib.unified_diff(*lines, f"{name} (now)", f"{name} (after)"))


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def claude_settings_path() -> Path:
    """Claude Code's user settings (``CLAUDE_CONFIG_DIR`` overrides ``~/.claude``)."""
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    return (Path(base) if base else _home() / ".claude") / "settings.json"


def codex_config_path() -> Path:
    """Codex's user config (``CODEX_HOME`` overrides ``~/.codex``)."""
    base = os.environ.get("CODEX_HOME")
    return (Path(base) if base else _home() / ".codex") / "config.toml"


def _backup_of(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None


def apply_plan(plan: ConfigPlan) -> Path | None:
    """Write ``plan`` (backing up the original on the first setup); returns the backup's path if one exists.

    Refuses when the file changed since the plan was made, so a diff that was shown is what gets written.
    """
    if _read(plan.path) != plan.old_text:
        raise ClientConfigError(f"{plan.path} changed since the preview; look at the changes again")
    backup = _backup_of(plan.path)
    try:
        if plan.action == "setup" and plan.old_text is not None and not backup.exists():
            atomic_write(backup, plan.old_text.encode("utf-8"))
        if plan.new_text is None:
            plan.path.unlink(missing_ok=True)
        elif plan.changed:
            plan.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(plan.path, plan.new_text.encode("utf-8"))
        if plan.action == "undo":
            backup.unlink(missing_ok=True)
    except OSError as exc:
        raise ClientConfigError(
            f"cannot write {plan.path}: {exc.strerror or exc.__class__.__name__}"
        ) from None
    return backup if backup.exists() else None


# -- Claude Code ------------------------------------------------------------------------------------


def _parse_json_object(path: Path, text: str | None) -> dict[str, object]:
    """The JSON object in ``text`` (``{}`` for a missing or empty file); a clear error for anything else."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClientConfigError(
            f"{path} is not valid JSON (line {exc.lineno}); fix or move it, then try again"
        ) from None
    if not isinstance(data, dict):
        raise ClientConfigError(f"{path} does not hold a JSON object; fix or move it, then try again")
    return data


def _json_object(path: Path, text: str | None) -> dict[str, object]:
    data = _parse_json_object(path, text)
    env = data.get("env")
    if env is not None and not isinstance(env, dict):
        raise ClientConfigError(f'"env" in {path} is not an object; fix or move it, then try again')
    return data


def _env(data: dict[str, object]) -> dict[str, object]:
    env = data.get("env")
    return env if isinstance(env, dict) else {}


def _dump_json(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def plan_claude(endpoint: Endpoint, model: str = "", fast_model: str = "") -> ConfigPlan:
    """Point Claude Code at the proxy: base URL and key (and models when chosen) in ``settings.json`` env."""
    path = claude_settings_path()
    old = _read(path)
    data = _json_object(path, old)
    env = dict(_env(data))
    env["ANTHROPIC_BASE_URL"] = endpoint.base_url
    env["ANTHROPIC_AUTH_TOKEN"] = endpoint.api_key
    if model:
        env["ANTHROPIC_MODEL"] = model
    if fast_model:
        env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = fast_model
    data["env"] = env
    return ConfigPlan("claude", "setup", path, old, _dump_json(data), endpoint.api_key)


def plan_claude_undo() -> ConfigPlan:
    """Put Claude Code's owned env keys back as they were before the first setup."""
    path = claude_settings_path()
    old = _read(path)
    original = _json_object(path, old)
    backup_path = _backup_of(path)
    backup_text = _read(backup_path)
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
    return ConfigPlan("claude", "undo", path, old, old if data == original else _dump_json(data))


def claude_state(endpoint: Endpoint) -> SetupState:
    """Whether Claude Code's settings point at this proxy."""
    path = claude_settings_path()
    try:
        env = _env(_json_object(path, _read(path)))
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


# -- Codex ------------------------------------------------------------------------------------------

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
    old = _read(path)
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
    old = _read(path)
    data = _toml(path, old)
    backup_path = _backup_of(path)
    backup_text = _read(backup_path)
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
        data = _toml(path, _read(path))
    except ClientConfigError:
        return "broken"
    providers = data.get("model_providers")
    ours = providers.get(CODEX_PROVIDER_ID) if isinstance(providers, dict) else None
    if data.get("model_provider") != CODEX_PROVIDER_ID or not isinstance(ours, dict):
        return "missing" if ours is None and "model_provider" not in data else "other"
    return "ours" if ours.get("base_url") == endpoint.openai_base_url else "other"
