"""Which provider module executes a credential, by its ``provider_type``."""

from __future__ import annotations

from server.credential import Credential
from server.providers import claude, codex, gemini_api, openai_compat, vertex
from server.providers.base import Provider

__all__ = ["PROVIDERS", "provider_for"]

PROVIDERS: dict[str, Provider] = {
    "gemini": gemini_api.PROVIDER,
    "vertex": vertex.PROVIDER,
    "claude": claude.PROVIDER,
    "codex": codex.PROVIDER,
    "openai-compat": openai_compat.PROVIDER,
}
"""Provider modules by provider type; account-based providers add their entries here."""


def provider_for(credential: Credential) -> Provider:
    """The provider that executes ``credential``; LookupError for an unknown provider type."""
    try:
        return PROVIDERS[credential.provider_type]
    except KeyError:
        raise LookupError(f"no provider module for provider type {credential.provider_type!r}") from None
