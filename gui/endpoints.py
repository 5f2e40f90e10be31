"""Management API paths the client uses: the prefix, settings with their own endpoint, login starters."""

from __future__ import annotations

from typing import Final

__all__ = ["CALLBACK_NAMES", "PREFIX", "SCALAR_SETTINGS", "STARTERS"]

PREFIX: Final = "/v0/management"

SCALAR_SETTINGS: Final = frozenset(
    {
        "debug",
        "logging-to-file",
        "usage-statistics-enabled",
        "request-log",
        "request-retry",
        "max-retry-interval",
        "proxy-url",
        "routing/strategy",
        "force-model-prefix",
        "disable-cooling",
        "logs-max-total-size-mb",
        "quota-exceeded/switch-project",
        "quota-exceeded/switch-preview-model",
    }
)
"""Settings with their own ``PUT /<path> {"value"}`` endpoint; the rest go through ``/config.yaml``."""

STARTERS: Final = {
    "claude": "anthropic-auth-url",
    "anthropic": "anthropic-auth-url",
    "codex": "codex-auth-url",
    "gemini-cli": "gemini-cli-auth-url",
    "gemini": "gemini-cli-auth-url",
    "antigravity": "antigravity-auth-url",
    "qwen": "qwen-auth-url",
    "iflow": "iflow-auth-url",
}
CALLBACK_NAMES: Final = {"claude": "anthropic", "gemini-cli": "gemini"}
