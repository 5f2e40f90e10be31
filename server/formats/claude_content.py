"""Claude content blocks ↔ IR parts: text, image, document, tool use/result, thinking, and extras.

Extras conventions (shared by ``claude`` and this module):

* ``cache_control`` / ``citations`` ride in part extras under their wire names (other formats may
  set ``cache_control`` too); any other unknown key of a Claude block is kept as ``claude:<key>``
  and written back only by the Claude builders.
* Keys starting ``claude.`` are markers and never sent: ``claude.native`` (came from a Claude
  client or upstream), ``claude.block`` (a block the IR has no part for, e.g. ``server_tool_use``
  or ``search_result``, kept raw in an empty TextPart) and ``claude.source`` (an image or document
  source kept raw, e.g. a ``file`` source).

Foreign thinking signatures cannot be replayed to Anthropic (translation.md §4.17, §8.31): blocks
built for an upstream keep only thinking whose signature has the shape of a Claude signature. Even
parts that came from a Claude client are checked, because Claude Code replays the signatures of
another provider after a model switch.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from server.formats import ir
from server.formats.claude_stream import dumps
from server.jsontypes import JSON, JSONObject

__all__ = [
    "BLOCK",
    "NATIVE",
    "SOURCE",
    "block_extras",
    "claude_signature",
    "parse_blocks",
    "request_block",
    "response_block",
    "text_block",
    "wire_extras",
]

NATIVE = "claude.native"
BLOCK = "claude.block"
SOURCE = "claude.source"
_WIRE_KEYS = ("cache_control", "citations")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_IMAGE_MAGIC = (
    ("/9j/", "image/jpeg"),
    ("iVBOR", "image/png"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
)


# -- wire → IR ---------------------------------------------------------------------------------


def parse_blocks(content: JSON, names: dict[str, str] | None = None) -> list[ir.Part]:
    """Parts of a string or block-list ``content``; ``names`` collects tool_use id → name and
    names the tool results that follow."""
    if isinstance(content, str):
        return [ir.TextPart(content)]
    if not isinstance(content, list):
        return []
    return [_part(b, names) for b in content if isinstance(b, dict)]


def block_extras(block: JSONObject, *known: str) -> JSONObject:
    """The keys of ``block`` other than ``known``, named by the extras conventions."""
    return {k if k in _WIRE_KEYS else f"claude:{k}": v for k, v in block.items() if k not in known}


def _part(block: JSONObject, names: dict[str, str] | None) -> ir.Part:
    kind = block.get("type")
    if kind == "text":
        return ir.TextPart(_str(block.get("text")), block_extras(block, "type", "text"))
    if kind in ("image", "document"):
        return _media(block)
    if kind == "tool_use":
        call_id, name = _str(block.get("id")), _str(block.get("name"))
        if names is not None:
            names[call_id] = name
        arguments = dumps(block["input"] if isinstance(block.get("input"), dict) else {})
        return ir.ToolCallPart(call_id, name, arguments, block_extras(block, "type", "id", "name", "input"))
    if kind == "tool_result":
        call_id = _str(block.get("tool_use_id"))
        return ir.ToolResultPart(
            call_id,
            parse_blocks(block.get("content")),
            (names or {}).get(call_id, ""),
            block.get("is_error") is True,
            block_extras(block, "type", "tool_use_id", "content", "is_error"),
        )
    if kind == "thinking":
        extras = {NATIVE: True, **block_extras(block, "type", "thinking", "signature")}
        return ir.ThinkingPart(_str(block.get("thinking")), _str(block.get("signature")), extras=extras)
    if kind == "redacted_thinking":
        extras = {NATIVE: True, **block_extras(block, "type", "data")}
        return ir.ThinkingPart(redacted=_str(block.get("data")), extras=extras)
    return ir.TextPart("", {BLOCK: block})


def _media(block: JSONObject) -> ir.ImagePart | ir.DocumentPart:
    src = block["source"] if isinstance(block.get("source"), dict) else {}
    extras = block_extras(block, "type", "source", "title")
    kind, media_type, data, url = src.get("type"), _str(src.get("media_type")), "", ""
    if kind == "base64":
        data = _str(src.get("data"))
    elif kind == "url":
        url = _str(src.get("url"))
    elif kind == "text" and block.get("type") == "document":
        media_type = media_type or "text/plain"
        data = base64.b64encode(_str(src.get("data")).encode("utf-8", "surrogatepass")).decode()
    else:
        extras[SOURCE] = src
    if block.get("type") == "image":
        return ir.ImagePart(media_type, data, url, extras=extras)
    return ir.DocumentPart(media_type, data, url, _str(block.get("title")), extras)


# -- IR → wire ---------------------------------------------------------------------------------


def wire_extras(extras: JSONObject) -> JSONObject:
    """The extras a Claude block carries on the wire: ``cache_control``, ``citations``, ``claude:*``."""
    out = {k: v for k, v in extras.items() if k in _WIRE_KEYS}
    out.update({k[7:]: v for k, v in extras.items() if k.startswith("claude:")})
    return out


def text_block(part: ir.TextPart) -> JSONObject:
    return {"type": "text", "text": part.text, **wire_extras(part.extras)}


def request_block(part: ir.Part, role: ir.Role) -> JSONObject | None:
    """The block for ``part`` in a ``role`` turn sent upstream; None when it cannot be sent."""
    if isinstance(part, ir.TextPart):
        return _raw_or_text(part) if part.text or BLOCK in part.extras else None
    if isinstance(part, ir.ImagePart | ir.DocumentPart):
        return _media_block(part)
    if isinstance(part, ir.ThinkingPart):
        return _replayable_thinking(part) if role == "assistant" else None
    if isinstance(part, ir.ToolCallPart):
        if role != "assistant":
            return None
        call = {"type": "tool_use", "id": _tool_id(part.id), "name": part.name}
        return {**call, "input": _arguments(part.arguments), **wire_extras(part.extras)}
    if role != "user":
        return None
    block: JSONObject = {"type": "tool_result", "tool_use_id": _tool_id(part.call_id)}
    content = [b for b in map(_result_block, part.content) if b is not None and not _blank(b)]
    if len(content) == 1 and content[0]["type"] == "text" and len(content[0]) == 2:
        block["content"] = content[0]["text"]
    elif content or part.content:  # only empty texts: "" (Anthropic rejects empty text blocks)
        block["content"] = content or ""
    if part.is_error:
        block["is_error"] = True
    return {**block, **wire_extras(part.extras)}


def response_block(part: ir.Part) -> JSONObject | None:
    """The block for ``part`` in a message object answered to a client; None when it has none."""
    if isinstance(part, ir.TextPart):
        return _raw_or_text(part) if part.text or BLOCK in part.extras else None
    if isinstance(part, ir.ThinkingPart):
        if part.redacted and not part.text and not part.signature:
            return {"type": "redacted_thinking", "data": part.redacted}
        # Codex encrypted_content is the only signature such a block has (§4.17 [HEAD])
        return {"type": "thinking", "thinking": part.text, "signature": part.signature or part.redacted}
    if isinstance(part, ir.ToolCallPart):
        call = {"type": "tool_use", "id": part.id, "name": part.name}
        return {**call, "input": _arguments(part.arguments), **wire_extras(part.extras)}
    return None  # a Claude answer cannot carry images, documents or tool results


def _raw_or_text(part: ir.TextPart) -> JSONObject:
    raw = part.extras.get(BLOCK)
    return dict(raw) if isinstance(raw, dict) else text_block(part)


def _blank(block: JSONObject) -> bool:
    return block["type"] == "text" and not block["text"] and len(block) == 2


def _result_block(part: ir.Part) -> JSONObject | None:
    if isinstance(part, ir.TextPart):
        return _raw_or_text(part)
    return _media_block(part) if isinstance(part, ir.ImagePart | ir.DocumentPart) else None


def _media_block(part: ir.ImagePart | ir.DocumentPart) -> JSONObject | None:
    image = isinstance(part, ir.ImagePart)
    media_type, data = part.media_type, part.data
    if not data and part.url.startswith("data:"):
        head, _, data = part.url[5:].partition(",")
        media_type = media_type or head.split(";")[0]
    raw = part.extras.get(SOURCE)
    if isinstance(raw, dict):
        source = raw
    elif data and image:
        source = {"type": "base64", "media_type": media_type or _sniff(data), "data": data}
    elif data or (media_type.startswith("text/") and not part.url):  # an empty text document too
        source = _document_source(media_type, data)
    elif part.url.startswith(("http://", "https://")):
        source = {"type": "url", "url": part.url}
    elif part.url:  # gs:// and file URIs cannot be fetched by Anthropic: named in text (§4.0)
        return {
            "type": "text",
            "text": f"File: {part.url} (Type: {media_type or 'application/octet-stream'})",
        }
    else:
        return None
    block: JSONObject = {"type": "image" if image else "document", "source": source}
    if isinstance(part, ir.DocumentPart) and part.filename:
        block["title"] = part.filename
    return {**block, **wire_extras(part.extras)}


def _document_source(media_type: str, data: str) -> JSONObject:
    if media_type.startswith("text/"):
        try:
            text = base64.b64decode(data, validate=True).decode("utf-8", "surrogatepass")
        except (binascii.Error, ValueError):
            pass
        else:
            return {"type": "text", "media_type": "text/plain", "data": text}
    return {"type": "base64", "media_type": media_type or "application/pdf", "data": data}


def _sniff(data: str) -> str:
    return next((mime for magic, mime in _IMAGE_MAGIC if data.startswith(magic)), "image/png")


def _replayable_thinking(part: ir.ThinkingPart) -> JSONObject | None:
    wire = wire_extras(part.extras)
    if signature := claude_signature(part.signature):
        return {"type": "thinking", "thinking": part.text, "signature": signature, **wire}
    if data := claude_signature(part.redacted):
        if part.text:  # a summary with its encrypted carrier (Responses) was a thinking block
            return {"type": "thinking", "thinking": part.text, "signature": data, **wire}
        return {"type": "redacted_thinking", "data": data, **wire}
    return None


def claude_signature(signature: str) -> str:
    """``signature`` in Anthropic's native form when it has the shape of a Claude thinking
    signature, else "".

    Native signatures are base64 of a protobuf message whose first field is field 2
    (length-delimited, tag byte 0x12, so the text starts with ``E``) holding a message that starts
    with field 1 (0x0A). Antigravity wraps them in a second base64 layer (text starts with ``R``).
    Gemini signatures (``C…``), Codex ``encrypted_content`` (``gAAAA…``) and the Gemini bypass
    string fail the check.
    """
    if signature.startswith("R") and (inner := _b64(signature)) is not None:
        text = inner.decode("ascii", "replace")
        if text.startswith("E"):
            signature = text
    raw = _b64(signature) if signature.startswith("E") else None
    if raw is None or len(raw) < 4 or raw[0] != 0x12:
        return ""
    length, shift, pos = 0, 0, 1
    while pos < len(raw) and shift < 35:
        byte = raw[pos]
        length |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            break
    else:
        return ""
    return signature if 0 < length <= len(raw) - pos and raw[pos] == 0x0A else ""


def _b64(text: str) -> bytes | None:
    if not _BASE64.fullmatch(text):
        return None
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _tool_id(call_id: str) -> str:
    """Anthropic ids match ``[A-Za-z0-9_-]+``; other ids are made to ([HEAD] 553d6f50e)."""
    return _BAD_ID_CHARS.sub("_", call_id) or "toolu_missing"


def _arguments(arguments: str) -> JSONObject:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _str(value: JSON) -> str:
    return value if isinstance(value, str) else ""
