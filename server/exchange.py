"""One upstream HTTP exchange: send, read the answer or relay the stream, translate, publish usage.

The pipeline decides *which* credential to use; an ``Exchange`` talks to it once. Passthrough
(client format = upstream format) relays bytes untouched while usage is read on the side; otherwise
a ``Translation`` turns the upstream's answer into the client's format.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import anyio
import httpx

from server.errors import UpstreamError, UpstreamUnavailable
from server.formats.ir import Reasoning
from server.formats.sse import SSEParser
from server.formats.usage import StreamUsageTap, Usage, usage_from_response
from server.http import HttpClients
from server.jsontypes import JSONObject
from server.providers.base import Action, Provider, UpstreamRequest, WireFormat
from server.routing.pool import Candidate
from server.translation import Translation
from server.usage.record import UsageRecord, UsageSink

__all__ = ["Exchange", "ProxyRequest", "ProxyResponse", "ProxyStream"]

log = logging.getLogger(__name__)


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
    reasoning: Reasoning | None = None
    """Thinking asked for by a model-name suffix (``model(high)``), applied through translation."""
    requested_model: str = ""
    """The model as the client wrote it, when ``model`` lost a suffix (shown back to the client)."""


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
class Exchange:
    """Talks to one upstream once for ``request`` with ``candidate``'s credential."""

    request: ProxyRequest
    candidate: Candidate
    provider: Provider
    translation: Translation | None
    clients: HttpClients
    sinks: Sequence[UsageSink]
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    passthrough_headers: bool = False
    started: float = 0.0

    async def run(self, upstream: UpstreamRequest, proxy_url: str) -> ProxyResponse | ProxyStream:
        self.started = self.clock()
        response = await self._send(upstream, proxy_url)
        if response.status_code >= 400:
            await self._fail(response)
        headers = _relayed_headers(response) if self.passthrough_headers else {}
        request = self.request
        if request.stream and upstream.stream:
            # Gemini's alt=json asks for a streamed JSON array instead of SSE.
            media = "application/json" if request.alt not in ("", "sse") else "text/event-stream"
            return ProxyStream(self._relay(response), media_type=media, headers=headers)
        if upstream.stream:
            result = await self._collect(response)
        else:
            result = await self._read(response)
        return ProxyResponse(result.status, result.content, result.media_type, headers)

    def publish(self, status: int, usage: Usage | None) -> None:
        """Hand one usage record to every sink (a failing sink is logged, never raised)."""
        if not self.sinks:
            return
        credential = self.candidate.credential
        u = usage or Usage()
        record = UsageRecord(
            timestamp=self.wall_clock(),
            client_key=self.request.client_key,
            provider=credential.provider,
            credential_id=credential.id,
            credential_label=credential.label,
            requested_model=self.request.model,
            upstream_model=self.candidate.upstream_model,
            status=status,
            failed=status >= 400,
            stream=self.request.stream,
            latency_ms=int((self.clock() - self.started) * 1000),
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            reasoning_tokens=u.reasoning_tokens,
            cached_tokens=u.cached_tokens,
            total_tokens=u.total_tokens,
        )
        for sink in self.sinks:
            try:
                sink(record)
            except Exception:
                log.exception("usage sink failed")

    # -- the exchange ------------------------------------------------------------------------------

    async def _send(self, upstream: UpstreamRequest, proxy_url: str) -> httpx.Response:
        client = self.clients.get(proxy_url)
        built = client.build_request(
            upstream.method, upstream.url, headers=upstream.headers, content=upstream.content
        )
        try:
            return await client.send(built, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamUnavailable(f"upstream timed out: {type(exc).__name__}", status=504) from exc
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"upstream unreachable: {describe(exc)}") from exc

    async def _fail(self, response: httpx.Response) -> None:
        try:
            body = await response.aread()
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        status = response.status_code
        hint = self.provider.retry_hint(status, body, response.headers)
        self.publish(status, None)
        relayed = None
        if self.passthrough_headers:
            # With a hint the error sets its own Retry-After; relaying the upstream's would double it.
            relayed = {
                k: v
                for k, v in _relayed_headers(response).items()
                if hint is None or k.lower() != "retry-after"
            }
        raise UpstreamError(
            status,
            body,
            retry_after=hint,
            headers=relayed,
            content_type=response.headers.get("content-type", "application/json"),
        )

    async def _read(self, response: httpx.Response) -> ProxyResponse:
        try:
            content = await response.aread()
        except httpx.HTTPError as exc:
            self.publish(502, None)
            raise UpstreamUnavailable(f"upstream answer broke off: {describe(exc)}") from exc
        finally:
            await response.aclose()
        parsed = _json_object(content)
        usage = usage_from_response(self.provider.wire_format, parsed) if parsed is not None else None
        self.publish(response.status_code, usage)
        translation = self.translation
        if translation is None:
            media = response.headers.get("content-type", "application/json")
            return ProxyResponse(response.status_code, content, media_type=media)
        if parsed is None:
            raise UpstreamUnavailable("upstream answered with a body that is not a JSON object")
        if self.request.action == "count_tokens":
            return ProxyResponse(200, translation.count_answer(parsed))
        return ProxyResponse(200, translation.answer(parsed))

    async def _collect(self, response: httpx.Response) -> ProxyResponse:
        """A non-stream answer assembled from an upstream that always streams (Codex)."""
        chunks: list[bytes] = []
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            log.info("upstream stream broke off before completion: %s", describe(exc))
        finally:
            await response.aclose()
        tap = StreamUsageTap(self.provider.wire_format)
        parser = SSEParser()
        for chunk in chunks:
            for event in parser.feed(chunk):
                tap.feed(event)
        if self.translation is not None:
            assembler = self.translation.stream().assemble(chunks)
            if assembler.completed and assembler.error is None:
                self.publish(200, tap.usage)
                return ProxyResponse(200, self.translation.render(assembler.response()))
        elif (completed := _completed_response(chunks)) is not None:
            self.publish(200, tap.usage)
            return ProxyResponse(200, json.dumps(completed, separators=(",", ":")).encode())
        self.publish(408, None)
        raise UpstreamUnavailable(
            "stream error: stream disconnected before completion: stream closed before response.completed",
            status=408,
        )

    async def _relay(self, response: httpx.Response) -> AsyncGenerator[bytes, None]:
        """Relay upstream bytes chunk by chunk (translated when needed), reading usage on the side."""
        parser = SSEParser()
        tap = StreamUsageTap(self.provider.wire_format)
        translator = self.translation.stream() if self.translation is not None else None
        status = 200
        try:
            async for chunk in response.aiter_bytes():
                for event in parser.feed(chunk):
                    tap.feed(event)
                if translator is None:
                    yield chunk
                elif out := translator.feed(chunk):
                    yield out
            if translator is not None and (tail := translator.finish()):
                yield tail
        except httpx.HTTPError as exc:
            status = 502
            raise UpstreamUnavailable(f"upstream stream broke off: {describe(exc)}") from exc
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            self.publish(status, tap.usage)


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


def _json_object(content: bytes) -> JSONObject | None:
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _completed_response(chunks: list[bytes]) -> JSONObject | None:
    """The ``response`` object of a Responses stream's ``response.completed`` event, if it came."""
    parser = SSEParser()
    events = [event for chunk in chunks for event in parser.feed(chunk)] + list(parser.flush())
    for event in events:
        if event.event == "response.completed" or '"response.completed"' in event.data[:64]:
            payload = _json_object(event.data.encode())
            if payload is not None and isinstance(payload.get("response"), dict):
                return dict(payload["response"])
    return None


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, for logs and client messages (no secrets inside)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
