"""Model test: one tiny streamed chat request through the proxy's own API, timed to the first token and
to the end (what a client would feel). No Qt here; the client key never appears in a result."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from gui.models import ModelTest
from gui.wire import obj, text

__all__ = ["probe_model"]

_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
_PROMPT = "Reply with the single word OK."


def _error_text(raw: bytes, status: int) -> str:
    try:
        body = obj(json.loads(raw))
    except ValueError:
        body = {}
    error = body.get("error")
    message = text(obj(error).get("message")) if isinstance(error, dict) else text(error)
    return message or f"The proxy answered with an error ({status})."


async def probe_model(
    http: httpx.AsyncClient,
    base_url: str,
    client_key: str,
    model: str,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> ModelTest:
    """Send ``POST /v1/chat/completions`` (stream) for ``model``; time to the first data chunk and the end."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": _PROMPT}],
        "max_tokens": 16,
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {client_key}"} if client_key else {}
    started, first = clock(), None
    try:
        async with http.stream(
            "POST", f"{base_url}/v1/chat/completions", json=body, headers=headers, timeout=_TIMEOUT
        ) as response:
            if response.status_code >= 400:
                raw = await response.aread()
                return ModelTest(False, None, None, _error_text(raw, response.status_code), model)
            async for line in response.aiter_lines():
                if first is None and line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
                    first = clock()
    except httpx.TimeoutException:
        return ModelTest(False, None, None, "No answer within 60 seconds.", model)
    except httpx.TransportError:
        return ModelTest(False, None, None, f"Cannot reach the proxy at {base_url}.", model)
    ended = clock()
    if first is None:
        return ModelTest(False, None, round((ended - started) * 1000), "The answer was empty.", model)
    return ModelTest(True, round((first - started) * 1000), round((ended - started) * 1000), "", model)
