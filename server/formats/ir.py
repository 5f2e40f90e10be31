"""The intermediate form every wire format translates to and from: requests, answers, stream events.

Each format module (``openai_chat``, ``openai_responses``, ``claude``, ``gemini``) has the same six
functions: ``parse_request`` (wire → IR), ``build_request`` (IR → wire), ``parse_response``,
``build_response``, a ``StreamDecoder`` (upstream SSE events → IR events) and a ``StreamEncoder``
(IR events → client SSE bytes). No pairwise translators exist.

The IR is a lossless superset of what the formats share. What only one format has rides along in
``extras`` dicts keyed by wire name (``cache_control``, Gemini ``thoughtSignature``, Responses item
ids …) so that a round trip within one family loses nothing. Everything here is plain data: no
clocks, no randomness, no I/O — ids and timestamps are passed in through contexts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo

__all__ = [
    "BuildContext",
    "DocumentPart",
    "FinishReason",
    "ImagePart",
    "Message",
    "Part",
    "Reasoning",
    "Request",
    "Response",
    "ResponseContext",
    "ResponseFormat",
    "Role",
    "StreamError",
    "StreamEvent",
    "StreamFinish",
    "StreamStart",
    "StreamText",
    "StreamThinking",
    "StreamToolCallArgs",
    "StreamToolCallEnd",
    "StreamToolCallStart",
    "StreamUsage",
    "TextPart",
    "ThinkingPart",
    "Tool",
    "ToolCallPart",
    "ToolChoice",
    "ToolResultPart",
    "Usage",
]

Role = Literal["user", "assistant"]
"""System text lives in ``Request.system``; tool results are parts of a user message."""

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "refusal", "pause", "error"]
"""Normalised stop reasons; each format maps its own names onto these (translation.md §6.1)."""


# -- content parts --------------------------------------------------------------------------------


@dataclass(slots=True)
class TextPart:
    text: str
    extras: JSONObject = field(default_factory=dict)
    """e.g. Claude ``cache_control`` / ``citations``; Gemini ``thoughtSignature`` on a text part."""


@dataclass(slots=True)
class ImagePart:
    """An image as base64 ``data`` with its ``media_type``, or as a ``url`` (http(s) or file uri)."""

    media_type: str = ""
    data: str = ""
    url: str = ""
    detail: str = ""
    """OpenAI ``detail`` (auto/low/high)."""
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class DocumentPart:
    """A file (PDF, text …) as base64 ``data`` or a ``url``; ``filename`` when the client gave one."""

    media_type: str = ""
    data: str = ""
    url: str = ""
    filename: str = ""
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class ThinkingPart:
    """Model reasoning: visible ``text`` (or summary), its ``signature``, or opaque ``redacted`` data.

    Claude: thinking / redacted_thinking blocks. Gemini: ``thought: true`` parts with
    ``thoughtSignature``. Responses: reasoning items (``summary`` texts, ``encrypted_content`` →
    ``redacted``, item id in extras). OpenAI chat: ``reasoning_content``.
    """

    text: str = ""
    signature: str = ""
    redacted: str = ""
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class ToolCallPart:
    """A call the model made; ``arguments`` is the JSON text of the arguments, ids kept verbatim."""

    id: str
    name: str
    arguments: str = "{}"
    extras: JSONObject = field(default_factory=dict)
    """e.g. Gemini ``thoughtSignature``, Responses item ``id`` (``fc_…``) and ``status``."""


@dataclass(slots=True)
class ToolResultPart:
    """The result of call ``call_id``: text and/or image parts; ``name`` when the format has it."""

    call_id: str
    content: list[Part] = field(default_factory=list)
    name: str = ""
    is_error: bool = False
    extras: JSONObject = field(default_factory=dict)


Part: TypeAlias = TextPart | ImagePart | DocumentPart | ThinkingPart | ToolCallPart | ToolResultPart


@dataclass(slots=True)
class Message:
    role: Role
    parts: list[Part] = field(default_factory=list)
    extras: JSONObject = field(default_factory=dict)
    """e.g. Responses message item ``id``, OpenAI ``name``."""


# -- request ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tool:
    """A function the model may call; ``parameters`` is the JSON schema as the client sent it."""

    name: str
    description: str = ""
    parameters: JSONObject = field(default_factory=dict)
    strict: bool | None = None
    extras: JSONObject = field(default_factory=dict)
    """Tool-level extras (Claude ``cache_control``) and, under ``builtin``, a provider built-in tool
    (Responses ``web_search``, Claude ``web_search_20250305``, Gemini ``googleSearch``) kept raw."""


@dataclass(slots=True)
class ToolChoice:
    """``auto`` | ``none`` | ``required`` (any tool) | ``tool`` (the one named ``name``)."""

    mode: Literal["auto", "none", "required", "tool"] = "auto"
    name: str = ""
    parallel: bool | None = None
    """False when the client forbade parallel tool calls."""


@dataclass(slots=True)
class Reasoning:
    """How much to think: an ``effort`` level and/or a token ``budget`` (-1 = dynamic, 0 = off)."""

    effort: str | None = None
    """none, minimal, low, medium, high, xhigh (Claude Code's ``adaptive`` maps to None + budget -1)."""
    budget: int | None = None
    include_thoughts: bool | None = None
    summary: str | None = None
    """Responses ``reasoning.summary`` (auto, concise, detailed)."""


@dataclass(slots=True)
class ResponseFormat:
    """``text`` | ``json_object`` | ``json_schema`` (with ``schema``, ``name``, ``strict``)."""

    type: Literal["text", "json_object", "json_schema"] = "text"
    schema: JSONObject | None = None
    name: str = ""
    strict: bool | None = None


@dataclass(slots=True)
class Request:
    model: str
    messages: list[Message] = field(default_factory=list)
    system: list[TextPart] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    stream: bool = False
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: list[str] = field(default_factory=list)
    n: int | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_format: ResponseFormat | None = None
    reasoning: Reasoning | None = None
    user: str = ""
    """End-user id (OpenAI ``user``, Claude ``metadata.user_id``)."""
    extras: JSONObject = field(default_factory=dict)
    """Top-level fields of the source format the IR has no slot for, under ``<format>:<key>`` names
    (e.g. ``claude:context_management``, ``openai-responses:include``); a builder of the same format
    writes them back, other builders ignore them."""


# -- answers ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Usage:
    """Token counts; ``input_tokens`` includes cached ones, ``output_tokens`` includes reasoning."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_creation_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0

    def total(self) -> int:
        return self.total_tokens or self.input_tokens + self.output_tokens


@dataclass(slots=True)
class Response:
    """A complete answer: the assistant's parts in order, why it stopped, and what it cost."""

    id: str = ""
    model: str = ""
    parts: list[Part] = field(default_factory=list)
    finish_reason: FinishReason = "stop"
    stop_sequence: str = ""
    usage: Usage = field(default_factory=Usage)
    created: int = 0
    extras: JSONObject = field(default_factory=dict)


# -- stream events ---------------------------------------------------------------------------------


@dataclass(slots=True)
class StreamStart:
    id: str = ""
    model: str = ""
    usage: Usage | None = None
    """Claude's message_start already carries input token counts."""


@dataclass(slots=True)
class StreamText:
    text: str
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class StreamThinking:
    """A thinking delta; ``signature`` arrives alone (Claude signature_delta) or with the text."""

    text: str = ""
    signature: str = ""
    redacted: str = ""
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class StreamToolCallStart:
    """A tool call opens; ``index`` counts tool calls of this answer from 0."""

    index: int
    id: str
    name: str
    extras: JSONObject = field(default_factory=dict)


@dataclass(slots=True)
class StreamToolCallArgs:
    index: int
    delta: str


@dataclass(slots=True)
class StreamToolCallEnd:
    index: int


@dataclass(slots=True)
class StreamUsage:
    usage: Usage


@dataclass(slots=True)
class StreamFinish:
    reason: FinishReason = "stop"
    stop_sequence: str = ""


@dataclass(slots=True)
class StreamError:
    """The upstream reported an error inside the stream (after HTTP 200)."""

    message: str
    status: int = 500
    type: str = "api_error"


StreamEvent: TypeAlias = (
    StreamStart
    | StreamText
    | StreamThinking
    | StreamToolCallStart
    | StreamToolCallArgs
    | StreamToolCallEnd
    | StreamUsage
    | StreamFinish
    | StreamError
)


# -- contexts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseContext:
    """What a builder/encoder needs that the IR does not carry: ids and clock, passed in.

    ``id`` is the answer id to show the client (``chatcmpl-…``, ``msg_…``, ``resp_…``);
    ``created`` Unix seconds; ``model`` the id the client asked for; ``request`` the client's
    own request in IR (encoders need e.g. ``stream_options.include_usage`` or the original tool
    names); ``new_id`` makes fresh ids for items the source lacked (tool call ids …) — a
    deterministic counter in tests.
    """

    id: str
    created: int
    model: str
    request: Request | None = None
    include_usage: bool = False
    new_id: Callable[[str], str] | None = None
    """Makes an id from a prefix (``call_``, ``toolu_``, ``fc_`` …)."""


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a request builder needs beyond the IR: the upstream model and what is known of it."""

    model: str
    info: ModelInfo | None = None
    stream: bool = False
