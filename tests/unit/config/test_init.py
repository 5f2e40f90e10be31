"""The public surface of server.config is exactly what __all__ lists."""

from __future__ import annotations

import server.config

EXPECTED = {
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
}


def test_public_names() -> None:
    assert set(server.config.__all__) == EXPECTED
    assert all(callable(getattr(server.config, name)) for name in EXPECTED)
