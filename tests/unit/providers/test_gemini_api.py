"""Gemini API provider: exact URLs, headers and bodies; models; retry hints."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential, ModelMapping
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall
from server.providers.gemini_api import PROVIDER, GeminiApiProvider

KEY = Credential(id="gemini:apikey:1", provider="gemini", provider_type="gemini", api_key="AIza-test")
BODY: JSONObject = {
    "model": "client-model",
    "session_id": "s1",
    "contents": [{"role": "user", "parts": [{"text": "héllo"}]}],
    "generationConfig": {"temperature": 0.2},
}


@pytest.mark.parametrize(
    ("credential", "call", "url", "stream"),
    [
        (
            KEY,
            UpstreamCall(model="gemini-2.5-pro", body=BODY, stream=False),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent",
            False,
        ),
        (
            KEY,
            UpstreamCall(model="gemini-2.5-pro", body=BODY, stream=True),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            True,
        ),
        (
            KEY,
            UpstreamCall(model="gemini-2.5-pro", body=BODY, stream=False, alt="json"),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent?$alt=json",
            False,
        ),
        (
            Credential(
                id="g2",
                provider="gemini",
                provider_type="gemini",
                api_key="k",
                base_url="http://127.0.0.1:9/",
            ),
            UpstreamCall(model="gemini-2.5-flash", body=BODY, stream=True),
            "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            True,
        ),
    ],
    ids=["generate", "stream", "non-stream-alt-forwarded", "custom-base"],
)
def test_generate_request(credential: Credential, call: UpstreamCall, url: str, stream: bool) -> None:
    req = PROVIDER.build_request(credential, call)
    assert (req.method, req.url, req.stream) == ("POST", url, stream)
    assert req.headers == {"Content-Type": "application/json", "x-goog-api-key": credential.api_key}
    assert (
        req.content
        == (
            '{"contents":[{"role":"user","parts":[{"text":"héllo"}]}],"generationConfig":{"temperature":0.2}}'
        ).encode()
    )
    assert call.body == BODY  # the pipeline's body is not mutated (it may be retried)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {}, "safetySettings": []},
            {"contents": [{"parts": [{"text": "x"}]}]},
        ),
        (
            {
                "contents": [{"parts": [{"text": "x"}]}],
                "systemInstruction": {"parts": [{"text": "sys"}]},
                "tools": [{"functionDeclarations": []}],
                "generationConfig": {"maxOutputTokens": 5},
                "safetySettings": [],
            },
            {
                "generateContentRequest": {
                    "model": "models/gemini-2.5-pro",
                    "contents": [{"parts": [{"text": "x"}]}],
                    "systemInstruction": {"parts": [{"text": "sys"}]},
                    "tools": [{"functionDeclarations": []}],
                }
            },
        ),
        (
            {"generateContentRequest": {"contents": []}},
            {"generateContentRequest": {"contents": [], "model": "models/gemini-2.5-pro"}},
        ),
    ],
    ids=["contents-only", "system-and-tools-wrapped", "already-wrapped"],
)
def test_count_tokens_body(body: JSONObject, expected: JSONObject) -> None:
    call = UpstreamCall(model="gemini-2.5-pro", body=body, stream=False, action="count_tokens")
    req = PROVIDER.build_request(KEY, call)
    assert req.url.endswith("/v1beta/models/gemini-2.5-pro:countTokens")
    assert json.loads(req.content) == expected
    assert req.stream is False


def test_custom_headers_applied_last() -> None:
    cred = Credential(
        id="g",
        provider="gemini",
        provider_type="gemini",
        api_key="k",
        headers=(("X-Goog-Api-Key", "override"), ("X-Trace", "1")),
    )
    req = PROVIDER.build_request(cred, UpstreamCall(model="m", body={}, stream=False))
    assert req.headers == {"Content-Type": "application/json", "X-Goog-Api-Key": "override", "X-Trace": "1"}


def test_models_builtin_and_mapped() -> None:
    ids = [m.id for m in PROVIDER.models(KEY)]
    assert ids == [
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "gemini-3-pro-preview",
        "gemini-3-pro-image-preview",
    ]
    mapped = Credential(
        id="g",
        provider="gemini",
        provider_type="gemini",
        models=(ModelMapping("gemini-2.5-pro", "pro"), ModelMapping("gemini-2.5-flash", "PRO")),
    )
    (only,) = PROVIDER.models(mapped)
    assert (only.id, only.context_length, only.owned_by) == ("pro", 1048576, "google")


def test_retry_hint_reads_google_retry_info() -> None:
    provider = GeminiApiProvider(clock=lambda: 1000.0)
    body = json.dumps(
        {
            "error": {
                "code": 429,
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}],
            }
        }
    ).encode()
    assert provider.retry_hint(429, body, {}) == 2.0
    assert provider.retry_hint(500, body, {}) is None
