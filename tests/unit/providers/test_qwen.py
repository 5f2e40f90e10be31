"""The Qwen executor: URL from resource_url, Qwen Code headers, body rules, rate limit, quota errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from server.credential import Credential
from server.errors import ProxyError, UnsupportedRoute, UpstreamError
from server.providers.base import UpstreamCall
from server.providers.qwen import (
    DEFAULT_BASE_URL,
    QwenProvider,
    is_quota_error,
    qwen_base_url,
    seconds_to_beijing_midnight,
)

TOKEN = "qwen-access-token"


def _credential(resource_url: str = "portal.qwen.ai", **changes: object) -> Credential:
    fields: dict[str, object] = {
        "id": "qwen-me.json",
        "provider": "qwen",
        "provider_type": "qwen",
        "kind": "oauth",
        "metadata": {"access_token": TOKEN, "resource_url": resource_url, "type": "qwen"},
    }
    fields.update(changes)
    return Credential(**fields)  # type: ignore[arg-type]


def _call(stream: bool = False, **body: object) -> UpstreamCall:
    payload: dict[str, object] = {"model": "client-name", "messages": [{"role": "user", "content": "hi"}]}
    payload.update(body)
    return UpstreamCall(model="qwen3-coder-plus", body=payload, stream=stream)


@pytest.mark.parametrize(
    ("resource_url", "expected"),
    [
        ("portal.qwen.ai", "https://portal.qwen.ai/v1"),
        ("https://portal.qwen.ai", "https://portal.qwen.ai/v1"),
        ("portal.qwen.ai/v1", "https://portal.qwen.ai/v1"),
        ("https://dashscope.example.com/v1/", "https://dashscope.example.com/v1"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/v1"),
        ("", DEFAULT_BASE_URL),
    ],
    ids=["host", "scheme", "v1", "scheme-v1-slash", "loopback", "empty"],
)
def test_base_url_accepts_resource_url_with_or_without_scheme_and_v1(
    resource_url: str, expected: str
) -> None:
    assert qwen_base_url(resource_url) == expected
    request = QwenProvider().build_request(_credential(resource_url), _call())
    assert request.url == f"{expected}/chat/completions"


def test_credential_base_url_overrides_resource_url() -> None:
    credential = _credential("portal.qwen.ai", base_url="http://127.0.0.1:1/v1/")
    assert QwenProvider().build_request(credential, _call()).url == "http://127.0.0.1:1/v1/chat/completions"


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_headers_are_qwen_code_headers(stream: bool) -> None:
    request = QwenProvider().build_request(_credential(), _call(stream=stream))
    expected = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {TOKEN}",
        "User-Agent": "QwenCode/0.14.2 (darwin; arm64)",
        "X-Dashscope-Useragent": "QwenCode/0.14.2 (darwin; arm64)",
        "X-Dashscope-Authtype": "qwen-oauth",
        "X-Dashscope-Cachecontrol": "enable",
        "X-Stainless-Runtime-Version": "v22.17.0",
        "X-Stainless-Lang": "js",
        "X-Stainless-Os": "MacOS",
        "X-Stainless-Arch": "arm64",
        "X-Stainless-Runtime": "node",
        "X-Stainless-Retry-Count": "0",
        "X-Stainless-Package-Version": "5.11.0",
        "Accept-Language": "*",
        "Accept-Encoding": "gzip, deflate",
        "Sec-Fetch-Mode": "cors",
        "Connection": "keep-alive",
        "Accept": "text/event-stream" if stream else "application/json",
    }
    assert request.headers == expected
    assert request.method == "POST"
    assert request.stream is stream


def test_custom_headers_apply_last() -> None:
    credential = _credential(headers=(("user-agent", "mine"),))
    headers = QwenProvider().build_request(credential, _call()).headers
    assert headers["user-agent"] == "mine"
    assert "User-Agent" not in headers


def test_missing_token_is_an_error() -> None:
    credential = _credential(metadata={"type": "qwen"})
    with pytest.raises(ProxyError) as caught:
        QwenProvider().build_request(credential, _call())
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("tools", "expected_names"),
    [
        (None, ["do_not_call_me"]),
        ([], ["do_not_call_me"]),
        ([{"type": "function", "function": {"name": "read", "parameters": {}}}], ["read"]),
    ],
    ids=["missing", "empty", "kept"],
)
def test_stream_always_defines_a_tool_and_asks_for_usage(tools: object, expected_names: list[str]) -> None:
    extra = {} if tools is None else {"tools": tools}
    body = json.loads(QwenProvider().build_request(_credential(), _call(stream=True, **extra)).content)
    assert [t["function"]["name"] for t in body["tools"]] == expected_names
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "qwen3-coder-plus"


def test_non_stream_keeps_tools_as_sent_and_drops_stream_options() -> None:
    call = _call(stream=False, stream_options={"include_usage": True})
    body = json.loads(QwenProvider().build_request(_credential(), call).content)
    assert "tools" not in body
    assert "stream_options" not in body
    assert body["model"] == "qwen3-coder-plus"


_CACHE = {"type": "text", "text": "", "cache_control": {"type": "ephemeral"}}


@pytest.mark.parametrize(
    ("messages", "first"),
    [
        ([{"role": "user", "content": "hi"}], {"role": "system", "content": [_CACHE]}),
        (
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
            {"role": "system", "content": [_CACHE, {"type": "text", "text": "Be brief."}]},
        ),
        (
            [
                {"role": "system", "content": [_CACHE, {"type": "text", "text": "x"}]},
                {"role": "user", "content": "hi"},
            ],
            {"role": "system", "content": [_CACHE, {"type": "text", "text": "x"}]},
        ),
    ],
    ids=["inserted", "string-system", "already-there"],
)
def test_a_leading_system_message_carries_the_cache_marked_part(
    messages: list[object], first: object
) -> None:
    body = json.loads(QwenProvider().build_request(_credential(), _call(messages=messages)).content)
    assert body["messages"][0] == first
    assert body["messages"][-1] == {"role": "user", "content": "hi"}


def test_count_tokens_is_estimated_locally() -> None:
    call = UpstreamCall(model="qwen3-coder-plus", body={}, stream=False, action="count_tokens")
    with pytest.raises(UnsupportedRoute):
        QwenProvider().build_request(_credential(), call)


def test_local_rate_limit_is_per_credential_and_frees_after_the_window() -> None:
    clock = [100.0]
    provider = QwenProvider(monotonic=lambda: clock[0], rate_limit=3, window=60.0)
    for _ in range(3):
        provider.build_request(_credential(), _call())
        clock[0] += 1
    with pytest.raises(UpstreamError) as caught:
        provider.build_request(_credential(), _call())
    assert caught.value.status == 429
    assert caught.value.retry_after == pytest.approx(57.0)
    assert json.loads(caught.value.body)["error"]["code"] == "rate_limit_exceeded"
    provider.build_request(_credential(id="qwen-other.json"), _call())
    clock[0] = 160.5
    provider.build_request(_credential(), _call())


@pytest.mark.parametrize(
    ("status", "body", "quota"),
    [
        (403, {"error": {"code": "insufficient_quota", "message": "x"}}, True),
        (429, {"error": {"type": "quota_exceeded"}}, True),
        (403, {"error": {"message": "Free allocated quota exceeded."}}, True),
        (429, {"error": {"code": "rate_limit", "message": "slow down"}}, False),
        (400, {"error": {"code": "insufficient_quota"}}, False),
        (403, "not json", False),
    ],
    ids=["code", "type", "message", "plain-429", "not-403-429", "not-json"],
)
def test_quota_errors_count_as_429(status: int, body: object, quota: bool) -> None:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    assert is_quota_error(status, raw) is quota
    assert QwenProvider().error_status(status, raw) == (429 if quota else status)


def test_retry_hint_prefers_retry_after_then_beijing_midnight_for_quota() -> None:
    now = datetime(2026, 3, 1, 15, 0, tzinfo=UTC).timestamp()  # 23:00 in Beijing
    provider = QwenProvider(clock=lambda: now)
    quota = json.dumps({"error": {"code": "insufficient_quota"}}).encode()
    assert provider.retry_hint(429, b"{}", {"Retry-After": "7"}) == 7.0
    assert provider.retry_hint(403, quota, {"retry-after": "12"}) == 12.0
    assert provider.retry_hint(403, quota, {}) == pytest.approx(3600.0)
    assert provider.retry_hint(429, b'{"error":{"message":"busy"}}', {}) is None


def test_seconds_to_beijing_midnight() -> None:
    noon_utc = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()  # 20:00 in Beijing
    assert seconds_to_beijing_midnight(noon_utc) == pytest.approx(4 * 3600.0)


def test_models_come_from_the_catalogue() -> None:
    ids = [m.id for m in QwenProvider().models(_credential())]
    assert ids == ["qwen3-coder-plus", "qwen3-coder-flash", "vision-model", "coder-model"]
    assert all(m.owned_by == "qwen" for m in QwenProvider().models(_credential()))
