"""One upstream HTTP exchange: send, read the answer or relay the stream, translate, publish usage.

The pipeline decides *which* credential to use; an ``Exchange`` talks to it once. Passthrough
(client format = upstream format) relays bytes untouched while usage is read on the side; otherwise
a ``Translation`` turns the upstream's answer into the client's format.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import anyio
import httpx

from server import jsoncodec
from server.credential import Credential
from server.errors import UpstreamError, UpstreamUnavailable
from server.formats.ir import Reasoning
from server.formats.sse import SSEEvent, SSEEventFilter, SSEParser
from server.formats.usage import StreamUsageTap, Usage, usage_from_response
from server.http import HttpClients
from server.jsontypes import JSONObject
from server.providers.base import Action, Provider, UpstreamRequest, WireFormat
from server.request_capture import current_route, note_upstream_failure, tap_upstream
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
    header_hook: Callable[[Credential, Mapping[str, str]], None] | None = None
    """Sees the upstream's response headers (quota windows); set only for providers that have some."""
    started: float = 0.0
    first_chunk: float = 0.0
    """When the first stream chunk arrived (0: not a stream, or none yet): the TTFT of a stream."""

    async def run(self, upstream: UpstreamRequest, proxy_url: str) -> ProxyResponse | ProxyStream:
        self.started = self.clock()
        response = await self._send(upstream, proxy_url)
        if self.header_hook is not None:
            self.header_hook(self.candidate.credential, response.headers)
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
        now = self.clock()
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
            latency_ms=int((now - self.started) * 1000),
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            reasoning_tokens=u.reasoning_tokens,
            cached_tokens=u.cached_tokens,
            total_tokens=u.total_tokens,
            ttft_ms=int(((self.first_chunk or now) - self.started) * 1000),
            route=current_route(),
            source=_source(credential),
            auth_index=_auth_index(credential),
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
            upstream.method, _parsed_url(upstream.url), headers=upstream.headers, content=upstream.content
        )
        # A provider with several base URLs (Antigravity: sandbox, then prod) sends by itself.
        sender = getattr(self.provider, "send", None)
        try:
            if callable(sender):
                response: httpx.Response = await sender(client, upstream)
            else:
                response = await client.send(built, stream=True)
        except httpx.TimeoutException as exc:
            note_upstream_failure(built, self.candidate.credential, f"timed out: {type(exc).__name__}")
            raise UpstreamUnavailable(f"upstream timed out: {type(exc).__name__}", status=504) from exc
        except httpx.HTTPError as exc:
            note_upstream_failure(built, self.candidate.credential, describe(exc))
            raise UpstreamUnavailable(f"upstream unreachable: {describe(exc)}") from exc
        tap_upstream(response.request, response, self.candidate.credential)  # what was really sent
        return response

    async def _fail(self, response: httpx.Response) -> None:
        try:
            body = await response.aread()
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        status = response.status_code
        reclassify = getattr(self.provider, "error_status", None)
        if callable(reclassify):
            # e.g. Qwen reports an exhausted daily quota as 403: treat it as the 429 it is.
            status = int(reclassify(status, body))
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
        events = _parse_all(chunks)
        tap = StreamUsageTap(self.provider.wire_format)
        for event in events:
            tap.feed(event)
        if self.translation is not None:
            assembler = self.translation.stream().assemble(events)
            if assembler.completed and assembler.error is None:
                self.publish(200, tap.usage)
                return ProxyResponse(200, self.translation.render(assembler.response()))
        elif (completed := _completed_response(events)) is not None:
            self.publish(200, tap.usage)
            return ProxyResponse(200, jsoncodec.dumps(completed))
        self.publish(408, None)
        last_event = (
            "response.completed"
            if self.provider.wire_format == "openai-responses"
            else "the end of the answer"
        )
        raise UpstreamUnavailable(
            f"stream error: stream disconnected before completion: stream closed before {last_event}",
            status=408,
        )

    async def _relay(self, response: httpx.Response) -> AsyncGenerator[bytes, None]:
        """Relay upstream bytes chunk by chunk (translated when needed), reading usage on the side."""
        tap = StreamUsageTap(self.provider.wire_format)
        translator = self.translation.stream() if self.translation is not None else None
        # Relayed untouched, a stream is read only for its usage: most events need no parsing.
        parser: SSEParser | SSEEventFilter = (
            SSEParser() if translator is not None else SSEEventFilter(_USAGE_MARKERS)
        )
        status = 200
        try:
            async for chunk in response.aiter_bytes():
                if not self.first_chunk:
                    self.first_chunk = self.clock()
                events = parser.feed(chunk)
                for event in events:
                    tap.feed(event)
                if translator is None:
                    yield chunk
                elif out := translator.feed(events):
                    yield out
            tail = parser.flush()
            for event in tail:
                tap.feed(event)
            if translator is not None and (closing := translator.finish(tail)):
                yield closing
        except httpx.HTTPError as exc:
            status = 502
            raise UpstreamUnavailable(f"upstream stream broke off: {describe(exc)}") from exc
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()
            self.publish(status, tap.usage)


_USAGE_MARKERS = (b"usage", b"message_start", b"response.completed", b"response.incomplete")
"""Every event ``StreamUsageTap`` reads holds one of these (its type or its usage field)."""

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


def _source(credential: Credential) -> str:
    """The original's per-detail ``source``: the account, never a key (server.md §4.1)."""
    meta = credential.metadata
    if credential.provider == "gemini-cli":
        return credential.id
    if credential.provider == "vertex" and meta.get("project_id"):
        return str(meta["project_id"])
    return str(meta.get("email") or credential.label or credential.provider)


def _auth_index(credential: Credential) -> str:
    """The original's ``auth_index``: 16 hex of SHA-256 over ``api_key:<key>`` (one-way), else by id."""
    if credential.kind == "apikey" and credential.api_key:
        return _key_index(credential.api_key)
    return ""


@functools.lru_cache(maxsize=1024)
def _key_index(api_key: str) -> str:
    return hashlib.sha256(f"api_key:{api_key}".encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=512)
def _parsed_url(url: str) -> httpx.URL:
    """Upstream URLs repeat: parse each once (httpx.URL is immutable; parsing is ~5% of a request)."""
    return httpx.URL(url)


def _relayed_headers(response: httpx.Response) -> dict[str, str]:
    """Upstream response headers worth showing the client (``passthrough-headers``)."""
    return {k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP}


def _json_object(content: bytes) -> JSONObject | None:
    try:
        parsed = jsoncodec.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _parse_all(chunks: list[bytes]) -> list[SSEEvent]:
    parser = SSEParser()
    return [event for chunk in chunks for event in parser.feed(chunk)] + list(parser.flush())


def _completed_response(events: list[SSEEvent]) -> JSONObject | None:
    """The ``response`` object of a Responses stream's ``response.completed`` event, if it came."""
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
