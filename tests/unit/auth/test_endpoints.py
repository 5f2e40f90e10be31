"""Overridable URLs: environment variable, then config oauth-endpoints, then the default."""

from __future__ import annotations

import pytest

from server.auth.endpoints import Endpoints, endpoint_env_var
from server.config.load import parse_config


@pytest.mark.parametrize(
    ("provider", "name", "variable"),
    [
        ("claude", "token", "CLIPROXYAPI_CLAUDE_TOKEN_URL"),
        ("gemini-cli", "upstream", "CLIPROXYAPI_GEMINI_CLI_UPSTREAM_URL"),
        ("Codex", "Authorize", "CLIPROXYAPI_CODEX_AUTHORIZE_URL"),
        ("iflow", "user-info", "CLIPROXYAPI_IFLOW_USER_INFO_URL"),
    ],
    ids=["plain", "dash", "case", "dashed-name"],
)
def test_environment_variable_names(provider: str, name: str, variable: str) -> None:
    assert endpoint_env_var(provider, name) == variable


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, {}, "https://default"),
        ({}, {"claude": {"token": "http://config"}}, "http://config"),
        ({}, {"Claude": {"TOKEN": " http://config "}}, "http://config"),
        (
            {"CLIPROXYAPI_CLAUDE_TOKEN_URL": "http://env"},
            {"claude": {"token": "http://config"}},
            "http://env",
        ),
        ({"CLIPROXYAPI_CLAUDE_TOKEN_URL": "  "}, {"claude": {"token": "http://config"}}, "http://config"),
        ({}, {"claude": {"token": ""}}, "https://default"),
        ({}, {"codex": {"token": "http://other"}}, "https://default"),
    ],
    ids=[
        "default",
        "config",
        "config-case-insensitive",
        "env-wins",
        "blank-env-ignored",
        "blank-config",
        "other",
    ],
)
def test_precedence(environ: dict[str, str], config: dict[str, dict[str, str]], expected: str) -> None:
    endpoints = Endpoints(config, environ=environ)
    assert endpoints("claude", "token", "https://default") == expected


def test_from_config_reads_the_oauth_endpoints_key() -> None:
    config = parse_config({"oauth-endpoints": {"codex": {"upstream": "http://relay/codex"}}})
    endpoints = Endpoints.from_config(config, environ={})
    assert endpoints.override("codex", "upstream") == "http://relay/codex"
    assert endpoints.override("codex", "token") == ""
