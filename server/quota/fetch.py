"""Active quota fetches: Antigravity ``fetchAvailableModels`` and Gemini CLI ``retrieveUserQuota``.

The parsers (``antigravity_windows``, ``gemini_cli_windows``) are pure; the fetchers call the
provider's Code Assist endpoint with the credential's (already fresh) token through the HTTP
client the caller picked for the credential's proxy, with the providers' own URLs and headers.
A failure raises ``QuotaFetchError`` with a message fit for logs (never a token).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import httpx

from server.auth.timing import parse_time
from server.credential import Credential
from server.jsontypes import JSON, JSONObject
from server.providers import antigravity, gemini_cli
from server.providers.google_models import antigravity_client_name
from server.quota.book import QuotaWindow, clamp_percent

__all__ = [
    "FETCHERS",
    "Fetcher",
    "QuotaFetchError",
    "antigravity_windows",
    "fetch_antigravity",
    "fetch_gemini_cli",
    "gemini_cli_windows",
]

_TIMEOUT = 15.0

Fetcher = Callable[[httpx.AsyncClient, Credential, float], Awaitable[list[QuotaWindow]]]


class QuotaFetchError(Exception):
    """The quota could not be fetched; the message names the cause, never a secret."""


def _fraction(value: JSON) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0.0 <= number <= 1.0 else None


def _window(window: str, label: str, info: JSONObject, now: float) -> QuotaWindow | None:
    """A fetched window from ``{remainingFraction, resetTime}``.

    Google leaves ``remainingFraction`` out when it is 0 (proto3 default), so a quota entry that
    has a reset time but no fraction reads as used up.
    """
    remaining = _fraction(info.get("remainingFraction"))
    resets = parse_time(info.get("resetTime"))
    if remaining is None:
        if "remainingFraction" in info or resets is None:
            return None
        remaining = 0.0
    return QuotaWindow(window, label, clamp_percent((1.0 - remaining) * 100.0), resets, now, "fetch")


def antigravity_windows(answer: JSON, now: float) -> list[QuotaWindow]:
    """One window per listed model with ``quotaInfo`` (models clients never see are left out)."""
    models = answer.get("models") if isinstance(answer, dict) else None
    out: list[QuotaWindow] = []
    for model_id, entry in models.items() if isinstance(models, dict) else ():
        if not isinstance(entry, dict) or antigravity_client_name(str(model_id)) is None:
            continue
        info = entry.get("quotaInfo")
        if not isinstance(info, dict):
            continue
        display = entry.get("displayName")
        label = display if isinstance(display, str) and display else str(model_id)
        found = _window(str(model_id), label, info, now)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda w: w.window)


def gemini_cli_windows(answer: JSON, now: float) -> list[QuotaWindow]:
    """One window per ``modelId`` of the ``buckets`` (the most used bucket when several)."""
    buckets = answer.get("buckets") if isinstance(answer, dict) else None
    best: dict[str, QuotaWindow] = {}
    for bucket in buckets if isinstance(buckets, list) else ():
        if not isinstance(bucket, dict):
            continue
        model = bucket.get("modelId")
        if not isinstance(model, str) or not model:
            continue
        found = _window(model, model, bucket, now)
        if found is not None and (model not in best or found.used_percent > best[model].used_percent):
            best[model] = found
    return [best[name] for name in sorted(best)]


async def _post(send: Callable[[], Awaitable[httpx.Response]], what: str) -> JSON:
    try:
        async with asyncio.timeout(_TIMEOUT):
            response = await send()
            try:
                body = await response.aread()
            finally:
                await response.aclose()
    except TimeoutError:
        raise QuotaFetchError(f"{what} timed out") from None
    except httpx.HTTPError as exc:
        raise QuotaFetchError(f"{what} failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise QuotaFetchError(f"{what} answered HTTP {response.status_code}")
    try:
        return json.loads(body)
    except ValueError:
        raise QuotaFetchError(f"{what} answered with a body that is not JSON") from None


async def fetch_antigravity(http: httpx.AsyncClient, credential: Credential, now: float) -> list[QuotaWindow]:
    """``POST <base>/v1internal:fetchAvailableModels`` (the request path's base URL fallback)."""
    agent = credential.metadata.get("user_agent")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {credential.api_key}",
        "User-Agent": agent if isinstance(agent, str) and agent else antigravity.USER_AGENT,
        "Accept": "application/json",
    }
    urls = [f"{base}/v1internal:fetchAvailableModels" for base in antigravity.base_urls(credential)]
    upstream = antigravity.AntigravityRequest("POST", urls[0], headers, b"{}", fallback_urls=tuple(urls[1:]))
    answer = await _post(lambda: antigravity.PROVIDER.send(http, upstream), "fetchAvailableModels")
    return antigravity_windows(answer, now)


async def fetch_gemini_cli(http: httpx.AsyncClient, credential: Credential, now: float) -> list[QuotaWindow]:
    """``POST <base>/v1internal:retrieveUserQuota`` with ``{"project": <the credential's project>}``."""
    project = gemini_cli.project_of(credential)
    if not project:
        raise QuotaFetchError("retrieveUserQuota needs a project and the credential has none")
    base = (credential.base_url.strip() or gemini_cli.DEFAULT_BASE_URL).rstrip("/")
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {credential.api_key}",
        "User-Agent": gemini_cli.cli_user_agent("gemini-2.5-pro"),
        "X-Goog-Api-Client": gemini_cli.API_CLIENT,
        "Accept": "application/json",
    }
    body = json.dumps({"project": project}).encode()
    request = http.build_request(
        "POST", f"{base}/v1internal:retrieveUserQuota", headers=headers, content=body
    )
    answer = await _post(lambda: http.send(request, stream=True), "retrieveUserQuota")
    return gemini_cli_windows(answer, now)


FETCHERS: dict[str, Fetcher] = {"antigravity": fetch_antigravity, "gemini-cli": fetch_gemini_cli}
"""Active fetchers by provider type (``Credential.provider_type``)."""
