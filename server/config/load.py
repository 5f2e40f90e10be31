"""Reading config.yaml into a Config: schema-driven conversion, legacy migration and normalisation."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin, get_type_hints

import yaml

from server.config.schema import (
    ClaudeKey,
    CodexKey,
    Config,
    GeminiKey,
    OAuthModelAlias,
    OpenAICompatibility,
    PayloadRule,
    VertexKey,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["DEFAULT_PORT", "LEGACY_KEYS", "ConfigError", "config_to_dict", "load_config", "parse_config"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R", bound="DataclassInstance")
_Entry = TypeVar("_Entry", GeminiKey, ClaudeKey, CodexKey, VertexKey, OpenAICompatibility)

DEFAULT_PORT = 8317
_LEGACY_AMP = {
    "amp-upstream-url": "upstream-url",
    "amp-upstream-api-key": "upstream-api-key",
    "amp-restrict-management-to-localhost": "restrict-management-to-localhost",
    "amp-model-mappings": "model-mappings",
}
#: Keys that loading migrates away; saving drops them from the file (per schema class).
LEGACY_KEYS: Mapping[type, frozenset[str]] = {
    Config: frozenset({"generative-language-api-key", "auth", "oauth-model-mappings", *_LEGACY_AMP}),
    OpenAICompatibility: frozenset({"api-keys"}),
}
_STRATEGIES = {
    **dict.fromkeys(("", "round-robin", "roundrobin", "rr"), "round-robin"),
    **dict.fromkeys(("fill-first", "fillfirst", "ff"), "fill-first"),
}
_SECRET_KEY = re.compile(r"key|secret|token|password|authori", re.IGNORECASE)
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_EXPECTED = {str: "a string", int: "an integer", bool: "true or false"}


class ConfigError(Exception):
    """A config that cannot be used; the message names the file, the key path and the bad value."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")
        self.source = source
        self.where = where
        self.problem = problem


@cache
def _fields(cls: type) -> tuple[tuple[str, str, object], ...]:
    """(attribute, YAML key, type) of a schema class's fields; ``Config.extra`` has no key and is skipped."""
    hints = get_type_hints(cls)
    return tuple(
        (f.name, f.metadata["key"], hints[f.name]) for f in dataclasses.fields(cls) if f.metadata.get("key")
    )


def _show(value: object, where: str) -> str:
    """Describe a bad value for a message; scalars under secret-looking keys are masked."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    last = re.sub(r"\[\d+\]$", "", where.rsplit(".", 1)[-1])
    if _SECRET_KEY.search(last):
        return "'***'"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...") if isinstance(value, str) else text


def _bad(where: str, expected: str, value: object) -> ConfigError:
    """An error without its source yet; parse_config re-raises it with the file name."""
    return ConfigError("", where, f"expected {expected}, got {_show(value, where)}")


def _scalar(value: object, tp: type, where: str) -> object:
    """A str / int / bool from a YAML scalar; null gives the empty value, bool is never an int."""
    if value is None:
        return tp()
    if tp is str and not isinstance(value, Mapping | list):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if tp is int and not isinstance(value, bool):
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
    if tp is bool and isinstance(value, bool | str):
        flag = _BOOLEANS.get(str(value).strip().lower()) if isinstance(value, str) else value
        if flag is not None:
            return flag
    raise _bad(where, _EXPECTED[tp], value)


def _convert(value: object, tp: object, where: str) -> object:
    """Convert one YAML value to the schema type ``tp``; null becomes the type's empty value."""
    if tp is Any:
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _record(tp, {} if value is None else value, where)
    if tp in _EXPECTED:
        return _scalar(value, tp, where)
    origin, args = get_origin(tp), get_args(tp)
    if origin is tuple:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _bad(where, "a list", value)
        return tuple(_convert(item, args[0], f"{where}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise _bad(where, "a mapping", value)
        out: dict[str, object] = {}
        for key, item in value.items():
            name = str(_scalar(key, str, where))
            out[name] = _convert(item, args[1], f"{where}.{name}")
        return out
    raise TypeError(f"schema type {tp!r} at {where!r} is not supported by the loader")


def _record(cls: type[_T], value: object, where: str) -> _T:
    """Build a schema dataclass from a mapping; absent or null keys keep their defaults."""
    if not isinstance(value, Mapping):
        raise _bad(where, "a mapping", value)
    kwargs: dict[str, object] = {}
    schema: type = cls
    for name, key, tp in _fields(schema):
        raw = value.get(key)
        if raw is not None:
            kwargs[name] = _convert(raw, tp, f"{where}.{key}" if where else key)
    build: Callable[..., _T] = cls
    return build(**kwargs)


def _texts(value: object) -> list[str]:
    """Non-blank trimmed strings from a scalar or a list of scalars (legacy key lists)."""
    items = value if isinstance(value, list) else [value]
    out = [str(v).strip() for v in items if v is not None and not isinstance(v, Mapping | list)]
    return [v for v in out if v]


def _migrate(data: Mapping[Any, Any]) -> dict[Any, Any]:
    """Move legacy keys into their current places (a shallow copy; the input is not changed)."""
    out = dict(data)
    legacy_gemini = _texts(out.pop("generative-language-api-key", None))
    current = out.get("gemini-api-key")
    if legacy_gemini and isinstance(current, list | type(None)):  # duplicates go in normalisation
        out["gemini-api-key"] = list(current or []) + [{"api-key": key} for key in legacy_gemini]
    compat = out.get("openai-compatibility")
    if isinstance(compat, list):
        out["openai-compatibility"] = [_migrate_compat(item) for item in compat]
    if any(key in out for key in _LEGACY_AMP):
        amp = out.get("ampcode")
        amp = dict(amp) if isinstance(amp, Mapping) else {} if amp is None else amp
        for old, new in _LEGACY_AMP.items():
            value = out.pop(old, None)
            if isinstance(amp, dict) and value is not None and amp.get(new) in (None, "", []):
                amp[new] = value
        out["ampcode"] = amp
    auth = out.pop("auth", None)
    if isinstance(auth, Mapping) and not out.get("api-keys"):
        providers = auth.get("providers")
        keys = [
            key
            for p in (providers if isinstance(providers, list) else [])
            if isinstance(p, Mapping) and str(p.get("type", "")).strip() == "config-api-key"
            for key in _texts(p.get("api-keys"))
        ]
        if keys:
            out["api-keys"] = list(dict.fromkeys(keys))
    mappings = out.pop("oauth-model-mappings", None)
    if mappings is not None and not out.get("oauth-model-alias"):
        out["oauth-model-alias"] = mappings
    return out


def _migrate_compat(item: object) -> object:
    if not isinstance(item, Mapping) or "api-keys" not in item:
        return item
    out = dict(item)
    keys = _texts(out.pop("api-keys"))
    entries = out.get("api-key-entries")
    if isinstance(entries, list | type(None)):
        have = {str(e.get("api-key", "")).strip() for e in entries or [] if isinstance(e, Mapping)}
        out["api-key-entries"] = list(entries or []) + [{"api-key": k} for k in keys if k not in have]
    return out


def _unique(items: Iterable[_T], key: Callable[[_T], object]) -> tuple[_T, ...]:
    """Drop later items whose key was already seen (first occurrence order kept)."""
    first: dict[object, _T] = {}
    for item in items:
        first.setdefault(key(item), item)
    return tuple(first.values())


def _patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """Model exclusion patterns: trimmed, lower-cased, de-duplicated, blanks dropped."""
    return tuple(dict.fromkeys(p.strip().lower() for p in patterns if p.strip()))


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    cleaned = ((k.strip(), v.strip()) for k, v in headers.items())
    return {k: v for k, v in cleaned if k and v}


def _prefix(prefix: str) -> str:
    """Trim spaces and slashes; a prefix that still contains '/' is discarded."""
    value = prefix.strip().strip("/").strip()
    return "" if "/" in value else value


def _trimmed(record: _R) -> _R:
    """The record with every string field stripped of surrounding whitespace."""
    changes = {name: getattr(record, name).strip() for name, _, tp in _fields(type(record)) if tp is str}
    return dataclasses.replace(record, **changes)


def _entry(entry: _Entry) -> _Entry:
    """Trim and clean the fields every provider entry has (server.md §1.1)."""
    entry = _trimmed(entry)
    models = tuple(map(_trimmed, entry.models))
    changes: dict[str, Any] = {
        "headers": _headers(entry.headers),
        "excluded_models": _patterns(entry.excluded_models),
        "prefix": _prefix(entry.prefix),
        "models": tuple(m for m in models if m.name and m.alias) if isinstance(entry, VertexKey) else models,
    }
    if isinstance(entry, OpenAICompatibility):
        changes["api_key_entries"] = tuple(map(_trimmed, entry.api_key_entries))
    return dataclasses.replace(entry, **changes)


def _oauth_excluded(value: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for provider, patterns in value.items():
        key = provider.strip().lower()
        merged = _patterns(out.get(key, ()) + patterns)
        if key and merged:
            out[key] = merged
    return out


def _oauth_alias(value: Mapping[str, tuple[OAuthModelAlias, ...]]) -> dict[str, tuple[OAuthModelAlias, ...]]:
    out: dict[str, tuple[OAuthModelAlias, ...]] = {}
    for channel, entries in value.items():
        key = channel.strip().lower()
        trimmed = map(_trimmed, out.get(key, ()) + entries)
        kept = _unique((e for e in trimmed if e.name and e.alias), key=lambda e: e.alias.lower())
        if key and kept:
            out[key] = kept
    return out


def _raw_rules(rules: tuple[PayloadRule, ...], where: str) -> tuple[PayloadRule, ...]:
    """Drop *-raw payload rules whose text values are not valid JSON (logged, values not shown)."""
    kept: list[PayloadRule] = []
    for i, rule in enumerate(rules):
        try:
            for value in rule.params.values():
                if isinstance(value, str):
                    json.loads(value)
        except ValueError:
            _log.warning("%s[%d]: rule ignored, a value is not valid JSON text", where, i)
            continue
        kept.append(rule)
    return tuple(kept)


def _normalise(cfg: Config) -> Config:
    """Apply the load-time clean-ups and checks of server.md §1.1 / §1.8."""
    port = cfg.port
    if not 0 <= port <= 65535:
        raise ConfigError("", "port", f"expected a port number from 0 to 65535, got {port}")
    strategy = _STRATEGIES.get(cfg.routing.strategy.strip().lower())
    if strategy is None:
        raise _bad("routing.strategy", "one of round-robin, fill-first", cfg.routing.strategy)
    payload = dataclasses.replace(
        cfg.payload,
        default_raw=_raw_rules(cfg.payload.default_raw, "payload.default-raw"),
        override_raw=_raw_rules(cfg.payload.override_raw, "payload.override-raw"),
    )
    vertex = (e for e in map(_entry, cfg.vertex_api_key) if e.api_key and e.base_url)
    return dataclasses.replace(
        cfg,
        host=cfg.host.strip(),
        port=port,
        auth_dir=cfg.auth_dir.strip() or Config().auth_dir,
        proxy_url=cfg.proxy_url.strip(),
        request_retry=max(cfg.request_retry, 0),
        logs_max_total_size_mb=max(cfg.logs_max_total_size_mb, 0),
        usage_retention_days=max(cfg.usage_retention_days, 0),
        error_logs_max_files=cfg.error_logs_max_files if cfg.error_logs_max_files >= 0 else 10,
        routing=dataclasses.replace(cfg.routing, strategy=strategy),
        gemini_api_key=_unique(
            (e for e in map(_entry, cfg.gemini_api_key) if e.api_key), lambda e: e.api_key
        ),
        claude_api_key=tuple(map(_entry, cfg.claude_api_key)),
        codex_api_key=tuple(e for e in map(_entry, cfg.codex_api_key) if e.base_url),
        vertex_api_key=_unique(vertex, lambda e: (e.api_key, e.base_url)),
        openai_compatibility=tuple(e for e in map(_entry, cfg.openai_compatibility) if e.base_url),
        oauth_excluded_models=_oauth_excluded(cfg.oauth_excluded_models),
        oauth_model_alias=_oauth_alias(cfg.oauth_model_alias),
        payload=payload,
    )


def parse_config(data: Mapping[str, object], *, source: str = "config.yaml") -> Config:
    """Turn a parsed YAML document into a validated, normalised Config.

    Absent or null keys take the schema defaults; an explicit ``port: 0`` asks
    for any free port, as in the original.
    Unknown top-level keys are kept verbatim in ``Config.extra``; unknown nested keys are ignored here
    (``save_config`` keeps them in the file). Legacy keys are migrated. ``auth-dir`` is kept as written
    (``~`` is expanded by ``paths.resolve_auth_dir``) so that saving does not pin a home directory.
    Raises ConfigError naming ``source``, the key path and the bad value (secrets masked).
    """
    try:
        if not isinstance(data, Mapping):
            raise _bad("", "a mapping of settings at the top level", data)
        raw = _migrate(data)
        cfg = _record(Config, raw, "")
        known = {key for _, key, _ in _fields(Config)}
        extra = {str(k): v for k, v in raw.items() if str(k) not in known}
        return _normalise(dataclasses.replace(cfg, extra=extra))
    except ConfigError as exc:
        raise ConfigError(source, exc.where, exc.problem) from None


def _yaml_location(exc: yaml.YAMLError, text: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}"
    position = getattr(exc, "position", None)
    return f"line {text.count(chr(10), 0, position) + 1}" if isinstance(position, int) else ""


def load_config(path: Path) -> Config:
    """Read and parse a UTF-8 YAML config file; an empty file gives all defaults.

    Every failure (unreadable file, bad UTF-8, YAML syntax, wrong types) raises ConfigError whose message
    starts with the file path; YAML syntax errors name the line and column.
    """
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "", f"not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(
            source, "", f"cannot read the file ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "cannot be parsed"
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context})" if context else problem
        raise ConfigError(source, _yaml_location(exc, text), f"invalid YAML: {detail}") from None
    return parse_config({} if data is None else data, source=source)


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(getattr(value, name)) for name, key, _ in _fields(type(value))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def config_to_dict(cfg: Config) -> dict[str, object]:
    """The YAML-key form of a Config (every field, tuples as lists), unknown top-level keys last."""
    out: dict[str, object] = {key: _plain(getattr(cfg, name)) for name, key, _ in _fields(Config)}
    for key, value in cfg.extra.items():
        out.setdefault(key, _plain(value))
    return out
