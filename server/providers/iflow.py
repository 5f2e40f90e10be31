"""The iFlow provider: OpenAI Chat Completions on apis.iflow.cn, signed with the account's API key."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Mapping
from typing import cast

from server.credential import Credential
from server.errors import ProxyError, UnsupportedRoute
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import CatalogGroup, models_for
from server.providers.retry_hints import retry_after_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = ["DEFAULT_BASE_URL", "PROVIDER", "USER_AGENT", "IFlowProvider", "iflow_signature"]

DEFAULT_BASE_URL = "https://apis.iflow.cn/v1"
USER_AGENT = "iFlow-Cli"

_CATALOGUE = cast(CatalogGroup, "iflow")
"""A group of catalog_data.json (catalog.CatalogGroup predates the account providers)."""

_NOOP_TOOL: JSONObject = {
    "type": "function",
    "function": {
        "name": "noop",
        "description": "Placeholder tool; never call it.",
        "parameters": {"type": "object"},
    },
}


def iflow_signature(api_key: str, session_id: str, timestamp_ms: int, user_agent: str = USER_AGENT) -> str:
    """``x-iflow-signature``: hex HMAC-SHA256 keyed by the API key over ``<UA>:<session>:<ms>``."""
    message = f"{user_agent}:{session_id}:{timestamp_ms}".encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()


def _new_session_id() -> str:
    return f"session-{uuid.uuid4()}"


class IFlowProvider:
    """Calls ``<base>/chat/completions`` with ``Authorization: Bearer <api_key>``.

    The Bearer is the account's API key from getUserInfo (or the cookie login), never the OAuth
    access token. Each request gets a fresh ``session-id`` and is signed (adopted from v6.8.7):
    ``x-iflow-timestamp`` in Unix milliseconds and ``x-iflow-signature`` (see
    :func:`iflow_signature`). In streams an empty ``tools`` array is replaced by one placeholder
    tool (iFlow rejects ``tools: []``) and the last chunk is asked to carry usage.
    """

    name = "iflow"
    wire_format: WireFormat = "openai"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        new_session_id: Callable[[], str] = _new_session_id,
    ) -> None:
        self._clock = clock
        self._new_session_id = new_session_id

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, _CATALOGUE, owned_by="iflow", type_="iflow")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        if call.action == "count_tokens":
            raise UnsupportedRoute("iFlow has no count-tokens endpoint; tokens are estimated locally")
        api_key = credential.api_key or str(credential.metadata.get("api_key") or "")
        if not api_key:
            raise ProxyError("iflow executor: missing api key", status=401)
        base = credential.base_url.strip().rstrip("/") or DEFAULT_BASE_URL
        body = dict(call.body)
        body["model"] = call.model
        if call.stream:
            body["stream"] = True
            if body.get("tools") == []:
                body["tools"] = [_NOOP_TOOL]
            options = body.get("stream_options")
            if not isinstance(options, dict):
                body["stream_options"] = {"include_usage": True}
        else:
            if body.get("stream"):
                body["stream"] = False
            body.pop("stream_options", None)
        session_id = self._new_session_id()
        timestamp = int(self._clock() * 1000)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {api_key}",
            "User-Agent": USER_AGENT,
            "session-id": session_id,
            "x-iflow-timestamp": str(timestamp),
            "Accept": "text/event-stream" if call.stream else "application/json",
        }
        headers = with_custom_headers(headers, credential.headers)
        agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), USER_AGENT)
        headers["x-iflow-signature"] = iflow_signature(api_key, session_id, timestamp, agent)
        url = f"{base}/chat/completions"
        return UpstreamRequest("POST", url, headers, encode_body(body), stream=call.stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return retry_after_hint(headers, self._clock())


PROVIDER = IFlowProvider()
