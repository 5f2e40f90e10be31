"""Model listings end to end: OpenAI, Anthropic and Gemini shapes of /v1/models and /v1beta/models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from tests.e2e.conftest import Proxy, ProxyFactory, Upstream

CLAUDE_MODELS = {
    "claude-3-5-haiku-20241022",
    "claude-3-7-sonnet-20250219",
    "claude-haiku-4-5-20251001",
    "claude-opus-4-1-20250805",
    "claude-opus-4-20250514",
    "claude-opus-4-5-20251101",
    "claude-sonnet-4-20250514",
    "claude-sonnet-4-5-20250929",
}
GEMINI_MODELS = {
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.5-pro",
    "gemini-3-pro-image-preview",
    "gemini-3-pro-preview",
}
ALL_MODELS = CLAUDE_MODELS | GEMINI_MODELS


@pytest.fixture
def proxy(start_proxy: ProxyFactory, upstream: Upstream) -> Proxy:
    """A proxy with one Claude key and one Gemini key, both on their built-in catalogues."""
    return start_proxy(
        {
            "claude-api-key": [{"api-key": "sk-ant-list", "base-url": upstream.url}],
            "gemini-api-key": [{"api-key": "AIza-list", "base-url": upstream.url}],
        }
    )


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    """SDK clients entered here are closed after the test, before the proxy stops."""
    with ExitStack() as stack:
        yield stack


def _get(proxy: Proxy, path: str, **headers: str) -> httpx.Response:
    return httpx.get(proxy.url + path, headers={"authorization": f"Bearer {proxy.key}", **headers})


def _gemini(closing: ExitStack, proxy: Proxy, api_version: str | None) -> genai.Client:
    options = genai_types.HttpOptions(base_url=proxy.url, api_version=api_version)
    return closing.enter_context(genai.Client(api_key=proxy.key, http_options=options))


def test_openai_shape_by_default(proxy: Proxy) -> None:
    response = _get(proxy, "/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"object", "data"}
    assert body["object"] == "list"
    assert {entry["id"] for entry in body["data"]} == ALL_MODELS
    for entry in body["data"]:
        assert set(entry) == {"id", "object", "created", "owned_by"}
        assert entry["object"] == "model"
    owners = {entry["id"]: entry["owned_by"] for entry in body["data"]}
    assert owners["gemini-2.5-pro"] == "google"


@pytest.mark.parametrize(
    "headers",
    [
        {"user-agent": "claude-cli/1.0.83 (external, cli)"},
        {"anthropic-version": "2023-06-01"},
    ],
    ids=["claude-cli-user-agent", "anthropic-version-header"],
)
def test_anthropic_shape_for_anthropic_callers(proxy: Proxy, headers: dict[str, str]) -> None:
    body = _get(proxy, "/v1/models", **headers).json()
    assert "object" not in body
    assert body["has_more"] is False
    ids = [entry["id"] for entry in body["data"]]
    assert set(ids) == ALL_MODELS
    assert body["first_id"] == ids[0]
    assert body["last_id"] == ids[-1]
    for entry in body["data"]:
        assert entry["type"] == "model"
        assert entry["display_name"]
        assert entry["created_at"].endswith("Z")


def test_anthropic_sdk_lists_and_retrieves_models(proxy: Proxy, closing: ExitStack) -> None:
    client = closing.enter_context(anthropic.Anthropic(base_url=proxy.url, api_key=proxy.key, max_retries=0))
    models = list(client.models.list())
    assert {model.id for model in models} == ALL_MODELS
    sonnet = next(model for model in models if model.id == "claude-sonnet-4-5-20250929")
    assert sonnet.type == "model"
    assert sonnet.display_name
    retrieved = client.models.retrieve("claude-sonnet-4-5-20250929")
    assert retrieved.id == "claude-sonnet-4-5-20250929"
    assert retrieved.type == "model"
    assert retrieved.display_name == sonnet.display_name
    assert retrieved.created_at == sonnet.created_at
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.models.retrieve("no-such-model")
    assert caught.value.response.json()["error"]["type"] == "not_found_error"


def test_gemini_shape_of_v1beta_models(proxy: Proxy) -> None:
    body = _get(proxy, "/v1beta/models").json()
    assert set(body) == {"models"}
    names = [entry["name"] for entry in body["models"]]
    assert all(name.startswith("models/") for name in names)
    assert {name.removeprefix("models/") for name in names} == ALL_MODELS
    for entry in body["models"]:
        assert entry["supportedGenerationMethods"]
        assert entry["displayName"]
    pro = next(entry for entry in body["models"] if entry["name"] == "models/gemini-2.5-pro")
    assert pro["inputTokenLimit"] > 0
    assert pro["outputTokenLimit"] > 0


@pytest.mark.parametrize("api_version", [None, "v1beta"], ids=["sdk-default-v1", "v1beta"])
def test_genai_sdk_lists_and_gets_models(proxy: Proxy, closing: ExitStack, api_version: str | None) -> None:
    client = _gemini(closing, proxy, api_version)
    names = {model.name for model in client.models.list()}
    assert names == {f"models/{model}" for model in ALL_MODELS}
    pro = client.models.get(model="gemini-2.5-pro")
    assert pro.name == "models/gemini-2.5-pro"
    assert pro.display_name == "Gemini 2.5 Pro"
    assert pro.input_token_limit and pro.input_token_limit > 0


@pytest.mark.parametrize(
    "path",
    ["/v1beta/models/gemini-2.5-flash", "/v1beta/models/models/gemini-2.5-flash"],
    ids=["bare", "prefixed"],
)
def test_v1beta_get_one_model(proxy: Proxy, path: str) -> None:
    response = _get(proxy, path)
    assert response.status_code == 200
    entry = response.json()
    assert entry["name"] == "models/gemini-2.5-flash"
    assert "generateContent" in entry["supportedGenerationMethods"]


def test_v1beta_get_unknown_model_is_a_gemini_404(proxy: Proxy, closing: ExitStack) -> None:
    response = _get(proxy, "/v1beta/models/no-such-model")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404
    client = _gemini(closing, proxy, "v1beta")
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.get(model="no-such-model")
    assert caught.value.code == 404


def test_openai_sdk_lists_and_retrieves_models(proxy: Proxy, closing: ExitStack) -> None:
    client = closing.enter_context(
        openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)
    )
    assert {model.id for model in client.models.list()} == ALL_MODELS
    model = client.models.retrieve("claude-opus-4-5-20251101")
    assert model.id == "claude-opus-4-5-20251101"
    assert model.object == "model"
    assert model.owned_by == "anthropic"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("no-such-model")
    assert caught.value.response.json()["error"]["code"] == "model_not_found"
