"""Model names end to end: per-key aliases, prefixes (and force-model-prefix), excluded-models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from tests.e2e.conftest import Proxy, ProxyFactory, Upstream

SONNET = "claude-sonnet-4-5-20250929"
GEMINI_MODELS = {
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.5-pro",
    "gemini-3-pro-image-preview",
    "gemini-3-pro-preview",
}


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    """SDK clients entered here are closed after the test, before the proxy stops."""
    with ExitStack() as stack:
        yield stack


def _claude(closing: ExitStack, proxy: Proxy) -> anthropic.Anthropic:
    return closing.enter_context(anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0))


def _openai(closing: ExitStack, proxy: Proxy) -> openai.OpenAI:
    return closing.enter_context(openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0))


def _gemini(closing: ExitStack, proxy: Proxy) -> genai.Client:
    return closing.enter_context(genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url}))


def _say(client: anthropic.Anthropic, model: str) -> None:
    client.messages.create(model=model, max_tokens=16, messages=[{"role": "user", "content": "hi"}])


def _listed(proxy: Proxy) -> set[str]:
    response = httpx.get(proxy.url + "/v1/models", headers={"authorization": f"Bearer {proxy.key}"})
    return {entry["id"] for entry in response.json()["data"]}


def _listed_gemini(proxy: Proxy) -> set[str]:
    response = httpx.get(proxy.url + "/v1beta/models", headers={"x-goog-api-key": proxy.key})
    return {entry["name"].removeprefix("models/") for entry in response.json()["models"]}


def _claude_key(upstream: Upstream, key: str, **fields: Any) -> dict[str, Any]:
    return {"api-key": key, "base-url": upstream.url, **fields}


# -- aliases -----------------------------------------------------------------------------------


def test_claude_key_alias_serves_only_its_listed_models(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    entry = _claude_key(upstream, "sk-alias", models=[{"name": SONNET, "alias": "sonnet"}])
    proxy = start_proxy({"claude-api-key": [entry]})
    client = _claude(closing, proxy)
    _say(client, "sonnet")
    sent = upstream.fake.requests
    assert [(r.api_key, r.json["model"]) for r in sent] == [("sk-alias", SONNET)]
    assert _listed(proxy) == {"sonnet"}
    with pytest.raises(anthropic.NotFoundError):
        _say(client, "claude-haiku-4-5-20251001")
    assert len(upstream.fake.requests) == 1


def test_openai_compatibility_alias_goes_upstream_by_name(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    compat = {
        "name": "router",
        "base-url": upstream.url + "/v1",
        "api-key-entries": [{"api-key": "sk-router"}],
        "models": [{"name": "vendor/big-model:free", "alias": "big"}],
    }
    proxy = start_proxy({"openai-compatibility": [compat]})
    client = _openai(closing, proxy)
    client.chat.completions.create(model="big", messages=[{"role": "user", "content": "hi"}])
    assert upstream.fake.requests[0].json["model"] == "vendor/big-model:free"
    assert _listed(proxy) == {"big"}


def test_gemini_key_alias_goes_upstream_by_name(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    entry = {
        "api-key": "AIza-alias",
        "base-url": upstream.url,
        "models": [{"name": "gemini-2.5-pro", "alias": "gp"}],
    }
    proxy = start_proxy({"gemini-api-key": [entry]})
    _gemini(closing, proxy).models.generate_content(model="gp", contents="hi")
    assert upstream.fake.requests[0].path == "/v1beta/models/gemini-2.5-pro:generateContent"
    assert _listed_gemini(proxy) == {"gp"}


# -- prefixes ----------------------------------------------------------------------------------


def test_prefixed_model_routes_only_to_the_prefixed_key(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(
        {
            "claude-api-key": [
                _claude_key(upstream, "sk-team-a", prefix="teamA"),
                _claude_key(upstream, "sk-plain"),
            ]
        }
    )
    client = _claude(closing, proxy)
    for _ in range(3):
        _say(client, f"teamA/{SONNET}")
    sent = upstream.fake.requests
    assert [r.api_key for r in sent] == ["sk-team-a"] * 3
    assert {r.json["model"] for r in sent} == {SONNET}
    upstream.fake.clear()
    for _ in range(4):
        _say(client, SONNET)
    # Without force-model-prefix the bare id is served by both keys.
    assert {r.api_key for r in upstream.fake.requests} == {"sk-team-a", "sk-plain"}
    assert {SONNET, f"teamA/{SONNET}"} <= _listed(proxy)


def test_force_model_prefix_keeps_bare_ids_off_prefixed_keys(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(
        {
            "force-model-prefix": True,
            "claude-api-key": [
                _claude_key(upstream, "sk-team-a", prefix="teamA"),
                _claude_key(upstream, "sk-plain"),
            ],
        }
    )
    client = _claude(closing, proxy)
    for _ in range(3):
        _say(client, SONNET)
    _say(client, f"teamA/{SONNET}")
    assert [r.api_key for r in upstream.fake.requests] == ["sk-plain"] * 3 + ["sk-team-a"]


def test_force_model_prefix_alone_lists_only_prefixed_ids_and_404s_bare_ones(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(
        {"force-model-prefix": True, "claude-api-key": [_claude_key(upstream, "sk-team-a", prefix="teamA")]}
    )
    listed = _listed(proxy)
    assert f"teamA/{SONNET}" in listed
    assert all(model.startswith("teamA/") for model in listed)
    with pytest.raises(anthropic.NotFoundError) as caught:
        _say(_claude(closing, proxy), SONNET)
    body = caught.value.response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "not_found_error"
    assert upstream.fake.requests == []


# -- exclusions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "hidden"),
    [
        (["*-flash*"], {"gemini-2.5-flash", "gemini-2.5-flash-lite"}),
        (["*-FLASH*"], {"gemini-2.5-flash", "gemini-2.5-flash-lite"}),
        (["GEMINI-2.5-PRO"], {"gemini-2.5-pro"}),
        (["*-preview"], {"gemini-3-pro-preview", "gemini-3-pro-image-preview"}),
        (["gemini-*-pro*"], {"gemini-2.5-pro", "gemini-3-pro-preview", "gemini-3-pro-image-preview"}),
        (
            ["*lite", "gemini-3*"],
            {"gemini-2.5-flash-lite", "gemini-3-pro-preview", "gemini-3-pro-image-preview"},
        ),
    ],
    ids=[
        "suffix-wildcard",
        "upper-case-pattern",
        "exact-any-case",
        "ends-with",
        "middle-piece",
        "two-patterns",
    ],
)
def test_excluded_models_disappear_from_both_listings(
    start_proxy: ProxyFactory, upstream: Upstream, patterns: list[str], hidden: set[str]
) -> None:
    entry = {"api-key": "AIza-ex", "base-url": upstream.url, "excluded-models": patterns}
    proxy = start_proxy({"gemini-api-key": [entry]})
    assert _listed(proxy) == GEMINI_MODELS - hidden
    assert _listed_gemini(proxy) == GEMINI_MODELS - hidden


def _ask_gemini(closing: ExitStack, proxy: Proxy, model: str) -> dict[str, Any]:
    client = _gemini(closing, proxy)
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model=model, contents="hi")
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    return caught.value.details  # type: ignore[no-any-return]


def _ask_openai(closing: ExitStack, proxy: Proxy, model: str) -> dict[str, Any]:
    with pytest.raises(openai.NotFoundError) as caught:
        _openai(closing, proxy).chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
    body: dict[str, Any] = caught.value.response.json()
    assert body["error"]["code"] == "model_not_found"
    return body


def _ask_claude(closing: ExitStack, proxy: Proxy, model: str) -> dict[str, Any]:
    with pytest.raises(anthropic.NotFoundError) as caught:
        _say(_claude(closing, proxy), model)
    body: dict[str, Any] = caught.value.response.json()
    assert body["error"]["type"] == "not_found_error"
    return body


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "GEMINI-2.5-Flash"], ids=["as-listed", "other-case"])
@pytest.mark.parametrize("ask", [_ask_gemini, _ask_openai, _ask_claude], ids=["genai", "openai", "anthropic"])
def test_request_for_an_excluded_model_is_a_404_in_the_client_format(
    start_proxy: ProxyFactory,
    upstream: Upstream,
    closing: ExitStack,
    ask: Callable[[ExitStack, Proxy, str], dict[str, Any]],
    model: str,
) -> None:
    entry = {"api-key": "AIza-ex", "base-url": upstream.url, "excluded-models": ["*-flash*"]}
    proxy = start_proxy({"gemini-api-key": [entry]})
    body = ask(closing, proxy, model)
    assert model in str(body)
    assert upstream.fake.requests == []


def test_exclusion_applies_to_its_own_key_only(
    start_proxy: ProxyFactory, upstream: Upstream, closing: ExitStack
) -> None:
    proxy = start_proxy(
        {
            "gemini-api-key": [
                {"api-key": "AIza-noflash", "base-url": upstream.url, "excluded-models": ["*flash*"]},
                {"api-key": "AIza-all", "base-url": upstream.url},
            ]
        }
    )
    client = _gemini(closing, proxy)
    for _ in range(3):
        client.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert [r.api_key for r in upstream.fake.requests] == ["AIza-all"] * 3
    upstream.fake.clear()
    for _ in range(2):
        client.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert {r.api_key for r in upstream.fake.requests} == {"AIza-noflash", "AIza-all"}
    assert "gemini-2.5-flash" in _listed(proxy)
