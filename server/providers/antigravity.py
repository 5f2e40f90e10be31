"""The Antigravity provider: the Antigravity IDE's Code Assist backend, with a Google account.

Same ``{"model", "project", "request"}`` envelope as the Gemini CLI plus ``userAgent``,
``requestId`` and ``request.sessionId``; safety settings removed, function calling VALIDATED,
model names mapped to the upstream's (providers.md §3.4, translation.md §2.3). Base URLs are tried
in order (sandbox, then production) when one answers 429 or cannot be reached: ``build_request``
aims at the first and lists the rest in ``AntigravityRequest.fallback_urls``; ``send`` walks them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import httpx

from server.credential import Credential, ModelMapping
from server.errors import UnsupportedRoute
from server.modelinfo import ModelInfo
from server.providers.antigravity_body import antigravity_body
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.google_models import (
    antigravity_client_name,
    antigravity_model_info,
    antigravity_upstream_name,
)
from server.providers.retry_hints import google_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "DEFAULT_BASE_URLS",
    "PROVIDER",
    "USER_AGENT",
    "AntigravityProvider",
    "AntigravityRequest",
    "base_urls",
    "fetch_models",
    "random_project",
]

DEFAULT_BASE_URLS = (
    "https://daily-cloudcode-pa.sandbox.googleapis.com",
    "https://cloudcode-pa.googleapis.com",
)
USER_AGENT = "antigravity/1.11.5 windows/amd64"
"""v6.6.0's value; a file's ``user_agent`` key replaces it (later versions bump it regularly)."""

log = logging.getLogger(__name__)

_FETCH_TIMEOUT = 15.0

_ADJECTIVES = ("useful", "bright", "swift", "calm", "bold")
_NOUNS = ("fuze", "wave", "spark", "flow", "core")


@dataclass(frozen=True, slots=True)
class AntigravityRequest(UpstreamRequest):
    """An upstream request with the same path on the next base URLs, tried after a 429."""

    fallback_urls: tuple[str, ...] = ()


def base_urls(credential: Credential) -> tuple[str, ...]:
    """The bases to try in order: the credential's ``base_url`` replaces the defaults (several may
    be given, comma-separated, e.g. through the ``upstream`` endpoint override)."""
    own = tuple(url.strip().rstrip("/") for url in credential.base_url.split(",") if url.strip())
    return own or DEFAULT_BASE_URLS


def random_project(
    token: Callable[[int], str] = secrets.token_hex, pick: Callable[[int], int] | None = None
) -> str:
    """A project name like the IDE invents when the account has none: ``bright-wave-1a2b3``."""
    choose = pick or secrets.randbelow
    return f"{_ADJECTIVES[choose(len(_ADJECTIVES))]}-{_NOUNS[choose(len(_NOUNS))]}-{token(3)[:5]}"


def _request_id() -> str:
    return f"agent-{uuid.uuid4()}"


def _session_id() -> str:
    return f"-{secrets.randbits(63)}"


class AntigravityProvider:
    """Calls ``<base>/v1internal:<method>``; the model list comes from fetchAvailableModels."""

    name = "antigravity"
    wire_format: WireFormat = "gemini"
    always_translate = True

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        request_id: Callable[[], str] = _request_id,
        session_id: Callable[[], str] = _session_id,
        project: Callable[[], str] = random_project,
    ) -> None:
        self._clock = clock
        self._request_id = request_id
        self._session_id = session_id
        self._project = project

    def models(self, credential: Credential) -> list[ModelInfo]:
        """The models fetched for this account (mappings client id → upstream id); none before the
        fetch (the account runtime routes the credential only after it) or when it failed
        (providers.md §3.5)."""
        names = credential.metadata.get("model_names")
        names = names if isinstance(names, dict) else {}
        return [
            antigravity_model_info(m.client_id, str(names.get(m.client_id, "")))
            for m in credential.models
            if m.client_id
        ]

    def build_request(self, credential: Credential, call: UpstreamCall) -> AntigravityRequest:
        if call.action == "count_tokens":
            raise UnsupportedRoute("Antigravity has no count-tokens endpoint")
        model = antigravity_upstream_name(call.model)
        project = credential.metadata.get("project_id")
        body = antigravity_body(
            call.body,
            model,
            project=project if isinstance(project, str) and project else self._project(),
            request_id=self._request_id(),
            session_id=self._session_id(),
        )
        method = "streamGenerateContent?alt=sse" if call.stream else "generateContent"
        urls = [f"{base}/v1internal:{method}" for base in base_urls(credential)]
        agent = credential.metadata.get("user_agent")
        token = credential.api_key or str(credential.metadata.get("access_token", ""))
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "User-Agent": agent if isinstance(agent, str) and agent else USER_AGENT,
            "Accept": "text/event-stream" if call.stream else "application/json",
        }
        headers = with_custom_headers(headers, credential.headers)
        return AntigravityRequest(
            "POST", urls[0], headers, encode_body(body), stream=call.stream, fallback_urls=tuple(urls[1:])
        )

    async def send(self, client: httpx.AsyncClient, upstream: UpstreamRequest) -> httpx.Response:
        """Send ``upstream``; on a 429 or a transport error move on to the next base URL.

        The last base's answer (or error) is what the caller sees; a 429 body read there still
        carries the upstream's retry hint.
        """
        urls = (upstream.url, *getattr(upstream, "fallback_urls", ()))
        for index, url in enumerate(urls):
            last = index == len(urls) - 1
            request = client.build_request(
                upstream.method, url, headers=upstream.headers, content=upstream.content
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TransportError:
                if last:
                    raise
                continue
            if response.status_code == 429 and not last:
                await response.aclose()
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return google_hint(status, body, headers, self._clock())


PROVIDER = AntigravityProvider()


async def fetch_models(http: httpx.AsyncClient, credential: Credential) -> Credential:
    """``credential`` serving the models its account lists (fetchAvailableModels, the same base URL
    fallback as requests); on any failure it serves none (providers.md §3.5)."""
    agent = credential.metadata.get("user_agent")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {credential.api_key}",
        "User-Agent": agent if isinstance(agent, str) and agent else USER_AGENT,
        "Accept": "application/json",
    }
    urls = [f"{base}/v1internal:fetchAvailableModels" for base in base_urls(credential)]
    upstream = AntigravityRequest("POST", urls[0], headers, b"{}", fallback_urls=tuple(urls[1:]))
    listed: object = None
    try:
        async with asyncio.timeout(_FETCH_TIMEOUT):
            response = await PROVIDER.send(http, upstream)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        if response.status_code == 200:
            listed = json.loads(body).get("models")
    except (httpx.HTTPError, TimeoutError, ValueError, AttributeError) as exc:
        log.warning("antigravity %s: fetchAvailableModels failed: %s", credential.id, type(exc).__name__)
    else:
        if response.status_code != 200:
            log.warning(
                "antigravity %s: fetchAvailableModels answered HTTP %d", credential.id, response.status_code
            )
    mappings: list[ModelMapping] = []
    names: dict[str, str] = {}
    for upstream_id, entry in listed.items() if isinstance(listed, dict) else ():
        client = antigravity_client_name(upstream_id)
        if client is None:
            continue
        mappings.append(ModelMapping(name=upstream_id, alias=client if client != upstream_id else ""))
        display = entry.get("displayName") if isinstance(entry, dict) else None
        if isinstance(display, str) and display:
            names[client] = display
    metadata = {**credential.metadata, "model_names": names, "models_fetched": isinstance(listed, dict)}
    return replace(credential, models=tuple(mappings), metadata=metadata)
