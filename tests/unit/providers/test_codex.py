"""Codex provider: API-key request shape (§4.4, §17 item 15), OAuth extras, retry hints."""

from __future__ import annotations

import json

import pytest

from server.credential import Credential, ModelMapping
from server.errors import UnsupportedRoute
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall
from server.providers.codex import PROVIDER, USER_AGENT, CodexProvider

KEY = Credential(
    id="codex:apikey:1",
    provider="codex",
    provider_type="codex",
    api_key="sk-test",
    base_url="https://api.openai.com/v1/",
)
OAUTH = Credential(
    id="codex-a@b.json",
    provider="codex",
    provider_type="codex",
    kind="oauth",
    metadata={"access_token": "at", "account_id": "acct-1"},
)
INPUT = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}]


def _provider() -> CodexProvider:
    return CodexProvider(clock=lambda: 1000.0, new_session_id=lambda: "sess-fixed")


@pytest.mark.parametrize(
    ("body", "client_stream", "expected_body"),
    [
        (
            {"model": "alias", "input": INPUT, "previous_response_id": "resp_1", "temperature": 0.3},
            False,
            {
                "model": "gpt-5-codex",
                "input": INPUT,
                "temperature": 0.3,
                "stream": True,
                "store": False,
                "instructions": "",
            },
        ),
        (
            {"input": INPUT, "instructions": "be terse", "stream": True, "store": True},
            True,
            {
                "model": "gpt-5-codex",
                "input": INPUT,
                "instructions": "be terse",
                "stream": True,
                "store": False,
            },
        ),
    ],
    ids=["non-stream-client-still-streams", "stream-keeps-instructions"],
)
def test_api_key_request(body: JSONObject, client_stream: bool, expected_body: JSONObject) -> None:
    req = _provider().build_request(KEY, UpstreamCall("gpt-5-codex", body, client_stream))
    assert req.url == "https://api.openai.com/v1/responses"
    assert req.stream is True
    assert req.headers == {
        "Content-Type": "application/json",
        "Authorization": "Bearer sk-test",
        "Accept": "text/event-stream",
        "Version": "0.21.0",
        "Openai-Beta": "responses=experimental",
        "Session_id": "sess-fixed",
        "User-Agent": USER_AGENT,
    }
    assert json.loads(req.content) == expected_body
    assert "Originator" not in req.headers and "Chatgpt-Account-Id" not in req.headers


def test_prompt_cache_key_and_client_session_headers() -> None:
    body = {"input": INPUT, "prompt_cache_key": "cache-1"}
    req = _provider().build_request(KEY, UpstreamCall("gpt-5", body, True))
    assert (req.headers["Session_id"], req.headers["Conversation_id"]) == ("cache-1", "cache-1")
    client = {"session_id": "client-s", "version": "0.99.0"}
    req = _provider().build_request(KEY, UpstreamCall("gpt-5", {"input": INPUT}, True, client_headers=client))
    assert (req.headers["Session_id"], req.headers["Version"]) == ("client-s", "0.99.0")
    assert "Conversation_id" not in req.headers


def test_a_claude_clients_user_id_keeps_one_cache_id_per_model_for_an_hour() -> None:
    now = [1000.0]
    ids = iter(["uuid-1", "uuid-2", "uuid-3", "random-session"])
    provider = CodexProvider(clock=lambda: now[0], new_session_id=lambda: next(ids))

    def send(model: str, user: str, client_format: str | None = "claude") -> tuple[str, str, object]:
        call = UpstreamCall(
            model,
            {"input": INPUT, "user": user},
            False,
            client_format=client_format,  # type: ignore[arg-type]
        )
        req = provider.build_request(OAUTH, call)
        body = json.loads(req.content)
        assert "user" not in body  # the ChatGPT backend rejects it
        return req.headers["Session_id"], req.headers.get("Conversation_id", ""), body.get("prompt_cache_key")

    assert send("gpt-5", "u1") == ("uuid-1", "uuid-1", "uuid-1")
    now[0] += 3599
    assert send("gpt-5", "u1") == ("uuid-1", "uuid-1", "uuid-1")
    assert send("gpt-5-codex", "u1")[0] == "uuid-2"
    now[0] += 2
    assert send("gpt-5", "u1")[0] == "uuid-3"  # an hour after it was made
    assert send("gpt-5", "u1", client_format="openai")[1:] == ("", None)  # only Claude clients' ids


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, b'{"error":{"message":"Selected model is at capacity. Please try a different model."}}', 429),
        (400, b'{"detail":"Model is at capacity. Please try a different model."}', 429),
        (500, b'{"error":{"message":"boom"}}', 500),
    ],
    ids=["selected-model", "model", "other"],
)
def test_at_capacity_answers_count_as_429(status: int, body: bytes, expected: int) -> None:
    assert _provider().error_status(status, body) == expected


def test_oauth_adds_originator_account_and_fits_the_chatgpt_backend() -> None:
    body = {
        "input": INPUT,
        "temperature": 1,
        "max_output_tokens": 10,
        "service_tier": "flex",
        "include": ["file_search_call.results"],
    }
    req = _provider().build_request(OAUTH, UpstreamCall("gpt-5", body, False))
    assert req.url == "https://chatgpt.com/backend-api/codex/responses"
    assert req.headers["Authorization"] == "Bearer at"
    assert req.headers["Originator"] == "codex_cli_rs"
    assert req.headers["Chatgpt-Account-Id"] == "acct-1"
    assert json.loads(req.content) == {
        "model": "gpt-5",
        "input": INPUT,
        "include": ["file_search_call.results", "reasoning.encrypted_content"],
        "stream": True,
        "store": False,
        "instructions": "",
    }


def test_custom_ua_and_custom_headers_last() -> None:
    provider = CodexProvider(user_agent="codex-tui/0.118.0", new_session_id=lambda: "s")
    cred = Credential(
        id="c",
        provider="codex",
        provider_type="codex",
        api_key="k",
        base_url="https://x",
        headers=(("user-agent", "mine"),),
    )
    req = provider.build_request(cred, UpstreamCall("gpt-5", {}, True))
    assert req.headers["user-agent"] == "mine" and "User-Agent" not in req.headers
    assert (
        CodexProvider(user_agent="codex-tui/0.118.0")
        .build_request(KEY, UpstreamCall("gpt-5", {}, True))
        .headers["User-Agent"]
        == "codex-tui/0.118.0"
    )


def test_count_tokens_is_not_an_upstream_call() -> None:
    with pytest.raises(UnsupportedRoute):
        PROVIDER.build_request(KEY, UpstreamCall("gpt-5", {}, False, action="count_tokens"))


def test_models_builtin_minus_nothing_and_aliases() -> None:
    assert [m.id for m in PROVIDER.models(KEY)] == [
        "gpt-5",
        "gpt-5-codex",
        "gpt-5-codex-mini",
        "gpt-5.1",
        "gpt-5.1-codex",
        "gpt-5.1-codex-mini",
        "gpt-5.1-codex-max",
    ]
    cred = Credential(id="c", provider="codex", provider_type="codex", models=(ModelMapping("gpt-5", "g5"),))
    assert [(m.id, m.context_length) for m in PROVIDER.models(cred)] == [("g5", 400000)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"type": "usage_limit_reached", "resets_at": 1090}}, 90.0),
        ({"error": {"type": "usage_limit_reached", "resets_at": 900, "resets_in_seconds": 45}}, 45.0),
        ({"error": {"type": "other", "resets_in_seconds": 45}}, None),
    ],
    ids=["resets-at", "past-resets-at-falls-back", "other-error"],
)
def test_retry_hint(body: JSONObject, expected: float | None) -> None:
    assert _provider().retry_hint(429, json.dumps(body).encode(), {}) == expected
