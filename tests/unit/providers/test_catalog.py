"""Built-in catalogues and alias resolution."""

from __future__ import annotations

import pytest

from server.credential import Credential, ModelMapping
from server.modelinfo import ThinkingRange
from server.providers.catalog import builtin_models, upstream_model_for


def test_catalogue_entries_carry_registry_facts() -> None:
    claude = {m.id: m for m in builtin_models("claude")}
    assert len(claude) == 8
    sonnet = claude["claude-sonnet-4-5-20250929"]
    assert (sonnet.owned_by, sonnet.type, sonnet.context_length, sonnet.max_completion_tokens) == (
        "anthropic",
        "claude",
        200000,
        64000,
    )
    assert sonnet.thinking == ThinkingRange(min=1024, max=100000, zero_allowed=False, dynamic_allowed=True)
    assert claude["claude-3-7-sonnet-20250219"].context_length == 128000
    flash = {m.id: m for m in builtin_models("gemini")}["gemini-2.5-flash"]
    assert flash.thinking == ThinkingRange(0, 24576, True, True)
    assert flash.generation_methods[:2] == ("generateContent", "countTokens")
    assert flash.max_completion_tokens == 65536
    assert [m.id for m in builtin_models("vertex")] == [m.id for m in builtin_models("gemini")]
    assert {m.owned_by for m in builtin_models("codex")} == {"openai"}


def test_builtin_models_returns_a_fresh_list() -> None:
    builtin_models("codex").clear()
    assert len(builtin_models("codex")) == 7


CRED = Credential(
    id="c",
    provider="claude",
    provider_type="claude",
    models=(
        ModelMapping("claude-sonnet-4-5-20250929", "Sonnet"),
        ModelMapping("claude-opus-4-5-20251101", "opus"),
        ModelMapping("Plain-Name"),
        ModelMapping("real-upstream", "claude-opus-4-5-20251101"),
    ),
)


@pytest.mark.parametrize(
    ("client", "upstream"),
    [
        ("sonnet", "claude-sonnet-4-5-20250929"),
        ("SONNET", "claude-sonnet-4-5-20250929"),
        ("plain-name", "Plain-Name"),
        ("claude-opus-4-5-20251101", "real-upstream"),
        ("unmapped", "unmapped"),
    ],
    ids=["alias", "alias-case-insensitive", "name-without-alias", "alias-beats-name", "unmapped-unchanged"],
)
def test_upstream_model_for(client: str, upstream: str) -> None:
    assert upstream_model_for(CRED, client) == upstream
