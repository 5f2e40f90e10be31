"""The cross-format matrix's moving parts: the upstream families, one shared proxy, and what a cell
asks (``Turn``) and what the client saw (``Outcome``); the SDK drivers are in ``matrix_clients``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from server.config import load_config
from server.runner import ServerController, ServerOptions
from server.usage.record import UsageRecord
from tests.e2e.conftest import CLIENT_KEY, Proxy

__all__ = [
    "ARGUMENTS",
    "CITY_SCHEMA",
    "CLIENTS",
    "KINDS",
    "PNG",
    "TOOL_RESULT",
    "UPSTREAMS",
    "Call",
    "Driver",
    "Family",
    "Kind",
    "Outcome",
    "Turn",
    "matrix_proxy",
    "matrix_settings",
]

Kind = Literal["text", "tool", "thinking", "image"]
KINDS: tuple[Kind, ...] = ("text", "tool", "thinking", "image")

CITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
ARGUMENTS = {"city": "fake", "days": 1}
"""The arguments the fake derives from CITY_SCHEMA (one sample value per property)."""
TOOL_RESULT = "sunny, 21 degrees"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
"""A 1x1 PNG, base64."""


@dataclass(frozen=True, slots=True)
class Family:
    """One upstream family: its config key, the model clients ask for, the fake's wire name."""

    key: str
    model: str
    upstream_model: str
    fake: str
    """The fake's family name (its default text is ``Hello from <fake> fake``)."""


UPSTREAMS: dict[str, Family] = {
    "claude": Family("sk-ant-matrix", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", "claude"),
    "gemini": Family("AIza-matrix", "gemini-2.5-flash", "gemini-2.5-flash", "gemini"),
    "codex": Family("sk-codex-matrix", "gpt-5", "gpt-5", "responses"),
    "openai": Family("sk-compat-matrix", "kimi-k2", "moonshotai/kimi-k2:free", "openai"),
}


def matrix_settings(upstream_url: str) -> dict[str, Any]:
    """Config keys: one API key per upstream family, all on the fake upstream."""
    return {
        "claude-api-key": [{"api-key": UPSTREAMS["claude"].key, "base-url": upstream_url}],
        "gemini-api-key": [{"api-key": UPSTREAMS["gemini"].key, "base-url": upstream_url}],
        "codex-api-key": [{"api-key": UPSTREAMS["codex"].key, "base-url": upstream_url}],
        "openai-compatibility": [
            {
                "name": "openrouter",
                "base-url": upstream_url + "/v1",
                "api-key-entries": [{"api-key": UPSTREAMS["openai"].key}],
                "models": [{"name": UPSTREAMS["openai"].upstream_model, "alias": UPSTREAMS["openai"].model}],
            }
        ],
    }


@contextlib.contextmanager
def matrix_proxy(upstream_url: str, directory: Path) -> Iterator[Proxy]:
    """The real server from a config file with ``matrix_settings``, for a whole module."""
    document = {
        "host": "127.0.0.1",
        "port": 0,
        "auth-dir": str(directory / "auths"),
        "api-keys": [CLIENT_KEY],
        "request-retry": 0,
        **matrix_settings(upstream_url),
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    usage: list[UsageRecord] = []
    controller = ServerController(load_config(path), options=ServerOptions(usage_sinks=[usage.append]))
    controller.start()
    try:
        yield Proxy(controller, path, usage)
    finally:
        controller.stop()


# -- what a client asks and sees ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """A tool call as the client saw it; ``raw`` is the arguments text when the format has one."""

    id: str
    name: str
    arguments: Any
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """One request of a cell: what to ask for, and the earlier tool call to answer (round trips)."""

    kind: Kind
    stream: bool
    answer: Call | None = None
    tool_name: str = "get_weather"

    @property
    def max_tokens(self) -> int:
        return 16000 if self.kind == "thinking" else 64

    @property
    def prompt(self) -> str:
        return {"tool": "weather in Paris?", "image": "what is in this picture?"}.get(self.kind, "hi")


@dataclass(slots=True)
class Outcome:
    """What the client got, read through its SDK's own types."""

    text: str = ""
    thinking: str = ""
    signature: str = ""
    calls: list[Call] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    """Output tokens including reasoning (Gemini: candidates + thoughts)."""
    finish: str = ""


class Driver(Protocol):
    def run(self, model: str, turn: Turn) -> Outcome: ...

    def close(self) -> None: ...


CLIENTS = ("chat", "responses", "anthropic", "gemini")
