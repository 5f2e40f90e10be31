"""Gemini content parts ↔ IR parts: text, thoughts, media, function calls and function responses.

Part-level wire fields the IR has no slot for ride in the part's ``extras`` under their camelCase
wire names (``thoughtSignature``, ``videoMetadata``, ``mediaResolution``, ``partMetadata``); only
this module writes them back, so extras of other formats (``cache_control`` …) never leak into a
Gemini body. Bookkeeping keys start with ``gemini:``:

* ``gemini:noId`` on a call/result whose Gemini part had no ``id`` (the IR id was derived);
* ``gemini:functionResponse`` the client's raw ``functionResponse`` object (same-family replay);
* ``gemini:part`` a raw part of a kind the IR does not model (``executableCode`` …);
* ``thought: true`` on a ThinkingPart that came from a Gemini thought part.

Derived ids: Gemini function calls often carry no ``id``. Requests derive one from the function
name and the call's ordinal in the conversation (stable while the history grows); answers, which
are parsed without a context, derive it from the response id, the call's index, its name and its
arguments. Both are ``call_`` + 24 hex digits of a SHA-256 — deterministic, ≤ 40 characters (the
OpenAI limit) and valid for every upstream's id syntax.
"""

from __future__ import annotations

import hashlib
import json

from server.formats.ir import (
    DocumentPart,
    ImagePart,
    Part,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from server.jsontypes import JSON, JSONObject

__all__ = [
    "BYPASS_SIGNATURE",
    "NO_ID",
    "SIGNATURE",
    "args_object",
    "camel",
    "derived_call_id",
    "dumps",
    "field",
    "media_part",
    "part_extras",
    "read_part",
    "result_content",
    "write_call",
    "write_media",
    "write_part",
    "write_result",
]

SIGNATURE = "thoughtSignature"
BYPASS_SIGNATURE = "skip_thought_signature_validator"
"""Accepted by Gemini 3 / Gemini CLI / Antigravity in place of a real signature (§4.0)."""
NO_ID = "gemini:noId"
_RAW_PART = "gemini:part"
_RAW_RESPONSE = "gemini:functionResponse"
_PART_EXTRAS = {
    "thoughtSignature": "thought_signature",
    "videoMetadata": "video_metadata",
    "mediaResolution": "media_resolution",
    "partMetadata": "part_metadata",
}
_MIME_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".html": "text/html",
    ".json": "application/json",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
}


def camel(key: str) -> str:
    """``safety_settings`` → ``safetySettings``."""
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def field(obj: JSONObject, camel: str, snake: str) -> JSON:
    """``obj[camel]``, else ``obj[snake]`` (Google accepts both spellings)."""
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def dumps(value: JSON) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def derived_call_id(*seed: object) -> str:
    """A deterministic tool-call id for a Gemini call that has none (see the module docstring)."""
    digest = hashlib.sha256("\x1f".join(str(s) for s in seed).encode()).hexdigest()
    return "call_" + digest[:24]


# -- reading ---------------------------------------------------------------------------------------


def part_extras(part: JSONObject) -> JSONObject:
    extras: JSONObject = {}
    for camel, snake in _PART_EXTRAS.items():
        value = field(part, camel, snake)
        if value is not None:
            extras[camel] = value
    return extras


def read_part(part: JSONObject) -> Part | None:
    """A text, thought or media part (function calls/responses are read by the callers)."""
    extras = part_extras(part)
    text = part.get("text")
    if part.get("thought") is True:
        signature = extras.pop(SIGNATURE, "")
        return ThinkingPart(
            text=text if isinstance(text, str) else "",
            signature=signature if isinstance(signature, str) else "",
            extras={"thought": True, **extras},
        )
    if isinstance(text, str):
        return TextPart(text, extras)
    blob = field(part, "inlineData", "inline_data")
    if isinstance(blob, dict):
        mime, data = field(blob, "mimeType", "mime_type"), blob.get("data")
        # google-genai sends URL-safe base64; the other formats (and data URLs) take the standard one
        standard = str(data or "").replace("-", "+").replace("_", "/")
        return media_part(str(mime or ""), data=standard, extras=extras)
    file = field(part, "fileData", "file_data")
    if isinstance(file, dict):
        mime, uri = field(file, "mimeType", "mime_type"), field(file, "fileUri", "file_uri")
        return media_part(str(mime or ""), url=str(uri or ""), extras=extras)
    if not set(part) - set(_PART_EXTRAS) - set(_PART_EXTRAS.values()):
        return TextPart("", extras) if extras else None
    return TextPart(_render(part), {_RAW_PART: part})


def media_part(mime: str, *, data: str = "", url: str = "", extras: JSONObject | None = None) -> Part:
    """An ImagePart for ``image/*``, else a DocumentPart."""
    if mime.startswith("image/"):
        return ImagePart(media_type=mime, data=data, url=url, extras=extras or {})
    return DocumentPart(media_type=mime, data=data, url=url, extras=extras or {})


def result_content(response: JSON, parts: JSON) -> tuple[list[Part], bool]:
    """IR content of a ``functionResponse``: its text (a lone ``result``/``output``/``content``
    string, else the JSON of ``response``), its media ``parts``, and whether it reports an error."""
    is_error = isinstance(response, dict) and set(response) == {"error"}
    inner = response
    if isinstance(response, dict) and len(response) == 1:
        key = next(iter(response))
        if key in ("result", "output", "content", "error"):
            inner = response[key]
    text = inner if isinstance(inner, str) else dumps(inner) if inner is not None else ""
    content: list[Part] = [TextPart(text)]
    for item in parts if isinstance(parts, list) else []:
        if isinstance(item, dict) and (media := read_part(item)) is not None:
            content.append(media)
    return content, is_error


def _render(part: JSONObject) -> str:
    """Readable text for a part kind the IR lacks (code execution), for non-Gemini clients."""
    code = field(part, "executableCode", "executable_code")
    if isinstance(code, dict):
        return f"```{str(code.get('language', '')).lower()}\n{code.get('code', '')}\n```"
    result = field(part, "codeExecutionResult", "code_execution_result")
    if isinstance(result, dict):
        return str(result.get("output", ""))
    return ""


# -- writing ---------------------------------------------------------------------------------------


def _with_extras(out: JSONObject, extras: JSONObject) -> JSONObject:
    for key in _PART_EXTRAS:
        if key in extras:
            out[key] = extras[key]
    return out


def write_part(part: Part, *, foreign_thinking: bool) -> JSONObject | None:
    """A Gemini part for a text, thinking or media part; None when it has nothing to send.

    Thinking from another family is dropped from requests (§4.2 [HEAD]) and kept in answers
    (``foreign_thinking``); a thought part always carries ``text`` (Google 500s without it).
    """
    if isinstance(part, TextPart):
        raw = part.extras.get(_RAW_PART)
        if isinstance(raw, dict):
            return dict(raw)
        if not part.text and SIGNATURE not in part.extras:
            return None
        return _with_extras({"text": part.text}, part.extras)
    if isinstance(part, ThinkingPart):
        if not (foreign_thinking or part.extras.get("thought") is True):
            return None
        if not part.text and not part.signature:
            return None
        out = _with_extras({"text": part.text, "thought": True}, part.extras)
        if part.signature:
            out[SIGNATURE] = part.signature
        return out
    if isinstance(part, ImagePart | DocumentPart):
        media = write_media(part.media_type, part.data, part.url, image=isinstance(part, ImagePart))
        return _with_extras(media, part.extras) if media is not None else None
    return None


def write_media(mime: str, data: str, url: str, *, image: bool) -> JSONObject | None:
    """``inlineData`` for base64 data and data URLs, ``fileData`` for other URLs (§8.24 [REC]:
    Gemini fetches http(s) and gs:// URIs itself, so the image is never silently lost)."""
    if not data and url.startswith("data:"):
        data = url
    if data.startswith("data:"):
        head, _, data = data.partition(",")
        mime = head[5:].split(";", 1)[0] or mime
    if data:
        default = "image/png" if image else "application/octet-stream"
        return {"inlineData": {"mimeType": mime or default, "data": data}}
    if not url:
        return None
    out: JSONObject = {"fileUri": url}
    mime = mime or _guess_mime(url)
    if mime:
        out["mimeType"] = mime
    return {"fileData": out}


def _guess_mime(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    dot = path.rfind(".")
    return _MIME_BY_SUFFIX.get(path[dot:], "") if dot >= 0 else ""


def args_object(arguments: str) -> JSONObject:
    """A call's arguments as the JSON object Gemini wants; invalid JSON rides as ``params``."""
    if not arguments.strip():
        return {}
    try:
        value = json.loads(arguments)
    except ValueError:
        return {"params": arguments}
    return value if isinstance(value, dict) else {"params": value}


def write_call(part: ToolCallPart, name: str, *, bypass: bool) -> JSONObject:
    """A ``functionCall`` part; history replays get the signature bypass unless the call carries
    its own Gemini signature (``bypass`` is False for answers)."""
    call: JSONObject = {"name": name, "args": args_object(part.arguments)}
    if part.id and not part.extras.get(NO_ID):
        call = {"id": part.id, **call}
    out = _with_extras({"functionCall": call}, part.extras)
    if bypass and not out.get(SIGNATURE):
        out[SIGNATURE] = BYPASS_SIGNATURE
    return out


def write_result(part: ToolResultPart, name: str) -> list[JSONObject]:
    """A ``functionResponse`` part plus, for media in the result, sibling ``inlineData`` parts."""
    raw = part.extras.get(_RAW_RESPONSE)
    if isinstance(raw, dict):
        return [_with_extras({"functionResponse": {**raw, "name": name}}, part.extras)]
    texts = [p.text for p in part.content if isinstance(p, TextPart)]
    text = "\n".join(texts)
    value: JSON = text
    if text[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            value = text
    response: JSONObject = {"error": value} if part.is_error else {"result": value}
    call: JSONObject = {"name": name, "response": response}
    if part.call_id and not part.extras.get(NO_ID):
        call = {"id": part.call_id, **call}
    out = [_with_extras({"functionResponse": call}, part.extras)]
    for item in part.content:
        if isinstance(item, ImagePart | DocumentPart):
            media = write_media(item.media_type, item.data, item.url, image=isinstance(item, ImagePart))
            if media is not None:
                out.append(media)
    return out
