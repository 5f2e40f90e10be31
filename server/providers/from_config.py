"""Credentials synthesised from the API-key sections of config.yaml (providers.md §1.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace

from server.config.schema import (
    ClaudeKey,
    CodexKey,
    Config,
    GeminiKey,
    ModelAlias,
    OpenAICompatibility,
    VertexKey,
)
from server.credential import Credential, ModelMapping

__all__ = ["credential_id", "credentials_from_config"]


def credential_id(kind: str, *parts: str) -> str:
    """``<kind>:<first 12 hex of SHA-256 over kind and parts joined by NUL>``."""
    digest = hashlib.sha256("\x00".join((kind, *parts)).encode()).hexdigest()
    return f"{kind}:{digest[:12]}"


def credentials_from_config(cfg: Config) -> list[Credential]:
    """One credential per usable key entry of every API-key provider section, in config order.

    Sanitation follows v6.6.0: blank keys are skipped, repeated Gemini keys are dropped, Codex
    and OpenAI-compatible entries without ``base-url`` are dropped. Ids that collide get
    ``-1``, ``-2`` ... suffixes.
    """
    out: list[Credential] = []
    seen_gemini: set[str] = set()
    for g in cfg.gemini_api_key:
        key = g.api_key.strip()
        if not key or key in seen_gemini:
            continue
        seen_gemini.add(key)
        base = g.base_url.strip()
        out.append(_keyed("gemini", "gemini:apikey", key, (key, base), g, base))
    for c in cfg.claude_api_key:
        key = c.api_key.strip()
        if key:
            base = c.base_url.strip()
            out.append(_keyed("claude", "claude:apikey", key, (key, base), c, base))
    for x in cfg.codex_api_key:
        key, base = x.api_key.strip(), x.base_url.strip()
        if key and base:
            out.append(_keyed("codex", "codex:apikey", key, (key, base), x, base))
    for v in cfg.vertex_api_key:
        key = v.api_key.strip()
        if key:
            base, proxy = v.base_url.strip(), v.proxy_url.strip()
            out.append(_keyed("vertex", f"vertex:apikey:{base}", key, (key, base, proxy), v, base))
    for compat in cfg.openai_compatibility:
        out.extend(_compat_credentials(compat))
    return _deduplicated(out)


_KeyEntry = GeminiKey | ClaudeKey | CodexKey | VertexKey


def _keyed(
    provider: str, kind: str, key: str, parts: tuple[str, ...], entry: _KeyEntry, base: str
) -> Credential:
    return Credential(
        id=credential_id(kind, *parts),
        provider=provider,
        provider_type=provider,
        label=f"{provider} key {_tail(key)}",
        api_key=key,
        base_url=base,
        proxy_url=entry.proxy_url.strip(),
        headers=_headers(entry.headers),
        prefix=_prefix(entry.prefix),
        priority=entry.priority,
        models=_mappings(entry.models),
        excluded_models=_excluded(entry.excluded_models),
    )


def _compat_credentials(compat: OpenAICompatibility) -> list[Credential]:
    name, base = compat.name.strip(), compat.base_url.strip()
    if not base:
        return []
    provider = name.lower() or "openai-compatibility"
    display = name or provider
    kind = f"openai-compatibility:{display}"
    keyed = [(e.api_key.strip(), e.proxy_url.strip()) for e in compat.api_key_entries]
    keyed = [(k, p) for k, p in keyed if k] or [("", "")]

    def one(key: str, proxy: str) -> Credential:
        return Credential(
            id=credential_id(kind, key, base, proxy) if key else credential_id(kind, base),
            provider=provider,
            provider_type="openai-compat",
            label=f"{display} key {_tail(key)}" if key else display,
            api_key=key,
            base_url=base,
            proxy_url=proxy,
            headers=_headers(compat.headers),
            prefix=_prefix(compat.prefix),
            priority=compat.priority,
            models=_mappings(compat.models),
            excluded_models=_excluded(compat.excluded_models),
            metadata={"compat_name": display},
        )

    return [one(key, proxy) for key, proxy in keyed]


def _tail(key: str) -> str:
    """The last four characters only (never more of a secret); short keys show nothing."""
    return f"…{key[-4:]}" if len(key) >= 8 else "…"


def _headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    pairs = ((str(k).strip(), str(v).strip()) for k, v in headers.items())
    return tuple((k, v) for k, v in pairs if k and v)


def _prefix(prefix: str) -> str:
    cleaned = prefix.strip().strip("/").strip()
    return "" if "/" in cleaned else cleaned


def _mappings(models: Sequence[ModelAlias]) -> tuple[ModelMapping, ...]:
    pairs = ((m.name.strip(), m.alias.strip()) for m in models)
    return tuple(ModelMapping(name=n, alias=a) for n, a in pairs if n)


def _excluded(patterns: Sequence[str]) -> tuple[str, ...]:
    cleaned = (p.strip().lower() for p in patterns)
    return tuple(dict.fromkeys(p for p in cleaned if p))


def _deduplicated(creds: list[Credential]) -> list[Credential]:
    counts: dict[str, int] = {}
    out: list[Credential] = []
    for cred in creds:
        n = counts.get(cred.id, 0)
        counts[cred.id] = n + 1
        out.append(cred if n == 0 else replace(cred, id=f"{cred.id}-{n}"))
    return out
