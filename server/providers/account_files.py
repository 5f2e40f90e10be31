"""What the Qwen, iFlow and Vertex account files share: reading fields and the credential of a file."""

from __future__ import annotations

import re

from server.credential import Credential
from server.jsontypes import JSONObject

__all__ = ["file_credential", "text"]

_PREFIX_BAD = re.compile(r"\s")


def text(data: JSONObject, key: str) -> str:
    """``data[key]`` stripped when it is a string, else ``""``."""
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _excluded(data: JSONObject) -> tuple[str, ...]:
    raw = data.get("excluded_models", data.get("excluded-models"))
    if not isinstance(raw, list):
        return ()
    return tuple(dict.fromkeys(m.strip().lower() for m in raw if isinstance(m, str) and m.strip()))


def _prefix(data: JSONObject) -> str:
    prefix = text(data, "prefix").strip("/")
    return "" if "/" in prefix or _PREFIX_BAD.search(prefix) else prefix


def _priority(data: JSONObject) -> int:
    value = data.get("priority")
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return 0


def file_credential(
    name: str, data: JSONObject, *, provider: str, provider_type: str, api_key: str = ""
) -> Credential:
    """The credential of one account file: id = file name, label = ``email`` (else the provider),
    per-file ``base_url``, ``proxy_url``, ``prefix``, ``priority``, ``excluded_models`` and
    ``disabled`` honoured (providers.md §1.1); ``metadata`` is the file's JSON."""
    headers = data.get("headers")
    custom = (
        tuple((k, v) for k, v in headers.items() if isinstance(k, str) and isinstance(v, str) and k.strip())
        if isinstance(headers, dict)
        else ()
    )
    return Credential(
        id=name,
        provider=provider,
        provider_type=provider_type,
        kind="oauth",
        label=text(data, "email") or provider,
        api_key=api_key,
        base_url=text(data, "base_url"),
        proxy_url=text(data, "proxy_url"),
        headers=custom,
        prefix=_prefix(data),
        priority=_priority(data),
        excluded_models=_excluded(data),
        disabled=data.get("disabled") is True,
        metadata=dict(data),
    )
