"""Provider lookup by provider type; every provider has the same shape."""

from __future__ import annotations

import pytest

from server.credential import Credential
from server.providers import claude, codex, gemini_api, openai_compat, vertex
from server.providers.registry import PROVIDERS, provider_for


@pytest.mark.parametrize(
    ("provider_type", "module", "wire_format"),
    [
        ("gemini", gemini_api, "gemini"),
        ("vertex", vertex, "gemini"),
        ("claude", claude, "claude"),
        ("codex", codex, "openai-responses"),
        ("openai-compat", openai_compat, "openai"),
    ],
    ids=["gemini", "vertex", "claude", "codex", "openai-compat"],
)
def test_provider_for(provider_type: str, module: object, wire_format: str) -> None:
    cred = Credential(id="x", provider="p", provider_type=provider_type)
    provider = provider_for(cred)
    assert provider is module.PROVIDER  # type: ignore[attr-defined]
    assert provider.name == provider_type
    assert provider.wire_format == wire_format


def test_unknown_type_raises_lookup_error() -> None:
    with pytest.raises(LookupError, match="nope"):
        provider_for(Credential(id="x", provider="p", provider_type="nope"))


def test_registry_lists_the_api_key_providers() -> None:
    assert {"gemini", "vertex", "claude", "codex", "openai-compat"} <= set(PROVIDERS)
