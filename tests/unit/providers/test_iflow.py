"""The iFlow executor: Bearer API key, signed headers (§17 item 35), base URL and stream body rules."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from server.credential import Credential
from server.errors import ProxyError, UnsupportedRoute
from server.providers.base import UpstreamCall
from server.providers.iflow import DEFAULT_BASE_URL, IFlowProvider, iflow_signature

API_KEY = "sk-iflow-key"
NOW = 1_760_000_000.123


def _credential(**changes: object) -> Credential:
    fields: dict[str, object] = {
        "id": "iflow-me.json",
        "provider": "iflow",
        "provider_type": "iflow",
        "kind": "oauth",
        "api_key": API_KEY,
        "metadata": {"access_token": "oauth-access-token", "api_key": API_KEY, "type": "iflow"},
    }
    fields.update(changes)
    return Credential(**fields)  # type: ignore[arg-type]


def _provider() -> IFlowProvider:
    return IFlowProvider(clock=lambda: NOW, new_session_id=lambda: "session-1234")


def _call(stream: bool = False, **body: object) -> UpstreamCall:
    payload: dict[str, object] = {"model": "x", "messages": [{"role": "user", "content": "hi"}]}
    payload.update(body)
    return UpstreamCall(model="glm-4.6", body=payload, stream=stream)


def _hmac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_request_is_signed_with_the_api_key(stream: bool) -> None:
    request = _provider().build_request(_credential(), _call(stream=stream))
    timestamp = str(int(NOW * 1000))
    assert request.url == f"{DEFAULT_BASE_URL}/chat/completions"
    assert request.headers == {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {API_KEY}",
        "User-Agent": "iFlow-Cli",
        "session-id": "session-1234",
        "x-iflow-timestamp": timestamp,
        "x-iflow-signature": _hmac(API_KEY, f"iFlow-Cli:session-1234:{timestamp}"),
        "Accept": "text/event-stream" if stream else "application/json",
    }
    assert request.stream is stream


def test_bearer_is_the_api_key_not_the_access_token() -> None:
    request = _provider().build_request(_credential(api_key=""), _call())
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "oauth-access-token" not in json.dumps(request.headers)


def test_each_request_gets_a_new_session() -> None:
    provider = IFlowProvider()
    first = provider.build_request(_credential(), _call()).headers["session-id"]
    second = provider.build_request(_credential(), _call()).headers["session-id"]
    assert first.startswith("session-") and second.startswith("session-")
    assert first != second
    assert len(first) == len("session-") + 36


@pytest.mark.parametrize(
    ("key", "session", "timestamp"),
    [("sk-1", "session-a", 1), ("ключ", "session-b", 1_760_000_000_000)],
    ids=["ascii", "unicode-key"],
)
def test_signature_is_hex_hmac_sha256(key: str, session: str, timestamp: int) -> None:
    assert iflow_signature(key, session, timestamp) == _hmac(key, f"iFlow-Cli:{session}:{timestamp}")


def test_custom_user_agent_is_also_the_signed_one() -> None:
    request = _provider().build_request(_credential(headers=(("User-Agent", "iFlow-Cli/2"),)), _call())
    stamp = request.headers["x-iflow-timestamp"]
    assert request.headers["x-iflow-signature"] == _hmac(API_KEY, f"iFlow-Cli/2:session-1234:{stamp}")


def test_base_url_of_the_credential_overrides() -> None:
    request = _provider().build_request(_credential(base_url="http://127.0.0.1:9/v1/"), _call())
    assert request.url == "http://127.0.0.1:9/v1/chat/completions"


def test_missing_api_key_is_an_error() -> None:
    with pytest.raises(ProxyError, match="missing api key"):
        _provider().build_request(_credential(api_key="", metadata={"type": "iflow"}), _call())


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        ([], ["noop"]),
        ([{"type": "function", "function": {"name": "read"}}], ["read"]),
        (None, None),
    ],
    ids=["empty-replaced", "kept", "absent"],
)
def test_stream_replaces_an_empty_tools_array(tools: object, expected: list[str] | None) -> None:
    extra = {} if tools is None else {"tools": tools}
    body = json.loads(_provider().build_request(_credential(), _call(stream=True, **extra)).content)
    names = [t["function"]["name"] for t in body["tools"]] if "tools" in body else None
    assert names == expected
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "glm-4.6"


def test_non_stream_keeps_an_empty_tools_array() -> None:
    body = json.loads(_provider().build_request(_credential(), _call(tools=[])).content)
    assert body["tools"] == []
    assert "stream_options" not in body


def test_count_tokens_is_estimated_locally() -> None:
    with pytest.raises(UnsupportedRoute):
        _provider().build_request(_credential(), UpstreamCall("glm-4.6", {}, False, action="count_tokens"))


def test_retry_after_header_is_the_hint() -> None:
    assert _provider().retry_hint(429, b"{}", {"Retry-After": "9"}) == 9.0
    assert _provider().retry_hint(429, b"{}", {}) is None


def test_models_come_from_the_catalogue() -> None:
    ids = [m.id for m in _provider().models(_credential())]
    assert len(ids) == 19
    assert {"tstars2.0", "glm-4.6", "kimi-k2-thinking", "minimax-m2"} <= set(ids)
