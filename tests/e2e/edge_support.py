"""Shared pieces of the edge e2e tests: one key per provider family, request bodies, a long-lived proxy."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from server.config import load_config
from server.runner import ServerController, ServerOptions
from tests.e2e.conftest import CLIENT_KEY, Proxy

__all__ = [
    "AUTH",
    "CHAT_BODY",
    "CLAUDE_BODY",
    "CLAUDE_KEY",
    "CLAUDE_MODEL",
    "CODEX_KEY",
    "COMPAT_KEY",
    "GEMINI_BODY",
    "GEMINI_KEY",
    "RESPONSES_BODY",
    "UPSTREAM_KEYS",
    "SSEEvent",
    "aliased_families",
    "all_families",
    "client",
    "parse_sse",
    "running_proxy",
]

CLAUDE_KEY = "sk-ant-upstream-edge"
CODEX_KEY = "sk-codex-upstream-edge"
GEMINI_KEY = "AIza-upstream-edge"
COMPAT_KEY = "sk-or-upstream-edge"
UPSTREAM_KEYS = (CLAUDE_KEY, CODEX_KEY, GEMINI_KEY, COMPAT_KEY)
CLAUDE_MODEL = "claude-sonnet-4-5-20250929"
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}

CLAUDE_BODY: dict[str, Any] = {
    "model": CLAUDE_MODEL,
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}
CHAT_BODY: dict[str, Any] = {"model": "kimi-k2", "messages": [{"role": "user", "content": "hi"}]}
RESPONSES_BODY: dict[str, Any] = {"model": "gpt-5", "input": "hi"}
GEMINI_BODY: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def all_families(upstream_url: str) -> dict[str, Any]:
    """Config keys for one API key per provider family, all pointing at the fake upstream.

    Models: Claude's catalogue (``claude-sonnet-4-5-20250929``), Codex ``gpt-5``, Gemini
    ``gemini-2.5-flash``, and the OpenAI-compatible alias ``kimi-k2``.
    """
    return {
        "claude-api-key": [{"api-key": CLAUDE_KEY, "base-url": upstream_url}],
        "codex-api-key": [{"api-key": CODEX_KEY, "base-url": upstream_url}],
        "gemini-api-key": [{"api-key": GEMINI_KEY, "base-url": upstream_url}],
        "openai-compatibility": [
            {
                "name": "openrouter",
                "base-url": upstream_url + "/v1",
                "api-key-entries": [{"api-key": COMPAT_KEY}],
                "models": [{"name": "moonshotai/kimi-k2:free", "alias": "kimi-k2"}],
            }
        ],
    }


def aliased_families(upstream_url: str) -> dict[str, Any]:
    """``all_families`` with client aliases: ``my-claude``, ``my-codex``, ``my-gemini`` (and ``kimi-k2``),
    so tests can see the upstream model name replace the client's."""
    settings = all_families(upstream_url)
    settings["claude-api-key"][0]["models"] = [{"name": CLAUDE_MODEL, "alias": "my-claude"}]
    settings["codex-api-key"][0]["models"] = [{"name": "gpt-5", "alias": "my-codex"}]
    settings["gemini-api-key"][0]["models"] = [{"name": "gemini-2.5-flash", "alias": "my-gemini"}]
    return settings


@contextlib.contextmanager
def running_proxy(
    upstream_url: str, directory: Path, options: ServerOptions | None = None
) -> Iterator[Proxy]:
    """A proxy serving ``all_families`` for as long as the block runs (for module-scoped fixtures).

    Only for tests that never make a credential fail: cooldowns would leak between tests.
    """
    document = {
        "host": "127.0.0.1",
        "port": 0,
        "auth-dir": str(directory / "auths"),
        "api-keys": [CLIENT_KEY],
        "request-retry": 0,
        **all_families(upstream_url),
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    controller = ServerController(load_config(path), options=options)
    controller.start()
    try:
        yield Proxy(controller, path, [])
    finally:
        controller.stop()


def client(proxy: Proxy, timeout: float = 10.0) -> httpx.Client:
    """A raw HTTP client on the proxy (no key set: tests choose where the key goes)."""
    return httpx.Client(base_url=proxy.url, timeout=timeout)


class SSEEvent:
    """One parsed SSE event: its ``event:`` name (or None) and its joined ``data:`` text."""

    __slots__ = ("data", "event")

    def __init__(self, event: str | None, data: str) -> None:
        self.event = event
        self.data = data

    def json(self) -> Any:
        return json.loads(self.data)

    def __repr__(self) -> str:
        return f"SSEEvent(event={self.event!r}, data={self.data[:80]!r})"


def parse_sse(raw: bytes) -> list[SSEEvent]:
    """Split an SSE body into events (LF or CRLF line ends); comments and empty frames are skipped."""
    text = raw.decode().replace("\r\n", "\n")
    events: list[SSEEvent] = []
    for frame in text.split("\n\n"):
        name: str | None = None
        data: list[str] = []
        for line in frame.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].removeprefix(" "))
        if name is not None or data:
            events.append(SSEEvent(name, "\n".join(data)))
    return events
