"""OpenAI Chat content parts to and from IR parts, and the marker extras this format writes.

Marker extras are named ``openai:_<name>``: they only steer this format's own builder so that a
Chat→Chat round trip is exact (string vs list content, refusals, legacy forms …). Fields the IR has
no slot for ride along as ``openai:<wire key>`` and are written back as they came.
"""

from __future__ import annotations

from collections.abc import Sequence

from server.formats.ir import DocumentPart, ImagePart, Part, TextPart
from server.jsontypes import JSON, JSONObject

__all__ = [
    "AT",
    "ARRAY",
    "FIELD",
    "FUNCTION",
    "GROUP",
    "LEGACY",
    "MSG",
    "PREFIX",
    "RAW",
    "RAW_CALLS",
    "REFUSAL",
    "ROLE",
    "UNTYPED",
    "content_out",
    "data_url",
    "parse_content",
    "restore_extras",
    "split_data_url",
    "wire_extras",
    "with_raw",
]

PREFIX = "openai:"
ROLE = "openai:_role"
"""System part: ``developer`` when the message had that role (absent = ``system``)."""
AT = "openai:_at"
"""System part: index of the IR message the system message stood before (absent = 0)."""
GROUP = "openai:_message"
"""System part: ordinal of the system message it came from (absent = 0)."""
MSG = "openai:_msg"
"""System part: the message-level fields the IR has no slot for (``name`` …)."""
ARRAY = "openai:_array"
"""The content was a list of parts rather than a string."""
RAW = "openai:_raw_parts"
"""``[[position, part], …]``: content parts the IR has no slot for (``input_audio`` …)."""
RAW_CALLS = "openai:_raw_tool_calls"
"""``[[position, call], …]``: tool calls that are not ``function`` calls."""
REFUSAL = "openai:_refusal"
"""TextPart: a refusal, given as the message ``refusal`` field (``field``) or a ``refusal`` part."""
LEGACY = "openai:_legacy"
"""Tool call / result / tool in the legacy ``function_call`` / ``functions`` form."""
FIELD = "openai:_field"
"""ThinkingPart: the wire field was ``reasoning`` instead of ``reasoning_content``."""
UNTYPED = "openai:_untyped"
"""ToolCallPart: the call had no ``type`` key."""
FUNCTION = "openai:_function"
"""ToolCallPart: keys of the ``function`` object besides name and arguments."""
FLAT = "openai:_flat"
"""ImagePart: ``image_url`` was a bare string instead of ``{"url": …}``."""
RAW_DATA = "openai:_raw_data"
"""DocumentPart: ``file_data`` was bare base64 instead of a data URL."""

_DOC_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
    "html": "text/html",
    "xml": "application/xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


def split_data_url(url: str) -> tuple[str, str] | None:
    """``data:<mime>;base64,<payload>`` → (mime, payload); None for any other form."""
    if not url.startswith("data:"):
        return None
    head, comma, payload = url.partition(",")
    if not comma or not head.endswith(";base64"):
        return None
    mime = head[5:-7]
    return (mime, payload) if mime and ";" not in mime else None


def data_url(media_type: str, data: str) -> str:
    """The ``data:`` URL of base64 ``data``."""
    return f"data:{media_type};base64,{data}"


def restore_extras(target: JSONObject, extras: JSONObject) -> None:
    """Write ``openai:<key>`` extras back as wire keys the target does not already have."""
    for key, value in extras.items():
        if key.startswith(PREFIX) and not key.startswith("openai:_"):
            target.setdefault(key[len(PREFIX) :], value)


def parse_content(content: JSON) -> tuple[list[Part], JSONObject]:
    """IR parts of a Chat ``content`` (string or list) and the extras that restore its exact form."""
    parts, raw, is_array = _parts(content)
    extras: JSONObject = {}
    if is_array:
        extras[ARRAY] = True
    if raw:
        extras[RAW] = raw
    return parts, extras


def _parts(content: JSON) -> tuple[list[Part], list[JSON], bool]:
    """IR parts, the raw parts the IR cannot hold (with positions), and whether it was a list."""
    if isinstance(content, str):
        return ([TextPart(content)] if content else []), [], False
    if not isinstance(content, list):
        return [], [], False
    parts: list[Part] = []
    raw: list[JSON] = []
    for position, item in enumerate(content):
        part = _part(item) if isinstance(item, dict) else None
        if part is None:
            raw.append([position, item])
        else:
            parts.append(part)
    return parts, raw, True


def _part(item: JSONObject) -> Part | None:
    kind = item.get("type")
    if kind == "text" and isinstance(item.get("text"), str):
        return TextPart(item["text"], _part_extras(item, "text"))
    if kind == "refusal" and isinstance(item.get("refusal"), str):
        extras = _part_extras(item, "refusal")
        extras[REFUSAL] = "part"
        return TextPart(item["refusal"], extras)
    if kind == "image_url":
        return _image(item)
    if kind == "file":
        return _file(item)
    return None


def _part_extras(item: JSONObject, *used: str) -> JSONObject:
    extras: JSONObject = {PREFIX + k: v for k, v in item.items() if k != "type" and k not in used}
    if isinstance(item.get("cache_control"), dict):
        extras["cache_control"] = item["cache_control"]  # the wire name Claude builders read
    return extras


def _image(item: JSONObject) -> ImagePart | None:
    inner = item.get("image_url")
    flat = isinstance(inner, str)
    url = inner if flat else inner.get("url") if isinstance(inner, dict) else None
    if not isinstance(url, str) or not url:
        return None
    detail = inner.get("detail") if isinstance(inner, dict) else None
    extras = _part_extras(item, "image_url")
    if flat:
        extras[FLAT] = True
    detail = detail if isinstance(detail, str) else ""
    split = split_data_url(url)
    if split is not None:
        return ImagePart(media_type=split[0], data=split[1], detail=detail, extras=extras)
    return ImagePart(url=url, detail=detail, extras=extras)


def _file(item: JSONObject) -> DocumentPart | None:
    inner = item.get("file")
    if not isinstance(inner, dict) or set(inner) - {"file_data", "filename"}:
        return None  # file_id references only mean something to OpenAI itself: kept raw
    data, filename = inner.get("file_data"), inner.get("filename", "")
    if not isinstance(data, str) or not data or not isinstance(filename, str):
        return None
    extras = _part_extras(item, "file")
    split = split_data_url(data)
    if split is not None:
        return DocumentPart(media_type=split[0], data=split[1], filename=filename, extras=extras)
    extras[RAW_DATA] = True
    mime = _DOC_TYPES.get(filename.rpartition(".")[2].lower(), "") if "." in filename else ""
    return DocumentPart(media_type=mime, data=data, filename=filename, extras=extras)


def content_out(parts: Sequence[Part], array: bool, raw: JSON = None) -> JSON:
    """A string for one plain text part (unless the client sent a list), else a list of parts."""
    if not array and not raw:
        if not parts:
            return ""
        only = parts[0]
        if len(parts) == 1 and isinstance(only, TextPart) and not wire_extras(only.extras):
            if REFUSAL not in only.extras:
                return only.text
    items = [item for item in map(_part_out, parts) if item is not None]
    return with_raw(items, raw)


def _part_out(part: Part) -> JSONObject | None:
    out: JSONObject
    if isinstance(part, TextPart):
        if part.extras.get(REFUSAL):
            out = {"type": "refusal", "refusal": part.text}
        else:
            out = {"type": "text", "text": part.text}
    elif isinstance(part, ImagePart):
        url = part.url or (data_url(part.media_type or "image/png", part.data) if part.data else "")
        if not url:
            return None
        if part.extras.get(FLAT):
            out = {"type": "image_url", "image_url": url}
        else:
            image: JSONObject = {"url": url}
            if part.detail:
                image["detail"] = part.detail
            out = {"type": "image_url", "image_url": image}
    elif isinstance(part, DocumentPart):
        out = _document_out(part)
    else:
        return None
    out.update(wire_extras(part.extras))
    return out


def _document_out(part: DocumentPart) -> JSONObject:
    if not part.data:
        kind = f" (Type: {part.media_type})" if part.media_type else ""
        return {"type": "text", "text": f"File: {part.url}{kind}"}  # Chat has no file-by-URL part
    mime = part.media_type or "application/octet-stream"
    file: JSONObject = {"file_data": part.data if part.extras.get(RAW_DATA) else data_url(mime, part.data)}
    if part.filename:
        file["filename"] = part.filename
    return {"type": "file", "file": file}


def wire_extras(extras: JSONObject) -> JSONObject:
    """The ``openai:<key>`` extras as wire keys (markers ``openai:_…`` excluded)."""
    return {k[len(PREFIX) :]: v for k, v in extras.items() if k.startswith(PREFIX) and k[7:8] != "_"}


def with_raw(items: list[JSON], raw: JSON) -> list[JSON]:
    """``items`` with the raw ``[[position, item], …]`` entries put back at their positions."""
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int):
            items.insert(min(entry[0], len(items)), entry[1])
    return items
