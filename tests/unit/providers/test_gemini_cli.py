"""Gemini CLI executor: URLs, exact headers, the {model, project, request} envelope, retry hints."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential
from server.formats import gemini
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall
from server.providers.gemini_cli import (
    API_CLIENT,
    PROVIDER,
    GeminiCliProvider,
    cli_user_agent,
    code_assist_envelope,
)
from server.providers.registry import provider_for

CRED = Credential(
    id="gemini-a@b.com-p1.json",
    provider="gemini-cli",
    provider_type="gemini-cli",
    kind="oauth",
    api_key="ya29.token",
    metadata={"project_id": "p1"},
)
BODY: JSONObject = {
    "model": "gemini-2.5-pro",
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "systemInstruction": {"parts": [{"text": "be brief"}]},
    "generationConfig": {"temperature": 0.5},
}
LINUX = GeminiCliProvider(os_arch=("linux", "x64"))
BASE = "https://cloudcode-pa.googleapis.com/v1internal"


@pytest.mark.parametrize(
    ("call", "url", "accept", "stream"),
    [
        (
            UpstreamCall("gemini-2.5-pro", BODY, stream=False),
            f"{BASE}:generateContent",
            "application/json",
            False,
        ),
        (
            UpstreamCall("gemini-2.5-pro", BODY, stream=True),
            f"{BASE}:streamGenerateContent?alt=sse",
            "text/event-stream",
            True,
        ),
        (
            UpstreamCall("gemini-2.5-pro", BODY, stream=False, action="count_tokens"),
            f"{BASE}:countTokens",
            "application/json",
            False,
        ),
    ],
    ids=["generate", "stream", "count-tokens"],
)
def test_url_and_exact_headers(call: UpstreamCall, url: str, accept: str, stream: bool) -> None:
    request = LINUX.build_request(CRED, call)
    assert request.method == "POST"
    assert request.url == url
    assert request.stream is stream
    assert request.headers == {
        "Content-Type": "application/json",
        "Authorization": "Bearer ya29.token",
        "User-Agent": "GeminiCLI/0.31.0/gemini-2.5-pro (linux; x64)",
        "X-Goog-Api-Client": "google-genai-sdk/1.41.0 gl-node/v22.19.0",
        "Accept": accept,
    }


def test_generate_envelope_has_model_project_and_request() -> None:
    request = PROVIDER.build_request(CRED, UpstreamCall("gemini-2.5-pro", BODY, stream=True))
    sent = json.loads(request.content)
    assert set(sent) == {"model", "project", "request"}
    assert sent["model"] == "gemini-2.5-pro"
    assert sent["project"] == "p1"
    inner = sent["request"]
    assert "model" not in inner
    assert inner["contents"] == BODY["contents"]
    assert inner["systemInstruction"] == BODY["systemInstruction"]
    assert inner["generationConfig"] == {"temperature": 0.5}
    assert {s["category"] for s in inner["safetySettings"]} >= {"HARM_CATEGORY_HARASSMENT"}
    assert BODY["model"] == "gemini-2.5-pro"  # the pipeline's body is untouched


def test_count_tokens_envelope_drops_model_project_and_safety() -> None:
    body = {**BODY, "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"}]}
    call = UpstreamCall("gemini-2.5-pro", body, stream=False, action="count_tokens")
    request = PROVIDER.build_request(CRED, call)
    sent = json.loads(request.content)
    assert set(sent) == {"request"}
    assert "safetySettings" not in sent["request"] and "model" not in sent["request"]
    assert sent["request"]["contents"] == BODY["contents"]


@pytest.mark.parametrize(
    ("model", "config", "expected"),
    [
        ("gemini-3-pro-preview", None, {"thinkingConfig": {"thinkingBudget": -1, "includeThoughts": True}}),
        (
            "gemini-3-pro-preview",
            {"thinkingConfig": {"thinkingLevel": "low"}},
            {"thinkingConfig": {"thinkingLevel": "low"}},
        ),
        ("gemini-2.5-pro", None, None),
    ],
    ids=["3-pro-default-dynamic", "3-pro-client-config-kept", "2.5-untouched"],
)
def test_gemini_3_pro_thinks_dynamically_by_default(
    model: str, config: JSONObject | None, expected: JSONObject | None
) -> None:
    body: JSONObject = {"contents": []}
    if config is not None:
        body["generationConfig"] = config
    request = code_assist_envelope(body, model, "p")["request"]
    assert isinstance(request, dict)
    assert request.get("generationConfig") == expected


def test_client_safety_settings_are_kept() -> None:
    settings = [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_LOW_AND_ABOVE"}]
    body: JSONObject = {"contents": [], "safetySettings": settings}
    request = code_assist_envelope(body, "gemini-2.5-pro", "p")["request"]
    assert isinstance(request, dict) and request["safetySettings"] == settings


def test_base_url_and_configured_headers_override() -> None:
    cred = Credential(
        id="x",
        provider="gemini-cli",
        provider_type="gemini-cli",
        kind="oauth",
        api_key="t",
        base_url="http://127.0.0.1:9/",
        headers=(("user-agent", "custom/1"),),
        metadata={"project_id": "p9"},
    )
    request = LINUX.build_request(cred, UpstreamCall("gemini-2.5-flash", BODY, stream=False))
    assert request.url == "http://127.0.0.1:9/v1internal:generateContent"
    assert request.headers["user-agent"] == "custom/1" and "User-Agent" not in request.headers
    assert json.loads(request.content)["project"] == "p9"


@pytest.mark.parametrize(
    ("os_arch", "expected"),
    [
        (("darwin", "arm64"), "GeminiCLI/0.31.0/gemini-2.5-pro (darwin; arm64)"),
        (("win32", "x64"), "GeminiCLI/0.31.0/gemini-2.5-pro (win32; x64)"),
    ],
    ids=["mac", "windows"],
)
def test_user_agent(os_arch: tuple[str, str], expected: str) -> None:
    assert cli_user_agent("gemini-2.5-pro", os_arch=os_arch) == expected


def test_default_platform_user_agent_shape() -> None:
    agent = cli_user_agent("m")
    assert agent.startswith("GeminiCLI/0.31.0/m (") and agent.endswith(")")
    assert API_CLIENT.startswith("google-genai-sdk/")


def test_retry_info_is_the_hint() -> None:
    body = {
        "error": {
            "code": 429,
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"}],
        }
    }
    assert PROVIDER.retry_hint(429, json.dumps(body).encode(), {}) == 2.5
    assert PROVIDER.retry_hint(429, b"{}", {}) is None


def test_models_and_registry() -> None:
    ids = [m.id for m in PROVIDER.models(CRED)]
    assert ids == ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-pro-preview"]
    pro = PROVIDER.models(CRED)[0]
    assert pro.thinking is not None and (pro.thinking.min, pro.thinking.max) == (128, 32768)
    assert provider_for(CRED) is PROVIDER
    assert PROVIDER.always_translate is True and PROVIDER.wire_format == "gemini"


def test_gemini_format_reads_the_envelope() -> None:
    wrapped = {
        "response": {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4},
        },
        "traceId": "t",
    }
    parsed = gemini.parse_response(wrapped)
    assert parsed.usage.input_tokens == 3
    assert gemini.parse_count_response({"totalTokens": 7}) == 7
