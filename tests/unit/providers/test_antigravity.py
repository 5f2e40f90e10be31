"""Antigravity executor: envelope fields, model renames, body surgery, base-URL fallback, model list."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from server.credential import Credential, ModelMapping
from server.errors import UnsupportedRoute
from server.jsontypes import JSONObject
from server.providers.antigravity import (
    DEFAULT_BASE_URLS,
    PROVIDER,
    USER_AGENT,
    AntigravityProvider,
    AntigravityRequest,
    base_urls,
    fetch_models,
    random_project,
)
from server.providers.antigravity_body import antigravity_body, strip_claude_schema
from server.providers.base import UpstreamCall
from server.providers.registry import provider_for
from tests.unit.providers.google_support import Fakes, reset_fakes, serve_fakes

CRED = Credential(
    id="antigravity-a@b.com.json",
    provider="antigravity",
    provider_type="antigravity",
    kind="oauth",
    api_key="ya29.ag",
    metadata={"project_id": "proj-1"},
)
BODY: JSONObject = {
    "model": "gemini-3-pro-preview",
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}],
    "tools": [{"functionDeclarations": [{"name": "f", "parametersJsonSchema": {"type": "object"}}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    "generationConfig": {"maxOutputTokens": 100, "thinkingConfig": {"thinkingLevel": "high"}},
}
FIXED = AntigravityProvider(
    request_id=lambda: "agent-1234", session_id=lambda: "-42", project=lambda: "calm-flow-abcde"
)


@pytest.fixture(scope="module")
def servers() -> Iterator[Fakes]:
    yield from serve_fakes()


@pytest.fixture
def fakes(servers: Fakes) -> Fakes:
    return reset_fakes(servers)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.mark.parametrize(
    ("stream", "path", "accept"),
    [
        (False, "generateContent", "application/json"),
        (True, "streamGenerateContent?alt=sse", "text/event-stream"),
    ],
    ids=["generate", "stream"],
)
def test_request_shape(stream: bool, path: str, accept: str) -> None:
    request = FIXED.build_request(CRED, UpstreamCall("gemini-3-pro-preview", BODY, stream=stream))
    assert isinstance(request, AntigravityRequest)
    assert request.url == f"https://daily-cloudcode-pa.sandbox.googleapis.com/v1internal:{path}"
    assert request.fallback_urls == (f"https://cloudcode-pa.googleapis.com/v1internal:{path}",)
    assert request.stream is stream
    assert request.headers == {
        "Content-Type": "application/json",
        "Authorization": "Bearer ya29.ag",
        "User-Agent": "antigravity/1.11.5 windows/amd64",
        "Accept": accept,
    }
    sent = json.loads(request.content)
    assert sent["model"] == "gemini-3-pro-high"  # client gemini-3-pro-preview → upstream name
    assert sent["userAgent"] == "antigravity"
    assert sent["requestId"] == "agent-1234" and sent["project"] == "proj-1"
    inner = sent["request"]
    assert inner["sessionId"] == "-42"
    assert "safetySettings" not in inner and "model" not in inner
    assert inner["toolConfig"] == {"functionCallingConfig": {"mode": "VALIDATED"}}
    assert inner["generationConfig"] == {
        "thinkingConfig": {"thinkingLevel": "high"}
    }  # gemini-3 keeps its level
    assert BODY["safetySettings"]  # the pipeline's body is untouched


def test_defaults_for_ids_and_project() -> None:
    cred = Credential(id="x", provider="antigravity", provider_type="antigravity", kind="oauth", api_key="t")
    first = json.loads(
        PROVIDER.build_request(cred, UpstreamCall("gemini-2.5-flash", BODY, stream=False)).content
    )
    second = json.loads(
        PROVIDER.build_request(cred, UpstreamCall("gemini-2.5-flash", BODY, stream=False)).content
    )
    assert (
        re.fullmatch(r"agent-[0-9a-f-]{36}", first["requestId"]) and first["requestId"] != second["requestId"]
    )
    assert re.fullmatch(r"-\d+", first["request"]["sessionId"])
    assert re.fullmatch(
        r"(useful|bright|swift|calm|bold)-(fuze|wave|spark|flow|core)-[0-9a-f]{5}", first["project"]
    )
    assert re.fullmatch(r"\w+-\w+-[0-9a-f]{5}", random_project())


def test_user_agent_from_the_file_and_count_tokens_unsupported() -> None:
    cred = Credential(
        id="x",
        provider="antigravity",
        provider_type="antigravity",
        kind="oauth",
        api_key="t",
        metadata={"user_agent": "antigravity/1.21.9 darwin/arm64"},
    )
    request = PROVIDER.build_request(cred, UpstreamCall("gemini-2.5-flash", BODY, stream=False))
    assert request.headers["User-Agent"] == "antigravity/1.21.9 darwin/arm64"
    assert USER_AGENT == "antigravity/1.11.5 windows/amd64"
    with pytest.raises(UnsupportedRoute):
        PROVIDER.build_request(
            cred, UpstreamCall("gemini-2.5-flash", BODY, stream=False, action="count_tokens")
        )


@pytest.mark.parametrize(
    ("model", "config", "expected"),
    [
        (
            "gemini-2.5-flash",
            {"maxOutputTokens": 9, "thinkingConfig": {"thinkingLevel": "low"}},
            {"thinkingBudget": -1},
        ),
        (
            "claude-sonnet-4-5-thinking",
            {"thinkingConfig": {"thinkingBudget": 8000}},
            {"thinkingBudget": 8000},
        ),
        (
            "claude-sonnet-4-5-thinking",
            {"maxOutputTokens": 4000, "thinkingConfig": {"thinkingBudget": 8000}},
            {"thinkingBudget": 3999},
        ),
        (
            "claude-opus-4-5-thinking",
            {"maxOutputTokens": 4000, "thinkingConfig": {"thinkingBudget": 500}},
            None,
        ),
    ],
    ids=["level-to-dynamic", "claude-default-max", "claude-below-max", "claude-below-minimum-dropped"],
)
def test_thinking_fits_the_model(model: str, config: JSONObject, expected: JSONObject | None) -> None:
    sent = antigravity_body(
        {"contents": [], "generationConfig": config}, model, project="p", request_id="r", session_id="s"
    )
    generation = sent["request"]["generationConfig"]  # type: ignore[index]
    assert generation.get("thinkingConfig") == expected
    if "claude" in model:
        assert generation["maxOutputTokens"] == config.get("maxOutputTokens", 64000)
    else:
        assert "maxOutputTokens" not in generation


def test_claude_models_get_plain_parameters_schemas() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3},
            "when": {"anyOf": [{"type": "string", "maxLength": 9}, {"type": "null"}], "description": "d"},
        },
        "$defs": {"x": {}},
    }
    body: JSONObject = {
        "contents": [],
        "tools": [{"functionDeclarations": [{"name": "f", "parametersJsonSchema": schema}]}],
    }
    sent = antigravity_body(body, "claude-sonnet-4-5", project="p", request_id="r", session_id="s")
    (decl,) = sent["request"]["tools"][0]["functionDeclarations"]  # type: ignore[index]
    assert "parametersJsonSchema" not in decl
    assert decl["parameters"] == {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}},
            "when": {"type": "string", "description": "d"},
        },
    }
    gemini = antigravity_body(body, "gemini-2.5-flash", project="p", request_id="r", session_id="s")
    assert gemini["request"]["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"] == schema  # type: ignore[index]
    assert strip_claude_schema([{"$ref": "#/x", "type": "string"}]) == [{"type": "string"}]


@pytest.mark.parametrize(
    ("config", "mode"),
    [
        (None, "VALIDATED"),
        ({"functionCallingConfig": {"mode": "ANY"}}, "VALIDATED"),
        ({"function_calling_config": {"mode": "NONE"}}, "NONE"),
    ],
    ids=["absent", "any", "none-kept"],
)
def test_function_calling_is_validated(config: JSONObject | None, mode: str) -> None:
    body: JSONObject = {"contents": []}
    if config is not None:
        body["tool_config"] = config
    sent = antigravity_body(body, "gemini-2.5-flash", project="p", request_id="r", session_id="s")
    assert sent["request"]["toolConfig"] == {"functionCallingConfig": {"mode": mode}}  # type: ignore[index]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("", DEFAULT_BASE_URLS),
        ("http://127.0.0.1:9/", ("http://127.0.0.1:9",)),
        ("http://a/sandbox, http://a/prod/", ("http://a/sandbox", "http://a/prod")),
    ],
    ids=["defaults-sandbox-first", "one-replaces", "comma-list"],
)
def test_base_urls(base_url: str, expected: tuple[str, ...]) -> None:
    cred = Credential(id="x", provider="antigravity", provider_type="antigravity", base_url=base_url)
    assert base_urls(cred) == expected


def credential(fakes: Fakes, base_url: str = "", **metadata: object) -> Credential:
    bases = base_url or f"{fakes.google.url('/sandbox')},{fakes.google.url('/prod')}"
    return Credential(
        id="antigravity-a@b.com.json",
        provider="antigravity",
        provider_type="antigravity",
        kind="oauth",
        api_key="ya29.ag",
        base_url=bases,
        metadata={"project_id": "proj-1", **metadata},
    )


async def test_a_429_moves_the_same_request_to_the_next_base(fakes: Fakes, http: httpx.AsyncClient) -> None:
    fakes.google.configure(fail_prefixes=("/sandbox",))
    request = FIXED.build_request(credential(fakes), UpstreamCall("gemini-2.5-flash", BODY, stream=False))
    response = await PROVIDER.send(http, request)
    await response.aread()
    assert response.status_code == 200 and "response" in response.json()
    assert [r.path for r in fakes.google.requests] == ["/sandbox/v1internal:generateContent"]
    (second,) = fakes.google.upstream.requests
    assert second.path == "/prod/v1internal:generateContent"
    assert second.body == request.content  # the same body, ids included
    assert second.headers["authorization"] == "Bearer ya29.ag"


async def test_unreachable_base_falls_through_and_the_last_429_is_returned(
    fakes: Fakes, http: httpx.AsyncClient
) -> None:
    fakes.google.configure(fail_prefixes=("/prod",))
    cred = credential(fakes, f"http://127.0.0.1:9/sandbox,{fakes.google.url('/prod')}")
    response = await PROVIDER.send(
        http, FIXED.build_request(cred, UpstreamCall("gemini-2.5-flash", BODY, stream=True))
    )
    body = await response.aread()
    assert response.status_code == 429
    assert PROVIDER.retry_hint(429, body, response.headers) == 1.0


async def test_fetch_models_maps_and_hides_names(fakes: Fakes, http: httpx.AsyncClient) -> None:
    fakes.google.configure(fail_prefixes=("/sandbox",))
    fetched = await fetch_models(http, credential(fakes))
    assert fetched.models == (
        ModelMapping("gemini-2.5-flash"),
        ModelMapping("gemini-3-pro-high", "gemini-3-pro-preview"),
        ModelMapping("claude-sonnet-4-5-thinking", "gemini-claude-sonnet-4-5-thinking"),
    )
    listed = {m.id: m for m in PROVIDER.models(fetched)}
    assert list(listed) == ["gemini-2.5-flash", "gemini-3-pro-preview", "gemini-claude-sonnet-4-5-thinking"]
    claude = listed["gemini-claude-sonnet-4-5-thinking"]
    assert claude.display_name == "Claude Sonnet 4.5 (Thinking)" and claude.max_completion_tokens == 64000
    assert claude.thinking is not None and (claude.thinking.min, claude.thinking.max) == (1024, 200000)
    (call,) = fakes.google.requests_to("/prod/v1internal:fetchAvailableModels")
    assert call.json == {} and call.headers["authorization"] == "Bearer ya29.ag"


@pytest.mark.parametrize("status", [500, 401], ids=["server-error", "unauthorized"])
async def test_fetch_models_failure_means_no_models(
    fakes: Fakes, http: httpx.AsyncClient, status: int
) -> None:
    fakes.google.configure(models_status=status)
    fetched = await fetch_models(http, credential(fakes))
    assert fetched.models == () and PROVIDER.models(fetched) == []
    assert fetched.metadata["models_fetched"] is False


async def test_unreachable_models_endpoint_means_no_models(http: httpx.AsyncClient) -> None:
    cred = Credential(
        id="x", provider="antigravity", provider_type="antigravity", base_url="http://127.0.0.1:9"
    )
    assert PROVIDER.models(await fetch_models(http, cred)) == []


def test_registered_and_no_models_until_the_fetch() -> None:
    assert provider_for(CRED) is PROVIDER and PROVIDER.always_translate is True
    assert PROVIDER.models(CRED) == []
