"""GET /config's JSON: the original's omissions, nulls and entry fields."""

from __future__ import annotations

from server.api.management.render import HIDDEN_KEYS, config_json, entries_json, entry_json
from server.config.schema import ClaudeKey, Config, GeminiKey, ModelAlias, OpenAICompatibility


def test_defaults() -> None:
    out = config_json(Config())
    assert not HIDDEN_KEYS & out.keys()
    for key in ("api-keys", "gemini-api-key", "claude-api-key", "codex-api-key", "vertex-api-key"):
        assert out[key] is None
    assert out["openai-compatibility"] is None
    assert "oauth-excluded-models" not in out and "oauth-model-alias" not in out
    assert out["routing"] == {"strategy": "round-robin"}
    assert out["tls"] == {"enable": False, "cert": "", "key": ""}


def test_filled_lists_and_maps() -> None:
    config = Config(
        api_keys=("a",),
        gemini_api_key=(GeminiKey(api_key="g", prefix="team"),),
        oauth_excluded_models={"claude": ("x*",)},
        extra={"mine": 1},
    )
    out = config_json(config)
    assert out["api-keys"] == ["a"]
    assert out["gemini-api-key"] == [{"api-key": "g", "base-url": "", "prefix": "team"}]
    assert out["oauth-excluded-models"] == {"claude": ["x*"]}
    assert "mine" not in out


def test_entries_show_identity_fields_and_set_fields_only() -> None:
    claude = ClaudeKey(api_key="k", models=(ModelAlias("n", "a"),), headers={"X": "1"})
    assert entry_json(claude) == {
        "api-key": "k",
        "base-url": "",
        "models": [{"name": "n", "alias": "a"}],
        "headers": {"X": "1"},
    }
    assert entry_json(OpenAICompatibility(name="r", base_url="u")) == {"name": "r", "base-url": "u"}
    assert entries_json(()) is None
