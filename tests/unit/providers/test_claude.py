"""Claude provider: auth header per base and kind, betas merge, system block, exact requests."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential, ModelMapping
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall
from server.providers.claude import CLAUDE_CODE_HEADERS, CLAUDE_CODE_SYSTEM, PROVIDER, ClaudeProvider

SYSTEM_BLOCK = {"type": "text", "text": CLAUDE_CODE_SYSTEM}
MESSAGES = [{"role": "user", "content": "hi"}]


def _key(base: str = "") -> Credential:
    return Credential(id="c", provider="claude", provider_type="claude", api_key="sk-ant-k", base_url=base)


OAUTH = Credential(
    id="claude-a@b.json", provider="claude", provider_type="claude", kind="oauth", api_key="oauth-token"
)


@pytest.mark.parametrize(
    ("base", "auth"),
    [
        ("", {"x-api-key": "sk-ant-k"}),
        ("https://api.anthropic.com", {"x-api-key": "sk-ant-k"}),
        ("https://api.anthropic.com/", {"x-api-key": "sk-ant-k"}),
        ("https://relay.example", {"Authorization": "Bearer sk-ant-k"}),
        ("http://127.0.0.1:8080", {"Authorization": "Bearer sk-ant-k"}),
    ],
    ids=["default-base", "official-base", "official-base-trailing-slash", "custom-base", "local-fake"],
)
def test_api_key_auth_header_depends_on_base(base: str, auth: dict[str, str]) -> None:
    req = PROVIDER.build_request(_key(base), UpstreamCall("claude-opus-4-5-20251101", {}, False))
    expected = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        **auth,
        "anthropic-version": "2023-06-01",
    }
    assert req.headers == expected
    root = (base or "https://api.anthropic.com").rstrip("/")
    assert req.url == f"{root}/v1/messages?beta=true"


def test_api_key_stream_request_is_the_clients_own() -> None:
    body: JSONObject = {
        "model": "sonnet",
        "max_tokens": 100,
        "system": "be brief",
        "messages": MESSAGES,
        "betas": ["context-1m-2025-08-07"],
    }
    call = UpstreamCall(
        "claude-sonnet-4-5-20250929",
        body,
        True,
        client_headers={
            "anthropic-beta": "interleaved-thinking-2025-05-14",
            "anthropic-version": "2099-01-01",
        },
    )
    req = PROVIDER.build_request(_key(), call)
    assert req.stream is True
    assert req.headers == {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "x-api-key": "sk-ant-k",
        "anthropic-version": "2099-01-01",
        "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    }
    assert json.loads(req.content) == {
        "model": "claude-sonnet-4-5-20250929",
        "max_tokens": 100,
        "system": "be brief",
        "messages": MESSAGES,
        "stream": True,
    }
    assert "betas" in body  # the caller's body is untouched


@pytest.mark.parametrize(
    ("client_beta", "body_betas", "expected"),
    [
        ("", None, None),
        ("", "a-1, b-2", "a-1,b-2"),
        ("x-1", ["x-1", "y-2", 3], "x-1,y-2"),
        (" x-1 , ,y-2", None, "x-1,y-2"),
    ],
    ids=["none", "body-string", "client-plus-body-array-deduped", "client-list-trimmed"],
)
def test_api_key_betas_merge(client_beta: str, body_betas: object, expected: str | None) -> None:
    body: JSONObject = {"messages": MESSAGES}
    if body_betas is not None:
        body["betas"] = body_betas
    headers = {"anthropic-beta": client_beta} if client_beta else {}
    req = PROVIDER.build_request(_key(), UpstreamCall("m", body, False, client_headers=headers))
    assert req.headers.get("anthropic-beta") == expected
    assert "betas" not in json.loads(req.content)


@pytest.mark.parametrize(
    ("client_beta", "body_betas", "expected"),
    [
        (
            "",
            None,
            "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,"
            "fine-grained-tool-streaming-2025-05-14",
        ),
        ("tools-1", ["extra-2"], "tools-1,oauth-2025-04-20,extra-2"),
        ("oauth-2025-04-20,tools-1", None, "oauth-2025-04-20,tools-1"),
    ],
    ids=["default-list", "client-list-gets-oauth-then-body", "client-oauth-kept"],
)
def test_oauth_betas(client_beta: str, body_betas: object, expected: str) -> None:
    body: JSONObject = {"messages": MESSAGES}
    if body_betas is not None:
        body["betas"] = body_betas
    headers = {"anthropic-beta": client_beta} if client_beta else {}
    req = PROVIDER.build_request(OAUTH, UpstreamCall("m", body, True, client_headers=headers))
    assert req.headers["anthropic-beta"] == expected


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        (None, [SYSTEM_BLOCK]),
        ("", [SYSTEM_BLOCK]),
        ("be brief", [SYSTEM_BLOCK, {"type": "text", "text": "be brief"}]),
        (
            [{"type": "text", "text": "mine", "cache_control": {"type": "ephemeral"}}],
            [SYSTEM_BLOCK, {"type": "text", "text": "mine", "cache_control": {"type": "ephemeral"}}],
        ),
        ([dict(SYSTEM_BLOCK), {"type": "text", "text": "x"}], [SYSTEM_BLOCK, {"type": "text", "text": "x"}]),
    ],
    ids=["absent", "empty", "string-kept-as-second-block", "list-prefixed", "already-first"],
)
def test_oauth_system_prompt_starts_with_claude_code(system: object, expected: list[JSONObject]) -> None:
    body: JSONObject = {"messages": MESSAGES}
    if system is not None:
        body["system"] = system
    req = PROVIDER.build_request(OAUTH, UpstreamCall("claude-opus-4-5-20251101", body, True))
    assert json.loads(req.content)["system"] == expected


def test_api_key_never_gets_the_claude_code_system_block() -> None:
    req = PROVIDER.build_request(_key(), UpstreamCall("m", {"messages": MESSAGES}, True))
    assert "system" not in json.loads(req.content)


@pytest.mark.parametrize(
    ("stream", "action", "injected"),
    [(True, "generate", True), (False, "generate", False), (False, "count_tokens", False)],
    ids=["stream", "non-stream", "count"],
)
def test_oauth_haiku_3_5_skips_system_block_unless_streaming(
    stream: bool, action: str, injected: bool
) -> None:
    call = UpstreamCall("claude-3-5-haiku-20241022", {"messages": MESSAGES}, stream, action=action)  # type: ignore[arg-type]
    body = json.loads(PROVIDER.build_request(OAUTH, call).content)
    assert ("system" in body) is injected


@pytest.mark.parametrize(
    ("oauth", "client_format", "action", "upstream_stream"),
    [
        (True, "openai", "generate", True),
        (True, "gemini", "generate", True),
        (True, "openai-responses", "generate", True),
        (True, "claude", "generate", False),
        (True, None, "generate", False),
        (True, "openai", "count_tokens", False),
        (False, "openai", "generate", False),
    ],
    ids=["oauth-openai", "oauth-gemini", "oauth-responses", "oauth-claude", "unknown", "count", "api-key"],
)
def test_non_stream_from_another_format_streams_upstream_for_oauth(
    oauth: bool, client_format: str | None, action: str, upstream_stream: bool
) -> None:
    call = UpstreamCall(
        "m",
        {"messages": MESSAGES, "stream": False},
        False,
        action=action,  # type: ignore[arg-type]
        client_format=client_format,  # type: ignore[arg-type]
    )
    req = PROVIDER.build_request(OAUTH if oauth else _key(), call)
    body = json.loads(req.content)
    assert req.stream is upstream_stream
    assert body.get("stream") is (True if upstream_stream else None)
    assert req.headers["Accept"] == ("text/event-stream" if upstream_stream else "application/json")


def test_oauth_headers() -> None:
    req = PROVIDER.build_request(OAUTH, UpstreamCall("m", {"messages": MESSAGES}, True))
    assert req.headers["Authorization"] == "Bearer oauth-token"
    assert "x-api-key" not in req.headers
    for name, value in CLAUDE_CODE_HEADERS:
        assert req.headers[name] == value


@pytest.mark.parametrize(
    ("client_ua", "expected_ua"),
    [
        ("claude-cli/2.0.1 (external, cli)", "claude-cli/2.0.1 (external, cli)"),
        ("OpenAI/Python 1.0", "claude-cli/1.0.83 (external, cli)"),
    ],
    ids=["claude-code-client-values-forwarded", "other-client-gets-defaults"],
)
def test_oauth_forwards_claude_code_client_headers_only(client_ua: str, expected_ua: str) -> None:
    headers = {"user-agent": client_ua, "x-stainless-os": "Linux"}
    req = PROVIDER.build_request(OAUTH, UpstreamCall("m", {}, True, client_headers=headers))
    assert req.headers["User-Agent"] == expected_ua
    assert req.headers["X-Stainless-Os"] == ("Linux" if client_ua.startswith("claude-cli") else "MacOS")


def test_oauth_token_from_metadata() -> None:
    cred = Credential(
        id="f", provider="claude", provider_type="claude", kind="oauth", metadata={"access_token": "tok"}
    )
    req = PROVIDER.build_request(cred, UpstreamCall("m", {}, False))
    assert req.headers["Authorization"] == "Bearer tok"


def test_count_tokens_request() -> None:
    body: JSONObject = {"model": "x", "messages": MESSAGES, "max_tokens": 10, "stream": True, "tools": []}
    req = PROVIDER.build_request(
        _key(), UpstreamCall("claude-haiku-4-5-20251001", body, True, action="count_tokens")
    )
    assert req.url == "https://api.anthropic.com/v1/messages/count_tokens?beta=true"
    assert req.stream is False
    assert req.headers["Accept"] == "application/json"
    assert json.loads(req.content) == {
        "model": "claude-haiku-4-5-20251001",
        "messages": MESSAGES,
        "tools": [],
    }


def test_custom_headers_last() -> None:
    cred = Credential(
        id="c",
        provider="claude",
        provider_type="claude",
        api_key="k",
        headers=(("Anthropic-Version", "2024-01-01"), ("X-Extra", "1")),
    )
    req = PROVIDER.build_request(cred, UpstreamCall("m", {}, False))
    assert req.headers["Anthropic-Version"] == "2024-01-01"
    assert "anthropic-version" not in req.headers
    assert req.headers["X-Extra"] == "1"


def test_models_builtin_and_aliases() -> None:
    assert [m.id for m in PROVIDER.models(_key())][:2] == [
        "claude-haiku-4-5-20251001",
        "claude-sonnet-4-5-20250929",
    ]
    cred = Credential(
        id="c",
        provider="claude",
        provider_type="claude",
        models=(
            ModelMapping("claude-sonnet-4-5-20250929", "sonnet"),
            ModelMapping("claude-opus-4-5-20251101", "Sonnet"),
            ModelMapping("claude-opus-4-5-20251101"),
        ),
    )
    models = PROVIDER.models(cred)
    assert [(m.id, m.owned_by, m.type) for m in models] == [
        ("sonnet", "claude", "claude"),
        ("claude-opus-4-5-20251101", "claude", "claude"),
    ]
    assert models[0].thinking is not None and models[0].thinking.max == 100000


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"anthropic-ratelimit-requests-reset": "2025-01-01T00:00:30Z"}, 30.0),
    ],
    ids=["retry-after", "reset-header"],
)
def test_retry_hint(headers: dict[str, str], expected: float) -> None:
    provider = ClaudeProvider(clock=lambda: 1735689600.0)  # 2025-01-01T00:00:00Z
    assert provider.retry_hint(429, b"{}", headers) == pytest.approx(expected)
