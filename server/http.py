"""Shared outbound HTTP clients: one keep-alive ``httpx.AsyncClient`` per proxy setting.

Direct connections go through ``server.transport.AsyncioTransport`` (asyncio + httptools, a LIFO
keep-alive pool; ~5x less CPU per request than httpcore's pool); a client with a proxy — configured,
or from the environment's ``HTTP(S)_PROXY`` / ``ALL_PROXY`` — keeps httpx's own transport, which
speaks HTTP CONNECT and SOCKS5.
"""

from __future__ import annotations

import logging
import ssl
import urllib.request
from urllib.parse import urlsplit

import httpx

from server.transport import AsyncioTransport, DirectClient

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

    def __init__(
        self, *, timeout: httpx.Timeout = UPSTREAM_TIMEOUT, verify: ssl.SSLContext | bool = True
    ) -> None:
        self._timeout = timeout
        self._verify = verify
        self._clients: dict[str, httpx.AsyncClient] = {}

    def get(self, proxy_url: str) -> httpx.AsyncClient:
        key = _normalise(proxy_url)
        client = self._clients.get(key)
        if client is None:
            client = self._make(key)
            self._clients[key] = client
        return client

    def _make(self, key: str) -> httpx.AsyncClient:
        if key == "direct" or (key == "" and not _environment_proxies()):
            transport = AsyncioTransport(
                verify=self._verify,  # the SSL context is made at the first https connection
                max_connections=_LIMITS.max_connections or 512,
                max_keepalive=_LIMITS.max_keepalive_connections or 64,
                keepalive_expiry=_LIMITS.keepalive_expiry or 60.0,
            )
            return DirectClient(
                transport=transport, timeout=self._timeout, follow_redirects=False, trust_env=False
            )
        common = {
            "timeout": self._timeout,
            "limits": _LIMITS,
            "follow_redirects": False,
            "verify": self._verify,
        }
        if key == "":
            return httpx.AsyncClient(trust_env=True, **common)  # type: ignore[arg-type]
        return httpx.AsyncClient(proxy=key, trust_env=False, **common)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def _environment_proxies() -> bool:
    """Whether the environment names a proxy for http or https (httpx would use it)."""
    found = urllib.request.getproxies()
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


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
