"""The Starlette app: client routes, CORS, health, and the embedder's hooks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server import __version__
from server.api import claude, gemini, openai
from server.api.context import Edge
from server.api.cors import CORSMiddleware
from server.api.hot_paths import Endpoint, ProxyApp
from server.api.keepalive import KeepAlive, keepalive_route
from server.api.management import management_routes
from server.api.openapi import openapi_routes
from server.service import ProxyService

__all__ = ["create_app"]


async def _root(request: Request) -> Response:
    return JSONResponse(
        {
            "message": "CLI Proxy API Server",
            "version": __version__,
            "endpoints": [
                "POST /v1/chat/completions",
                "POST /v1/responses",
                "POST /v1/messages",
                "GET /v1/models",
                "GET /v1beta/models",
            ],
        }
    )


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("404 page not found", status_code=404)


def client_routes() -> list[BaseRoute]:
    """The client API; Starlette tries routes in order, so the per-token hot paths come first (no two
    of these patterns match the same path and method, so the order changes only the cost)."""
    return [
        Route("/v1/messages", claude.messages, methods=["POST"]),
        Route("/v1/chat/completions", openai.chat_completions, methods=["POST"]),
        Route("/v1/responses", openai.responses, methods=["POST"]),
        Route("/v1beta/models/{target:path}", gemini.model_action, methods=["POST"]),
        Route("/v1/models", openai.list_models, methods=["GET"]),
        Route("/", _root, methods=["GET", "HEAD"]),
        Route("/healthz", _healthz, methods=["GET", "HEAD"]),
        Route("/v1/models/{model:path}", openai.get_model, methods=["GET"]),
        # google-genai's default api_version is v1: Gemini actions under /v1/models too.
        Route("/v1/models/{target:path}", gemini.model_action, methods=["POST"]),
        Route("/v1/completions", openai.completions, methods=["POST"]),
        Route("/v1/messages/count_tokens", claude.count_tokens, methods=["POST"]),
        Route("/v1beta/models", gemini.list_models, methods=["GET"]),
        Route("/v1beta/models/{model:path}", gemini.get_model, methods=["GET"]),
    ]


def hot_paths() -> dict[str, Endpoint]:
    """The client routes every token goes through, by path (POST): they skip Starlette's router."""
    return {
        "/v1/messages": claude.messages,
        "/v1/chat/completions": openai.chat_completions,
        "/v1/responses": openai.responses,
    }


def create_app(service: ProxyService, *, keepalive: KeepAlive | None = None) -> Starlette:
    """Build the app around ``service``; its background parts run for the app's lifetime.

    ``keepalive`` (the CLI's ``-password``) adds ``GET /keep-alive``; its watchdog runs while the app does.
    """
    options = service.options

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        if keepalive is not None:
            keepalive.start()
        try:
            yield
        finally:
            if keepalive is not None:
                await keepalive.aclose()
            await service.stop()

    extra = [keepalive_route(keepalive)] if keepalive is not None else []
    app = ProxyApp(
        routes=[*client_routes(), *openapi_routes(), *management_routes(), *extra, *options.routes],
        middleware=[Middleware(CORSMiddleware), *options.middleware],
        exception_handlers={404: _not_found, 405: _not_found},
        lifespan=lifespan,
    )
    app.hot_paths = hot_paths()
    app.state.edge = Edge(state=service.state, pipeline=service.pipeline, body_limit=options.body_limit)
    app.state.service = service
    if options.configure_app is not None:
        options.configure_app(app)
    return app
