"""Which provider module executes a credential, by its ``provider_type``."""

from __future__ import annotations

from server.credential import Credential
from server.providers import (
    antigravity,
    claude,
    codex,
    gemini_api,
    gemini_cli,
    iflow,
    openai_compat,
    qwen,
    vertex,
    vertex_sa,
)
from server.providers.base import Provider

__all__ = ["PROVIDERS", "provider_for"]

PROVIDERS: dict[str, Provider] = {
    "gemini": gemini_api.PROVIDER,
    "vertex": vertex.PROVIDER,
    "claude": claude.PROVIDER,
    "codex": codex.PROVIDER,
    "openai-compat": openai_compat.PROVIDER,
    "gemini-cli": gemini_cli.PROVIDER,
    "antigravity": antigravity.PROVIDER,
    "qwen": qwen.PROVIDER,
    "iflow": iflow.PROVIDER,
    "vertex-sa": vertex_sa.PROVIDER,
}
"""Provider modules by provider type; account-based providers add their entries here."""


def provider_for(credential: Credential) -> Provider:
    """The provider that executes ``credential``; LookupError for an unknown provider type."""
    try:
        return PROVIDERS[credential.provider_type]
    except KeyError:
        raise LookupError(f"no provider module for provider type {credential.provider_type!r}") from None
