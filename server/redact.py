"""Secret masking for everything that reaches a log file or the management API.

Two layers: shape rules (secret-looking header names, query parameters, JSON fields, bearer tokens
and well-known key prefixes) and the *known secrets* of the running services (client keys, provider
keys, OAuth tokens), registered by their owners and replaced wherever they appear. A masked value
keeps its first and last few characters (the original's display form) so a person can tell keys
apart without the log ever holding one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote_plus

__all__ = [
    "SecretSet",
    "is_secret_name",
    "mask_secret",
    "redact_headers",
    "redact_known",
    "redact_query",
    "redact_text",
    "redact_url",
    "register_secrets",
    "secret_strings",
    "unregister_secrets",
]

MIN_KNOWN_LENGTH = 8
"""Shorter known values are left to the shape rules: replacing every 'test' in a log helps nobody."""

_MASKED = re.compile(r"^.{0,4}\.\.\..{0,4}$", re.DOTALL)
_SECRET_NAME = re.compile(
    r"api[-_]?key|apikey|token|secret|password|passwd|cookie|authori|session|-key$|_key$"
)
_NOT_SECRET_NAME = re.compile(r"type$|expir|_at$|url$|uri$|count|limit|^max|^min|_tokens$|tokens_")
_QUERY_NAME = re.compile(r"^key$|^auth_token$|api[-_]?key|apikey|token|secret|password")


def mask_secret(value: str) -> str:
    """The original's display form: first/last 4 (>8 chars), 2 (5-8) or 1 (3-4) characters around ``...``.

    Values of one or two characters become ``***``; an already masked value is returned unchanged.
    """
    if _MASKED.match(value):
        return value
    n = len(value)
    keep = 4 if n > 8 else 2 if n > 4 else 1 if n > 2 else 0
    return f"{value[:keep]}...{value[n - keep :]}" if keep else "***"


def is_secret_name(name: str) -> bool:
    """Whether a header, field or setting called ``name`` holds a secret."""
    lowered = name.strip().lower()
    return bool(_SECRET_NAME.search(lowered)) and not _NOT_SECRET_NAME.search(lowered)


def _mask_cookie(value: str) -> str:
    pairs = []
    for part in value.split(";"):
        name, sep, content = part.partition("=")
        pairs.append(f"{name}={mask_secret(content.strip())}" if sep else mask_secret(part.strip()))
    return ";".join(pairs)


def _mask_header(name: str, value: str) -> str:
    lowered = name.lower()
    if "authorization" in lowered:
        scheme, space, credential = value.strip().partition(" ")
        return f"{scheme} {mask_secret(credential.strip())}" if space else mask_secret(value)
    if "cookie" in lowered:
        return _mask_cookie(value)
    if is_secret_name(lowered) or lowered.endswith("key"):
        return mask_secret(value)
    return value


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header pairs with secrets masked: Authorization keeps its scheme word, key/token/secret/cookie
    headers are masked entirely; other values pass through the text rules (a key pasted anywhere)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = []
    for name, value in items:
        masked = _mask_header(name, value)
        out.append((name, masked if masked != value else redact_text(value)))
    return out


def redact_query(query: str) -> str:
    """A query string with ``key``, ``auth_token`` and any key/token/secret parameter masked."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, sep, value = part.partition("=")
        if sep and _QUERY_NAME.search(unquote_plus(name).lower()):
            part = f"{name}={mask_secret(unquote_plus(value))}"
        parts.append(part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """``url`` with its secret query values masked (the fragment is dropped)."""
    base, sep, query = url.partition("?")
    return f"{base}?{redact_query(query.partition('#')[0])}" if sep else url


_JSON_FIELD = re.compile(r'"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"')
_BEARER = re.compile(r"\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=:-]{6,})", re.IGNORECASE)
_QUERY_VALUE = re.compile(
    r"([?&](?:key|auth_token|[\w.-]*(?:api[-_]?key|apikey|token|secret|password)[\w.-]*)=)([^&\s\"'#]+)",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^(\s*)([\w-]+)(\s*:\s*)(\S.*)$", re.MULTILINE)
_KEY_SHAPES = re.compile(
    r"\b(sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|ya29\.[0-9A-Za-z_.-]{16,}|1//[0-9A-Za-z_-]{20,})"
)


def _json_field(match: re.Match[str]) -> str:
    name, colon, value = match.groups()
    if not is_secret_name(name) or _MASKED.match(value) or not value:
        return match.group(0)
    return f'"{name}"{colon}"{mask_secret(value)}"'


def _header_line(match: re.Match[str]) -> str:
    indent, name, colon, value = match.groups()
    masked = _mask_header(name, value.strip())
    return match.group(0) if masked == value.strip() else f"{indent}{name}{colon}{masked}"


def redact_text(text: str) -> str:
    """Free text (a log line, a request body) with secret shapes masked, then every known secret."""
    if not text:
        return text
    # Each rule runs only when the text holds the literal characters it needs (substring tests cost
    # far less than a regex scan; an access line needs none of the five).
    if '"' in text and ":" in text:
        text = _JSON_FIELD.sub(_json_field, text)
    if not text.isascii() or "bearer" in (lowered := text.lower()) or "basic" in lowered:
        # (IGNORECASE also folds a few non-ASCII letters to "s" and "i": such text takes the regex)
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{mask_secret(m.group(3))}", text)
    if "=" in text and ("?" in text or "&" in text):
        text = _QUERY_VALUE.sub(lambda m: m.group(1) + mask_secret(unquote_plus(m.group(2))), text)
    if ":" in text:
        text = _HEADER_LINE.sub(_header_line, text)
    if "sk-" in text or "AIza" in text or "ya29." in text or "1//" in text:
        text = _KEY_SHAPES.sub(lambda m: mask_secret(m.group(1)), text)
    return redact_known(text)


class SecretSet:
    """A fixed set of secret strings, each replaced by its masked form wherever it occurs."""

    __slots__ = ("_pattern",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        unique = {v for v in values if len(v) >= MIN_KNOWN_LENGTH and not _MASKED.match(v)}
        ordered = sorted(unique, key=lambda v: (-len(v), v))  # longest first: a key inside a token
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def redact(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: mask_secret(m.group(0)), text)


def secret_strings(node: object, *, secret: bool = False) -> set[str]:
    """Every string held under a secret-looking name in a YAML/JSON-like tree.

    Mapping keys are judged one level at a time (so ``token_type: Bearer`` under ``token`` is not
    taken); list items inherit their parent's verdict; a value like ``Bearer abc`` also yields ``abc``.
    """
    found: set[str] = set()
    if isinstance(node, str):
        value = node.strip()
        if secret and value:
            found.add(value)
            scheme, space, rest = value.partition(" ")
            if space and rest.strip():
                found.add(rest.strip())
    elif isinstance(node, Mapping):
        for key, value in node.items():
            found |= secret_strings(value, secret=is_secret_name(str(key)))
    elif isinstance(node, list | tuple):
        for item in node:
            found |= secret_strings(item, secret=secret)
    return found


SecretSource = Callable[[], SecretSet]

_lock = threading.Lock()
_sources: dict[int, SecretSource] = {}
_snapshot: tuple[SecretSource, ...] = ()


def register_secrets(owner: object, source: SecretSource) -> None:
    """Make ``source()`` part of what ``redact_known`` replaces, until ``unregister_secrets(owner)``.

    ``source`` is called on every redaction; it should return a cached set while nothing changed.
    """
    global _snapshot
    with _lock:
        _sources[id(owner)] = source
        _snapshot = tuple(_sources.values())


def unregister_secrets(owner: object) -> None:
    global _snapshot
    with _lock:
        _sources.pop(id(owner), None)
        _snapshot = tuple(_sources.values())


def redact_known(text: str) -> str:
    """``text`` with every registered secret masked."""
    for source in _snapshot:
        text = source().redact(text)
    return text
