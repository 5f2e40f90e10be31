"""Payload rules and header passthrough end to end: what the upstream received and what the client saw."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import anthropic
import httpx
import openai
import pytest

from server.jsontypes import JSONObject
from tests.e2e.conftest import Proxy, ProxyFactory, Upstream
from tests.fakes import Fail

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    """SDK clients entered here are closed after the test, before the proxy stops."""
    with ExitStack() as stack:
        yield stack


def _claude(closing: ExitStack, proxy: Proxy) -> anthropic.Anthropic:
    return closing.enter_context(anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0))


def _rule(pattern: str, params: Any, protocol: str = "") -> dict[str, Any]:
    model = {"name": pattern, "protocol": protocol} if protocol else {"name": pattern}
    return {"models": [model], "params": params}


def _received(upstream: Upstream) -> list[JSONObject]:
    bodies = [record.json for record in upstream.fake.requests]
    assert all(isinstance(body, dict) for body in bodies)
    return bodies


def test_default_override_and_filter_edit_the_upstream_body(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    payload = {
        "default": [_rule("claude-*", {"temperature": 0.5, "metadata.user_id": "from-default"})],
        "override": [_rule("claude-sonnet-*", {"top_k": 5})],
        "filter": [_rule("*", ["top_p"])],
    }
    proxy = start_proxy(
        {"payload": payload, "claude-api-key": [{"api-key": "sk-pay", "base-url": upstream.url}]}
    )
    client = _claude(closing, proxy)
    messages: Any = [{"role": "user", "content": "hi"}]
    client.messages.create(
        model=SONNET, max_tokens=16, messages=messages, extra_body={"top_k": 40, "top_p": 0.9}
    )
    client.messages.create(
        model=SONNET,
        max_tokens=16,
        messages=messages,
        metadata={"user_id": "client-user"},
        extra_body={"temperature": 0.9},
    )
    first, second = _received(upstream)
    assert first["temperature"] == 0.5
    assert first["metadata"] == {"user_id": "from-default"}
    assert first["top_k"] == 5
    assert "top_p" not in first
    assert second["temperature"] == 0.9
    assert second["metadata"] == {"user_id": "client-user"}
    assert second["top_k"] == 5
    assert second["messages"] == messages
    assert second["max_tokens"] == 16


@pytest.mark.parametrize(
    ("rule", "applies"),
    [
        (_rule("gpt-*", {"top_k": 5}), False),
        (_rule("Claude-*", {"top_k": 5}), False),
        (_rule("claude-*", {"top_k": 5}, protocol="openai"), False),
        (_rule("claude-*", {"top_k": 5}, protocol="claude"), True),
        (_rule("sonnet", {"top_k": 5}), True),
    ],
    ids=["other-model", "case-sensitive", "other-protocol", "same-protocol", "requested-alias"],
)
def test_which_rules_apply(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack, rule: dict[str, Any], applies: bool
) -> None:
    entry = {"api-key": "sk-pay", "base-url": upstream.url, "models": [{"name": SONNET, "alias": "sonnet"}]}
    proxy = start_proxy({"payload": {"override": [rule]}, "claude-api-key": [entry]})
    _claude(closing, proxy).messages.create(
        model="sonnet", max_tokens=16, messages=[{"role": "user", "content": "hi"}]
    )
    (body,) = _received(upstream)
    assert ("top_k" in body) is applies


def test_payload_rules_on_an_openai_compatible_upstream(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    compat = {
        "name": "router",
        "base-url": upstream.url + "/v1",
        "api-key-entries": [{"api-key": "sk-router"}],
        "models": [{"name": "vendor/model", "alias": "vm"}],
    }
    payload = {
        "default": [_rule("vm", {"reasoning.effort": "low"}, protocol="openai")],
        "override": [_rule("vendor/*", {"temperature": 0.2})],
        "filter": [_rule("vm", ["user"])],
    }
    proxy = start_proxy({"payload": payload, "openai-compatibility": [compat]})
    client = closing.enter_context(
        openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    )
    client.chat.completions.create(
        model="vm", messages=[{"role": "user", "content": "hi"}], temperature=1.0, user="someone"
    )
    (body,) = _received(upstream)
    assert body["reasoning"] == {"effort": "low"}
    assert body["temperature"] == 0.2
    assert "user" not in body
    assert body["model"] == "vendor/model"


# -- passthrough-headers -----------------------------------------------------------------------
# The fake sets custom response headers only on scripted failures (Fail(headers=...)), so the
# relay is shown on an upstream error that reaches the client.


@pytest.mark.parametrize("passthrough", [True, False], ids=["on", "off"])
def test_passthrough_headers_relays_upstream_response_headers(
    start_proxy: ProxyFactory, upstream: Upstream, passthrough: bool
) -> None:
    proxy = start_proxy(
        {
            "passthrough-headers": passthrough,
            "claude-api-key": [{"api-key": "sk-hdr", "base-url": upstream.url}],
        }
    )
    upstream.fake.script("sk-hdr", Fail(400, headers={"x-request-id": "req-fake-42"}))
    response = httpx.post(
        proxy.url + "/v1/messages",
        headers={"x-api-key": proxy.key, "anthropic-version": "2023-06-01"},
        json={"model": SONNET, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.headers.get("x-request-id") == ("req-fake-42" if passthrough else None)


def test_passthrough_headers_do_not_duplicate_the_stream_headers(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    proxy = start_proxy(
        {"passthrough-headers": True, "claude-api-key": [{"api-key": "sk-hdr", "base-url": upstream.url}]}
    )
    body = {
        "model": SONNET,
        "max_tokens": 16,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    headers = {"x-api-key": proxy.key, "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", proxy.url + "/v1/messages", headers=headers, json=body) as response:
        text = "".join(response.iter_text())
    assert response.status_code == 200
    assert "message_stop" in text
    assert response.headers.get_list("cache-control") == ["no-cache"]
