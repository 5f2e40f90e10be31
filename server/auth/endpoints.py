"""Overridable OAuth and upstream URLs: environment variable, then config ``oauth-endpoints``, then default.

Every authorize, token, userinfo, device-code and upstream URL an account provider uses is looked up
by ``(provider, name)``, so tests and people behind corporate relays can point it elsewhere:

1. environment variable ``CLIPROXYAPI_<PROVIDER>_<NAME>_URL`` (upper case, every character that is
   not a letter or digit becomes ``_``; e.g. ``CLIPROXYAPI_CLAUDE_TOKEN_URL``,
   ``CLIPROXYAPI_GEMINI_CLI_UPSTREAM_URL``);
2. config ``oauth-endpoints: {<provider>: {<name>: <url>}}`` (case-insensitive, ``-``/``_`` alike);
3. the provider's built-in default.

Conventional names: ``authorize``, ``token``, ``userinfo``, ``device`` (device-code start),
``upstream`` (the API base URL an account's requests go to); providers add their own where needed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from server.config.schema import Config

__all__ = ["Endpoints", "endpoint_env_var"]

_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")


def _key(text: str) -> str:
    return _NOT_WORD.sub("_", text.strip()).strip("_").lower()


def endpoint_env_var(provider: str, name: str) -> str:
    """The environment variable that overrides ``provider``'s ``name`` URL."""
    return f"CLIPROXYAPI_{_key(provider).upper()}_{_key(name).upper()}_URL"


class Endpoints:
    """Resolves ``(provider, name, default)`` to a URL; callable, as ``RefreshContext.endpoint`` wants."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._overrides = {
            (_key(provider), _key(name)): url.strip()
            for provider, names in (overrides or {}).items()
            for name, url in names.items()
            if url.strip()
        }
        self._environ = environ

    @classmethod
    def from_config(cls, config: Config, *, environ: Mapping[str, str] | None = None) -> Endpoints:
        return cls(config.oauth_endpoints, environ=environ)

    def __call__(self, provider: str, name: str, default: str) -> str:
        return self.override(provider, name) or default

    def override(self, provider: str, name: str) -> str:
        """The configured URL for ``(provider, name)``; ``""`` when neither env nor config sets one."""
        environ = os.environ if self._environ is None else self._environ
        from_env = environ.get(endpoint_env_var(provider, name), "").strip()
        return from_env or self._overrides.get((_key(provider), _key(name)), "")
