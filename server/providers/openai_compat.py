"""The OpenAI-compatible provider: Chat Completions services configured under openai-compatibility."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from server.credential import Credential
from server.errors import ProxyError, UnsupportedRoute
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import models_for
from server.providers.retry_hints import retry_after_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = ["PROVIDER", "USER_AGENT", "OpenAICompatProvider"]

USER_AGENT = "cli-proxy-openai-compat"


class OpenAICompatProvider:
    """Calls ``<base-url>/chat/completions`` with an optional Bearer key.

    A credential serves exactly its configured models (none configured: none served). Streams
    ask for ``stream_options.include_usage`` so the final chunk carries usage (adopted from later
    versions); non-stream calls drop ``stream_options``, which OpenAI rejects without a stream.
    Count-tokens is not an upstream call here: the pipeline estimates it.
    """

    name = "openai-compat"
    wire_format: WireFormat = "openai"

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def models(self, credential: Credential) -> list[ModelInfo]:
        owner = str(credential.metadata.get("compat_name") or credential.provider)
        return models_for(credential, None, owned_by=owner, type_="openai-compatibility")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        if call.action == "count_tokens":
            raise UnsupportedRoute("OpenAI-compatible providers have no count-tokens endpoint")
        base = credential.base_url.strip().rstrip("/")
        if not base:
            raise ProxyError("missing provider baseURL", status=401)
        body = dict(call.body)
        body["model"] = call.model
        headers = {"Content-Type": "application/json"}
        if credential.api_key:
            headers["Authorization"] = f"Bearer {credential.api_key}"
        headers["User-Agent"] = USER_AGENT
        if call.stream:
            body["stream"] = True
            options = body.get("stream_options")
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
            headers["Accept"] = "text/event-stream"
            headers["Cache-Control"] = "no-cache"
        else:
            if body.get("stream"):
                body["stream"] = False
            body.pop("stream_options", None)
        headers = with_custom_headers(headers, credential.headers)
        content = encode_body(body)
        return UpstreamRequest("POST", f"{base}/chat/completions", headers, content, stream=call.stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return retry_after_hint(headers, self._clock())


PROVIDER = OpenAICompatProvider()
