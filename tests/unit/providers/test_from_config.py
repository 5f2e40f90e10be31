"""Credentials synthesised from config: ids, sanitation, attributes."""

from __future__ import annotations

import hashlib

import pytest

from server.config.schema import (
    ApiKeyEntry,
    ClaudeKey,
    CodexKey,
    Config,
    GeminiKey,
    ModelAlias,
    OpenAICompatibility,
    VertexKey,
)
from server.credential import ModelMapping
from server.providers.from_config import credential_id, credentials_from_config
from server.providers.wire import with_custom_headers


def _expected_id(kind: str, *parts: str) -> str:
    return f"{kind}:{hashlib.sha256(chr(0).join((kind, *parts)).encode()).hexdigest()[:12]}"


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        ("gemini:apikey", ("AIzaKEY", "")),
        ("claude:apikey", ("sk-ant-1", "https://api.anthropic.com")),
        ("vertex:apikey:https://v.example", ("k", "https://v.example", "socks5://p:1")),
        ("openai-compatibility:OpenRouter", ("https://openrouter.ai/api/v1",)),
    ],
    ids=["gemini", "claude", "vertex", "compat-keyless"],
)
def test_credential_id_is_kind_and_12_hex_of_sha256_over_nul_joined_parts(
    kind: str, parts: tuple[str, ...]
) -> None:
    assert credential_id(kind, *parts) == _expected_id(kind, *parts)
    assert len(credential_id(kind, *parts).rsplit(":", 1)[1]) == 12


def test_one_credential_per_entry_with_provider_keys_and_types() -> None:
    cfg = Config(
        gemini_api_key=(GeminiKey(api_key="g-key-000001"),),
        claude_api_key=(ClaudeKey(api_key="sk-ant-abcd1234", base_url="https://proxy.example"),),
        codex_api_key=(CodexKey(api_key="sk-codex-9999", base_url="https://api.openai.com/v1"),),
        vertex_api_key=(VertexKey(api_key="v-key-777777"),),
        openai_compatibility=(
            OpenAICompatibility(
                name="OpenRouter",
                base_url="https://openrouter.ai/api/v1/",
                api_key_entries=(ApiKeyEntry(api_key="or-key-1234", proxy_url="http://p:8"),),
            ),
        ),
    )
    creds = credentials_from_config(cfg)
    got = [(c.provider, c.provider_type, c.api_key, c.base_url) for c in creds]
    assert got == [
        ("gemini", "gemini", "g-key-000001", ""),
        ("claude", "claude", "sk-ant-abcd1234", "https://proxy.example"),
        ("codex", "codex", "sk-codex-9999", "https://api.openai.com/v1"),
        ("vertex", "vertex", "v-key-777777", ""),
        ("openrouter", "openai-compat", "or-key-1234", "https://openrouter.ai/api/v1/"),
    ]
    assert creds[0].id == _expected_id("gemini:apikey", "g-key-000001", "")
    assert creds[1].id == _expected_id("claude:apikey", "sk-ant-abcd1234", "https://proxy.example")
    assert creds[3].id == _expected_id("vertex:apikey:", "v-key-777777", "", "")
    assert creds[4].id == _expected_id(
        "openai-compatibility:OpenRouter", "or-key-1234", "https://openrouter.ai/api/v1/", "http://p:8"
    )
    assert creds[4].proxy_url == "http://p:8"
    assert creds[4].metadata["compat_name"] == "OpenRouter"
    assert all(c.kind == "apikey" for c in creds)


@pytest.mark.parametrize(
    ("cfg", "expected_labels"),
    [
        (Config(claude_api_key=(ClaudeKey(api_key="sk-ant-secret-abcd"),)), ["claude key …abcd"]),
        (Config(gemini_api_key=(GeminiKey(api_key="AIza-secret-WXYZ"),)), ["gemini key …WXYZ"]),
        (Config(claude_api_key=(ClaudeKey(api_key="short"),)), ["claude key …"]),
        (
            Config(openai_compatibility=(OpenAICompatibility(name="Kimi", base_url="https://k"),)),
            ["Kimi"],
        ),
    ],
    ids=["claude", "gemini", "short-key-shows-nothing", "keyless-compat"],
)
def test_labels_show_only_the_last_four_characters(cfg: Config, expected_labels: list[str]) -> None:
    creds = credentials_from_config(cfg)
    assert [c.label for c in creds] == expected_labels
    for c in creds:
        if c.api_key:
            assert c.api_key[:-4] not in c.label
            assert c.api_key not in repr(c)


def test_duplicate_ids_get_numbered_suffixes_and_are_stable() -> None:
    same = ClaudeKey(api_key="sk-ant-dup-0000")
    cfg = Config(claude_api_key=(same, same, same))
    ids = [c.id for c in credentials_from_config(cfg)]
    base = _expected_id("claude:apikey", "sk-ant-dup-0000", "")
    assert ids == [base, f"{base}-1", f"{base}-2"]
    assert ids == [c.id for c in credentials_from_config(cfg)]


@pytest.mark.parametrize(
    ("cfg", "count"),
    [
        (Config(gemini_api_key=(GeminiKey(api_key="  "), GeminiKey(api_key="k1-abcdef"))), 1),
        (Config(gemini_api_key=(GeminiKey(api_key="k1-abcdef"), GeminiKey(api_key=" k1-abcdef "))), 1),
        (Config(codex_api_key=(CodexKey(api_key="sk-1"),)), 0),
        (Config(codex_api_key=(CodexKey(api_key="sk-1", base_url="https://x/v1"),)), 1),
        (Config(openai_compatibility=(OpenAICompatibility(name="n", base_url=""),)), 0),
        (Config(claude_api_key=(ClaudeKey(api_key=""),)), 0),
        (Config(vertex_api_key=(VertexKey(api_key="v"), VertexKey(api_key=""))), 1),
    ],
    ids=[
        "blank-gemini-dropped",
        "repeated-gemini-dropped",
        "codex-without-base-url-dropped",
        "codex-with-base-url",
        "compat-without-base-url-dropped",
        "blank-claude-dropped",
        "blank-vertex-dropped",
    ],
)
def test_sanitation(cfg: Config, count: int) -> None:
    assert len(credentials_from_config(cfg)) == count


def test_compat_without_keys_yields_one_keyless_credential() -> None:
    cfg = Config(
        openai_compatibility=(
            OpenAICompatibility(
                name="Local",
                base_url="http://127.0.0.1:9000/v1",
                api_key_entries=(ApiKeyEntry(api_key=" "),),
            ),
        )
    )
    (cred,) = credentials_from_config(cfg)
    assert cred.api_key == ""
    assert cred.provider == "local"
    assert cred.id == _expected_id("openai-compatibility:Local", "http://127.0.0.1:9000/v1")


def test_compat_one_credential_per_key_entry() -> None:
    cfg = Config(
        openai_compatibility=(
            OpenAICompatibility(
                name="OR",
                base_url="https://o",
                api_key_entries=(ApiKeyEntry(api_key="key-aaaa1111"), ApiKeyEntry(api_key="key-bbbb2222")),
            ),
        )
    )
    creds = credentials_from_config(cfg)
    assert [c.api_key for c in creds] == ["key-aaaa1111", "key-bbbb2222"]
    assert len({c.id for c in creds}) == 2


def test_entry_attributes_are_normalised() -> None:
    cfg = Config(
        claude_api_key=(
            ClaudeKey(
                api_key="sk-ant-attr-0001",
                proxy_url=" socks5://127.0.0.1:1080 ",
                headers={" X-Team ": " blue ", "X-Empty": " "},
                excluded_models=(" Claude-3-*", "claude-3-*", "", "*HAIKU*"),
                models=(ModelAlias(name="claude-sonnet-4-5-20250929", alias="sonnet"), ModelAlias(name=" ")),
                prefix=" /teamA/ ",
                priority=5,
            ),
        )
    )
    (cred,) = credentials_from_config(cfg)
    assert cred.proxy_url == "socks5://127.0.0.1:1080"
    assert cred.headers == (("X-Team", "blue"),)
    assert cred.excluded_models == ("claude-3-*", "*haiku*")
    assert cred.models == (ModelMapping(name="claude-sonnet-4-5-20250929", alias="sonnet"),)
    assert cred.prefix == "teamA"
    assert cred.priority == 5


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("team", "team"), ("/team/", "team"), (" a/b ", ""), ("", "")],
    ids=["plain", "slashes-trimmed", "inner-slash-discarded", "empty"],
)
def test_prefix_normalisation(prefix: str, expected: str) -> None:
    cfg = Config(gemini_api_key=(GeminiKey(api_key="g-prefix-1234", prefix=prefix),))
    assert credentials_from_config(cfg)[0].prefix == expected


def test_custom_headers_replace_defaults_case_insensitively() -> None:
    headers = {"User-Agent": "default", "Accept": "application/json"}
    out = with_custom_headers(headers, (("user-agent", "mine"), ("X-Extra", "1")))
    assert out == {"Accept": "application/json", "user-agent": "mine", "X-Extra": "1"}
