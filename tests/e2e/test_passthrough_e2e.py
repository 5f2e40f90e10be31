"""Same-format passthrough: bodies, headers and token counts reach the other side untouched."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest
from google import genai

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    AUTH,
    CLAUDE_KEY,
    CLAUDE_MODEL,
    CODEX_KEY,
    COMPAT_KEY,
    GEMINI_KEY,
    aliased_families,
    client,
    parse_sse,
)
from tests.fakes import Recorded

pytestmark = pytest.mark.timeout(20)

CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}


def _proxy(start_proxy: ProxyFactory, upstream: Upstream) -> Proxy:
    return start_proxy(aliased_families(upstream.url))


def _only(upstream: Upstream, key: str) -> Recorded:
    (sent,) = upstream.fake.requests_for(key)
    return sent


def _assert_no_client_key(sent: Recorded) -> None:
    assert CLIENT_KEY not in json.dumps(sent.headers)
    assert CLIENT_KEY not in json.dumps(sent.query)


# ---- bodies: the upstream gets the client's JSON, only the model (and documented fields) changed -----

ODD_FIELDS: dict[str, Any] = {
    "metadata": {"user_id": "u-1", "nested": {"list": [1, 2.5, None, True], "text": "héllo ✓ 𝄞"}},
    "x_vendor_extension": {"keep": ["me", {"exactly": "as sent"}]},
}

CLAUDE_REQUEST: dict[str, Any] = {
    "model": "my-claude",
    "max_tokens": 32,
    "system": [{"type": "text", "text": "be brief", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "again"},
    ],
    "temperature": 0.3,
    "top_k": 5,
    "stop_sequences": ["END"],
    "thinking": {"type": "enabled", "budget_tokens": 1024},
    **ODD_FIELDS,
}
CHAT_REQUEST: dict[str, Any] = {
    "model": "kimi-k2",
    "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    "temperature": 0.2,
    "max_tokens": 30,
    "response_format": {"type": "json_object"},
    "seed": 7,
    **ODD_FIELDS,
}
RESPONSES_REQUEST: dict[str, Any] = {
    "model": "my-codex",
    "instructions": "be brief",
    "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
    "reasoning": {"effort": "low", "summary": "auto"},
    "include": ["reasoning.encrypted_content"],
    "text": {"verbosity": "low"},
    "temperature": 0.5,
    **ODD_FIELDS,
}
GEMINI_REQUEST: dict[str, Any] = {
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "systemInstruction": {"parts": [{"text": "be brief"}]},
    "generationConfig": {"temperature": 0.1, "thinkingConfig": {"thinkingBudget": 0}},
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    **ODD_FIELDS,
}

BODIES = [
    pytest.param("/v1/messages", CLAUDE_REQUEST, CLAUDE_KEY, {"model": CLAUDE_MODEL}, id="claude"),
    pytest.param(
        "/v1/messages",
        {**CLAUDE_REQUEST, "stream": True},
        CLAUDE_KEY,
        {"model": CLAUDE_MODEL},
        id="claude-stream",
    ),
    pytest.param(
        "/v1/chat/completions", CHAT_REQUEST, COMPAT_KEY, {"model": "moonshotai/kimi-k2:free"}, id="chat"
    ),
    pytest.param(
        "/v1/chat/completions",
        {**CHAT_REQUEST, "stream": True},
        COMPAT_KEY,
        # openai-compatible streams always ask for usage (providers.md: include_usage is set)
        {"model": "moonshotai/kimi-k2:free", "stream_options": {"include_usage": True}},
        id="chat-stream",
    ),
    # Codex always streams upstream and never stores (providers.md §17.14)
    pytest.param(
        "/v1/responses",
        RESPONSES_REQUEST,
        CODEX_KEY,
        {"model": "gpt-5", "stream": True, "store": False},
        id="codex",
    ),
    pytest.param(
        "/v1/responses",
        {**RESPONSES_REQUEST, "stream": True},
        CODEX_KEY,
        {"model": "gpt-5", "stream": True, "store": False},
        id="codex-stream",
    ),
    pytest.param("/v1beta/models/my-gemini:generateContent", GEMINI_REQUEST, GEMINI_KEY, {}, id="gemini"),
    pytest.param(
        "/v1beta/models/my-gemini:streamGenerateContent?alt=sse",
        GEMINI_REQUEST,
        GEMINI_KEY,
        {},
        id="gemini-stream",
    ),
]


@pytest.mark.parametrize(("path", "body", "key", "changed"), BODIES)
def test_upstream_body_is_the_client_body(
    start_proxy: ProxyFactory,
    upstream: Upstream,
    path: str,
    body: dict[str, Any],
    key: str,
    changed: dict[str, Any],
) -> None:
    proxy = _proxy(start_proxy, upstream)
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    sent = _only(upstream, key)
    assert sent.json == {**body, **changed}
    assert list(sent.json) == list({**body, **changed})  # the key order is kept too
    _assert_no_client_key(sent)


# ---- headers -----------------------------------------------------------------------------------


def test_anthropic_headers_are_forwarded_and_the_proxy_key_is_not(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    proxy = _proxy(start_proxy, upstream)
    headers = {
        "x-api-key": CLIENT_KEY,
        "anthropic-version": "2023-01-01",
        "anthropic-beta": "prompt-caching-2024-07-31, context-1m-2025-08-07",
    }
    body = {"model": "my-claude", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    with client(proxy) as http:
        assert http.post("/v1/messages", json=body, headers=headers).status_code == 200
    sent = _only(upstream, CLAUDE_KEY)
    assert sent.headers["anthropic-version"] == "2023-01-01"
    assert sent.headers["anthropic-beta"] == "prompt-caching-2024-07-31,context-1m-2025-08-07"
    assert sent.headers["authorization"] == f"Bearer {CLAUDE_KEY}"
    assert "x-api-key" not in sent.headers
    _assert_no_client_key(sent)

    upstream.fake.clear()
    seen: list[dict[str, str]] = []
    hooks = {"request": [lambda request: seen.append(dict(request.headers))]}
    with anthropic.DefaultHttpxClient(event_hooks=hooks) as http_client:
        sdk = anthropic.Anthropic(
            base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, http_client=http_client
        )
        sdk.beta.messages.create(
            model="my-claude",
            max_tokens=8,
            messages=[{"role": "user", "content": "hi"}],
            betas=["interleaved-thinking-2025-05-14"],
        )
    (from_sdk,) = seen
    sent = _only(upstream, CLAUDE_KEY)
    assert sent.headers["anthropic-version"] == from_sdk["anthropic-version"]
    assert sent.headers["anthropic-beta"] == from_sdk["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    _assert_no_client_key(sent)


def test_sdk_credentials_are_replaced_by_the_upstream_keys(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    proxy = _proxy(start_proxy, upstream)
    oai = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    oai.chat.completions.create(model="kimi-k2", messages=[{"role": "user", "content": "hi"}])
    oai.responses.create(model="my-codex", input="hi")
    gemini = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    gemini.models.generate_content(model="my-gemini", contents="hi")
    assert _only(upstream, COMPAT_KEY).headers["authorization"] == f"Bearer {COMPAT_KEY}"
    assert _only(upstream, CODEX_KEY).headers["authorization"] == f"Bearer {CODEX_KEY}"
    google = _only(upstream, GEMINI_KEY)
    assert google.headers["x-goog-api-key"] == GEMINI_KEY
    assert "authorization" not in google.headers
    for sent in upstream.fake.requests:
        _assert_no_client_key(sent)


# ---- token counting and the Gemini SSE stream ---------------------------------------------------


def test_claude_count_tokens_reaches_the_upstream(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(input_tokens=42)
    sdk = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    tools: list[Any] = [{"name": "get_weather", "input_schema": CITY_SCHEMA}]
    counted = sdk.messages.count_tokens(
        model="my-claude", system="be brief", tools=tools, messages=[{"role": "user", "content": "hi"}]
    )
    assert counted.input_tokens == 42
    sent = _only(upstream, CLAUDE_KEY)
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.json == {
        "model": CLAUDE_MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "be brief",
        "tools": tools,
    }


def test_gemini_count_tokens_reaches_the_upstream(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(input_tokens=42)
    sdk = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url, "api_version": "v1beta"})
    counted = sdk.models.count_tokens(model="my-gemini", contents="how many tokens is this?")
    assert counted.total_tokens == 42
    sent = _only(upstream, GEMINI_KEY)
    assert sent.path == "/v1beta/models/gemini-2.5-flash:countTokens"
    assert sent.json == {"contents": [{"parts": [{"text": "how many tokens is this?"}], "role": "user"}]}
    with client(proxy) as http:
        raw = http.post("/v1/models/my-gemini:countTokens", json={"contents": []}, headers=AUTH)
    assert raw.status_code == 200
    assert raw.json()["totalTokens"] == 42


def test_gemini_alt_sse_stream(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.configure(chunks=3)
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    with client(proxy) as http:
        reply = http.post(
            "/v1beta/models/my-gemini:streamGenerateContent", params={"alt": "sse"}, json=body, headers=AUTH
        )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    assert reply.content.startswith(b"data: {")
    events = parse_sse(reply.content)
    assert all(event.event is None for event in events)
    texts = [event.json()["candidates"][0]["content"]["parts"][0]["text"] for event in events]
    assert "".join(texts) == "Hello from gemini fake"
    assert len(texts) == 3
    sent = _only(upstream, GEMINI_KEY)
    assert sent.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert sent.query == {"alt": "sse"}
    assert sent.json == body
    sdk = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    streamed = "".join(
        chunk.text or "" for chunk in sdk.models.generate_content_stream(model="my-gemini", contents="hi")
    )
    assert streamed == "Hello from gemini fake"
