"""Vertex API-key provider: URL with the adopted default host, x-goog-api-key, count body, models."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential, ModelMapping
from server.providers.base import UpstreamCall
from server.providers.vertex import PROVIDER

BODY = {"model": "x", "session_id": "s", "contents": [{"parts": [{"text": "hi"}]}]}


@pytest.mark.parametrize(
    ("base", "call", "url"),
    [
        (
            "",
            UpstreamCall(model="gemini-2.5-pro", body=BODY, stream=False),
            "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.5-pro:generateContent",
        ),
        (
            "https://vertex.example/",
            UpstreamCall(model="gemini-2.5-pro", body=BODY, stream=True),
            "https://vertex.example/v1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
        ),
        (
            "https://vertex.example",
            UpstreamCall(model="gemini-2.5-flash", body=BODY, stream=False, action="count_tokens"),
            "https://vertex.example/v1/publishers/google/models/gemini-2.5-flash:countTokens",
        ),
    ],
    ids=["default-base-is-aiplatform", "stream-custom-base", "count-tokens"],
)
def test_urls_and_headers(base: str, call: UpstreamCall, url: str) -> None:
    cred = Credential(id="v", provider="vertex", provider_type="vertex", api_key="vkey", base_url=base)
    req = PROVIDER.build_request(cred, call)
    assert req.url == url
    assert req.headers == {"Content-Type": "application/json", "x-goog-api-key": "vkey"}
    assert req.stream == (call.stream and call.action == "generate")
    assert json.loads(req.content) == {"contents": [{"parts": [{"text": "hi"}]}]}


def test_count_tokens_keeps_system_and_tools_drops_settings() -> None:
    body = {
        "contents": [],
        "systemInstruction": {"parts": [{"text": "s"}]},
        "tools": [{"functionDeclarations": []}],
        "generationConfig": {"temperature": 1},
        "safetySettings": [],
    }
    cred = Credential(id="v", provider="vertex", provider_type="vertex", api_key="k")
    req = PROVIDER.build_request(cred, UpstreamCall("m", body, False, action="count_tokens"))
    assert json.loads(req.content) == {
        "contents": [],
        "systemInstruction": {"parts": [{"text": "s"}]},
        "tools": [{"functionDeclarations": []}],
    }


def test_models_use_aliases_owned_by_vertex() -> None:
    cred = Credential(
        id="v",
        provider="vertex",
        provider_type="vertex",
        models=(ModelMapping("gemini-2.5-pro", "vpro"), ModelMapping("custom-model")),
    )
    assert [(m.id, m.owned_by) for m in PROVIDER.models(cred)] == [
        ("vpro", "vertex"),
        ("custom-model", "vertex"),
    ]
    plain = Credential(id="v", provider="vertex", provider_type="vertex")
    assert len(PROVIDER.models(plain)) == 5
