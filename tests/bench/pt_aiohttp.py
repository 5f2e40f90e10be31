"""Floor reference: a minimal Starlette byte passthrough on an aiohttp client session.

python -m tests.bench.pt_aiohttp --port 9202 --upstream http://127.0.0.1:9100
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

__all__ = ["make_app"]

_DROP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


def make_app(upstream: str) -> Starlette:
    session: list[aiohttp.ClientSession] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=512, keepalive_timeout=60)
        session.append(aiohttp.ClientSession(upstream, connector=connector, auto_decompress=False))
        yield
        await session[0].close()

    async def relay(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k not in _DROP}
        response = await session[0].request(
            request.method,
            request.url.path + ("?" + request.url.query if request.url.query else ""),
            headers=headers,
            data=await request.body(),
        )
        media = response.headers.get("content-type", "application/json")
        if media.startswith("text/event-stream"):
            return StreamingResponse(
                response.content.iter_any(),
                status_code=response.status,
                media_type=media,
                background=BackgroundTask(response.release),
            )
        content = await response.read()
        response.release()
        return Response(content, status_code=response.status, media_type=media)

    return Starlette(routes=[Route("/{path:path}", relay, methods=["GET", "POST"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.upstream), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
