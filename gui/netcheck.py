"""Upstream proxy test: one request through the proxy address a person typed, from this computer.

Any HTTP answer from the far side means the proxy works (even a 401: the request got through). The
target is an AI provider's API (what the proxy is for); ``CLIPROXYAPI_PROXY_TEST_URL`` points it
elsewhere (tests). No Qt here; results are (ok, message) with messages fit to show.
"""

from __future__ import annotations

import os
import time
from typing import Final

import httpx

__all__ = ["DEFAULT_TARGET", "check_proxy", "proxy_target"]

DEFAULT_TARGET: Final = "https://api.openai.com/v1/models"
_TIMEOUT = httpx.Timeout(10.0, connect=8.0)


def proxy_target() -> str:
    return os.environ.get("CLIPROXYAPI_PROXY_TEST_URL", "").strip() or DEFAULT_TARGET


async def check_proxy(proxy_url: str, target: str | None = None) -> tuple[bool, str]:
    """Reach ``target`` through ``proxy_url`` once: (True, "works …") or (False, why not)."""
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(proxy=proxy_url.strip(), timeout=_TIMEOUT, trust_env=False) as http:
            response = await http.get(target or proxy_target())
    except httpx.ProxyError:
        return False, "The proxy refused the request (check the address and any user name or password)."
    except httpx.TimeoutException:
        return False, "No answer through the proxy within 10 seconds."
    except httpx.ConnectError:
        return False, "Could not connect to the proxy (is it running, and is the address right?)."
    except (httpx.HTTPError, ValueError):
        return False, "The request through the proxy failed (is it the right kind of proxy?)."
    if response.status_code == 407:
        return False, "The proxy asks for a user name and password (put them in the address)."
    if response.status_code in (502, 504):
        return False, f"The proxy could not reach the provider (it answered {response.status_code})."
    elapsed = round((time.perf_counter() - started) * 1000)
    return True, f"The proxy works: the provider answered through it in {elapsed:,} ms."
