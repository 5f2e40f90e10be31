"""First run: create config.yaml from the bundled default with a freshly generated client API key."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from server.config.paths import default_config_path
from server.config.save import atomic_write

__all__ = ["FirstRun", "default_config_text", "ensure_config", "generate_api_key"]

#: The text in resources/default_config.yaml that is replaced by the generated key.
_KEY_PLACEHOLDER = "GENERATED-CLIENT-API-KEY"


@dataclass(frozen=True, slots=True)
class FirstRun:
    """What ensure_config did: the config path, whether it was created, and the new key (once)."""

    path: Path
    created: bool
    api_key: str | None = field(default=None, repr=False)


def generate_api_key() -> str:
    """A new client API key: ``sk-`` followed by 43 URL-safe characters (256 random bits)."""
    return "sk-" + secrets.token_urlsafe(32)


def default_config_text(api_key: str) -> str:
    """The bundled default config with ``api_key`` as its only client API key."""
    template = files("resources").joinpath("default_config.yaml").read_text(encoding="utf-8")
    if template.count(_KEY_PLACEHOLDER) != 1:
        raise RuntimeError("resources/default_config.yaml must contain the API key placeholder exactly once")
    return template.replace(_KEY_PLACEHOLDER, api_key)


def ensure_config(path: Path | None) -> FirstRun:
    """Make sure a config file exists and say whether it had to be created.

    ``None`` means the default location (``paths.default_config_path()``). An existing file is left
    alone. A missing file - also at an explicit path the user passed - is created atomically (mode
    0600; missing parent directories are created with mode 0700) from the bundled default config with a
    freshly generated client API key, which is returned so the caller can show it once.
    """
    target = default_config_path() if path is None else Path(path).expanduser()
    if target.exists():
        return FirstRun(target, False, None)
    parent = target.parent
    if not parent.is_dir():
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(parent, 0o700)
    api_key = generate_api_key()
    atomic_write(target, default_config_text(api_key).encode("utf-8"), mode=0o600)
    return FirstRun(target, True, api_key)
