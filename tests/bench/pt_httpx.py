"""Floor reference: a minimal Starlette byte passthrough on an httpx client, over a chosen transport.

``default``: httpx's own pool (httpcore); ``tuned``: httpcore with a 512-connection keep-alive pool;
``aiohttp``: the httpx API over an aiohttp connection pool (``AiohttpTransport`` below); ``ours``: the
httpx API over the proxy's own production transport, ``server.transport.AsyncioTransport`` (asyncio +
httptools, no new dependency) — the best-transport floor.

    python -m tests.bench.pt_httpx --port 9201 --upstream http://127.0.0.1:9100 [--transport tuned]
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

__all__ = ["AiohttpTransport", "make_app"]

_DROP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent through one aiohttp session (keep-alive pool of 512)."""

    def __init__(self) -> None:
        self._session: object = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        if self._session is None:
            connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        assert isinstance(self._session, aiohttp.ClientSession)
        response = await self._session.request(
            request.method,
            str(request.url),
            headers=request.headers.multi_items(),
            data=await request.aread(),
        )
        return httpx.Response(response.status, headers=response.raw_headers, stream=_AiohttpStream(response))


class _AiohttpStream(httpx.AsyncByteStream):
    def __init__(self, response: object) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.content.iter_any():  # type: ignore[attr-defined]
            yield chunk

    async def aclose(self) -> None:
        self._response.release()  # type: ignore[attr-defined]


def make_app(upstream: str, transport: str) -> Starlette:
    options: dict[str, object] = {}
    if transport == "tuned":
        options["limits"] = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    elif transport == "aiohttp":
        options["transport"] = AiohttpTransport()
    elif transport == "ours":
        from server.transport import AsyncioTransport

        options["transport"] = AsyncioTransport()
    client = httpx.AsyncClient(base_url=upstream, timeout=300, **options)  # type: ignore[arg-type]

    async def relay(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k not in _DROP}
        built = client.build_request(
            request.method,
            request.url.path,
            params=request.url.query,
            headers=headers,
            content=await request.body(),
        )
        upstream_response = await client.send(built, stream=True)
        media = upstream_response.headers.get("content-type", "application/json")
        if media.startswith("text/event-stream"):
            return StreamingResponse(
                upstream_response.aiter_raw(),
                status_code=upstream_response.status_code,
                media_type=media,
                background=BackgroundTask(upstream_response.aclose),
            )
        content = await upstream_response.aread()
        await upstream_response.aclose()
        return Response(content, status_code=upstream_response.status_code, media_type=media)

    return Starlette(routes=[Route("/{path:path}", relay, methods=["GET", "POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--transport", choices=("default", "tuned", "aiohttp", "ours"), default="default")
    args = parser.parse_args()
    app = make_app(args.upstream, args.transport)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
