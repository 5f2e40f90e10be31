"""The registry of account providers by credential-file ``type``; provider modules register themselves.

A provider module (``server/providers/<name>.py``) calls ``register(PROVIDER)`` at import time.
``load_account_providers()`` imports every module of the ``server.providers`` package once, so a
new provider module needs no edit here; a module that fails to import is logged and skipped.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from server.auth.base import AccountProvider

__all__ = [
    "ACCOUNT_PROVIDERS",
    "account_provider",
    "load_account_providers",
    "provider_key_for",
    "register",
]

log = logging.getLogger(__name__)

ACCOUNT_PROVIDERS: dict[str, AccountProvider] = {}
"""Account providers by lower-cased file ``type`` (``claude``, ``codex``, ``gemini`` …)."""

_loaded = False


def register(provider: AccountProvider) -> AccountProvider:
    """Make ``provider`` handle files of its ``file_type`` (a later registration replaces it)."""
    ACCOUNT_PROVIDERS[provider.file_type.strip().lower()] = provider
    return provider


def account_provider(file_type: str) -> AccountProvider | None:
    """The provider for a file ``type``; ``None`` when no module handles it."""
    load_account_providers()
    return ACCOUNT_PROVIDERS.get(file_type.strip().lower())


def provider_key_for(file_type: str) -> str:
    """Routing provider key of a file type: the provider's own, else ``gemini`` → ``gemini-cli``."""
    provider = account_provider(file_type)
    if provider is not None:
        return provider.provider_key
    kind = file_type.strip().lower()
    return "gemini-cli" if kind == "gemini" else kind


def load_account_providers() -> None:
    """Import every ``server.providers`` module once so that account providers register."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import server.providers as package

    for module in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{module.name}"
        try:
            importlib.import_module(name)
        except Exception:
            log.exception("provider module %s could not be loaded", name)
