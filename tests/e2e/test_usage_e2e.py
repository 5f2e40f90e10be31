"""Usage records end to end: one record per upstream attempt, with the tokens the upstream reported."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
import pytest
from google import genai

from server.providers.from_config import credential_id
from server.usage.record import UsageRecord
from tests.e2e.conftest import CLIENT_KEY, Proxy, ProxyFactory, Upstream
from tests.fakes import Fail

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    """SDK clients entered here are closed after the test, before the proxy stops."""
    with ExitStack() as stack:
        yield stack


def _wait_for_usage(proxy: Proxy, count: int, timeout: float = 3.0) -> list[UsageRecord]:
    """The records once ``count`` were published (a stream's record follows its last byte)."""
    deadline = time.monotonic() + timeout
    while len(proxy.usage) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return list(proxy.usage)


def _claude_call(closing: ExitStack, proxy: Proxy, model: str, stream: bool) -> None:
    client = closing.enter_context(anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0))
    messages: Any = [{"role": "user", "content": "hi"}]
    if stream:
        with client.messages.stream(model=model, max_tokens=16, messages=messages) as events:
            assert "".join(events.text_stream)
    else:
        client.messages.create(model=model, max_tokens=16, messages=messages)


def _openai_call(closing: ExitStack, proxy: Proxy, model: str, stream: bool) -> None:
    client = closing.enter_context(
        openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    )
    messages: Any = [{"role": "user", "content": "hi"}]
    if stream:
        chunks = client.chat.completions.create(model=model, messages=messages, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        client.chat.completions.create(model=model, messages=messages)


def _gemini_call(closing: ExitStack, proxy: Proxy, model: str, stream: bool) -> None:
    client = closing.enter_context(genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url}))
    if stream:
        assert "".join(
            c.text or "" for c in client.models.generate_content_stream(model=model, contents="hi")
        )
    else:
        client.models.generate_content(model=model, contents="hi")


@dataclass(frozen=True)
class Family:
    section: str
    kind: str
    provider: str
    model: str
    upstream_model: str
    call: Callable[[ExitStack, Proxy, str, bool], None]

    def settings(self, upstream: Upstream, *keys: str) -> dict[str, Any]:
        if self.section == "openai-compatibility":
            entries = [{"api-key": key} for key in keys]
            compat = {
                "name": "Router",
                "base-url": upstream.url + "/v1",
                "api-key-entries": entries,
                "models": [{"name": self.upstream_model, "alias": self.model}],
            }
            return {self.section: [compat]}
        return {self.section: [{"api-key": key, "base-url": upstream.url} for key in keys]}

    def credential_id(self, upstream: Upstream, key: str) -> str:
        if self.section == "openai-compatibility":
            return credential_id(self.kind, key, upstream.url + "/v1", "")
        return credential_id(self.kind, key, upstream.url)


FAMILIES = [
    Family("claude-api-key", "claude:apikey", "claude", SONNET, SONNET, _claude_call),
    Family("openai-compatibility", "openai-compatibility:Router", "router", "rm", "vendor/rm", _openai_call),
    Family("gemini-api-key", "gemini:apikey", "gemini", "gemini-2.5-flash", "gemini-2.5-flash", _gemini_call),
]


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("family", FAMILIES, ids=[f.provider for f in FAMILIES])
def test_one_record_with_the_upstream_token_counts(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack, family: Family, stream: bool
) -> None:
    proxy = start_proxy(family.settings(upstream, "key-usage-1"))
    family.call(closing, proxy, family.model, stream)
    records = _wait_for_usage(proxy, 1)
    assert len(records) == 1
    (record,) = records
    assert (record.input_tokens, record.output_tokens) == (11, 7)
    assert record.total_tokens == 18
    assert record.client_key == CLIENT_KEY
    assert record.provider == family.provider
    assert record.credential_id == family.credential_id(upstream, "key-usage-1")
    assert record.requested_model == family.model
    assert record.upstream_model == family.upstream_model
    assert record.stream is stream
    assert (record.status, record.failed) == (200, False)
    time.sleep(0.05)
    assert len(proxy.usage) == 1


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_failover_records_the_failure_then_the_success(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack, stream: bool
) -> None:
    family = FAMILIES[0]
    key_a, key_b = sorted(("sk-use-a", "sk-use-b"), key=lambda k: family.credential_id(upstream, k))
    proxy = start_proxy(family.settings(upstream, key_a, key_b))
    upstream.fake.script(key_a, Fail(500))
    family.call(closing, proxy, SONNET, stream)
    failed, succeeded = _wait_for_usage(proxy, 2)
    assert failed.credential_id == family.credential_id(upstream, key_a)
    assert (failed.status, failed.failed) == (500, True)
    assert (failed.input_tokens, failed.output_tokens) == (0, 0)
    assert succeeded.credential_id == family.credential_id(upstream, key_b)
    assert (succeeded.status, succeeded.failed) == (200, False)
    assert (succeeded.input_tokens, succeeded.output_tokens) == (11, 7)
    assert failed.client_key == succeeded.client_key == CLIENT_KEY
