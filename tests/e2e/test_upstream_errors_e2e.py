"""Upstream failures as clients see them: JSON errors kept as sent, HTML pages and dead hosts cleaned up."""

from __future__ import annotations

import socket
import time
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.e2e.edge_support import (
    AUTH,
    CHAT_BODY,
    CLAUDE_BODY,
    CLAUDE_KEY,
    CLAUDE_MODEL,
    CODEX_KEY,
    COMPAT_KEY,
    GEMINI_BODY,
    GEMINI_KEY,
    RESPONSES_BODY,
    all_families,
    client,
)
from tests.fakes import CutStream, Fail, HtmlError

GEMINI_PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
GEMINI_STREAM_PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"

# (path, body, upstream key answering it, client error format)
FAMILIES = [
    pytest.param("/v1/messages", CLAUDE_BODY, CLAUDE_KEY, "claude", id="claude"),
    pytest.param("/v1/messages", {**CLAUDE_BODY, "stream": True}, CLAUDE_KEY, "claude", id="claude-stream"),
    pytest.param("/v1/chat/completions", CHAT_BODY, COMPAT_KEY, "openai", id="chat"),
    pytest.param(
        "/v1/chat/completions", {**CHAT_BODY, "stream": True}, COMPAT_KEY, "openai", id="chat-stream"
    ),
    pytest.param("/v1/responses", RESPONSES_BODY, CODEX_KEY, "openai", id="responses"),
    pytest.param(
        "/v1/responses", {**RESPONSES_BODY, "stream": True}, CODEX_KEY, "openai", id="responses-stream"
    ),
    pytest.param(GEMINI_PATH, GEMINI_BODY, GEMINI_KEY, "google", id="gemini"),
    pytest.param(GEMINI_STREAM_PATH, GEMINI_BODY, GEMINI_KEY, "google", id="gemini-stream"),
]

UPSTREAM_BODIES: dict[str, dict[str, Any]] = {
    "claude": {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded right now"},
        "request_id": "req_0123",
    },
    "openai": {
        "error": {"message": "The server had an error", "type": "server_error", "param": None, "code": "boom"}
    },
    "google": {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}},
}


def _proxy(start_proxy: ProxyFactory, upstream: Upstream, **extra: Any) -> Proxy:
    return start_proxy({**all_families(upstream.url), **extra})


def error_message(reply: httpx.Response, fmt: str, status: int) -> str:
    """Check ``reply`` is a JSON error with ``status`` in ``fmt``'s shape; return its message."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    if fmt == "claude":
        assert body["type"] == "error"
        assert isinstance(body["error"]["type"], str)
    elif fmt == "google":
        assert body["error"]["code"] == status
        assert isinstance(body["error"]["status"], str)
    else:
        assert isinstance(body["error"]["type"], str)
    message = body["error"]["message"]
    assert isinstance(message, str)
    return message


NON_STREAM = [param for param in FAMILIES if not str(param.id).endswith("-stream")]
STREAM = [param for param in FAMILIES if str(param.id).endswith("-stream")]
# Every status on the non-stream routes; a stream request failing before its first byte once per family.
JSON_ERRORS = [
    pytest.param(*param.values, status, id=f"{param.id}-{status}")
    for param in NON_STREAM
    for status in (400, 404, 429, 500, 503)
] + [pytest.param(*param.values, 500, id=f"{param.id}-500") for param in STREAM]


@pytest.mark.parametrize(("path", "body", "key", "fmt", "status"), JSON_ERRORS)
def test_upstream_json_error_keeps_status_and_body(
    start_proxy: ProxyFactory,
    upstream: Upstream,
    path: str,
    body: dict[str, Any],
    key: str,
    fmt: str,
    status: int,
) -> None:
    proxy = _proxy(start_proxy, upstream)
    sent = UPSTREAM_BODIES[fmt]
    upstream.fake.script(key, Fail(status, body=sent))
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    assert reply.status_code == status
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json() == sent
    assert len(upstream.fake.requests_for(key)) == 1


@pytest.mark.parametrize(("path", "body", "key", "fmt"), NON_STREAM)
def test_upstream_default_error_body_reaches_the_client(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any], key: str, fmt: str
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(key, Fail(429, retry_after=1))
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    expected = "usage limit" if key == CODEX_KEY else "Too Many Requests"
    assert expected in error_message(reply, fmt, 429)
    assert reply.headers.get("retry-after") == "1"


@pytest.mark.parametrize(("path", "body", "key", "fmt"), NON_STREAM)
def test_upstream_plain_text_error_is_wrapped_in_the_client_format(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any], key: str, fmt: str
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(key, Fail(500, body="upstream exploded", headers={"content-type": "text/plain"}))
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    assert error_message(reply, fmt, 500) == "upstream exploded"


@pytest.mark.parametrize(("path", "body", "key", "fmt"), FAMILIES)
def test_html_error_page_becomes_a_clean_error(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any], key: str, fmt: str
) -> None:
    proxy = _proxy(start_proxy, upstream)
    status = 503 if body.get("stream") or "stream" in path else 502
    upstream.fake.script(key, HtmlError(status))
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    message = error_message(reply, fmt, status)
    assert "<" not in message
    assert len(message) <= 200
    assert str(status) in message
    assert "<html" not in reply.text
    assert "with an HTML page" in message


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("path", "body", "key", "fmt"), FAMILIES)
def test_connection_refused_is_a_quick_502(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any], key: str, fmt: str
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}"
    proxy = start_proxy(all_families(dead))
    started = time.monotonic()
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    elapsed = time.monotonic() - started
    message = error_message(reply, fmt, 502)
    assert "unreachable" in message
    assert elapsed < 2.0
    assert upstream.fake.requests == []


def test_sdks_raise_their_own_errors_for_upstream_failures(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(CLAUDE_KEY, Fail(529, body=UPSTREAM_BODIES["claude"]), Fail(500))
    claude = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        claude.messages.create(model=CLAUDE_MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    assert overloaded.value.status_code == 529
    assert overloaded.value.body == UPSTREAM_BODIES["claude"]
    with pytest.raises(anthropic.InternalServerError):
        with claude.messages.stream(
            model=CLAUDE_MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            stream.get_final_message()

    upstream.fake.script(COMPAT_KEY, Fail(429))
    upstream.fake.script(CODEX_KEY, HtmlError(502))
    oai = openai.OpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)
    with pytest.raises(openai.RateLimitError) as limited:
        oai.chat.completions.create(model="kimi-k2", messages=[{"role": "user", "content": "hi"}])
    assert limited.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.InternalServerError) as gateway:
        oai.responses.create(model="gpt-5", input="hi", stream=True)
    assert gateway.value.status_code == 502
    assert "<html" not in gateway.value.message

    upstream.fake.script(GEMINI_KEY, Fail(503))
    gemini = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": proxy.url})
    with pytest.raises(genai_errors.ServerError) as unavailable:
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert unavailable.value.code == 503
    assert unavailable.value.status == "UNAVAILABLE"


@pytest.mark.parametrize(("path", "body", "key", "fmt"), NON_STREAM)
def test_non_stream_answer_cut_short_is_an_error(
    start_proxy: ProxyFactory, upstream: Upstream, path: str, body: dict[str, Any], key: str, fmt: str
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(key, CutStream(after_chunks=2))
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    # Codex always streams upstream; a stream closed before response.completed is a 408 (providers.md §17.14)
    status = 408 if key == CODEX_KEY else 502
    message = error_message(reply, fmt, status)
    assert ("before completion" if key == CODEX_KEY else "broke off") in message


# A client format served by another format's upstream: the upstream's error is re-shaped for the client.
CROSS_FORMAT = [
    pytest.param(
        "/v1/chat/completions",
        {**CHAT_BODY, "model": CLAUDE_MODEL},
        CLAUDE_KEY,
        "openai",
        Fail(529, body=UPSTREAM_BODIES["claude"]),
        id="chat-from-claude",
    ),
    pytest.param(
        "/v1/messages",
        {**CLAUDE_BODY, "model": "gpt-5"},
        CODEX_KEY,
        "claude",
        Fail(500, body=UPSTREAM_BODIES["openai"]),
        id="claude-from-codex",
    ),
    pytest.param(
        f"/v1beta/models/{CLAUDE_MODEL}:generateContent",
        GEMINI_BODY,
        CLAUDE_KEY,
        "google",
        Fail(503, body=UPSTREAM_BODIES["claude"]),
        id="gemini-from-claude",
    ),
    pytest.param(
        "/v1/messages",
        {**CLAUDE_BODY, "model": "gemini-2.5-flash"},
        GEMINI_KEY,
        "claude",
        Fail(503, body=UPSTREAM_BODIES["google"]),
        id="claude-from-gemini",
    ),
    pytest.param(
        "/v1/responses",
        {**RESPONSES_BODY, "model": "kimi-k2"},
        COMPAT_KEY,
        "openai",
        Fail(429, body=UPSTREAM_BODIES["openai"]),
        id="responses-from-chat",
    ),
]


@pytest.mark.parametrize(("path", "body", "key", "fmt", "failure"), CROSS_FORMAT)
def test_cross_format_upstream_error_is_reshaped_for_the_client(
    start_proxy: ProxyFactory,
    upstream: Upstream,
    path: str,
    body: dict[str, Any],
    key: str,
    fmt: str,
    failure: Fail,
) -> None:
    proxy = _proxy(start_proxy, upstream)
    upstream.fake.script(key, failure)
    with client(proxy) as http:
        reply = http.post(path, json=body, headers=AUTH)
    assert isinstance(failure.body, dict)
    sent_message = failure.body["error"]["message"]
    assert error_message(reply, fmt, failure.status) == sent_message
    assert len(upstream.fake.requests_for(key)) == 1
    shape = reply.json()
    if fmt == "claude":
        assert set(shape) >= {"type", "error"}
        assert shape["error"]["type"] == ("api_error" if failure.status >= 500 else "rate_limit_error")
    elif fmt == "google":
        assert shape == {"error": {"code": failure.status, "message": sent_message, "status": "UNAVAILABLE"}}
    else:
        assert "type" not in shape  # not the Anthropic envelope
