"""The account test: one tiny streamed request through a chosen credential, timed.

It goes through the pipeline's normal attempt (token freshening, payload rules, provider request,
usage record) but with the credential fixed: no failover and no cooldown. The request is written in
the provider's own wire format, so nothing needs translating. ``ttft_ms`` is the time to the first
streamed byte, ``latency_ms`` the time to the end of the answer.
"""

from __future__ import annotations

import asyncio
import time

from server.credential import Credential
from server.errors import ProxyError
from server.exchange import ProxyRequest, ProxyStream
from server.jsontypes import JSONObject
from server.providers.base import WireFormat
from server.providers.registry import provider_for
from server.service import ProxyService

__all__ = ["AccountTestError", "PROMPT", "run_account_test", "probe_body"]

PROMPT = "Reply with the single word OK."
_MAX_ERROR = 500


class AccountTestError(Exception):
    """The test cannot start (unknown credential, unserved model); ``status`` for the API answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def probe_body(fmt: WireFormat, model: str) -> JSONObject:
    """The smallest useful streamed request in wire format ``fmt``."""
    if fmt == "claude":
        return {
            "model": model,
            "max_tokens": 16,
            "stream": True,
            "messages": [{"role": "user", "content": PROMPT}],
        }
    if fmt == "openai-responses":
        return {"model": model, "input": PROMPT, "stream": True}
    if fmt == "gemini":
        return {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
    return {"model": model, "stream": True, "messages": [{"role": "user", "content": PROMPT}]}


def _credential(service: ProxyService, credential_id: str) -> Credential:
    for credential in service.state.credentials:
        if credential.id == credential_id:
            return credential
    raise AccountTestError(404, f"credential not found: {credential_id}")


def _default_model(service: ProxyService, credential: Credential) -> str:
    pool = service.state.pool
    for info in provider_for(credential).models(credential):
        if pool.candidate_for(credential.id, info.id) is not None:
            return info.id
    raise AccountTestError(400, f"credential {credential.id} serves no model")


async def run_account_test(
    service: ProxyService, credential_id: str, model: str = "", *, time_limit: float = 60.0
) -> JSONObject:
    """Send the test request and report how it went (never raises for upstream failures)."""
    credential = _credential(service, credential_id)
    model = model.strip() or _default_model(service, credential)
    candidate = service.state.pool.candidate_for(credential.id, model)
    if candidate is None:
        raise AccountTestError(400, f"model: credential {credential.id} does not serve {model}")
    fmt = provider_for(credential).wire_format
    request = ProxyRequest(fmt=fmt, model=model, body=probe_body(fmt, candidate.upstream_model), stream=True)
    status: int | None = None
    error = ""
    ttft: float | None = None
    received = 0
    start = time.monotonic()
    try:
        async with asyncio.timeout(time_limit):
            result = await service.pipeline.attempt(request, candidate)
            if isinstance(result, ProxyStream):
                try:
                    async for chunk in result.chunks:
                        if chunk and ttft is None:
                            ttft = time.monotonic() - start
                        received += len(chunk)
                finally:
                    await result.chunks.aclose()
                status = 200
            else:
                status = result.status
                received = len(result.content)
                ttft = time.monotonic() - start
                if status >= 400:
                    error = result.content[:_MAX_ERROR].decode("utf-8", errors="replace")
    except ProxyError as exc:
        status = exc.status
        error = exc.message[:_MAX_ERROR]
    except TimeoutError:
        error = f"no complete answer within {time_limit:g} s"
    latency = time.monotonic() - start
    return {
        "ok": not error,
        "credential": credential.id,
        "provider": credential.provider,
        "model": model,
        "upstream_model": candidate.upstream_model,
        "status": status,
        "ttft_ms": None if ttft is None else round(ttft * 1000),
        "latency_ms": round(latency * 1000),
        "bytes": received,
        "error": error,
    }
