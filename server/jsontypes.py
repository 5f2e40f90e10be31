"""JSON aliases shared by formats, providers and the pipeline; the lone-surrogate scrub of parsed bodies."""

from __future__ import annotations

import re
from typing import Any, TypeAlias

__all__ = ["JSON", "JSONObject", "without_lone_surrogates"]

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, Any]


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: JSON, raw: bytes) -> JSON:
    """``value`` (parsed from ``raw``) with every unpaired UTF-16 surrogate (``"\\ud800"``) replaced by
    U+FFFD, as Go's decoder does: such a string cannot be encoded as UTF-8 for an upstream, a client or
    a file. Cheap when ``raw`` has no surrogate escape; RecursionError for absurdly deep values."""
    if not _SURROGATE_ESCAPE.search(raw):
        return value
    return _scrub(value)


def _scrub(value: JSON) -> JSON:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value
