"""Client authentication at the HTTP edge: every place a key may travel, and 401s in each API's format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    CHAT_BODY,
    CLAUDE_BODY,
    CLAUDE_KEY,
    CLAUDE_MODEL,
    COMPAT_KEY,
    GEMINI_BODY,
    RESPONSES_BODY,
    UPSTREAM_KEYS,
    all_families,
    client,
    running_proxy,
)
from tests.fakes import Fail


@pytest.fixture(scope="module")
def shared_proxy(upstream_server: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """One proxy for the module: these tests never make a credential fail, so no state leaks."""
    with running_proxy(upstream_server.url, tmp_path_factory.mktemp("auth-proxy")) as proxy:
        yield proxy


@pytest.fixture
def proxy(shared_proxy: Proxy, upstream: Upstream) -> Proxy:
    """The shared proxy, with the fake upstream reset for this test."""
    return shared_proxy


def _assert_proxy_key_not_forwarded(upstream: Upstream) -> None:
    for record in upstream.fake.requests:
        assert CLIENT_KEY not in record.path
        assert all(CLIENT_KEY not in value for value in record.query.values())
        assert all(CLIENT_KEY not in value for value in record.headers.values())


PLACES = [
    pytest.param({"Authorization": f"Bearer {CLIENT_KEY}"}, {}, id="authorization-bearer"),
    pytest.param({"Authorization": f"bearer {CLIENT_KEY}"}, {}, id="authorization-bearer-lowercase"),
    pytest.param({"Authorization": CLIENT_KEY}, {}, id="authorization-bare"),
    pytest.param({"x-api-key": CLIENT_KEY}, {}, id="x-api-key"),
    pytest.param({"x-goog-api-key": CLIENT_KEY}, {}, id="x-goog-api-key"),
    pytest.param({}, {"key": CLIENT_KEY}, id="query-key"),
    pytest.param({}, {"auth_token": CLIENT_KEY}, id="query-auth-token"),
    pytest.param(
        {"Authorization": "Bearer not-the-key", "x-api-key": CLIENT_KEY}, {}, id="bad-auth+good-x-api-key"
    ),
    pytest.param({"x-goog-api-key": "wrong"}, {"auth_token": CLIENT_KEY}, id="bad-goog+good-auth-token"),
]


@pytest.mark.parametrize(("headers", "params"), PLACES)
def test_client_key_is_accepted_from_every_place(
    proxy: Proxy, upstream: Upstream, headers: dict[str, str], params: dict[str, str]
) -> None:
    with client(proxy) as http:
        reply = http.post("/v1/messages", json=CLAUDE_BODY, headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    assert reply.json()["content"][0]["text"] == "Hello from claude fake"
    (sent,) = upstream.fake.requests_for(CLAUDE_KEY)
    assert sent.headers["authorization"] == f"Bearer {CLAUDE_KEY}"
    _assert_proxy_key_not_forwarded(upstream)


ROUTES = [
    pytest.param("POST", "/v1/chat/completions", CHAT_BODY, {}, "openai", id="chat"),
    pytest.param("POST", "/v1/responses", RESPONSES_BODY, {}, "openai", id="responses"),
    pytest.param(
        "POST", "/v1/completions", {"model": "kimi-k2", "prompt": "hi"}, {}, "openai", id="completions"
    ),
    pytest.param("GET", "/v1/models", None, {}, "openai", id="models-openai"),
    pytest.param(
        "GET", "/v1/models", None, {"anthropic-version": "2023-06-01"}, "claude", id="models-claude"
    ),
    pytest.param("POST", "/v1/messages", CLAUDE_BODY, {}, "claude", id="messages"),
    pytest.param("POST", "/v1/messages/count_tokens", CLAUDE_BODY, {}, "claude", id="count-tokens"),
    pytest.param(
        "POST",
        "/v1beta/models/gemini-2.5-flash:generateContent",
        GEMINI_BODY,
        {},
        "google",
        id="v1beta-generate",
    ),
    pytest.param(
        "POST",
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        GEMINI_BODY,
        {},
        "google",
        id="v1beta-stream",
    ),
    pytest.param(
        "POST", "/v1/models/gemini-2.5-flash:generateContent", GEMINI_BODY, {}, "google", id="v1-generate"
    ),
    pytest.param("GET", "/v1beta/models", None, {}, "google", id="v1beta-models"),
]
WRONG_KEYS = [
    pytest.param({}, "Missing API key", id="missing"),
    pytest.param({"Authorization": "Bearer sk-wrong"}, "Invalid API key", id="wrong-bearer"),
    pytest.param(
        {"x-api-key": "sk-wrong", "x-goog-api-key": "also-wrong"}, "Invalid API key", id="wrong-headers"
    ),
]


def expected_auth_error(fmt: str, message: str) -> dict[str, Any]:
    if fmt == "openai":
        return {"error": {"message": message, "type": "authentication_error", "code": "invalid_api_key"}}
    if fmt == "claude":
        return {"type": "error", "error": {"type": "authentication_error", "message": message}}
    return {"error": {"code": 401, "message": message, "status": "UNAUTHENTICATED"}}


@pytest.mark.parametrize(("credentials", "message"), WRONG_KEYS)
@pytest.mark.parametrize(("method", "path", "body", "extra", "fmt"), ROUTES)
def test_rejection_is_401_in_the_client_format(
    proxy: Proxy,
    upstream: Upstream,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    extra: dict[str, str],
    fmt: str,
    credentials: dict[str, str],
    message: str,
) -> None:
    with client(proxy) as http:
        reply = http.request(method, path, json=body, headers={**extra, **credentials})
    assert reply.status_code == 401
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json() == expected_auth_error(fmt, message)
    assert upstream.fake.requests == []


def test_query_key_with_a_wrong_value_is_rejected(proxy: Proxy, upstream: Upstream) -> None:
    with client(proxy) as http:
        reply = http.post(
            "/v1beta/models/gemini-2.5-flash:generateContent", json=GEMINI_BODY, params={"key": "AIza-wrong"}
        )
    assert reply.status_code == 401
    assert reply.json() == expected_auth_error("google", "Invalid API key")
    assert upstream.fake.requests == []


def test_openai_sdk_raises_authentication_error(proxy: Proxy, upstream: Upstream) -> None:
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as chat:
        sdk.chat.completions.create(model="kimi-k2", messages=[{"role": "user", "content": "hi"}])
    assert chat.value.status_code == 401
    assert chat.value.code == "invalid_api_key"
    assert "Invalid API key" in chat.value.message
    with pytest.raises(openai.AuthenticationError) as responses:
        sdk.responses.create(model="gpt-5", input="hi")
    assert "Invalid API key" in responses.value.message
    with pytest.raises(openai.AuthenticationError):
        sdk.chat.completions.create(
            model="kimi-k2", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    assert upstream.fake.requests == []


def test_anthropic_sdk_raises_authentication_error(proxy: Proxy, upstream: Upstream) -> None:
    sdk = anthropic.Anthropic(base_url=proxy.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as create:
        sdk.messages.create(model=CLAUDE_MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert create.value.status_code == 401
    assert create.value.body == expected_auth_error("claude", "Invalid API key")
    with pytest.raises(anthropic.AuthenticationError):
        with sdk.messages.stream(
            model=CLAUDE_MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            stream.get_final_message()
    with pytest.raises(anthropic.AuthenticationError):
        sdk.messages.count_tokens(model=CLAUDE_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert upstream.fake.requests == []


@pytest.mark.parametrize("api_version", ["v1beta", "v1"])
def test_genai_sdk_raises_client_error_401(proxy: Proxy, upstream: Upstream, api_version: str) -> None:
    sdk = genai.Client(api_key="AIza-wrong", http_options={"base_url": proxy.url, "api_version": api_version})
    with pytest.raises(genai_errors.ClientError) as generate:
        sdk.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert generate.value.code == 401
    assert generate.value.status == "UNAUTHENTICATED"
    assert generate.value.message == "Invalid API key"
    with pytest.raises(genai_errors.ClientError) as stream:
        for _ in sdk.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"):
            pass
    assert stream.value.code == 401
    assert upstream.fake.requests == []


def test_sdks_succeed_with_the_right_key(proxy: Proxy, upstream: Upstream) -> None:
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    message = claude.messages.create(
        model=CLAUDE_MODEL, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].type == "text"
    gemini = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    assert (
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi").text
        == "Hello from gemini fake"
    )
    oai = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    assert oai.responses.create(model="gpt-5", input="hi").output_text == "Hello from responses fake"
    assert len(upstream.fake.requests) == 3
    _assert_proxy_key_not_forwarded(upstream)


def test_open_proxy_without_api_keys(start_proxy: ProxyFactory, upstream: Upstream) -> None:
    proxy = start_proxy({"api-keys": [], **all_families(upstream.url)})
    with client(proxy) as http:
        bare = http.post("/v1/chat/completions", json=CHAT_BODY)
        anything = http.post("/v1/chat/completions", json=CHAT_BODY, headers={"Authorization": "Bearer x"})
        models = http.get("/v1beta/models")
    assert bare.status_code == 200, bare.text
    assert bare.json()["choices"][0]["message"]["content"] == "Hello from openai fake"
    assert anything.status_code == 200
    assert models.status_code == 200
    assert len(upstream.fake.requests_for(COMPAT_KEY)) == 2
    # with no key the SDKs work too, whatever key they are given
    sdk = openai.OpenAI(base_url=proxy.url + "/v1", api_key="anything", max_retries=0)
    reply = sdk.chat.completions.create(model="kimi-k2", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Hello from openai fake"


def _scan_for_upstream_keys(reply: httpx.Response) -> None:
    exposed = reply.text + "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
    for key in UPSTREAM_KEYS:
        assert key not in exposed


REQUESTS = [
    pytest.param("/v1/messages", CLAUDE_BODY, id="claude"),
    pytest.param("/v1/messages", {**CLAUDE_BODY, "stream": True}, id="claude-stream"),
    pytest.param("/v1/chat/completions", CHAT_BODY, id="chat"),
    pytest.param("/v1/chat/completions", {**CHAT_BODY, "stream": True}, id="chat-stream"),
    pytest.param("/v1/responses", RESPONSES_BODY, id="responses"),
    pytest.param("/v1/responses", {**RESPONSES_BODY, "stream": True}, id="responses-stream"),
    pytest.param("/v1beta/models/gemini-2.5-flash:generateContent", GEMINI_BODY, id="gemini"),
    pytest.param(
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", GEMINI_BODY, id="gemini-stream"
    ),
    pytest.param("/v1/messages/count_tokens", CLAUDE_BODY, id="claude-count"),
    pytest.param("/v1beta/models/gemini-2.5-flash:countTokens", GEMINI_BODY, id="gemini-count"),
]


@pytest.mark.parametrize(("path", "body"), REQUESTS)
def test_upstream_keys_never_reach_the_client(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any]
) -> None:
    proxy = start_proxy({"passthrough-headers": True, **all_families(upstream.url)})
    with client(proxy) as http:
        ok = http.post(path, json=body, headers={"x-api-key": CLIENT_KEY})
        assert ok.status_code == 200, ok.text
        _scan_for_upstream_keys(ok)
        for key in UPSTREAM_KEYS:
            upstream.fake.script(key, Fail(401))
        failed = http.post(path, json=body, headers={"x-api-key": CLIENT_KEY})
    assert failed.status_code == 401
    _scan_for_upstream_keys(failed)
    _assert_proxy_key_not_forwarded(upstream)
