"""Shared outbound HTTP clients: one keep-alive ``httpx.AsyncClient`` per proxy setting."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

__all__ = ["HttpClients", "UPSTREAM_TIMEOUT"]

log = logging.getLogger(__name__)

UPSTREAM_TIMEOUT = httpx.Timeout(connect=15.0, read=300.0, write=60.0, pool=30.0)
"""Read is long on purpose: a model may think for minutes between two stream events."""

_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=64, keepalive_expiry=60.0)
_DIRECT = {"direct", "none"}
_SCHEMES = {"http", "https", "socks5", "socks5h"}


class HttpClients:
    """Hands out the client for a credential's proxy; created lazily, closed together.

    Precedence is the caller's business (credential proxy, then the global ``proxy-url``);
    ``""`` means "whatever the environment says", ``direct``/``none`` force no proxy.
    """

    def __init__(self, *, timeout: httpx.Timeout = UPSTREAM_TIMEOUT) -> None:
        self._timeout = timeout
        self._clients: dict[str, httpx.AsyncClient] = {}

    def get(self, proxy_url: str) -> httpx.AsyncClient:
        key = _normalise(proxy_url)
        client = self._clients.get(key)
        if client is None:
            client = self._make(key)
            self._clients[key] = client
        return client

    def _make(self, key: str) -> httpx.AsyncClient:
        common = {"timeout": self._timeout, "limits": _LIMITS, "follow_redirects": False}
        if key == "direct":
            return httpx.AsyncClient(trust_env=False, **common)  # type: ignore[arg-type]
        if key == "":
            return httpx.AsyncClient(trust_env=True, **common)  # type: ignore[arg-type]
        return httpx.AsyncClient(proxy=key, trust_env=False, **common)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def _normalise(proxy_url: str) -> str:
    value = proxy_url.strip()
    if value.lower() in _DIRECT:
        return "direct"
    if not value:
        return ""
    scheme = urlsplit(value).scheme.lower()
    if scheme not in _SCHEMES:
        # The original ignores proxies it cannot parse and connects directly; so do we, loudly.
        log.warning("ignoring proxy URL with unsupported scheme %r", scheme or "(none)")
        return "direct"
    return value
