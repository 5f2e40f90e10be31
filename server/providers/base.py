"""The Provider protocol every provider module satisfies, and the values it exchanges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from server.credential import Credential
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo

__all__ = ["Action", "Provider", "UpstreamCall", "UpstreamRequest", "WireFormat"]

WireFormat = Literal["openai", "openai-responses", "claude", "gemini"]
"""The four wire formats: OpenAI Chat, OpenAI Responses, Anthropic Messages, Gemini."""

Action = Literal["generate", "count_tokens"]


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """One request the pipeline wants sent upstream, already in the provider's wire format.

    ``body`` is the provider-format JSON body with the upstream model name NOT yet applied;
    ``model`` is the upstream model id (aliases and prefixes resolved). ``client_headers`` are
    the calling client's request headers (lower-cased names), for headers the spec forwards
    (e.g. ``anthropic-beta``). ``alt`` is a Gemini ``alt`` query value the client asked for.
    ``client_format`` is the wire format the client spoke (``None`` when unknown): Claude OAuth
    streams upstream for non-stream requests from other formats (providers.md §5.4).
    """

    model: str
    body: JSONObject
    stream: bool
    action: Action = "generate"
    client_headers: Mapping[str, str] = field(default_factory=dict)
    alt: str = ""
    client_format: WireFormat | None = None


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    """A fully built HTTP request: what goes on the wire.

    ``stream`` says the upstream will answer as an SSE stream, even when the client asked for a
    non-stream answer (Codex always streams; the pipeline then folds the stream).
    """

    method: str
    url: str
    headers: dict[str, str]
    content: bytes
    stream: bool = False


class Provider(Protocol):
    """One upstream provider: how to list its models, call it, and read its retry hints.

    Optional: a class attribute ``always_translate = True`` makes the pipeline go through the IR
    even when the client speaks the same wire format — for providers whose bodies travel in an
    envelope (Gemini CLI's and Antigravity's ``{model, project, request}`` / ``{"response": …}``),
    so the passthrough fast path would hand the client the envelope. An optional method
    ``error_status(status, body) -> int`` reclassifies an upstream error status before cooldowns
    are decided (Qwen's daily quota arrives as a 403 but is a 429).
    """

    name: str
    """The provider module's type name (``claude``, ``codex``, ``gemini``, ``vertex``, ``openai-compat``)."""

    wire_format: WireFormat

    def models(self, credential: Credential) -> list[ModelInfo]:
        """Models ``credential`` serves, by client-visible id, before prefixes and exclusions."""
        ...

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        """The HTTP request for ``call`` made with ``credential`` (exact URL, headers, body)."""
        ...

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        """Seconds the upstream asked us to wait before retrying, if it said so."""
        ...
