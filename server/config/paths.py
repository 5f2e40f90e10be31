"""Where the app keeps its files: config, data and log directories, and the credential directory.

Per-user platform directories (platformdirs, app name ``cliproxyapi``); the environment variables
``CLIPROXYAPI_CONFIG_DIR``, ``CLIPROXYAPI_DATA_DIR`` and ``CLIPROXYAPI_LOG_DIR`` override them (tests and
portable installs). Nothing here creates a directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from server.config.schema import Config

__all__ = [
    "config_dir",
    "data_dir",
    "default_config_path",
    "log_dir",
    "resolve_auth_dir",
    "usage_db_path",
]

_APP = "cliproxyapi"


def _override(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser().absolute() if value else None


def config_dir() -> Path:
    """Directory of config.yaml (``CLIPROXYAPI_CONFIG_DIR`` or the per-user config dir)."""
    return _override("CLIPROXYAPI_CONFIG_DIR") or Path(platformdirs.user_config_dir(_APP, appauthor=False))


def data_dir() -> Path:
    """Directory of app data such as the usage database (``CLIPROXYAPI_DATA_DIR`` or per-user data dir)."""
    return _override("CLIPROXYAPI_DATA_DIR") or Path(platformdirs.user_data_dir(_APP, appauthor=False))


def log_dir() -> Path:
    """Directory of the app log, request logs and error logs (``CLIPROXYAPI_LOG_DIR`` or per-user log dir)."""
    return _override("CLIPROXYAPI_LOG_DIR") or Path(platformdirs.user_log_dir(_APP, appauthor=False))


def default_config_path() -> Path:
    """The config file used when no ``--config`` is given."""
    return config_dir() / "config.yaml"


def usage_db_path() -> Path:
    """The SQLite file of usage statistics."""
    return data_dir() / "usage.sqlite3"


def resolve_auth_dir(cfg: Config, *, config_path: Path | None = None) -> Path:
    """The absolute credential directory of ``cfg.auth_dir``.

    A leading ``~`` is expanded to the user's home; a relative path is taken relative to the directory
    of ``config_path`` (default: the default config file's directory); the result is normalised.
    A blank ``auth-dir`` means the schema default ``~/.cli-proxy-api``.
    """
    raw = Path(cfg.auth_dir.strip() or Config().auth_dir).expanduser()
    if not raw.is_absolute():
        base = (config_path if config_path is not None else default_config_path()).expanduser()
        raw = base.absolute().parent / raw
    return Path(os.path.normpath(raw))
