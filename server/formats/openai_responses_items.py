"""Responses API items and content parts ↔ IR parts, shared by requests, answers and streams.

An *item* (message, function_call, function_call_output, reasoning) maps onto one or more IR parts.
Whatever the IR has no slot for rides in the parts' ``extras`` under ``openai-responses:`` keys, so
that a Responses → IR → Responses round trip rebuilds the same JSON:

* ``ITEM`` on the first part of an item: the item's other fields (``type``, ``id``, ``status`` …);
  its presence also marks where a new item starts when several items share one IR turn;
* ``FIELDS`` a content part's other fields (``annotations``, ``logprobs`` …);
* ``PART_TYPE`` a text part's wire type when it is not the role's default;
* ``STRING`` the item's ``content`` (or a call's ``output``) was a plain string;
* ``BEFORE`` raw items the IR cannot express (``web_search_call``, ``item_reference`` …), kept in
  front of this part's item.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from server.formats import ir
from server.jsontypes import JSONObject

__all__ = [
    "BEFORE",
    "FIELDS",
    "FILE_ID",
    "ITEM",
    "P",
    "PART_TYPE",
    "STRING",
    "SUMMARY",
    "build_content_part",
    "call_part",
    "call_item",
    "is_openai_encrypted",
    "parse_content_part",
    "reasoning_item",
    "reasoning_part",
    "summary_texts",
]

P = "openai-responses:"
ITEM = P + "item"
FIELDS = P + "fields"
PART_TYPE = P + "type"
STRING = P + "string"
BEFORE = P + "before"
SUMMARY = P + "summary"
FILE_ID = P + "file_id"
_RAW_DATA = P + "raw_data"
_FROM_CONTENT = P + "from_content"


def is_openai_encrypted(value: str) -> bool:
    """Whether ``value`` looks like an OpenAI ``encrypted_content`` (a Fernet token, ``gAAAAA…``).

    Reasoning from other providers (Claude redacted thinking, signatures) must never be replayed
    to an OpenAI upstream as ``encrypted_content``: it fails to decrypt and the call is rejected.
    """
    return value.startswith("gAAAAA")


def _rest(raw: JSONObject, *taken: str) -> JSONObject:
    return {k: v for k, v in raw.items() if k not in taken}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _split_data_url(url: str) -> tuple[str, str] | None:
    """``data:<mime>[;…];base64,<payload>`` → (mime, payload); None for anything else."""
    if not url.startswith("data:"):
        return None
    head, comma, payload = url[5:].partition(",")
    if not comma or not head.endswith(";base64"):
        return None
    return head.split(";", 1)[0], payload


# -- content parts --------------------------------------------------------------------------------


def parse_content_part(raw: Any, default_type: str) -> ir.Part | None:
    """One content part (``input_text``, ``output_text``, ``refusal``, ``input_image``,
    ``input_file``) as an IR part; None for kinds the IR cannot carry."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    extras: JSONObject = {}
    if kind in ("input_text", "output_text", "text"):
        if kind != default_type:
            extras[PART_TYPE] = kind
        if rest := _rest(raw, "type", "text"):
            extras[FIELDS] = rest
        return ir.TextPart(_str(raw.get("text")), extras)
    if kind == "refusal":
        extras[PART_TYPE] = "refusal"
        if rest := _rest(raw, "type", "refusal"):
            extras[FIELDS] = rest
        return ir.TextPart(_str(raw.get("refusal")), extras)
    if kind == "input_image":
        if rest := _rest(raw, "type", "image_url", "file_id", "detail"):
            extras[FIELDS] = rest
        if isinstance(raw.get("file_id"), str):
            extras[FILE_ID] = raw["file_id"]
        image = ir.ImagePart(detail=_str(raw.get("detail")), extras=extras)
        url = _str(raw.get("image_url"))
        if split := _split_data_url(url):
            image.media_type, image.data = split
        else:
            image.url = url
        return image
    if kind == "input_file":
        if rest := _rest(raw, "type", "file_data", "file_url", "filename", "file_id"):
            extras[FIELDS] = rest
        if isinstance(raw.get("file_id"), str):
            extras[FILE_ID] = raw["file_id"]
        doc = ir.DocumentPart(
            url=_str(raw.get("file_url")), filename=_str(raw.get("filename")), extras=extras
        )
        data = _str(raw.get("file_data"))
        if split := _split_data_url(data):
            doc.media_type, doc.data = split
        elif data:
            doc.data = data
            doc.media_type = mimetypes.guess_type(doc.filename)[0] or "application/octet-stream"
            extras[_RAW_DATA] = True
        return doc
    return None


def build_content_part(part: ir.Part, default_type: str) -> JSONObject | None:
    """An IR text / image / document part as a Responses content part (None for other parts)."""
    out: JSONObject
    if isinstance(part, ir.TextPart):
        kind = part.extras.get(PART_TYPE) or default_type
        out = (
            {"type": "refusal", "refusal": part.text}
            if kind == "refusal"
            else {"type": kind, "text": part.text}
        )
    elif isinstance(part, ir.ImagePart):
        out = {"type": "input_image"}
        if part.data:
            out["image_url"] = f"data:{part.media_type or 'image/png'};base64,{part.data}"
        elif part.url:
            out["image_url"] = part.url
        if isinstance(part.extras.get(FILE_ID), str):
            out["file_id"] = part.extras[FILE_ID]
        if part.detail:
            out["detail"] = part.detail
    elif isinstance(part, ir.DocumentPart):
        out = {"type": "input_file"}
        if part.data:
            raw = part.extras.get(_RAW_DATA)
            mime = part.media_type or "application/octet-stream"
            out["file_data"] = part.data if raw else f"data:{mime};base64,{part.data}"
        elif part.url:
            out["file_url"] = part.url
        if part.filename:
            out["filename"] = part.filename
        if isinstance(part.extras.get(FILE_ID), str):
            out["file_id"] = part.extras[FILE_ID]
    else:
        return None
    fields = part.extras.get(FIELDS)
    if isinstance(fields, dict):
        out.update(fields)
    return out


# -- items ----------------------------------------------------------------------------------------


def call_part(item: JSONObject) -> ir.ToolCallPart:
    """A ``function_call`` item; ``call_id`` is the IR id, the item ``id``/``status`` ride in ITEM."""
    arguments = item.get("arguments")
    return ir.ToolCallPart(
        id=_str(item.get("call_id")),
        name=_str(item.get("name")),
        arguments=arguments if isinstance(arguments, str) else "",
        extras={ITEM: _rest(item, "call_id", "name", "arguments")},
    )


def call_item(part: ir.ToolCallPart, name: str) -> JSONObject:
    """A ``function_call`` item for request input (only the fields the source had)."""
    marker = part.extras.get(ITEM)
    out: JSONObject = dict(marker) if isinstance(marker, dict) else {"type": "function_call"}
    out.update(call_id=part.id, name=name, arguments=part.arguments)
    return out


def summary_texts(item: JSONObject) -> list[str]:
    summary = item.get("summary")
    if not isinstance(summary, list):
        return []
    return [_str(s.get("text")) for s in summary if isinstance(s, dict)]


def reasoning_part(item: JSONObject) -> ir.ThinkingPart:
    """A ``reasoning`` item: summary texts joined by a blank line (or, without a summary, the raw
    ``reasoning_text`` content), ``encrypted_content`` as ``redacted``."""
    texts = summary_texts(item)
    extras: JSONObject = {ITEM: _rest(item, "summary", "encrypted_content"), SUMMARY: texts}
    text = "\n\n".join(texts)
    content = item.get("content")
    if not texts and isinstance(content, list):
        text = "\n\n".join(_str(c.get("text")) for c in content if isinstance(c, dict))
        extras[_FROM_CONTENT] = True
    return ir.ThinkingPart(text=text, redacted=_str(item.get("encrypted_content")), extras=extras)


def reasoning_item(part: ir.ThinkingPart, defaults: JSONObject, *, upstream: bool) -> JSONObject:
    """A ``reasoning`` item; ``defaults`` are fields used when the part did not come from this format.

    ``encrypted_content`` is the part's ``redacted`` data, else its ``signature``. Toward an
    ``upstream`` a foreign part only contributes an OpenAI-encrypted value; toward a client any
    signature rides along (Claude's and Gemini's come back in the client's next request).
    """
    marker = part.extras.get(ITEM)
    out: JSONObject = dict(marker) if isinstance(marker, dict) else dict(defaults)
    texts = part.extras.get(SUMMARY)
    keep = isinstance(texts, list) and (
        part.extras.get(_FROM_CONTENT) or "\n\n".join(str(t) for t in texts) == part.text
    )
    if not keep:
        texts = [part.text] if part.text else []
    out["summary"] = [{"type": "summary_text", "text": t} for t in texts or []]
    encrypted = part.redacted or part.signature
    if upstream and not isinstance(marker, dict):
        encrypted = next((v for v in (part.redacted, part.signature) if is_openai_encrypted(v)), "")
    if encrypted:
        out["encrypted_content"] = encrypted
    return out
