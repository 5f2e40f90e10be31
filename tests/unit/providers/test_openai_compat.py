"""OpenAI-compatible provider: URL, optional Bearer, UA, stream extras, alias models (§17 item 18)."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential, ModelMapping
from server.errors import ProxyError, UnsupportedRoute
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall
from server.providers.catalog import upstream_model_for
from server.providers.openai_compat import PROVIDER

MESSAGES = [{"role": "user", "content": "hi"}]


def _cred(key: str = "", base: str = "https://openrouter.ai/api/v1/") -> Credential:
    return Credential(
        id="o",
        provider="openrouter",
        provider_type="openai-compat",
        api_key=key,
        base_url=base,
        models=(ModelMapping("moonshotai/kimi-k2:free", "kimi-k2"), ModelMapping("deepseek/deepseek-r1")),
        metadata={"compat_name": "OpenRouter"},
    )


@pytest.mark.parametrize(
    ("key", "stream", "body", "headers", "expected_body"),
    [
        (
            "or-key",
            False,
            {"model": "kimi-k2", "messages": MESSAGES, "stream": True, "stream_options": {"x": 1}},
            {
                "Content-Type": "application/json",
                "Authorization": "Bearer or-key",
                "User-Agent": "cli-proxy-openai-compat",
            },
            {"model": "moonshotai/kimi-k2:free", "messages": MESSAGES, "stream": False},
        ),
        (
            "",
            True,
            {"model": "kimi-k2", "messages": MESSAGES, "stream_options": {"x": 1}},
            {
                "Content-Type": "application/json",
                "User-Agent": "cli-proxy-openai-compat",
                "Accept": "text/event-stream",
                "Cache-Control": "no-cache",
            },
            {
                "model": "moonshotai/kimi-k2:free",
                "messages": MESSAGES,
                "stream": True,
                "stream_options": {"x": 1, "include_usage": True},
            },
        ),
    ],
    ids=["non-stream-with-key", "stream-keyless"],
)
def test_request(
    key: str, stream: bool, body: JSONObject, headers: dict[str, str], expected_body: JSONObject
) -> None:
    cred = _cred(key)
    upstream = upstream_model_for(cred, "KIMI-K2")
    req = PROVIDER.build_request(cred, UpstreamCall(upstream, body, stream))
    assert req.url == "https://openrouter.ai/api/v1/chat/completions"
    assert req.headers == headers
    assert json.loads(req.content) == expected_body
    assert req.stream is stream


def test_models_are_exactly_the_mappings() -> None:
    models = PROVIDER.models(_cred())
    assert [(m.id, m.owned_by, m.type) for m in models] == [
        ("kimi-k2", "OpenRouter", "openai-compatibility"),
        ("deepseek/deepseek-r1", "OpenRouter", "openai-compatibility"),
    ]
    bare = Credential(id="o", provider="x", provider_type="openai-compat", base_url="https://x")
    assert PROVIDER.models(bare) == []


def test_count_tokens_is_unsupported_and_missing_base_is_401() -> None:
    with pytest.raises(UnsupportedRoute):
        PROVIDER.build_request(_cred(), UpstreamCall("m", {}, False, action="count_tokens"))
    with pytest.raises(ProxyError) as info:
        PROVIDER.build_request(_cred(base=""), UpstreamCall("m", {}, False))
    assert info.value.status == 401


def test_retry_hint_reads_retry_after_header() -> None:
    assert PROVIDER.retry_hint(429, b"", {"Retry-After": "12"}) == 12.0
    assert PROVIDER.retry_hint(429, b"", {}) is None
