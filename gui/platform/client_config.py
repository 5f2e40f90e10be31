"""Client tool setup files, shared part: the planned change of one file, its backup, and writing it.

Each tool's module (``claude_config``, ``codex_config``, ``gemini_config``) merges only the keys this app
owns into the user's file and never touches the rest; a file that does not parse is refused, never
replaced. Every change is planned first (a :class:`ConfigPlan` with the old and new text, for a diff) and
then applied atomically by :func:`apply_plan`, which copies the original next to the file before the first
write (``<name>.cliproxyapi-backup``); undoing puts the owned keys back to the backup's values, leaves
every other key as it is now, and removes the backup. No Qt here.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gui.models import mask_secret
from server.config import atomic_write

__all__ = [
    "BACKUP_SUFFIX",
    "ClientConfigError",
    "ConfigPlan",
    "Endpoint",
    "SetupState",
    "apply_plan",
    "backup_of",
    "dump_json",
    "parse_json_object",
    "read_config_text",
    "user_home",
]

BACKUP_SUFFIX = ".cliproxyapi-backup"

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


def user_home() -> Path:
    return Path(os.path.expanduser("~"))


def backup_of(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def read_config_text(path: Path) -> str | None:
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
    if read_config_text(plan.path) != plan.old_text:
        raise ClientConfigError(f"{plan.path} changed since the preview; look at the changes again")
    backup = backup_of(plan.path)
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


def parse_json_object(path: Path, text: str | None) -> dict[str, object]:
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


def dump_json(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
