"""The outbound HTTP/1.1 transport: httpx's API over asyncio protocols and httptools' C parser.

httpx's default pool (httpcore) costs ~2 ms of CPU per request and collapses under concurrency
(issue 9); ``AsyncioTransport`` keeps a LIFO keep-alive pool per origin, parses responses in C and
hands body bytes over as they arrive, with httpx's exceptions and timeouts.
"""

from __future__ import annotations

from server.transport.client import DirectClient
from server.transport.pool import AsyncioTransport

__all__ = ["AsyncioTransport", "DirectClient"]
