"""One request's journey, written once for every client API.

resolve the model and pick a credential (routing) → payload rules → build the upstream request
(provider) → send → relay the stream or return the body → read usage on the side. On failure the
credential is cooled down and the next one is tried; after a failed round the pipeline may wait
for the nearest cooldown and run another round (``request-retry`` / ``max-retry-interval``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import anyio
import httpx

from server.errors import (
    ModelCooldown,
    NoCredential,
    ProxyError,
    UnsupportedRoute,
    UpstreamError,
    UpstreamUnavailable,
)
from server.formats.sse import SSEParser
from server.formats.usage import StreamUsageTap, Usage, usage_from_response
from server.http import HttpClients
from server.jsontypes import JSONObject
from server.payload import apply_payload_rules
from server.providers.base import Action, Provider, UpstreamCall, UpstreamRequest, WireFormat
from server.providers.registry import provider_for
from server.routing.pool import Candidate
from server.state import ProxyState
from server.usage.record import UsageRecord, UsageSink

__all__ = ["Pipeline", "ProxyRequest", "ProxyResponse", "ProxyStream"]

log = logging.getLogger(__name__)

_PROTOCOL: dict[WireFormat, str] = {
    "openai": "openai",
    "openai-responses": "codex",
    "claude": "claude",
    "gemini": "gemini",
}


@dataclass(frozen=True, slots=True)
class ProxyRequest:
    """A parsed client request, in the client's own wire format."""

    fmt: WireFormat
    model: str
    body: JSONObject
    stream: bool
    action: Action = "generate"
    headers: Mapping[str, str] = field(default_factory=dict)
    alt: str = ""
    client_key: str = ""


@dataclass(frozen=True, slots=True)
class ProxyResponse:
    """A complete (non-stream) answer."""

    status: int
    content: bytes
    media_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProxyStream:
    """A streamed answer; ``chunks`` raises ``ProxyError`` if the upstream breaks off."""

    chunks: AsyncGenerator[bytes, None]
    media_type: str = "text/event-stream"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Attempt:
    request: ProxyRequest
    candidate: Candidate
    provider: Provider
    started: float


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

    def add_usage_sink(self, sink: UsageSink) -> None:
        self._sinks.append(sink)

    async def handle(self, request: ProxyRequest) -> ProxyResponse | ProxyStream:
        """Answer ``request``; when its model is out of quota everywhere, maybe try its preview."""
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
                await self._sleep(wait)
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

    async def _attempt(self, request: ProxyRequest, candidate: Candidate) -> ProxyResponse | ProxyStream:
        credential = candidate.credential
        provider = provider_for(credential)
        if provider.wire_format != request.fmt:
            raise UnsupportedRoute(
                f"model {request.model} is served by a {provider.wire_format} upstream; "
                f"translation from {request.fmt} is not available yet"
            )
        config = self._state.config
        body = apply_payload_rules(
            request.body,
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
            alt=request.alt,
        )
        upstream = provider.build_request(credential, call)
        attempt = _Attempt(request, candidate, provider, self._clock())
        response = await self._send(upstream, credential.proxy_url or config.proxy_url)
        if response.status_code >= 400:
            await self._fail(attempt, response)
        self._state.pool.record_success(candidate)
        headers = _relayed_headers(response) if config.passthrough_headers else {}
        if request.stream and upstream.stream:
            # Gemini's alt=json asks for a streamed JSON array instead of SSE.
            media = "application/json" if request.alt not in ("", "sse") else "text/event-stream"
            return ProxyStream(self._relay(attempt, response), media_type=media, headers=headers)
        if upstream.stream:
            return replace(await self._collect(attempt, response), headers=headers)
        return replace(await self._read(attempt, response), headers=headers)

    async def _send(self, upstream: UpstreamRequest, proxy_url: str) -> httpx.Response:
        client = self._clients.get(proxy_url)
        built = client.build_request(
            upstream.method, upstream.url, headers=upstream.headers, content=upstream.content
        )
        try:
            return await client.send(built, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamUnavailable(f"upstream timed out: {type(exc).__name__}", status=504) from exc
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"upstream unreachable: {_describe(exc)}") from exc

    async def _fail(self, attempt: _Attempt, response: httpx.Response) -> None:
        try:
            body = await response.aread()
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        status = response.status_code
        headers = response.headers
        hint = attempt.provider.retry_hint(status, body, headers)
        self._publish(attempt, status, None)
        raise UpstreamError(
            status,
            body,
            retry_after=hint,
            content_type=headers.get("content-type", "application/json"),
        )

    async def _read(self, attempt: _Attempt, response: httpx.Response) -> ProxyResponse:
        try:
            content = await response.aread()
        except httpx.HTTPError as exc:
            self._publish(attempt, 502, None)
            raise UpstreamUnavailable(f"upstream answer broke off: {_describe(exc)}") from exc
        finally:
            await response.aclose()
        usage = None
        try:
            parsed = json.loads(content)
            if isinstance(parsed, dict):
                usage = usage_from_response(attempt.provider.wire_format, parsed)
        except ValueError:
            pass
        self._publish(attempt, response.status_code, usage)
        media = response.headers.get("content-type", "application/json")
        return ProxyResponse(response.status_code, content, media_type=media)

    async def _collect(self, attempt: _Attempt, response: httpx.Response) -> ProxyResponse:
        """A non-stream answer assembled from an upstream that always streams (Codex)."""
        parser = SSEParser()
        completed: JSONObject | None = None
        try:
            async for chunk in response.aiter_bytes():
                for event in parser.feed(chunk):
                    if event.event == "response.completed" or '"response.completed"' in event.data[:64]:
                        payload = json.loads(event.data)
                        completed = payload.get("response") if isinstance(payload, dict) else None
        except (httpx.HTTPError, ValueError) as exc:
            log.info("upstream stream broke off before completion: %s", _describe(exc))
        finally:
            await response.aclose()
        if not isinstance(completed, dict):
            self._publish(attempt, 408, None)
            raise UpstreamUnavailable(
                "stream error: stream disconnected before completion: "
                "stream closed before response.completed",
                status=408,
            )
        usage = usage_from_response(attempt.provider.wire_format, completed)
        self._publish(attempt, 200, usage)
        content = json.dumps(completed, separators=(",", ":"), ensure_ascii=False).encode()
        return ProxyResponse(200, content)

    async def _relay(self, attempt: _Attempt, response: httpx.Response) -> AsyncGenerator[bytes, None]:
        """Relay upstream bytes chunk by chunk, reading usage on the side."""
        parser = SSEParser()
        tap = StreamUsageTap(attempt.provider.wire_format)
        status = 200
        try:
            async for chunk in response.aiter_bytes():
                for event in parser.feed(chunk):
                    tap.feed(event)
                yield chunk
        except httpx.HTTPError as exc:
            status = 502
            raise UpstreamUnavailable(f"upstream stream broke off: {_describe(exc)}") from exc
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            self._publish(attempt, status, tap.usage)

    def _publish(self, attempt: _Attempt, status: int, usage: Usage | None) -> None:
        if not self._sinks:
            return
        credential = attempt.candidate.credential
        u = usage or Usage()
        record = UsageRecord(
            timestamp=self._wall(),
            client_key=attempt.request.client_key,
            provider=credential.provider,
            credential_id=credential.id,
            credential_label=credential.label,
            requested_model=attempt.request.model,
            upstream_model=attempt.candidate.upstream_model,
            status=status,
            failed=status >= 400,
            stream=attempt.request.stream,
            latency_ms=int((self._clock() - attempt.started) * 1000),
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            reasoning_tokens=u.reasoning_tokens,
            cached_tokens=u.cached_tokens,
            total_tokens=u.total_tokens,
        )
        for sink in self._sinks:
            try:
                sink(record)
            except Exception:
                log.exception("usage sink failed")


_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "content-type",
        "date",
        "server",
        "set-cookie",
        "upgrade",
        "proxy-authenticate",
        "trailer",
        "te",
    }
)


def _relayed_headers(response: httpx.Response) -> dict[str, str]:
    """Upstream response headers worth showing the client (``passthrough-headers``)."""
    return {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}


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


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
