"""Credential selection end to end: round-robin, fill-first, priority, failover and the cooldowns it sets."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import anthropic
import pytest

from server.providers.from_config import credential_id
from tests.e2e.conftest import Proxy, ProxyFactory, Upstream
from tests.fakes import Fail, Reply

SONNET = "claude-sonnet-4-5-20250929"


def _claude_keys(upstream: Upstream, *keys: str, **entries: dict[str, Any]) -> list[dict[str, Any]]:
    """``claude-api-key`` entries for ``keys`` on the fake; ``entries[key]`` adds fields to one entry."""
    return [{"api-key": key, "base-url": upstream.url, **entries.get(key, {})} for key in keys]


def _by_id(upstream: Upstream, *keys: str) -> list[str]:
    """``keys`` in the order of their credential ids (the order both strategies walk)."""
    return sorted(keys, key=lambda key: credential_id("claude:apikey", key, upstream.url))


Ask = Callable[[], str]


@pytest.fixture
def asker() -> Iterator[Callable[[Proxy], Ask]]:
    """``asker(proxy)()`` sends one Anthropic message through ``proxy`` and returns the reply text."""
    with ExitStack() as stack:

        def make(proxy: Proxy) -> Ask:
            client = stack.enter_context(
                anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0)
            )

            def ask() -> str:
                message = client.messages.create(
                    model=SONNET, max_tokens=32, messages=[{"role": "user", "content": "hi"}]
                )
                block = message.content[0]
                assert block.type == "text"
                return block.text

            return ask

        yield make


def _keys_seen(upstream: Upstream) -> list[str]:
    return [record.api_key for record in upstream.fake.requests]


def _answer_with_key_names(upstream: Upstream, *keys: str) -> None:
    """Every key answers ``from <key>`` once its script is used up, so the client sees who answered."""
    for key in keys:
        upstream.fake.always(key, Reply(text=f"from {key}"))


def test_round_robin_rotates_over_three_keys(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    keys = _by_id(upstream, "sk-rr-1", "sk-rr-2", "sk-rr-3")
    proxy = start_proxy({"claude-api-key": _claude_keys(upstream, *keys)})
    ask = asker(proxy)
    for _ in range(6):
        ask()
    assert _keys_seen(upstream) == keys * 2
    ids = sorted(credential_id("claude:apikey", key, upstream.url) for key in keys)
    assert [record.credential_id for record in proxy.usage] == ids * 2


def test_fill_first_drains_the_lowest_id_until_it_is_cooled(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    first, second, third = _by_id(upstream, "sk-ff-1", "sk-ff-2", "sk-ff-3")
    proxy = start_proxy(
        {
            "routing": {"strategy": "fill-first"},
            "claude-api-key": _claude_keys(upstream, third, first, second),
        }
    )
    ask = asker(proxy)
    _answer_with_key_names(upstream, first, second, third)
    assert [ask() for _ in range(3)] == [f"from {first}"] * 3
    upstream.fake.script(first, Fail(429, retry_after=60))
    assert ask() == f"from {second}"
    assert [ask() for _ in range(2)] == [f"from {second}"] * 2
    assert _keys_seen(upstream) == [first] * 4 + [second] * 3


def test_priority_key_takes_every_request_while_available(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    low_a, low_b, high = _by_id(upstream, "sk-pr-1", "sk-pr-2", "sk-pr-3")
    entries = _claude_keys(upstream, low_a, low_b, high, **{high: {"priority": 10}, low_a: {"priority": 1}})
    proxy = start_proxy({"claude-api-key": entries})
    ask = asker(proxy)
    _answer_with_key_names(upstream, low_a, low_b, high)
    assert [ask() for _ in range(4)] == [f"from {high}"] * 4
    upstream.fake.script(high, Fail(500))
    assert ask() == f"from {low_a}"
    # With the high key cooled, the next best priority (low_a, priority 1) takes over alone.
    assert [ask() for _ in range(2)] == [f"from {low_a}"] * 2
    assert _keys_seen(upstream) == [high] * 5 + [low_a] * 3


def test_429_fails_over_and_cools_the_key_until_its_hint_expires(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    key_a, key_b = _by_id(upstream, "sk-429-a", "sk-429-b")
    proxy = start_proxy({"claude-api-key": _claude_keys(upstream, key_a, key_b)})
    ask = asker(proxy)
    upstream.fake.script(key_a, Fail(429, retry_after=1))
    _answer_with_key_names(upstream, key_a, key_b)
    assert ask() == f"from {key_b}"
    cooled_before = time.monotonic()  # the 1 s cooldown began before this answer arrived
    assert _keys_seen(upstream) == [key_a, key_b]
    assert [ask() for _ in range(2)] == [f"from {key_b}"] * 2
    assert key_a not in _keys_seen(upstream)[2:]
    time.sleep(max(0.0, cooled_before + 1.1 - time.monotonic()))
    upstream.fake.clear()
    answers = {ask() for _ in range(2)}
    assert answers == {f"from {key_a}", f"from {key_b}"}


def test_500_fails_over_and_skips_the_key_afterwards(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    key_a, key_b = _by_id(upstream, "sk-500-a", "sk-500-b")
    proxy = start_proxy({"claude-api-key": _claude_keys(upstream, key_a, key_b)})
    ask = asker(proxy)
    upstream.fake.script(key_a, Fail(500))
    _answer_with_key_names(upstream, key_a, key_b)
    assert ask() == f"from {key_b}"
    assert [ask() for _ in range(3)] == [f"from {key_b}"] * 3
    assert _keys_seen(upstream) == [key_a] + [key_b] * 4


def test_invalid_request_error_is_returned_at_once(
    start_proxy: ProxyFactory, upstream: Upstream, asker: Callable[[Proxy], Ask]
) -> None:
    key_a, key_b = _by_id(upstream, "sk-400-a", "sk-400-b")
    proxy = start_proxy({"claude-api-key": _claude_keys(upstream, key_a, key_b)})
    ask = asker(proxy)
    upstream.fake.script(key_a, Fail(400))
    with pytest.raises(anthropic.BadRequestError) as caught:
        ask()
    assert caught.value.status_code == 400
    body = caught.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert _keys_seen(upstream) == [key_a]
