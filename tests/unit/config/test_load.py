"""Tests for server.config.load: conversion, migrations, normalisation, error messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from server.config.load import ConfigError, config_to_dict, load_config, parse_config
from server.config.schema import (
    ApiKeyEntry,
    ClaudeCloak,
    Config,
    ModelAlias,
    OAuthModelAlias,
    PayloadModel,
)

FULL = Path(__file__).parent / "data" / "full_config.yaml"


def test_full_fixture_loads_every_section() -> None:
    cfg = load_config(FULL)
    assert (cfg.host, cfg.port) == ("0.0.0.0", 8400)
    assert (cfg.tls.enable, cfg.tls.cert, cfg.tls.key) == (
        True,
        "/etc/cliproxy/cert.pem",
        "/etc/cliproxy/key.pem",
    )
    assert cfg.remote_management.allow_remote and cfg.remote_management.disable_control_panel
    assert cfg.remote_management.secret_key.startswith("$2a$10$")
    assert cfg.remote_management.panel_github_repository == "https://github.com/example/panel"
    assert cfg.auth_dir == "~/my-auths"
    assert cfg.api_keys == ("sk-client-one", "12345678")
    assert (cfg.debug, cfg.logging_to_file, cfg.usage_statistics_enabled) == (True, True, False)
    assert (cfg.logs_max_total_size_mb, cfg.error_logs_max_files) == (250, 20)
    assert (cfg.disable_cooling, cfg.request_retry, cfg.max_retry_interval) == (True, 5, 45)
    assert (cfg.quota_exceeded.switch_project, cfg.quota_exceeded.switch_preview_model) == (False, False)
    assert (cfg.ws_auth, cfg.request_log, cfg.commercial_mode) == (True, True, True)
    assert (cfg.force_model_prefix, cfg.passthrough_headers, cfg.nonstream_keepalive_interval) == (
        True,
        True,
        15,
    )
    assert cfg.proxy_url == "socks5://user:pass@127.0.0.1:1080"
    assert cfg.routing.strategy == "fill-first"
    assert (cfg.streaming.keepalive_seconds, cfg.streaming.bootstrap_retries) == (10, 2)

    gemini = cfg.gemini_api_key[0]
    assert [k.api_key for k in cfg.gemini_api_key] == ["AIza-gemini-one", "AIza-gemini-two"]
    assert gemini.headers == {"X-Team": "blue"}
    assert gemini.excluded_models == ("gemini-2.5-pro", "*-lite")
    assert gemini.models == (ModelAlias("gemini-2.5-flash", "flash"),)
    assert (gemini.prefix, gemini.priority, gemini.proxy_url) == ("team-a", 3, "direct")

    claude = cfg.claude_api_key[0]
    assert claude.prefix == "work"
    assert [m.alias for m in claude.models] == ["sonnet", "opus"]
    assert claude.cloak == ClaudeCloak(mode="always", strict_mode=True, sensitive_words=("acme", "project-x"))
    assert claude.priority == 10
    assert cfg.codex_api_key[0].base_url == "https://api.openai.com/v1"
    assert cfg.codex_api_key[0].models == (ModelAlias("gpt-5-codex", "codex"),)

    compat = cfg.openai_compatibility[0]
    assert compat.name == "openrouter"
    assert compat.api_key_entries == (
        ApiKeyEntry("sk-or-v1-aaa", "socks5://127.0.0.1:1081"),
        ApiKeyEntry("sk-or-v1-bbb", ""),
    )
    assert compat.models == (ModelAlias("moonshotai/kimi-k2:free", "kimi-k2"),)
    assert (compat.prefix, compat.priority, compat.excluded_models) == ("or", 2, ("*-preview",))
    vertex = cfg.vertex_api_key[0]
    assert (vertex.api_key, vertex.base_url, vertex.prefix, vertex.priority) == (
        "vk-one",
        "https://vertex.example.com/api",
        "vx",
        4,
    )

    assert cfg.oauth_excluded_models == {
        "gemini-cli": ("gemini-2.5-flash-lite",),
        "claude": ("claude-3-5-haiku-*",),
    }
    assert cfg.oauth_model_alias["antigravity"] == (OAuthModelAlias("gemini-3-pro-preview", "g3", True),)
    assert cfg.oauth_model_alias["codex"] == (OAuthModelAlias("gpt-5-codex", "cx", False),)

    assert cfg.payload.default[0].models == (PayloadModel("gemini-2.5-pro", "gemini"),)
    assert cfg.payload.default[0].params == {"generationConfig.thinkingConfig.thinkingBudget": 32768}
    assert cfg.payload.default_raw[0].params == {"response_format": '{"type": "json_object"}'}
    assert cfg.payload.override[0].params == {"reasoning.effort": "high"}
    assert cfg.payload.override_raw[0].models[0].protocol == "claude"
    assert cfg.payload.filter[0].params == ("generationConfig.responseJsonSchema", "safety_identifier")

    amp = cfg.ampcode
    assert (amp.upstream_url, amp.upstream_api_key) == ("https://ampcode.com", "amp-secret")
    assert (amp.restrict_management_to_localhost, amp.force_model_mappings) == (False, True)
    assert amp.model_mappings == ({"from": "claude-opus-4", "to": "claude-sonnet-4"},)
    assert amp.upstream_api_keys == ({"upstream-api-key": "amp-up-1", "api-keys": ["sk-client-one"]},)

    assert list(cfg.extra) == ["pprof", "my-own-note", "plugins"]
    assert cfg.extra["pprof"] == {"enable": True, "addr": "127.0.0.1:8316"}


def test_empty_document_gives_all_defaults(tmp_path: Path) -> None:
    for text in ("", "# only a comment\n", "---\n"):
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        assert load_config(path) == Config()
    assert parse_config({}) == Config()


def test_null_values_take_defaults() -> None:
    data: dict[str, object] = {
        "port": None,
        "tls": None,
        "api-keys": None,
        "routing": {"strategy": None},
        "gemini-api-key": None,
    }
    assert parse_config(data) == Config()


@pytest.mark.parametrize(
    ("data", "check"),
    [
        (
            {"generative-language-api-key": ["k1", " k2 ", "k1"], "gemini-api-key": [{"api-key": "k2"}]},
            lambda c: [k.api_key for k in c.gemini_api_key] == ["k2", "k1"],
        ),
        (
            {"openai-compatibility": [{"name": "x", "base-url": "https://x", "api-keys": ["a", "b"]}]},
            lambda c: c.openai_compatibility[0].api_key_entries == (ApiKeyEntry("a"), ApiKeyEntry("b")),
        ),
        (
            {
                "amp-upstream-url": "https://amp",
                "amp-upstream-api-key": "s",
                "amp-restrict-management-to-localhost": False,
                "amp-model-mappings": [{"from": "a", "to": "b"}],
            },
            lambda c: (
                c.ampcode.upstream_url == "https://amp"
                and c.ampcode.upstream_api_key == "s"
                and c.ampcode.restrict_management_to_localhost is False
                and c.ampcode.model_mappings == ({"from": "a", "to": "b"},)
            ),
        ),
        (
            {"amp-upstream-url": "https://old", "ampcode": {"upstream-url": "https://new"}},
            lambda c: c.ampcode.upstream_url == "https://new",
        ),
        (
            {"auth": {"providers": [{"type": "config-api-key", "api-keys": ["legacy-1", "legacy-2"]}]}},
            lambda c: c.api_keys == ("legacy-1", "legacy-2") and "auth" not in c.extra,
        ),
        (
            {"auth": {"providers": [{"type": "config-api-key", "api-keys": ["old"]}]}, "api-keys": ["new"]},
            lambda c: c.api_keys == ("new",),
        ),
        (
            {"oauth-model-mappings": {"Codex": [{"name": "gpt-5", "alias": "g5"}]}},
            lambda c: c.oauth_model_alias == {"codex": (OAuthModelAlias("gpt-5", "g5"),)},
        ),
        (
            {
                "oauth-model-mappings": {"codex": [{"name": "old", "alias": "o"}]},
                "oauth-model-alias": {"codex": [{"name": "new", "alias": "n"}]},
            },
            lambda c: c.oauth_model_alias == {"codex": (OAuthModelAlias("new", "n"),)},
        ),
    ],
    ids=[
        "generative-language-api-key",
        "openai-compat-api-keys",
        "amp-top-level-keys",
        "ampcode-wins-over-amp-key",
        "auth-block-into-empty-api-keys",
        "auth-block-ignored-when-api-keys-set",
        "oauth-model-mappings",
        "oauth-model-alias-wins",
    ],
)
def test_legacy_migrations(data: dict[str, object], check: Callable[[Config], bool]) -> None:
    cfg = parse_config(data)
    assert check(cfg)
    assert not set(cfg.extra) & {
        "auth",
        "generative-language-api-key",
        "oauth-model-mappings",
        "amp-upstream-url",
    }


@pytest.mark.parametrize(
    ("data", "read", "expected"),
    [
        ({"port": 0}, lambda c: c.port, 0),
        ({"port": "8318"}, lambda c: c.port, 8318),
        ({"request-retry": -2}, lambda c: c.request_retry, 0),
        ({"logs-max-total-size-mb": -1}, lambda c: c.logs_max_total_size_mb, 0),
        ({"error-logs-max-files": -5}, lambda c: c.error_logs_max_files, 10),
        ({"error-logs-max-files": 0}, lambda c: c.error_logs_max_files, 0),
        ({"routing": {"strategy": "RR"}}, lambda c: c.routing.strategy, "round-robin"),
        ({"routing": {"strategy": "roundrobin"}}, lambda c: c.routing.strategy, "round-robin"),
        ({"routing": {"strategy": ""}}, lambda c: c.routing.strategy, "round-robin"),
        ({"routing": {"strategy": "fillfirst"}}, lambda c: c.routing.strategy, "fill-first"),
        ({"routing": {"strategy": " Fill-First "}}, lambda c: c.routing.strategy, "fill-first"),
        ({"api-keys": [123, "abc"]}, lambda c: c.api_keys, ("123", "abc")),
        ({"debug": "true"}, lambda c: c.debug, True),
        ({"auth-dir": "  "}, lambda c: c.auth_dir, "~/.cli-proxy-api"),
        (
            {"gemini-api-key": [{"api-key": " a "}, {"api-key": ""}, {"api-key": "a"}, {"base-url": "x"}]},
            lambda c: [k.api_key for k in c.gemini_api_key],
            ["a"],
        ),
        (
            {"codex-api-key": [{"api-key": "a"}, {"api-key": "b", "base-url": " https://b "}]},
            lambda c: [(k.api_key, k.base_url) for k in c.codex_api_key],
            [("b", "https://b")],
        ),
        (
            {
                "openai-compatibility": [
                    {"name": " x ", "base-url": " "},
                    {"name": " y ", "base-url": " https://y "},
                ]
            },
            lambda c: [(p.name, p.base_url) for p in c.openai_compatibility],
            [("y", "https://y")],
        ),
        (
            {
                "vertex-api-key": [
                    {"api-key": "a"},
                    {"base-url": "https://v"},
                    {"api-key": "a", "base-url": "https://v"},
                    {"api-key": "a", "base-url": "https://v", "prefix": "dup"},
                    {"api-key": "a", "base-url": "https://w"},
                ]
            },
            lambda c: [(k.api_key, k.base_url, k.prefix) for k in c.vertex_api_key],
            [("a", "https://v", ""), ("a", "https://w", "")],
        ),
        (
            {
                "vertex-api-key": [
                    {
                        "api-key": "a",
                        "base-url": "https://v",
                        "models": [{"name": "n"}, {"name": "m", "alias": "b"}],
                    }
                ]
            },
            lambda c: c.vertex_api_key[0].models,
            (ModelAlias("m", "b"),),
        ),
        (
            {"claude-api-key": [{"api-key": "k", "headers": {" X-A ": " 1 ", "X-Empty": " ", "": "v"}}]},
            lambda c: c.claude_api_key[0].headers,
            {"X-A": "1"},
        ),
        (
            {"claude-api-key": [{"api-key": "k", "excluded-models": [" GPT-5 ", "gpt-5", "", "*Mini*"]}]},
            lambda c: c.claude_api_key[0].excluded_models,
            ("gpt-5", "*mini*"),
        ),
        (
            {"oauth-excluded-models": {" Claude ": ["A", "a"], "claude": ["b"], "Codex": [" "], "": ["x"]}},
            lambda c: c.oauth_excluded_models,
            {"claude": ("a", "b")},
        ),
        (
            {
                "oauth-model-alias": {
                    "Gemini-CLI": [
                        {"name": " gemini-2.5-pro ", "alias": " pro "},
                        {"name": "other", "alias": "PRO"},
                        {"name": "", "alias": "x"},
                    ]
                }
            },
            lambda c: c.oauth_model_alias,
            {"gemini-cli": (OAuthModelAlias("gemini-2.5-pro", "pro"),)},
        ),
        (
            {"claude-api-key": [{"api-key": "k", "prefix": " /team/ "}]},
            lambda c: c.claude_api_key[0].prefix,
            "team",
        ),
        ({"claude-api-key": [{"api-key": "k", "prefix": "a/b"}]}, lambda c: c.claude_api_key[0].prefix, ""),
        (
            {"codex-api-key": [{"api-key": "k", "base-url": "u", "prefix": "//"}]},
            lambda c: c.codex_api_key[0].prefix,
            "",
        ),
        (
            {
                "openai-compatibility": [
                    {"name": "n", "base-url": "u", "api-key-entries": [{"api-key": " k "}]}
                ]
            },
            lambda c: c.openai_compatibility[0].api_key_entries,
            (ApiKeyEntry("k"),),
        ),
        ({"claude-api-key": [{"api-key": 12345}]}, lambda c: c.claude_api_key[0].api_key, "12345"),
    ],
    ids=[
        "port-0-is-any-free-port",
        "port-digit-string",
        "negative-request-retry",
        "negative-logs-size",
        "negative-error-logs-files",
        "zero-error-logs-files-kept",
        "strategy-rr",
        "strategy-roundrobin",
        "strategy-empty",
        "strategy-fillfirst",
        "strategy-case-and-spaces",
        "api-keys-int-to-str",
        "bool-from-string",
        "blank-auth-dir",
        "gemini-blank-and-duplicate",
        "codex-without-base-url",
        "compat-without-base-url",
        "vertex-required-and-duplicates",
        "vertex-models-need-name-and-alias",
        "headers-cleaned",
        "excluded-models-cleaned",
        "oauth-excluded-models-cleaned",
        "oauth-model-alias-cleaned",
        "prefix-slashes-trimmed",
        "prefix-with-inner-slash-dropped",
        "prefix-only-slashes",
        "compat-key-entries-trimmed",
        "int-api-key",
    ],
)
def test_normalisation(data: dict[str, object], read: Callable[[Config], object], expected: object) -> None:
    assert read(parse_config(data)) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"port": "abc"}, "config.yaml: port: expected an integer, got 'abc'"),
        ({"port": 70000}, "config.yaml: port: expected a port number from 0 to 65535, got 70000"),
        ({"port": -1}, "config.yaml: port: expected a port number from 0 to 65535, got -1"),
        ({"port": True}, "config.yaml: port: expected an integer, got true"),
        ({"port": 80.5}, "config.yaml: port: expected an integer, got 80.5"),
        ({"debug": "maybe"}, "config.yaml: debug: expected true or false, got 'maybe'"),
        ({"host": ["a"]}, "config.yaml: host: expected a string, got a list"),
        ({"tls": "on"}, "config.yaml: tls: expected a mapping, got 'on'"),
        (
            {"routing": {"strategy": "random"}},
            "config.yaml: routing.strategy: expected one of round-robin, fill-first, got 'random'",
        ),
        (
            {"claude-api-key": [{"api-key": "k"}, {"api-key": "k2", "models": [{"name": {"x": 1}}]}]},
            "config.yaml: claude-api-key[1].models[0].name: expected a string, got a mapping",
        ),
        (
            {"claude-api-key": [{"api-key": "k", "priority": "high"}]},
            "config.yaml: claude-api-key[0].priority: expected an integer, got 'high'",
        ),
        ({"gemini-api-key": "AIza-secret"}, "config.yaml: gemini-api-key: expected a list, got '***'"),
        ({"api-keys": "sk-secret"}, "config.yaml: api-keys: expected a list, got '***'"),
        (
            {"claude-api-key": ["sk-ant-secret"]},
            "config.yaml: claude-api-key[0]: expected a mapping, got '***'",
        ),
        (
            {"remote-management": {"secret-key": ["x"]}},
            "config.yaml: remote-management.secret-key: expected a string, got a list",
        ),
        (
            {"ampcode": {"upstream-api-key": {"a": 1}}},
            "config.yaml: ampcode.upstream-api-key: expected a string, got a mapping",
        ),
        (
            {"oauth-excluded-models": ["claude"]},
            "config.yaml: oauth-excluded-models: expected a mapping, got a list",
        ),
        (
            {"oauth-excluded-models": {"claude": "x"}},
            "config.yaml: oauth-excluded-models.claude: expected a list, got 'x'",
        ),
        (
            {"claude-api-key": [{"api-key": "k", "headers": {"X-A": [1]}}]},
            "config.yaml: claude-api-key[0].headers.X-A: expected a string, got a list",
        ),
        (
            {"streaming": {"keepalive-seconds": "1.5"}},
            "config.yaml: streaming.keepalive-seconds: expected an integer, got '1.5'",
        ),
        (
            {"request-retry": "x" * 80},
            f"config.yaml: request-retry: expected an integer, got '{'x' * 57}...'",
        ),
    ],
    ids=[
        "port-not-a-number",
        "port-too-big",
        "port-negative",
        "port-bool",
        "port-float",
        "bool-word",
        "string-got-list",
        "section-got-scalar",
        "unknown-strategy",
        "nested-list-path",
        "priority-word",
        "secret-list-masked",
        "client-keys-masked",
        "secret-item-masked",
        "secret-key-type",
        "upstream-api-key-type",
        "map-got-list",
        "map-value-not-list",
        "header-value-list",
        "int-from-decimal-text",
        "long-value-shortened",
    ],
)
def test_error_messages(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert str(info.value) == message
    assert "secret" not in str(info.value).replace("secret-key", "")


def test_error_names_the_source_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("port: nope\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.yaml: port: expected an integer, got 'nope'$") as info:
        load_config(path)
    assert str(info.value).startswith(str(path))
    assert (info.value.where, info.value.problem) == ("port", "expected an integer, got 'nope'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping of settings at the top level, got a list"),
        ("just text\n", "expected a mapping of settings at the top level, got 'just text'"),
        ("port: 1\n  bad: indent\n", "line 2, column 6: invalid YAML: mapping values are not allowed here"),
        (
            "api-keys: [sk-abc\n",
            "line 2, column 1: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "a: 1\nb:\n\t- x\n",
            "line 3, column 1: invalid YAML: found character '\\t' that cannot start any token",
        ),
        ("a: !!python/object:os.system x\n", "line 1, column 4: invalid YAML: "),
        ("a: 1\nb: 2\x07\n", "line 2: invalid YAML: special characters are not allowed"),
    ],
    ids=["list", "scalar", "bad-indent", "unclosed-flow", "tab", "unsafe-tag", "control-character"],
)
def test_bad_documents(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {message}")
    assert "Traceback" not in str(info.value) and "sk-abc" not in str(info.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read the file \("):
        load_config(tmp_path / "missing.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"host: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(bad byte at offset 9\)"):
        load_config(path)
    path.write_bytes(b"\xef\xbb\xbfport: 9000\n")
    assert load_config(path).port == 9000


def test_invalid_raw_payload_rules_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    rule_ok = {"models": [{"name": "*"}], "params": {"a": '{"x": 1}', "b": 5}}
    rule_bad = {"models": [{"name": "*"}], "params": {"a": "{not json"}}
    with caplog.at_level(logging.WARNING, logger="server.config.load"):
        cfg = parse_config({"payload": {"default-raw": [rule_bad, rule_ok], "override-raw": [rule_bad]}})
    assert [r.params for r in cfg.payload.default_raw] == [{"a": '{"x": 1}', "b": 5}]
    assert cfg.payload.override_raw == ()
    assert "payload.default-raw[0]: rule ignored" in caplog.text
    assert "not json" not in caplog.text


def test_unknown_keys() -> None:
    data: dict[object, object] = {"pprof": {"enable": True}, "tls": {"enable": True, "future": 1}, 7: "seven"}
    cfg = parse_config(data)  # type: ignore[arg-type]  # YAML keys need not be strings
    assert cfg.extra == {"pprof": {"enable": True}, "7": "seven"}
    assert cfg.tls.enable


def test_input_is_not_modified() -> None:
    data: dict[str, object] = {
        "generative-language-api-key": ["k"],
        "openai-compatibility": [{"name": "n", "base-url": "u", "api-keys": ["a"]}],
        "amp-upstream-url": "https://amp",
    }
    snapshot = repr(data)
    parse_config(data)
    assert repr(data) == snapshot


def test_config_to_dict() -> None:
    cfg = load_config(FULL)
    data = config_to_dict(cfg)
    assert list(data)[:3] == ["host", "port", "tls"]
    assert list(data)[-3:] == ["pprof", "my-own-note", "plugins"]
    assert data["api-keys"] == ["sk-client-one", "12345678"]
    assert data["routing"] == {"strategy": "fill-first"}
    claude = data["claude-api-key"]
    assert isinstance(claude, list)
    assert claude[0]["cloak"] == {
        "mode": "always",
        "strict-mode": True,
        "sensitive-words": ["acme", "project-x"],
    }
    assert parse_config(data) == cfg
    assert config_to_dict(Config())["port"] == 8317
