"""One request's journey, written once for every client API.

resolve the model (thinking suffixes, aliases, prefixes, exclusions) and pick a credential
(routing) → translate the body when the upstream speaks another format → payload rules → build
the upstream request (provider) → one ``Exchange`` with the upstream. On failure the credential is
cooled down and the next one is tried; after a failed round the pipeline may wait for the nearest
cooldown and run another round (``request-retry`` / ``max-retry-interval``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace

from server.credential import Credential
from server.errors import (
    ModelCooldown,
    NoCredential,
    ProxyError,
    UnsupportedRoute,
    UpstreamError,
    UpstreamUnavailable,
)
from server.exchange import Exchange, ProxyRequest, ProxyResponse, ProxyStream
from server.formats.thinking import split_model_suffix
from server.http import HttpClients
from server.payload import apply_payload_rules
from server.providers.base import Provider, UpstreamCall, WireFormat
from server.providers.registry import provider_for
from server.routing.pool import Candidate
from server.state import ProxyState
from server.translation import Translation
from server.usage.record import UsageSink

__all__ = ["Pipeline", "ProxyRequest", "ProxyResponse", "ProxyStream"]

log = logging.getLogger(__name__)

_WAKE_SLACK = 0.05
"""Added to a retry wait: event-loop timers may fire a little early (uvloop rounds to whole
milliseconds, Windows clocks tick every ~16 ms), and waking before the cooldown ends wastes a round."""

_PROTOCOL: dict[WireFormat, str] = {
    "openai": "openai",
    "openai-responses": "codex",
    "claude": "claude",
    "gemini": "gemini",
}

_NO_COUNT_ENDPOINT: frozenset[WireFormat] = frozenset({"openai", "openai-responses"})
"""Upstream formats without a token-counting endpoint: counts are estimated locally."""


class Pipeline:
    """Runs requests against the live ``ProxyState`` with shared HTTP clients."""

    def __init__(
        self,
        state: ProxyState,
        clients: HttpClients,
        *,
        usage_sinks: Sequence[UsageSink] = (),
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._state = state
        self._clients = clients
        self._sinks = list(usage_sinks)
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self.header_hooks: dict[str, Callable[[Credential, Mapping[str, str]], None]] = {}
        """Response-header readers by provider name (server.quota installs Codex's and Claude's)."""

    def add_usage_sink(self, sink: UsageSink) -> None:
        self._sinks.append(sink)

    async def handle(self, request: ProxyRequest) -> ProxyResponse | ProxyStream:
        """Answer ``request``; when its model is out of quota everywhere, maybe try its preview."""
        request = self._split_suffix(request)
        try:
            return await self._with_retries(request)
        except (ModelCooldown, UpstreamError) as exc:
            if exc.status != 429 or not self._state.config.quota_exceeded.switch_preview_model:
                raise
            preview = self._preview_of(request.model)
            if preview is None:
                raise
            log.info("model %s is out of quota, switching to %s", request.model, preview)
            return await self._with_retries(replace(request, model=preview))

    def _split_suffix(self, request: ProxyRequest) -> ProxyRequest:
        """``model(high)`` / ``model-thinking-N``: route the base model, think as the suffix says.

        A name that is itself served (``…-thinking`` ids exist) is never split.
        """
        pool = self._state.pool
        if pool.serves(request.model):
            return request
        base, reasoning = split_model_suffix(request.model)
        if reasoning is None or not pool.serves(base):
            return request
        return replace(request, model=base, reasoning=reasoning, requested_model=request.model)

    def _preview_of(self, model: str) -> str | None:
        """The newest served model whose id is ``model`` followed by ``-preview``."""
        stem = model.lower() + "-preview"
        found = [m for m in self._state.pool.list_models(self._clock()) if m.id.lower().startswith(stem)]
        if not found:
            return None
        return max(found, key=lambda m: (m.created, m.id)).id

    async def _with_retries(self, request: ProxyRequest) -> ProxyResponse | ProxyStream:
        """Answer ``request`` from the first credential that succeeds, with retry rounds."""
        config = self._state.config
        rounds = max(0, config.request_retry) + 1
        for round_no in range(rounds):
            try:
                return await self._round(request)
            except (UpstreamError, ModelCooldown, NoCredential) as exc:
                wait = self._state.pool.earliest_recovery(request.model, self._clock())
                limit = self._state.config.max_retry_interval
                if round_no + 1 >= rounds or limit <= 0 or wait is None or wait > limit:
                    raise
                if isinstance(exc, UpstreamError) and not _worth_retrying(exc):
                    raise
                log.info("model %s: all credentials failed, retrying in %.1fs", request.model, wait)
                await self._sleep(wait + _WAKE_SLACK)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _round(self, request: ProxyRequest) -> ProxyResponse | ProxyStream:
        pool = self._state.pool
        tried: set[str] = set()
        last: ProxyError | None = None
        while True:
            try:
                candidate = pool.pick(request.model, tried, self._clock())
            except (ModelCooldown, NoCredential):
                if last is not None:
                    raise last from None
                raise
            tried.add(candidate.credential.id)
            try:
                return await self._attempt(request, candidate)
            except UnsupportedRoute as exc:
                last = exc
            except UpstreamError as exc:
                pool.record_failure(candidate, _cooldown_status(exc), exc.retry_after, self._clock())
                last = exc
                if _stops_failover(exc):
                    raise

    async def attempt(self, request: ProxyRequest, candidate: Candidate) -> ProxyResponse | ProxyStream:
        """One attempt with a chosen credential, no failover and no cooldown (the account test)."""
        return await self._attempt(request, candidate)

    async def _attempt(self, request: ProxyRequest, candidate: Candidate) -> ProxyResponse | ProxyStream:
        credential = candidate.credential
        provider = provider_for(credential)
        if credential.kind == "oauth" and self._state.token_source is not None:
            credential = await self._state.token_source(credential)
        translation = self._translation(request, provider)
        if translation is None:
            body = request.body
        else:
            if request.action == "count_tokens" and provider.wire_format in _NO_COUNT_ENDPOINT:
                return ProxyResponse(200, translation.estimated_count())
            body = translation.upstream_body(candidate.upstream_model, candidate.info)
        config = self._state.config
        body = apply_payload_rules(
            body,
            config.payload,
            models=(request.model, candidate.upstream_model),
            protocol=_PROTOCOL[provider.wire_format],
        )
        call = UpstreamCall(
            model=candidate.upstream_model,
            body=body,
            stream=request.stream,
            action=request.action,
            client_headers=request.headers,
            alt=request.alt if translation is None else "",
            client_format=request.fmt,
        )
        upstream = provider.build_request(credential, call)
        exchange = Exchange(
            request,
            candidate,
            provider,
            translation,
            self._clients,
            self._sinks,
            clock=self._clock,
            wall_clock=self._wall,
            passthrough_headers=config.passthrough_headers,
            header_hook=self.header_hooks.get(provider.name),
        )
        result = await exchange.run(upstream, credential.proxy_url or config.proxy_url)
        self._state.pool.record_success(candidate)
        return result

    def _translation(self, request: ProxyRequest, provider: Provider) -> Translation | None:
        """``None`` for the passthrough fast path (same format, no suffix to apply)."""
        same_format = provider.wire_format == request.fmt
        if same_format and request.reasoning is None and not getattr(provider, "always_translate", False):
            return None
        return Translation.start(
            request.fmt,
            provider.wire_format,
            request.body,
            client_model=request.requested_model or request.model,
            stream=request.stream,
            reasoning=request.reasoning,
            created=int(self._wall()),
        )


def _cooldown_status(exc: UpstreamError) -> int | None:
    """The status that decides the cooldown; ``None`` for transport failures."""
    return None if isinstance(exc, UpstreamUnavailable) and exc.status in (502, 504) else exc.status


def _stops_failover(exc: UpstreamError) -> bool:
    """Request-shape errors fail the same way on every credential: do not multiply them."""
    if exc.status == 422:
        return True
    return exc.status == 400 and b"invalid_request_error" in exc.body


def _worth_retrying(exc: UpstreamError) -> bool:
    return exc.status in (408, 429, 500, 502, 503, 504) or isinstance(exc, UpstreamUnavailable)
