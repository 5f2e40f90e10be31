"""The OpenAPI document: served at /openapi.json without a key, well-formed, and describing every route
of the app (the route table is compared with the document, so neither can drift)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from server.api.app import create_app
from server.api.openapi import OPENAPI_PATH, openapi_document
from server.config.schema import Config
from server.service import ProxyService
from tests.hardening.fuzz_support import Stack, stack

__all__ = ["stack"]

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for item in routes:
        if isinstance(item, Mount):
            yield from _routes(list(item.routes), prefix + item.path)
        elif isinstance(item, Route):
            for method in item.methods or ():
                if method != "HEAD":  # Starlette adds HEAD to every GET route
                    yield method.lower(), prefix + item.path


def _template(path: str) -> str:
    """``/v1/models/{model:path}`` and ``/v1/models/{target}`` both → ``/v1/models/{}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_every_route_of_the_app_is_described() -> None:
    app = create_app(ProxyService(Config()))  # the real route table, never started
    served = {(method, _template(path)) for method, path in _routes(list(app.routes))}
    described = {
        (method, _template(path))
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in _METHODS and method != "head"
    }
    assert served - described == set(), "routes missing from the OpenAPI document"
    assert described - served == set(), "the OpenAPI document describes routes that do not exist"
    assert len(served) > 150


def test_document_is_well_formed() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        declared = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            assert method in _METHODS, (path, method)
            assert op["responses"], (path, method)
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (path, method, params)
            for answer in op["responses"].values():
                for media in answer.get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref", "")
                    assert not ref or ref.rsplit("/", 1)[-1] in schemas, (path, method, ref)


def test_served_without_a_key_and_identical_to_the_module(stack: Stack) -> None:
    reply = httpx.get(stack.url + OPENAPI_PATH, timeout=5.0)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json() == openapi_document()
    assert "sk-" not in reply.text and "mgmt-" not in reply.text  # no key of the running config


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages", "/v0/management/config"])
def test_protected_routes_say_how_to_authenticate(path: str) -> None:
    item = openapi_document()["paths"][path]
    op = item.get("post") or item.get("get")
    assert op["security"], path
