"""Edge bodies against a real proxy: broken, huge, deeply nested and wrongly typed bodies for every API,
same-format and translated — never a 5xx of our own, always an error in the caller's format.

Invalid JSON / UTF-8 and the 413 limit are covered per endpoint in tests/e2e/test_edge_errors_e2e.py;
here they run once per target (incl. translated routes) next to the new cases.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import httpx
import pytest

from tests.hardening.fuzz_support import (
    AUTH,
    BODY_LIMIT,
    MGMT_AUTH,
    TARGETS,
    Stack,
    Target,
    check_error,
    check_stream_errors,
    stack,
)

__all__ = ["stack"]

_WRONG: tuple[Any, ...] = (None, 7, "yes", True, [1, "x"], {"a": {}})
"""Values of a wrong JSON type put in place of each field the translators read."""

# (format) → (valid body without model, fields the proxy or translators read, dotted paths)
_BASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "chat": (
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            ],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            "max_tokens": 8,
        },
        (
            "messages",
            "messages.0",
            "messages.1.content",
            "messages.1.content.0",
            "messages.1.content.0.text",
            "messages.1.role",
            "tools",
            "tools.0.function",
            "tools.0.function.parameters",
            "tool_choice",
            "max_tokens",
            "temperature",
            "stream",
            "stream_options",
            "reasoning_effort",
            "response_format",
            "stop",
            "n",
        ),
    ),
    "responses": (
        {
            "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
            "instructions": "be brief",
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        },
        (
            "input",
            "input.0",
            "input.0.content",
            "input.0.content.0",
            "input.0.role",
            "instructions",
            "tools",
            "tools.0",
            "tools.0.parameters",
            "max_output_tokens",
            "temperature",
            "stream",
            "reasoning",
            "text",
            "tool_choice",
        ),
    ),
    "messages": (
        {
            "max_tokens": 8,
            "system": [{"type": "text", "text": "be brief"}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
            "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        },
        (
            "messages",
            "messages.0",
            "messages.0.content",
            "messages.0.content.0",
            "messages.0.content.0.text",
            "messages.0.role",
            "system",
            "system.0",
            "tools",
            "tools.0.input_schema",
            "max_tokens",
            "temperature",
            "stream",
            "thinking",
            "tool_choice",
            "stop_sequences",
            "metadata",
        ),
    ),
    "completions": (
        {"prompt": ["hi", "there"], "max_tokens": 8, "echo": True, "suffix": "!"},
        (
            "prompt",
            "prompt.0",
            "max_tokens",
            "echo",
            "suffix",
            "stream",
            "temperature",
            "stop",
            "n",
            "logprobs",
            "best_of",
        ),
    ),
    "gemini": (
        {
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "object"}}]}],
            "generationConfig": {"maxOutputTokens": 8},
        },
        (
            "contents",
            "contents.0",
            "contents.0.parts",
            "contents.0.parts.0",
            "contents.0.parts.0.text",
            "contents.0.role",
            "systemInstruction",
            "systemInstruction.parts",
            "tools",
            "tools.0.functionDeclarations",
            "generationConfig",
            "generationConfig.maxOutputTokens",
            "generationConfig.temperature",
            "generationConfig.thinkingConfig",
            "toolConfig",
            "safetySettings",
        ),
    ),
}


_SAME_BASE = {"count": "messages", "gemini-count": "gemini"}


def _base(target: Target) -> tuple[dict[str, Any], tuple[str, ...]]:
    name = target.name.split("→")[0]
    body, fields = _BASES[_SAME_BASE.get(name, name)]
    return target.with_model(copy.deepcopy(body)), fields


def _set(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    node: Any = changed
    *parents, last = dotted.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return changed


def _nulled(value: Any) -> Any:
    """Every leaf (and every list item) of ``value`` replaced by null, keys kept."""
    if isinstance(value, dict):
        return {k: (v if k == "model" else _nulled(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulled(v) for v in value]
    return None


def _nested(depth: int) -> bytes:
    return b'{"x":' * depth + b"1" + b"}" * depth


def _fixed_bodies(target: Target) -> list[tuple[str, bytes]]:
    """The explicit table: (case name, raw body)."""
    base, _ = _base(target)
    messages_key = next(k for k in ("messages", "input", "contents", "prompt") if k in base)
    model = json.dumps(base.get("model", "m")).encode()
    deep = b"[" * 10_000 + b"]" * 10_000
    medium = b"[" * 900 + b"]" * 900
    cases: list[tuple[str, bytes]] = [
        ("invalid JSON", b'{"model": ' + model + b', "messages": [}'),
        ("invalid UTF-8", b'{"model": ' + model + b', "x": "\xff\xfe\xc3"}'),
        ("JSON array", b"[]"),
        ("deep nesting 10000 (body)", b'{"x":' * 10_000 + b"1" + b"}" * 10_000),
        (
            "deep nesting 10000 (field)",
            b'{"model": ' + model + b', "' + messages_key.encode() + b'": ' + deep + b"}",
        ),
        (
            "deep nesting 900 (field)",
            b'{"model": ' + model + b', "' + messages_key.encode() + b'": ' + medium + b"}",
        ),
        (
            "deep object 900 (metadata)",
            json.dumps(base)[:-1].encode() + b', "metadata": ' + _nested(900) + b"}",
        ),
        ("over the limit", json.dumps({**base, "pad": "x" * (BODY_LIMIT + 1)}).encode()),
        (f"empty {messages_key}", json.dumps({**base, messages_key: []}).encode()),
        ("null everywhere", json.dumps(_nulled(base)).encode()),
        (
            "NaN and Infinity",
            json.dumps({**base, "temperature": float("nan"), "max_tokens": float("inf")}).encode(),
        ),
        ("huge integer", json.dumps({**base, "max_tokens": 10**400}).encode()),
        ("lone surrogate", json.dumps({**base, "system": "\ud800"}).encode()),
    ]
    roles = ("robot", "", "tool", "function", "model", "assistant", "system", "developer")
    paths = {"messages": "messages.0.role", "input": "input.0.role", "contents": "contents.0.role"}
    for role in roles if messages_key in paths else ():
        cases.append((f"role {role!r}", json.dumps(_set(base, paths[messages_key], role)).encode()))
    return cases


def _wrong_type_bodies(target: Target, *, stream: bool = False) -> list[tuple[str, bytes]]:
    base, fields = _base(target)
    if stream and target.fmt != "gemini":  # Gemini streams by its URL
        base = {**base, "stream": True}
    values = _WRONG[:3] if stream else _WRONG
    return [
        (f"{field} = {json.dumps(value)}", json.dumps(_set(base, field, value)).encode())
        for field in fields
        if not (stream and field == "stream")
        for value in values
    ]


def _judge(stack: Stack, target: Target, case: str, raw: bytes, reply: httpx.Response, before: int) -> str:
    """ "" when the answer is acceptable, else why not."""
    status = reply.status_code
    try:
        if status == 413:
            assert len(raw) > BODY_LIMIT, "413 for a body under the limit"
        if "over the limit" in case:
            assert status == 413, "a body over the limit was not refused with 413"
        message = check_error(reply, target.fmt) if status >= 400 else ""
        if status == 200 and reply.headers.get("content-type", "").startswith("text/event-stream"):
            check_stream_errors(reply.content, target.fmt)
        if status >= 500:
            # an upstream 5xx (the fake rejecting a body the proxy relayed untouched) is not ours
            reached = len(stack.fake.requests) > before
            assert reached and "internal error in the proxy" not in message, "5xx not caused by the upstream"
    except AssertionError as exc:
        return f"{target.name} / {case}: {status} {reply.text[:200]!r} ({exc})"
    return ""


def _run(stack: Stack, target: Target, cases: list[tuple[str, bytes]], path: str = "") -> None:
    failures: list[str] = []
    for case, raw in cases:
        before = len(stack.fake.requests)
        headers = {**AUTH, "content-type": "application/json"}
        reply = stack.http.post(path or target.path, content=raw, headers=headers)
        if problem := _judge(stack, target, case, raw, reply, before):
            failures.append(problem)
        if reply.status_code >= 500 or reply.status_code == 429:
            stack.reset_cooldowns()
    logged = stack.watcher.take()
    assert not failures, "\n".join(failures)
    assert not logged, "\n\n".join(logged)


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_fixed_edge_bodies(stack: Stack, target: Target) -> None:
    _run(stack, target, _fixed_bodies(target))


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_every_read_field_with_a_wrong_type(stack: Stack, target: Target) -> None:
    _run(stack, target, _wrong_type_bodies(target))


STREAMING = [t for t in TARGETS if "count" not in t.name]


@pytest.mark.parametrize("target", STREAMING, ids=[t.name for t in STREAMING])
def test_every_read_field_with_a_wrong_type_streamed(stack: Stack, target: Target) -> None:
    """The same through the stream translators (an error after the 200 is an in-stream event)."""
    path = target.path.replace(":generateContent", ":streamGenerateContent?alt=sse")
    _run(stack, target, _wrong_type_bodies(target, stream=True), path)


_BOMB = b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
    b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * 9) + b"]\n" for i in range(1, 9)
)
"""A "billion laughs": a few hundred bytes that expand to 9^9 nodes."""

MANAGEMENT_BODIES = [
    ("PUT", "/v0/management/debug"),
    ("PUT", "/v0/management/api-keys"),
    ("PATCH", "/v0/management/gemini-api-key"),
    ("PUT", "/v0/management/oauth-model-alias"),
    ("PATCH", "/v0/management/ampcode/model-mappings"),
    ("POST", "/v0/management/usage/import"),
    ("POST", "/v0/management/accounts/test"),
    ("PUT", "/v0/management/config.yaml"),
]


@pytest.mark.parametrize(("method", "path"), MANAGEMENT_BODIES, ids=[p for _, p in MANAGEMENT_BODIES])
def test_management_edge_bodies(stack: Stack, method: str, path: str) -> None:
    cases = [
        ("invalid JSON", b'{"value": '),
        ("invalid UTF-8", b'{"value": "\xff\xfe"}'),
        ("deep nesting 10000", b"[" * 10_000 + b"]" * 10_000),
        ("deep object 10000", b'{"value":' * 10_000 + b"1" + b"}" * 10_000),
        ("lone surrogate", b'{"value": "\\ud800", "items": ["\\udc00"], "id": "\\ud800"}'),
        ("null", b"null"),
        ("yaml bomb (9^9 nodes)", _BOMB),
    ]
    failures: list[str] = []
    for case, raw in cases:
        started = time.monotonic()
        reply = stack.http.request(
            method, path, content=raw, headers={**MGMT_AUTH, "content-type": "application/json"}
        )
        elapsed = time.monotonic() - started
        try:
            assert elapsed < 2.0, f"took {elapsed:.1f} s"  # 20 KB of "[" once blocked YAML for seconds
            assert reply.status_code < 500, "5xx"
            if reply.status_code >= 400:
                check_error(reply, "management")
        except AssertionError as exc:
            failures.append(f"{method} {path} / {case}: {reply.status_code} {reply.text[:200]!r} ({exc})")
    logged = stack.watcher.take()
    assert not failures, "\n".join(failures)
    assert not logged, "\n\n".join(logged)
