"""The Codex provider: OpenAI Responses API for API keys and ChatGPT (Codex CLI) accounts."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping

from server.credential import Credential
from server.errors import UnsupportedRoute
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import models_for
from server.providers.retry_hints import codex_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "DEFAULT_BASE_URL",
    "OPENAI_BETA",
    "ORIGINATOR",
    "CACHE_ID_LIFETIME",
    "PROVIDER",
    "USER_AGENT",
    "VERSION",
    "CodexProvider",
]

DEFAULT_BASE_URL = "https://chatgpt.com/backend-api/codex"
USER_AGENT = "codex_cli_rs/0.50.0 (Mac OS 26.0.1; arm64) Apple_Terminal/464"
ORIGINATOR = "codex_cli_rs"
VERSION = "0.21.0"
OPENAI_BETA = "responses=experimental"

# Fields the ChatGPT backend rejects (translation.md §2.5); the public API accepts them.
_CHATGPT_REJECTED = (
    "max_output_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "truncation",
    "user",
    "prompt_cache_retention",
    "context_management",
)
_ENCRYPTED_REASONING = "reasoning.encrypted_content"
_AT_CAPACITY = (b"selected model is at capacity", b"model is at capacity. please try a different model")
CACHE_ID_LIFETIME = 3600.0
"""A Claude client's ``metadata.user_id`` keeps its cache id (per model) this many seconds."""


def _new_session_id() -> str:
    return str(uuid.uuid4())


class CodexProvider:
    """Calls ``<base>/responses`` with a Bearer key or token, always as a stream.

    Every request is sent with ``stream: true`` (the pipeline folds ``response.completed`` for
    non-stream clients), ``store: false`` and without ``previous_response_id``: credentials are
    picked per request, so no request may depend on state kept by one upstream account.
    ``instructions`` stays the client's ("" when absent, which the backend requires).

    API keys get nothing else forced: the public Responses API accepts the client's sampling
    settings, tool flags and ``include`` as sent, so changing them would only alter the
    client's request. ChatGPT accounts (``kind == "oauth"``) additionally send ``Originator``
    and ``Chatgpt-Account-Id``, lose the fields that backend rejects, and always include the
    encrypted reasoning (with ``store: false`` it is the only way to carry reasoning over).

    Cache id (``Session_id``, ``Conversation_id``, body ``prompt_cache_key``): a Responses
    client's ``prompt_cache_key``; for a Claude client with ``metadata.user_id`` (the body's
    ``user`` after translation) a UUID kept per (model, user) for an hour (translation.md §2.5).
    An answer saying the model is at capacity counts as a 429 (providers.md §4.6, adopted).
    """

    name = "codex"
    wire_format: WireFormat = "openai-responses"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        new_session_id: Callable[[], str] = _new_session_id,
        user_agent: str = USER_AGENT,
        originator: str = ORIGINATOR,
    ) -> None:
        self._clock = clock
        self._new_session_id = new_session_id
        self._user_agent = user_agent
        self._originator = originator
        self._cache_ids: dict[tuple[str, str], tuple[str, float]] = {}

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, "codex", owned_by="openai", type_="openai")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        if call.action == "count_tokens":
            raise UnsupportedRoute("Codex has no count-tokens endpoint; tokens are estimated locally")
        oauth = credential.kind == "oauth"
        base = (credential.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        body = dict(call.body)
        body["model"] = call.model
        body["stream"] = True
        body["store"] = False
        body.pop("previous_response_id", None)
        if not isinstance(body.get("instructions"), str):
            body["instructions"] = ""
        cache_id = self._cache_id(call, body)
        if oauth:
            _fit_chatgpt_backend(body)

        client = call.client_headers
        token = credential.api_key or str(credential.metadata.get("access_token", ""))
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Accept": "text/event-stream",
            "Version": client.get("version") or VERSION,
            "Openai-Beta": client.get("openai-beta") or OPENAI_BETA,
            "Session_id": client.get("session_id") or cache_id or self._new_session_id(),
            "User-Agent": self._user_agent,
        }
        conversation = client.get("conversation_id") or cache_id
        if conversation:
            headers["Conversation_id"] = conversation
        if oauth:
            headers["Originator"] = self._originator
            account = credential.metadata.get("account_id")
            if isinstance(account, str) and account:
                headers["Chatgpt-Account-Id"] = account
        headers = with_custom_headers(headers, credential.headers)
        content = encode_body(body)
        return UpstreamRequest("POST", f"{base}/responses", headers, content, stream=True)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return codex_hint(status, body, headers, self._clock())

    def error_status(self, status: int, body: bytes) -> int:
        """A "model is at capacity" answer is a 429 whatever its status (adopted, v6.8.31)."""
        lowered = body.lower()
        return 429 if any(phrase in lowered for phrase in _AT_CAPACITY) else status

    def _cache_id(self, call: UpstreamCall, body: JSONObject) -> str:
        """The request's cache id ("" when it has none); written to ``prompt_cache_key`` too."""
        key = body.get("prompt_cache_key")
        if isinstance(key, str) and key:
            return key
        user = body.get("user")
        if call.client_format != "claude" or not isinstance(user, str) or not user:
            return ""
        now = self._clock()
        found = self._cache_ids.get((call.model, user))
        if found is None or found[1] <= now:
            self._cache_ids = {k: v for k, v in self._cache_ids.items() if v[1] > now}
            found = (self._new_session_id(), now + CACHE_ID_LIFETIME)
            self._cache_ids[(call.model, user)] = found
        body["prompt_cache_key"] = found[0]
        return found[0]


def _fit_chatgpt_backend(body: JSONObject) -> None:
    for key in _CHATGPT_REJECTED:
        body.pop(key, None)
    if body.get("service_tier") not in (None, "priority"):
        del body["service_tier"]
    include = body.get("include")
    include = [i for i in include if isinstance(i, str)] if isinstance(include, list) else []
    if _ENCRYPTED_REASONING not in include:
        include.append(_ENCRYPTED_REASONING)
    body["include"] = include


PROVIDER = CodexProvider()
