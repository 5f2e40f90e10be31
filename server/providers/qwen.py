"""The Qwen Code provider: OpenAI Chat Completions on the Qwen portal with a Qwen account's token."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

from server.credential import Credential
from server.errors import ProxyError, UnsupportedRoute, UpstreamError
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import CatalogGroup, models_for
from server.providers.retry_hints import retry_after_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "DEFAULT_BASE_URL",
    "PROVIDER",
    "QWEN_HEADERS",
    "RATE_LIMIT_PER_MINUTE",
    "USER_AGENT",
    "QwenProvider",
    "is_quota_error",
    "qwen_base_url",
    "seconds_to_beijing_midnight",
]

DEFAULT_BASE_URL = "https://portal.qwen.ai/v1"
USER_AGENT = "QwenCode/0.14.2 (darwin; arm64)"
RATE_LIMIT_PER_MINUTE = 60
"""Adopted (v6.9.x): the portal allows about 60 requests a minute per account; we stop earlier."""

QWEN_HEADERS: tuple[tuple[str, str], ...] = (
    ("User-Agent", USER_AGENT),
    ("X-Dashscope-Useragent", USER_AGENT),
    ("X-Dashscope-Authtype", "qwen-oauth"),
    ("X-Dashscope-Cachecontrol", "enable"),
    ("X-Stainless-Runtime-Version", "v22.17.0"),
    ("X-Stainless-Lang", "js"),
    ("X-Stainless-Os", "MacOS"),
    ("X-Stainless-Arch", "arm64"),
    ("X-Stainless-Runtime", "node"),
    ("X-Stainless-Retry-Count", "0"),
    ("X-Stainless-Package-Version", "5.11.0"),
    ("Accept-Language", "*"),
    ("Accept-Encoding", "gzip, deflate"),
    ("Sec-Fetch-Mode", "cors"),
    ("Connection", "keep-alive"),
)
"""The Qwen Code client headers the portal expects (providers.md §6.4, adopted from v6.9.25)."""

_QUOTA_CODES = frozenset({"insufficient_quota", "quota_exceeded"})
_QUOTA_WORDS = ("insufficient_quota", "quota exceeded", "free allocated quota exceeded")
_BEIJING = timezone(timedelta(hours=8))
_DUMMY_TOOL: JSONObject = {
    "type": "function",
    "function": {
        "name": "do_not_call_me",
        "description": "Do not call this tool under any circumstances.",
        "parameters": {
            "type": "object",
            "properties": {"operation": {"type": "number", "description": "never used"}},
            "required": ["operation"],
        },
    },
}
"""Qwen3 inserts stray tokens into streams when no tool is defined; one unused tool prevents it."""

_CATALOGUE = cast(CatalogGroup, "qwen")
"""A group of catalog_data.json (catalog.CatalogGroup predates the account providers)."""


def qwen_base_url(resource_url: str) -> str:
    """The API base for a stored ``resource_url``: with or without scheme and ``/v1`` (adopted)."""
    value = resource_url.strip().rstrip("/")
    if not value:
        return DEFAULT_BASE_URL
    if "://" not in value:
        value = f"https://{value}"
    if not value.endswith("/v1"):
        value = f"{value}/v1"
    return value


def is_quota_error(status: int, body: bytes) -> bool:
    """A 403/429 whose ``error.code``/``error.type`` or message says the daily quota is spent."""
    if status not in (403, 429):
        return False
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return False
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return False
    for key in ("code", "type"):
        value = error.get(key)
        if isinstance(value, str) and value.lower() in _QUOTA_CODES:
            return True
    message = error.get("message")
    return isinstance(message, str) and any(word in message.lower() for word in _QUOTA_WORDS)


def seconds_to_beijing_midnight(now: float) -> float:
    """Seconds until 00:00 in Beijing, when Qwen's free daily quota resets."""
    local = datetime.fromtimestamp(now, UTC).astimezone(_BEIJING)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, midnight.timestamp() - now)


class QwenProvider:
    """Calls ``<resource_url or portal>/v1/chat/completions`` with the account's Bearer token.

    Requests carry the Qwen Code client headers and a leading system message holding an empty,
    cache-marked text part. Streams always define at least one tool (see ``_DUMMY_TOOL``) and ask
    for usage in the last chunk. At most ``rate_limit`` requests a minute leave per credential;
    the next one fails locally with a 429 whose hint says when a slot frees, so the pool cools
    that credential and fails over. A 403/429 that reports the daily quota counts as a 429 that
    lasts until Beijing midnight unless the upstream sent ``Retry-After``.
    """

    name = "qwen"
    wire_format: WireFormat = "openai"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rate_limit: int = RATE_LIMIT_PER_MINUTE,
        window: float = 60.0,
    ) -> None:
        self._clock = clock
        self._monotonic = monotonic
        self._rate_limit = rate_limit
        self._window = window
        self._sent: dict[str, deque[float]] = {}

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, _CATALOGUE, owned_by="qwen", type_="qwen")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        if call.action == "count_tokens":
            raise UnsupportedRoute("Qwen has no count-tokens endpoint; tokens are estimated locally")
        token = credential.api_key or str(credential.metadata.get("access_token") or "")
        if not token:
            raise ProxyError("qwen credential has no access token", status=401)
        self._admit(credential.id)
        base = credential.base_url.strip().rstrip("/") or qwen_base_url(
            str(credential.metadata.get("resource_url") or "")
        )
        body = dict(call.body)
        body["model"] = call.model
        _ensure_cache_system(body)
        if call.stream:
            body["stream"] = True
            tools = body.get("tools")
            if not isinstance(tools, list) or not tools:
                body["tools"] = [_DUMMY_TOOL]
            options = body.get("stream_options")
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        else:
            if body.get("stream"):
                body["stream"] = False
            body.pop("stream_options", None)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        headers.update(QWEN_HEADERS)
        headers["Accept"] = "text/event-stream" if call.stream else "application/json"
        headers = with_custom_headers(headers, credential.headers)
        url = f"{base}/chat/completions"
        return UpstreamRequest("POST", url, headers, encode_body(body), stream=call.stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        now = self._clock()
        hint = retry_after_hint(headers, now)
        if hint is None and is_quota_error(status, body):
            return seconds_to_beijing_midnight(now)
        return hint

    def error_status(self, status: int, body: bytes) -> int:
        """The status cooldowns should use: a quota 403 counts as 429 (adopted, providers.md §6.6)."""
        return 429 if is_quota_error(status, body) else status

    def _admit(self, credential_id: str) -> None:
        """Count one request against the credential's minute; raise a local 429 when it is full."""
        now = self._monotonic()
        sent = self._sent.setdefault(credential_id, deque())
        while sent and sent[0] <= now - self._window:
            sent.popleft()
        if len(sent) >= self._rate_limit:
            wait = max(1.0, sent[0] + self._window - now)
            message = (
                f"Qwen rate limit: {self._rate_limit} requests/minute exceeded, retry after {int(wait)}s"
            )
            error = {
                "error": {"code": "rate_limit_exceeded", "type": "rate_limit_exceeded", "message": message}
            }
            raise UpstreamError(429, json.dumps(error).encode(), retry_after=wait)
        sent.append(now)


def _cache_part() -> JSONObject:
    return {"type": "text", "text": "", "cache_control": {"type": "ephemeral"}}


def _ensure_cache_system(body: JSONObject) -> None:
    """Make the first message a system message whose parts include the empty cache-marked part."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    first = messages[0] if messages else None
    if not (isinstance(first, dict) and first.get("role") == "system"):
        body["messages"] = [{"role": "system", "content": [_cache_part()]}, *messages]
        return
    content = first.get("content")
    if isinstance(content, str):
        parts: list[object] = [{"type": "text", "text": content}] if content else []
    elif isinstance(content, list):
        parts = list(content)
    else:
        parts = []
    if _cache_part() not in parts:
        parts.insert(0, _cache_part())
    body["messages"] = [{**first, "content": parts}, *messages[1:]]


PROVIDER = QwenProvider()
