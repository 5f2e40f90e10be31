"""Provider key lists (``claude-api-key`` … ``openai-compatibility``) as ``ProviderKey`` values and back,
with the checks a person needs before saving. Fields the app does not edit are kept as they were.
No Qt here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from gui.models import ProviderKey
from gui.wire import obj, text, whole

__all__ = ["KEY_KINDS", "entry_of", "headers_text", "key_from", "key_problem", "parse_headers"]

KEY_KINDS: Final = (
    ("claude-api-key", "Claude (Anthropic API)"),
    ("codex-api-key", "OpenAI / Codex API"),
    ("gemini-api-key", "Gemini (Google AI Studio)"),
    ("vertex-api-key", "Vertex AI"),
    ("openai-compatibility", "OpenAI-compatible service"),
)
"""(list key, what to call it) of every provider key list."""
_COMPAT: Final = "openai-compatibility"
_NEEDS_URL: Final = frozenset({"codex-api-key", "vertex-api-key", _COMPAT})
_EDITED: Final = frozenset({"api-key", "base-url", "proxy-url", "prefix", "headers", "name", "priority"})
_SCHEMES: Final = ("http://", "https://", "socks5://", "socks5h://")


def key_from(kind: str, entry: Mapping[str, object]) -> ProviderKey:
    """One list entry as a value (for an OpenAI-compatible service: its first key entry)."""
    extra = {k: v for k, v in entry.items() if k not in _EDITED}
    api_key, proxy_url = text(entry.get("api-key")), text(entry.get("proxy-url"))
    if kind == _COMPAT:
        keys = entry.get("api-key-entries")
        listed = [obj(e) for e in keys] if isinstance(keys, list) else []
        first = listed[0] if listed else {}
        api_key, proxy_url = text(first.get("api-key")), text(first.get("proxy-url"))
        extra["api-key-entries"] = listed[1:]
    headers = obj(entry.get("headers"))
    return ProviderKey(
        kind=kind,
        api_key=api_key,
        base_url=text(entry.get("base-url")),
        proxy_url=proxy_url,
        prefix=text(entry.get("prefix")),
        headers=tuple((k, text(v)) for k, v in headers.items()),
        name=text(entry.get("name")),
        priority=whole(entry.get("priority")),
        extra=tuple((k, json.dumps(v)) for k, v in sorted(extra.items())),
    )


def entry_of(key: ProviderKey) -> dict[str, object]:
    """The list entry to store (kept fields first, then the edited ones; empty ones left out)."""
    entry: dict[str, object] = {k: json.loads(v) for k, v in key.extra}
    if key.kind == _COMPAT:
        entry["name"] = key.name
        rest = entry.get("api-key-entries")
        first: dict[str, object] = {"api-key": key.api_key} if key.api_key else {}
        if key.api_key and key.proxy_url:
            first["proxy-url"] = key.proxy_url
        entry["api-key-entries"] = ([first] if first else []) + (rest if isinstance(rest, list) else [])
    else:
        entry["api-key"] = key.api_key
        if key.proxy_url:
            entry["proxy-url"] = key.proxy_url
    for field, value in (("base-url", key.base_url), ("prefix", key.prefix)):
        if value:
            entry[field] = value
    if key.headers:
        entry["headers"] = dict(key.headers)
    if key.priority:
        entry["priority"] = key.priority
    return entry


def parse_headers(typed: str) -> tuple[tuple[str, str], ...] | str:
    """``Name: value`` lines as pairs, or what is wrong with a line."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(typed.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip():
            return f"Line {number}: write each header as Name: value"
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def headers_text(headers: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers)


def key_problem(key: ProviderKey, others: list[ProviderKey]) -> str:
    """ "" when ``key`` can be saved next to ``others`` (the rest of its list), else why not (English)."""
    if key.kind == _COMPAT and not key.name.strip():
        return "Give the service a name (it is also how clients can pick it, e.g. openrouter)."
    if key.kind != _COMPAT and not key.api_key.strip():
        return "Paste the API key."
    if key.kind in _NEEDS_URL and not key.base_url.strip():
        return "This provider needs a base URL, like https://openrouter.ai/api/v1"
    if key.base_url and not key.base_url.startswith(("http://", "https://")):
        return "The base URL starts with http:// or https://"
    if key.proxy_url and not key.proxy_url.lower().startswith(_SCHEMES):
        return "The proxy address must start with http://, https:// or socks5://"
    if key.kind == _COMPAT and any(o.name.strip().lower() == key.name.strip().lower() for o in others):
        return "Another service already has this name."
    return ""
