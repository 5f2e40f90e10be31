"""The config package: config.yaml schema, loading, saving, first run and file locations."""

from __future__ import annotations

from server.config.defaults import FirstRun, ensure_config, generate_api_key
from server.config.load import ConfigError, config_to_dict, load_config, parse_config
from server.config.paths import (
    config_dir,
    data_dir,
    default_config_path,
    log_dir,
    resolve_auth_dir,
    usage_db_path,
)
from server.config.save import atomic_write, save_config
from server.config.schema import Config

__all__ = [
    "Config",
    "ConfigError",
    "FirstRun",
    "atomic_write",
    "config_dir",
    "config_to_dict",
    "data_dir",
    "default_config_path",
    "ensure_config",
    "generate_api_key",
    "load_config",
    "log_dir",
    "parse_config",
    "resolve_auth_dir",
    "save_config",
    "usage_db_path",
]
