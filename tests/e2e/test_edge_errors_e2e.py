"""Edge errors: bad input, limits, unknown models and routes, CORS and health, in each API's error format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from server.runner import ServerOptions
from tests.e2e.conftest import CLIENT_KEY, Proxy, Upstream
from tests.e2e.edge_support import AUTH, CLAUDE_MODEL, client, running_proxy

LIMIT = 1024

# (path, a valid body for it, error format)
ENDPOINTS = [
    pytest.param("/v1/chat/completions", {"model": "kimi-k2", "messages": []}, "openai", id="chat"),
    pytest.param("/v1/responses", {"model": "gpt-5", "input": "hi"}, "openai", id="responses"),
    pytest.param(
        "/v1/messages", {"model": CLAUDE_MODEL, "max_tokens": 8, "messages": []}, "claude", id="messages"
    ),
    pytest.param("/v1/messages/count_tokens", {"model": CLAUDE_MODEL, "messages": []}, "claude", id="count"),
    pytest.param("/v1beta/models/gemini-2.5-flash:generateContent", {"contents": []}, "google", id="gemini"),
    pytest.param(
        "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        {"contents": []},
        "google",
        id="gemini-v1",
    ),
]


@pytest.fixture(scope="module")
def shared_proxy(upstream_server: Upstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """One proxy (body limit 1 KiB) for the module: none of these requests makes a credential fail."""
    directory = tmp_path_factory.mktemp("errors-proxy")
    with running_proxy(upstream_server.url, directory, ServerOptions(body_limit=LIMIT)) as proxy:
        yield proxy


@pytest.fixture
def proxy(shared_proxy: Proxy, upstream: Upstream) -> Proxy:
    return shared_proxy


def assert_error_shape(reply: httpx.Response, fmt: str, status: int) -> str:
    """Check ``reply`` is ``status`` in ``fmt``'s error shape; return the error message."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    if fmt == "claude":
        assert body["type"] == "error"
        assert isinstance(body["error"]["type"], str)
        message = body["error"]["message"]
    elif fmt == "google":
        assert body["error"]["code"] == status
        assert isinstance(body["error"]["status"], str)
        message = body["error"]["message"]
    else:
        assert isinstance(body["error"]["type"], str)
        assert "code" in body["error"]
        message = body["error"]["message"]
    assert isinstance(message, str)
    assert message
    return message


BAD_BODIES = [
    pytest.param(b'{"model": "x", ', "malformed JSON", id="malformed"),
    pytest.param(b'[{"model": "x"}]', "JSON object", id="array"),
    pytest.param(b'"just a string"', "JSON object", id="string"),
    pytest.param(b"", "empty body", id="empty"),
    pytest.param(b"  \n", "empty body", id="blank"),
    pytest.param(b'{"model": "\xff\xfe"}', "UTF-8", id="invalid-utf8"),
]


@pytest.mark.parametrize(("raw", "hint"), BAD_BODIES)
@pytest.mark.parametrize(("path", "valid", "fmt"), ENDPOINTS)
def test_unreadable_body_is_400(
    proxy: Proxy, upstream: Upstream, path: str, valid: dict[str, Any], fmt: str, raw: bytes, hint: str
) -> None:
    with client(proxy) as http:
        reply = http.post(path, content=raw, headers={**AUTH, "content-type": "application/json"})
    message = assert_error_shape(reply, fmt, 400)
    assert hint in message
    assert message.startswith("Invalid request")
    if fmt == "claude":
        assert reply.json()["error"]["type"] == "invalid_request_error"
    elif fmt == "google":
        assert reply.json()["error"]["status"] == "INVALID_ARGUMENT"
    else:
        assert reply.json()["error"]["type"] == "invalid_request_error"
    assert upstream.fake.requests == []


BAD_MODELS = [
    pytest.param({}, id="missing"),
    pytest.param({"model": 5}, id="number"),
    pytest.param({"model": None}, id="null"),
    pytest.param({"model": ["gpt-5"]}, id="list"),
    pytest.param({"model": "  "}, id="blank"),
]


@pytest.mark.parametrize("model", BAD_MODELS)
@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        pytest.param("/v1/chat/completions", "openai", id="chat"),
        pytest.param("/v1/responses", "openai", id="responses"),
        pytest.param("/v1/messages", "claude", id="messages"),
        pytest.param("/v1/messages/count_tokens", "claude", id="count"),
    ],
)
def test_model_must_be_a_string(
    proxy: Proxy, upstream: Upstream, path: str, fmt: str, model: dict[str, Any]
) -> None:
    with client(proxy) as http:
        reply = http.post(path, json={"messages": [], **model}, headers=AUTH)
    assert "'model'" in assert_error_shape(reply, fmt, 400)
    assert upstream.fake.requests == []


def _chunked(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 256):
        yield data[start : start + 256]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("path", "valid", "fmt"), ENDPOINTS)
def test_body_over_the_limit_is_413(
    proxy: Proxy, upstream: Upstream, path: str, valid: dict[str, Any], fmt: str, chunked: bool
) -> None:
    data = json.dumps({**valid, "padding": "x" * (LIMIT + 10)}).encode()
    content: bytes | Iterator[bytes] = _chunked(data) if chunked else data
    with client(proxy) as http:
        reply = http.post(path, content=content, headers={**AUTH, "content-type": "application/json"})
    message = assert_error_shape(reply, fmt, 413)
    assert str(LIMIT) in message
    if fmt == "claude":
        assert reply.json()["error"]["type"] == "request_too_large"
    assert upstream.fake.requests == []


def test_body_under_the_limit_passes(proxy: Proxy, upstream: Upstream) -> None:
    body = {"model": CLAUDE_MODEL, "max_tokens": 8, "messages": [{"role": "user", "content": "x" * 800}]}
    with client(proxy) as http:
        reply = http.post("/v1/messages", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text
    assert len(upstream.fake.requests) == 1


UNKNOWN_MODEL = [
    pytest.param("/v1/chat/completions", {"model": "no-such-model", "messages": []}, "openai", id="chat"),
    pytest.param("/v1/responses", {"model": "no-such-model", "input": "hi"}, "openai", id="responses"),
    pytest.param(
        "/v1/messages", {"model": "no-such-model", "max_tokens": 8, "messages": []}, "claude", id="claude"
    ),
    pytest.param(
        "/v1/messages/count_tokens", {"model": "no-such-model", "messages": []}, "claude", id="count"
    ),
    pytest.param("/v1beta/models/no-such-model:generateContent", {"contents": []}, "google", id="gemini"),
    pytest.param("/v1/models/no-such-model:countTokens", {"contents": []}, "google", id="gemini-count"),
]


@pytest.mark.parametrize(("path", "body", "fmt"), UNKNOWN_MODEL)
def test_unknown_model_is_404_in_the_not_found_shape(
    proxy: Proxy, upstream: Upstream, path: str, body: dict[str, Any], fmt: str
) -> None:
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    assert "no-such-model" in assert_error_shape(reply, fmt, 404)
    error = reply.json()["error"]
    if fmt == "openai":
        assert error["code"] == "model_not_found"
    elif fmt == "claude":
        assert error["type"] == "not_found_error"
    else:
        assert error["status"] == "NOT_FOUND"
    assert upstream.fake.requests == []


def test_sdks_raise_not_found_for_an_unknown_model(proxy: Proxy, upstream: Upstream) -> None:
    oai = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError) as chat:
        oai.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
    assert chat.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        oai.responses.create(model="no-such-model", input="hi", stream=True)
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    with pytest.raises(anthropic.NotFoundError) as message:
        claude.messages.create(
            model="no-such-model", max_tokens=8, messages=[{"role": "user", "content": "hi"}]
        )
    assert "no-such-model" in str(message.value)
    gemini = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    with pytest.raises(genai_errors.ClientError) as generate:
        gemini.models.generate_content(model="no-such-model", contents="hi")
    assert generate.value.code == 404
    assert generate.value.status == "NOT_FOUND"
    assert upstream.fake.requests == []


def test_legacy_completions_is_answered_and_a_token_prompt_is_400(proxy: Proxy, upstream: Upstream) -> None:
    """§1.6: served through chat (tests/e2e/test_completions_e2e.py); token-id prompts are refused."""
    with client(proxy) as http:
        reply = http.post("/v1/completions", json={"model": "kimi-k2", "prompt": "hi"}, headers=AUTH)
        assert reply.status_code == 200, reply.text
        assert reply.json()["object"] == "text_completion"
        upstream.fake.clear()
        refused = http.post("/v1/completions", json={"model": "kimi-k2", "prompt": [1, 2]}, headers=AUTH)
    assert "prompt" in assert_error_shape(refused, "openai", 400)
    assert upstream.fake.requests == []


UNKNOWN_ROUTES = [
    pytest.param("POST", "/v1beta/models/gemini-2.5-flash:foo", "google", id="gemini-unknown-method"),
    pytest.param("POST", "/v1/models/gemini-2.5-flash:foo", "google", id="gemini-v1-unknown-method"),
    pytest.param("POST", "/v1beta/models/gemini-2.5-flash", "google", id="gemini-no-method"),
    pytest.param("GET", "/v1beta/models/no-such-model", "google", id="gemini-unknown-model-info"),
    pytest.param("GET", "/v1/models/no-such-model", "openai", id="openai-unknown-model-info"),
]


@pytest.mark.parametrize(("method", "path", "fmt"), UNKNOWN_ROUTES)
def test_unknown_gemini_method_or_model_info_is_404(
    proxy: Proxy, upstream: Upstream, method: str, path: str, fmt: str
) -> None:
    with client(proxy) as http:
        reply = http.request(method, path, json={"contents": []} if method == "POST" else None, headers=AUTH)
    assert_error_shape(reply, fmt, 404)
    assert upstream.fake.requests == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/no/such/path", id="get"),
        pytest.param("POST", "/v2/chat/completions", id="post"),
        pytest.param("GET", "/v1/chat/completions", id="wrong-method"),
        pytest.param("DELETE", "/v1/messages", id="delete"),
    ],
)
def test_unknown_path_is_404(proxy: Proxy, method: str, path: str) -> None:
    with client(proxy) as http:
        reply = http.request(method, path)
    assert reply.status_code == 404
    assert reply.text == "404 page not found"
    assert reply.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "path", ["/v1/messages", "/v1/chat/completions", "/v1beta/models/x:generateContent", "/no/such/path", "/"]
)
def test_options_is_204_with_cors_and_no_auth(proxy: Proxy, upstream: Upstream, path: str) -> None:
    with client(proxy) as http:
        reply = http.options(
            path, headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}
        )
    assert reply.status_code == 204
    assert reply.content == b""
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "POST" in reply.headers["access-control-allow-methods"]
    assert "OPTIONS" in reply.headers["access-control-allow-methods"]
    allowed = reply.headers["access-control-allow-headers"]
    assert "*" in allowed
    assert "authorization" in allowed.lower()
    assert upstream.fake.requests == []


def test_cors_header_on_ordinary_answers(proxy: Proxy, upstream: Upstream) -> None:
    body = {"model": CLAUDE_MODEL, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    with client(proxy) as http:
        answers = [
            http.post("/v1/messages", json=body, headers=AUTH),
            http.post("/v1/messages", json={**body, "stream": True}, headers=AUTH),
            http.post("/v1/messages", json=body),
            http.post("/v1/messages", content=b"{", headers=AUTH),
            http.get("/v1/models", headers=AUTH),
            http.get("/"),
        ]
    assert [a.status_code for a in answers] == [200, 200, 401, 400, 200, 200]
    for reply in answers:
        assert reply.headers["access-control-allow-origin"] == "*"


def test_root_and_health_need_no_key(proxy: Proxy) -> None:
    with client(proxy) as http:
        root = http.get("/")
        head = http.head("/")
        health = http.get("/healthz")
        health_head = http.head("/healthz")
    assert root.status_code == 200
    assert root.json()["message"] == "CLI Proxy API Server"
    assert "POST /v1/chat/completions" in root.json()["endpoints"]
    assert head.status_code == 200
    assert head.content == b""
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert health_head.status_code == 200
    assert health_head.content == b""
