"""Values shared by the fake upstream: recorded requests, scripted behaviours, the answer to send."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from server.jsontypes import JSON, JSONObject

__all__ = [
    "Answer",
    "Behaviour",
    "CutStream",
    "Fail",
    "Family",
    "FakeOptions",
    "Hang",
    "HtmlError",
    "Malformed",
    "Recorded",
    "Reply",
    "Slow",
    "Thinking",
    "ToolCall",
    "api_key_of",
    "derive_arguments",
    "dumps",
    "image_parts",
    "new_id",
    "signature_for",
    "split_pieces",
    "sse",
]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake received; ``headers`` have lower-case names."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: JSON
    api_key: str
    family: str = ""
    """The wire format the fake answered in (``claude``, ``gemini``, ``gemini-cli``, ``openai``,
    ``responses``); "" when no route matched."""

    @property
    def images(self) -> list[JSONObject]:
        """The image parts of the body, in the upstream's own shape (see ``image_parts``)."""
        return image_parts(self.json)


@dataclass(frozen=True, slots=True)
class Fail:
    """Answer with an HTTP error; ``body`` defaults to the family's own error shape for ``status``.

    With ``retry_after`` a 429 carries the family's own retry hint (Google RetryInfo, OpenAI and
    Anthropic ``retry-after`` header, Codex ``usage_limit_reached`` + ``resets_in_seconds``).
    A ``body`` that is str/bytes is sent verbatim as ``application/json`` unless headers say otherwise.
    """

    status: int
    body: JSON | str | bytes | None = None
    headers: Mapping[str, str] | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class CutStream:
    """Send ``after_chunks`` SSE events (non-stream: half the body), then drop the connection."""

    after_chunks: int = 1


@dataclass(frozen=True, slots=True)
class Slow:
    """Succeed, sleeping ``delay_per_chunk`` seconds between events (non-stream: once, before answering)."""

    delay_per_chunk: float


@dataclass(frozen=True, slots=True)
class Hang:
    """Never answer: wait until the client disconnects or the server stops."""


@dataclass(frozen=True, slots=True)
class HtmlError:
    """Answer with an HTML error page, as a misbehaving gateway would."""

    status: int = 502


@dataclass(frozen=True, slots=True)
class Malformed:
    """Stream: one good event then a data line with broken JSON. Non-stream: a truncated JSON body."""


@dataclass(frozen=True, slots=True)
class Reply:
    """Succeed with this text / chunk count instead of the fake's options (None keeps the option)."""

    text: str | None = None
    chunks: int | None = None


Behaviour = Fail | CutStream | Slow | Hang | HtmlError | Malformed | Reply


@dataclass(frozen=True, slots=True)
class FakeOptions:
    """How the fake answers when nothing is scripted.

    ``text`` None means ``"Hello from <family> fake"``; ``payload_size`` repeats or truncates the text
    to exactly that many characters; ``chunks`` is the number of stream pieces the text (and tool
    arguments) are split into, capped by their length; ``delay`` is the pause between stream events.
    ``tool_arguments`` None derives arguments from the tool's JSON schema.

    When a request asks for thinking (Claude ``thinking``, Gemini ``includeThoughts``, Responses
    ``reasoning``, Chat ``reasoning_effort``) the answer starts with ``thinking_text`` (None means
    ``"Thinking it over (<family> fake)"``), split like the text and signed with
    ``signature_for(<family>)``; ``reasoning_tokens`` are reported as reasoning / thought tokens.
    """

    text: str | None = None
    chunks: int = 3
    delay: float = 0.0
    payload_size: int | None = None
    input_tokens: int = 11
    output_tokens: int = 7
    tool_arguments: JSONObject | None = None
    thinking_text: str | None = None
    reasoning_tokens: int = 5
    response_headers: Mapping[str, str] | None = None
    """Extra headers on every answer (e.g. Codex / Claude quota headers)."""


@dataclass(frozen=True, slots=True)
class Thinking:
    """The reasoning the fake shows before its answer: full text, stream pieces, signature."""

    text: str
    pieces: tuple[str, ...]
    signature: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The tool call the fake makes: name, full JSON argument text, and its stream pieces."""

    name: str
    arguments: str
    pieces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything a family needs to render one successful reply."""

    model: str
    text: str
    pieces: tuple[str, ...]
    tool: ToolCall | None
    input_tokens: int
    output_tokens: int
    created: int
    request: JSONObject
    thinking: Thinking | None = None
    reasoning_tokens: int = 0
    """Reasoning / thought tokens to report (0 when the answer has no thinking)."""


@dataclass(frozen=True, slots=True)
class Family:
    """One provider wire format: how it renders answers, errors and which tool a request asks for."""

    name: str
    non_stream: Callable[[Answer], JSONObject]
    stream: Callable[[Answer], Iterator[bytes]]
    count_tokens: Callable[[Answer], JSONObject]
    error: Callable[[int, str, float | None], tuple[JSONObject, dict[str, str]]]
    tool_request: Callable[[JSONObject], tuple[str, JSONObject] | None]
    broken_frame: bytes
    chunk_list: Callable[[Answer], list[JSONObject]] | None = None
    thinking_request: Callable[[JSONObject], bool] = lambda body: False
    """Whether a request asks to see the model's thinking."""


def dumps(value: JSON) -> str:
    """Compact JSON text, the way the providers send it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def sse(data: JSON, event: str | None = None, eol: str = "\n") -> bytes:
    """One SSE event: optional ``event:`` line, one ``data:`` line, blank line."""
    text = data if isinstance(data, str) else dumps(data)
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {text}{eol}{eol}".encode()


def new_id(prefix: str) -> str:
    """A provider-looking id such as ``call_…`` or ``msg_…``."""
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def signature_for(family: str) -> str:
    """The thinking signature the fake of ``family`` issues (base64, as the providers' are)."""
    return base64.b64encode(f"fake-{family}-signature".encode()).decode()


def split_pieces(text: str, count: int) -> tuple[str, ...]:
    """``text`` cut into ``count`` non-empty pieces of near-equal size (fewer if the text is shorter)."""
    if not text:
        return ("",)
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    pieces: list[str] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        pieces.append(text[start:end])
        start = end
    return tuple(pieces)


_SAMPLE_BY_TYPE: dict[str, JSON] = {
    "string": "fake",
    "integer": 1,
    "number": 1,
    "boolean": True,
    "array": [],
    "object": {},
    "null": None,
}


def derive_arguments(schema: JSONObject) -> JSONObject:
    """Arguments that fit ``schema``: one sample value per declared property."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    arguments: JSONObject = {}
    for name, spec in properties.items():
        kind = spec.get("type", "string") if isinstance(spec, dict) else "string"
        if isinstance(kind, list):
            kind = kind[0] if kind else "string"
        arguments[name] = _SAMPLE_BY_TYPE.get(str(kind).lower(), "fake")
    return arguments


def api_key_of(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The credential the request used: Bearer, x-api-key, x-goog-api-key or ``?key=``; "" if none."""
    authorization = headers.get("authorization", "")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value else authorization.strip()
    for name in ("x-api-key", "x-goog-api-key"):
        if headers.get(name):
            return headers[name]
    return query.get("key", "")


_IMAGE_TYPES = frozenset({"image", "image_url", "input_image"})
_IMAGE_KEYS = ("inlineData", "inline_data", "fileData", "file_data")


def image_parts(body: JSON) -> list[JSONObject]:
    """Every image part inside ``body``, in document order: Claude ``image`` blocks (tool results
    included), Chat ``image_url`` parts, Responses ``input_image`` parts and Gemini parts holding
    ``inlineData`` / ``fileData`` (either spelling)."""
    found: list[JSONObject] = []

    def walk(node: JSON) -> None:
        if isinstance(node, dict):
            if node.get("type") in _IMAGE_TYPES or any(key in node for key in _IMAGE_KEYS):
                found.append(node)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found
