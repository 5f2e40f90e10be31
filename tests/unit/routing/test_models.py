"""Registration of a credential's models: exclusions, oauth-model-alias, prefixes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from server.config.schema import Config, OAuthModelAlias
from server.credential import Credential, CredentialKind
from server.modelinfo import ModelInfo
from server.routing.models import (
    ModelRegistry,
    RegistrySettings,
    credential_routes,
    normalize_prefix,
    oauth_alias_table,
)


def cred(
    provider: str = "codex",
    kind: CredentialKind = "apikey",
    *,
    prefix: str = "",
    excluded: tuple[str, ...] = (),
    disabled: bool = False,
    cid: str = "c1",
) -> Credential:
    return Credential(
        id=cid,
        provider=provider,
        provider_type=provider,
        kind=kind,
        prefix=prefix,
        excluded_models=excluded,
        disabled=disabled,
    )


def ids(
    credential: Credential,
    models: list[str],
    settings: RegistrySettings | None = None,
    upstream: Mapping[str, str] | None = None,
) -> list[tuple[str, str, bool]]:
    routes = credential_routes(
        credential, [ModelInfo(m) for m in models], upstream or {}, settings or RegistrySettings()
    )
    return [(r.info.id, r.upstream_model, r.prefixed) for r in routes]


GLOBAL_EXCLUDE = RegistrySettings(oauth_excluded_models={"codex": ("GPT-5-*",), "gemini": ("*",)})

EXCLUSION_CASES = [
    ("oauth-global-list", cred(kind="oauth"), GLOBAL_EXCLUDE, ["gpt-5", "gpt-5-codex"], ["gpt-5"]),
    (
        "oauth-global-plus-file",
        cred(kind="oauth", excluded=("gpt-5",)),
        GLOBAL_EXCLUDE,
        ["gpt-5", "gpt-5-codex", "o3"],
        ["o3"],
    ),
    ("oauth-other-provider-unaffected", cred("claude", "oauth"), GLOBAL_EXCLUDE, ["gpt-5-x"], ["gpt-5-x"]),
    ("apikey-ignores-global", cred(kind="apikey"), GLOBAL_EXCLUDE, ["gpt-5-codex"], ["gpt-5-codex"]),
    (
        "apikey-own-list",
        cred("gemini", excluded=("*flash*",)),
        GLOBAL_EXCLUDE,
        ["gemini-2.5-pro", "gemini-2.5-flash"],
        ["gemini-2.5-pro"],
    ),
    ("disabled-registers-nothing", cred(disabled=True), RegistrySettings(), ["gpt-5"], []),
]


@pytest.mark.parametrize(
    ("credential", "settings", "models", "expected"),
    [case[1:] for case in EXCLUSION_CASES],
    ids=[case[0] for case in EXCLUSION_CASES],
)
def test_exclusions(
    credential: Credential, settings: RegistrySettings, models: list[str], expected: list[str]
) -> None:
    assert [model_id for model_id, _, _ in ids(credential, models, settings)] == expected


def alias_settings(*entries: OAuthModelAlias) -> RegistrySettings:
    return RegistrySettings(oauth_model_alias={"codex": entries})


ALIAS_CASES = [
    ("rename", alias_settings(OAuthModelAlias("gpt-5", "g5")), ["gpt-5"], [("g5", "gpt-5", False)]),
    (
        "fork-keeps-original",
        alias_settings(OAuthModelAlias("GPT-5", "g5", fork=True)),
        ["gpt-5"],
        [("gpt-5", "gpt-5", False), ("g5", "gpt-5", False)],
    ),
    (
        "several-aliases",
        alias_settings(OAuthModelAlias("gpt-5", "a"), OAuthModelAlias("gpt-5", "b")),
        ["gpt-5"],
        [("a", "gpt-5", False), ("b", "gpt-5", False)],
    ),
    (
        "same-as-name-ignored",
        alias_settings(OAuthModelAlias("gpt-5", "GPT-5")),
        ["gpt-5"],
        [("gpt-5", "gpt-5", False)],
    ),
    (
        "alias-first-wins",
        alias_settings(OAuthModelAlias("gpt-5", "x"), OAuthModelAlias("o3", "X")),
        ["gpt-5", "o3"],
        [("x", "gpt-5", False), ("o3", "o3", False)],
    ),
]


@pytest.mark.parametrize(
    ("settings", "models", "expected"),
    [case[1:] for case in ALIAS_CASES],
    ids=[case[0] for case in ALIAS_CASES],
)
def test_oauth_model_alias(
    settings: RegistrySettings, models: list[str], expected: list[tuple[str, str, bool]]
) -> None:
    assert ids(cred(kind="oauth"), models, settings) == expected


def test_oauth_alias_not_applied_to_api_keys() -> None:
    assert ids(cred(kind="apikey"), ["gpt-5"], alias_settings(OAuthModelAlias("gpt-5", "g5"))) == [
        ("gpt-5", "gpt-5", False)
    ]


def test_oauth_alias_table_skips_incomplete_entries() -> None:
    table = oauth_alias_table([OAuthModelAlias("", "a"), OAuthModelAlias("m", ""), OAuthModelAlias("M", "z")])
    assert table == {"m": [("z", False)]}


PREFIX_CASES = [
    ("both-ids", "teamA", False, [("teamA/m1", "m1", True), ("m1", "m1", False)]),
    ("forced-prefix-only", "teamA", True, [("teamA/m1", "m1", True)]),
    ("normalized", " /teamA/ ", False, [("teamA/m1", "m1", True), ("m1", "m1", False)]),
    ("slash-inside-discarded", "a/b", True, [("m1", "m1", False)]),
    ("prefix-equals-model", "m1", True, [("m1/m1", "m1", True), ("m1", "m1", False)]),
]


@pytest.mark.parametrize(
    ("prefix", "force", "expected"),
    [case[1:] for case in PREFIX_CASES],
    ids=[case[0] for case in PREFIX_CASES],
)
def test_prefixes(prefix: str, force: bool, expected: list[tuple[str, str, bool]]) -> None:
    settings = RegistrySettings(force_model_prefix=force)
    assert ids(cred(prefix=prefix), ["m1"], settings) == expected


def test_upstream_names_and_dedup() -> None:
    routes = ids(cred(prefix="p"), ["kimi", "KIMI", "other"], upstream={"kimi": "moonshotai/kimi-k2:free"})
    assert routes == [
        ("p/kimi", "moonshotai/kimi-k2:free", True),
        ("kimi", "moonshotai/kimi-k2:free", False),
        ("p/other", "other", True),
        ("other", "other", False),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("teamA", "teamA"), ("  /x// ", "x"), ("a/b", ""), ("", "")],
    ids=["plain", "trimmed", "slash", "empty"],
)
def test_normalize_prefix(value: str, expected: str) -> None:
    assert normalize_prefix(value) == expected


def test_settings_from_config_lowercases_providers() -> None:
    config = Config(
        force_model_prefix=True,
        oauth_excluded_models={"Codex": ("x",)},
        oauth_model_alias={"CODEX": (OAuthModelAlias("a", "b"),)},
    )
    settings = RegistrySettings.from_config(config)
    assert settings.force_model_prefix
    assert settings.oauth_excluded_models == {"codex": ("x",)}
    assert list(settings.oauth_model_alias) == ["codex"]


def test_registry_lookup_and_newest_first() -> None:
    compat = Credential(id="k", provider="openrouter", provider_type="openai-compat")
    plain = cred(prefix="t")
    routes = [
        *credential_routes(
            plain, [ModelInfo("old", created=1), ModelInfo("new", created=9)], {}, RegistrySettings()
        ),
        *credential_routes(compat, [ModelInfo("tie", created=9)], {}, RegistrySettings()),
    ]
    registry = ModelRegistry(routes)
    assert [r.credential.id for r in registry.routes("NEW")] == ["c1"]
    assert registry.is_compat_provider("OpenRouter") and not registry.is_compat_provider("codex")
    assert [key for key, _ in registry.newest_first()] == ["new", "tie", "old"]
    assert registry.routes("missing") == ()
