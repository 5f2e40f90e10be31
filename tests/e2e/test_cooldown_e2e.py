"""Quota cooldowns end to end: the model_cooldown answer, wait-and-retry rounds, the preview-model switch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import Proxy, ProxyFactory, Upstream
from tests.fakes import Fail, Reply

SONNET = "claude-sonnet-4-5-20250929"
PREVIEW = "gemini-2.5-pro-preview-06-05"


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    """SDK clients entered here are closed after the test, before the proxy stops."""
    with ExitStack() as stack:
        yield stack


def _openai(closing: ExitStack, proxy: Proxy) -> openai.OpenAI:
    return closing.enter_context(openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0))


def _claude(closing: ExitStack, proxy: Proxy) -> anthropic.Anthropic:
    return closing.enter_context(anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0))


def _gemini(closing: ExitStack, proxy: Proxy) -> genai.Client:
    return closing.enter_context(genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url}))


def _chat(client: openai.OpenAI, model: str) -> str:
    reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    return reply.choices[0].message.content or ""


def _pool(upstream: Upstream, *keys: str) -> dict[str, Any]:
    return {
        "openai-compatibility": [
            {
                "name": "Pool",
                "base-url": upstream.url + "/v1",
                "api-key-entries": [{"api-key": key} for key in keys],
                "models": [{"name": "vendor/model-x", "alias": "mx"}],
            }
        ]
    }


def test_all_keys_cooling_answers_model_cooldown_without_calling_upstream(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(_pool(upstream, "sk-cool-a", "sk-cool-b"))
    for key in ("sk-cool-a", "sk-cool-b"):
        upstream.fake.script(key, Fail(429, retry_after=60))
    client = _openai(closing, proxy)
    with pytest.raises(openai.RateLimitError) as first:
        _chat(client, "mx")
    # The round's last attempt answers: the upstream's own 429 body, untouched.
    assert first.value.response.json()["error"]["code"] == "rate_limit_exceeded"
    assert sorted(r.api_key for r in upstream.fake.requests) == ["sk-cool-a", "sk-cool-b"]

    with pytest.raises(openai.RateLimitError) as second:
        _chat(client, "mx")
    response = second.value.response
    assert response.status_code == 429
    assert 58 <= int(response.headers["retry-after"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "model_cooldown"
    assert error["message"] == "All credentials for model mx are cooling down via provider pool"
    assert error["model"] == "mx"
    assert error["provider"] == "pool"
    seconds = error["reset_seconds"]
    assert 58 <= seconds <= 60
    assert error["reset_time"] == ("1m0s" if seconds == 60 else f"{seconds}s")
    assert len(upstream.fake.requests) == 2


def test_model_cooldown_in_the_claude_format(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    keys = ("sk-cool-c", "sk-cool-d")
    proxy = start_proxy({"claude-api-key": [{"api-key": k, "base-url": upstream.url} for k in keys]})
    for key in keys:
        upstream.fake.script(key, Fail(429, retry_after=60))
    client = _claude(closing, proxy)
    for _ in range(2):
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.messages.create(model=SONNET, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    response = caught.value.response
    assert 58 <= int(response.headers["retry-after"]) <= 60
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "rate_limit_error"
    assert body["error"]["message"].startswith(f"All credentials for model {SONNET} are cooling down")
    assert len(upstream.fake.requests) == 2


def test_retry_round_waits_for_a_short_hint_then_succeeds(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(
        {
            "request-retry": 2,
            "max-retry-interval": 5,
            "claude-api-key": [{"api-key": "sk-wait", "base-url": upstream.url}],
        }
    )
    upstream.fake.script("sk-wait", Fail(429, retry_after=1), Reply(text="after the wait"))
    started = time.monotonic()
    message = _claude(closing, proxy).messages.create(
        model=SONNET, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
    )
    elapsed = time.monotonic() - started
    assert message.content[0].type == "text"
    assert message.content[0].text == "after the wait"
    assert [r.api_key for r in upstream.fake.requests] == ["sk-wait", "sk-wait"]
    assert elapsed >= 0.9


def _preview_setup(upstream: Upstream, switch: bool) -> dict[str, Any]:
    return {
        "quota-exceeded": {"switch-preview-model": switch},
        "gemini-api-key": [
            {"api-key": "AIza-main", "base-url": upstream.url, "models": [{"name": "gemini-2.5-pro"}]},
            {
                "api-key": "AIza-preview",
                "base-url": upstream.url,
                "models": [{"name": PREVIEW, "alias": "gemini-2.5-pro-preview-latest"}],
            },
        ],
    }


def test_quota_on_every_credential_switches_to_the_preview_model(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(_preview_setup(upstream, switch=True))
    upstream.fake.always("AIza-main", Fail(429, retry_after=60))
    upstream.fake.always("AIza-preview", Reply(text="from the preview"))
    client = _gemini(closing, proxy)
    for _ in range(2):
        reply = client.models.generate_content(model="gemini-2.5-pro", contents="hi")
        assert reply.text == "from the preview"
    seen = [(r.api_key, r.path) for r in upstream.fake.requests]
    assert seen == [
        ("AIza-main", "/v1beta/models/gemini-2.5-pro:generateContent"),
        ("AIza-preview", f"/v1beta/models/{PREVIEW}:generateContent"),
        # The second request finds gemini-2.5-pro cooling and goes straight to the preview.
        ("AIza-preview", f"/v1beta/models/{PREVIEW}:generateContent"),
    ]


def test_without_the_preview_switch_the_client_gets_the_429(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(_preview_setup(upstream, switch=False))
    upstream.fake.always("AIza-main", Fail(429, retry_after=60))
    client = _gemini(closing, proxy)
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
    assert [r.api_key for r in upstream.fake.requests] == ["AIza-main"]
