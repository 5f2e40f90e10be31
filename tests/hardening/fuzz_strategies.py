"""Hypothesis strategies generated from the proxy's own OpenAPI document (no schemathesis needed).

Every operation becomes a strategy of ``Call`` values: path parameters, query parameters, where the
client key goes, and a body drawn from the operation's request schema — valid shapes mixed with wrong
JSON types at every level, arbitrary JSON and raw garbage bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from server.api.openapi import openapi_document
from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.edge_support import CLAUDE_MODEL

__all__ = ["MODELS", "Call", "Operation", "calls", "operations"]

MODELS = (CLAUDE_MODEL, "gpt-5", "gemini-2.5-flash", "kimi-k2", "unknown-model")
"""Served models (one per upstream family) and one that is not: bodies reach every translator."""

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=12),
)
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=16)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Call:
    """One generated request."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


def operations(prefix: str, *, skip: frozenset[str] = frozenset()) -> list[Operation]:
    """The document's operations under ``prefix`` (``METHOD path`` ids in ``skip`` left out)."""
    found: list[Operation] = []
    for path, item in openapi_document()["paths"].items():
        if not path.startswith(prefix):
            continue
        for method, spec in item.items():
            op = Operation(method.upper(), path, spec)
            if method != "head" and op.id not in skip:
                found.append(op)
    return found


def from_schema(schema: dict[str, Any], *, name: str = "", wrong: bool = True) -> st.SearchStrategy[Any]:
    """Values for ``schema``; with ``wrong`` any value may instead be arbitrary JSON (never the model:
    a request must reach routing and the translators to test them)."""
    valid = _valid(schema, name)
    return st.one_of(valid, ANY_JSON) if wrong and name != "model" else valid


def _valid(schema: dict[str, Any], name: str) -> st.SearchStrategy[Any]:
    if name == "model":
        return st.sampled_from(MODELS)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "oneOf" in schema:
        return st.one_of(*(_valid(option, name) for option in schema["oneOf"]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*(_valid({**schema, "type": k}, name) for k in kind))
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, name=k) for k, v in props.items() if k in required},
            optional={k: from_schema(v, name=k) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=3)
    if kind == "string":
        return _TEXT
    if kind == "integer":
        return st.integers(min_value=-3, max_value=2**31)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-3, 100)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return ANY_JSON


def _encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def _body(op: Operation) -> st.SearchStrategy[tuple[bytes | None, str]]:
    """(raw body, content type) for ``op``; garbage and arbitrary JSON are always possible."""
    request = op.spec.get("requestBody")
    garbage = st.binary(max_size=64).map(lambda raw: (raw, "application/json"))
    if request is None:
        return st.just((None, ""))
    content = request["content"]
    media = "application/json" if "application/json" in content else next(iter(content))
    schema = content[media].get("schema", {})
    if media != "application/json":
        return st.one_of(_TEXT.map(lambda text: (text.encode(), media)), garbage)
    shaped = _valid(schema, "").map(lambda value: (_encode(value), media))
    # the same JSON in other encodings and under other media types (json.loads detects UTF-16/32)
    encoded = st.tuples(_valid(schema, ""), st.sampled_from(_ENCODINGS), st.sampled_from(_MEDIA)).map(
        lambda spec: (_encoded(json.dumps(spec[0], ensure_ascii=False), spec[1]), spec[2])
    )
    return st.one_of(shaped, shaped, encoded, ANY_JSON.map(lambda value: (_encode(value), media)), garbage)


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "replace" if encoding == "latin-1" else "surrogatepass")


_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-32-le", "latin-1")
_MEDIA = ("application/json", "text/plain", "application/json; charset=iso-8859-1", "", "multipart/form-data")


_PATH_PARAM = re.compile(r"\{(\w+)\}")


def _path_value(op: Operation, name: str) -> st.SearchStrategy[str]:
    if name == "target":
        method = st.sampled_from(["generateContent", "streamGenerateContent", "countTokens", "x"])
        return st.tuples(st.sampled_from(MODELS) | _TEXT, method).map(lambda pair: f"{pair[0]}:{pair[1]}")
    if name == "model":
        return st.sampled_from(MODELS)
    return _TEXT


def calls(op: Operation, auth: dict[str, str]) -> st.SearchStrategy[Call]:
    """Requests for ``op``; client operations put the key in each place a client may put it."""
    names = _PATH_PARAM.findall(op.path)
    path_values = st.tuples(*(_path_value(op, n) for n in names)) if names else st.just(())
    query_specs = [p for p in op.spec.get("parameters", []) if p["in"] == "query"]
    query = st.fixed_dictionaries(
        {},
        optional={p["name"]: from_schema(p["schema"]).map(_query_text) for p in query_specs},
    )
    places = (
        st.sampled_from(["auth", "x-api-key", "x-goog-api-key", "query"]) if not auth else st.just("auth")
    )

    def build(
        values: tuple[str, ...], params: dict[str, str], body: tuple[bytes | None, str], place: str
    ) -> Call:
        path = op.path
        for name, value in zip(names, values, strict=True):
            path = path.replace("{" + name + "}", quote(value, safe=":") or "x", 1)
        headers = dict(auth)
        if not auth:
            if place == "auth":
                headers["Authorization"] = f"Bearer {CLIENT_KEY}"
            elif place == "query":
                params = {**params, "key": CLIENT_KEY}
            else:
                headers[place] = CLIENT_KEY
        raw, media = body
        if raw is not None:
            headers["content-type"] = media
        return Call(op.method, path, params, headers, raw)

    return st.builds(build, path_values, query, _body(op), places)


def _query_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
