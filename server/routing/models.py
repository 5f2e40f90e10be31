"""Model registry: the client-visible model ids each credential serves and the name sent upstream.

A credential's models arrive by client-visible id (``models: [{name, alias}]`` already applied by its
provider module). Registration then applies, in this order: exclusions (API keys: the credential's
own ``excluded-models``; OAuth accounts: ``oauth-excluded-models[<provider>]`` plus any per-file
patterns), ``oauth-model-alias`` (OAuth accounts only, with fork semantics), and the credential's
prefix (``<prefix>/<model>``, bare ids hidden under ``force-model-prefix``). Disabled credentials
register nothing. Lookups are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server.config.schema import Config, OAuthModelAlias
from server.credential import Credential
from server.modelinfo import ModelInfo
from server.routing.patterns import excluded

__all__ = [
    "OPENAI_COMPAT",
    "ModelRegistry",
    "RegistrySettings",
    "Route",
    "credential_routes",
    "normalize_prefix",
    "oauth_alias_table",
]

OPENAI_COMPAT = "openai-compat"
"""``provider_type`` of openai-compatibility credentials (the only ones ``provider://model`` pins)."""


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """The config keys registration depends on; provider keys are lower-cased."""

    force_model_prefix: bool = False
    oauth_excluded_models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    oauth_model_alias: Mapping[str, tuple[OAuthModelAlias, ...]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> RegistrySettings:
        return cls(
            force_model_prefix=config.force_model_prefix,
            oauth_excluded_models={
                provider.strip().lower(): tuple(patterns)
                for provider, patterns in config.oauth_excluded_models.items()
            },
            oauth_model_alias={
                provider.strip().lower(): tuple(entries)
                for provider, entries in config.oauth_model_alias.items()
            },
        )


@dataclass(frozen=True, slots=True)
class Route:
    """One credential serving one client-visible model id (``info.id``)."""

    credential: Credential
    info: ModelInfo
    upstream_model: str
    prefixed: bool = False
    """True for the ``<prefix>/<model>`` id of a prefixed credential."""

    @property
    def model_key(self) -> str:
        """Cooldown bookkeeping key: the upstream model, lower-cased."""
        return self.upstream_model.lower()


def normalize_prefix(value: str) -> str:
    """Trim spaces and slashes; a prefix that still contains ``/`` is discarded (empty)."""
    cleaned = value.strip().strip("/").strip()
    return "" if "/" in cleaned else cleaned


def oauth_alias_table(entries: Sequence[OAuthModelAlias]) -> dict[str, list[tuple[str, bool]]]:
    """Upstream name (lower-cased) → its ``(alias, fork)`` pairs, in config order.

    Entries without a name or alias, or whose alias equals the name, are ignored; an alias used
    twice keeps its first occurrence (aliases are unique per channel, case-insensitively).
    """
    seen: set[str] = set()
    table: dict[str, list[tuple[str, bool]]] = {}
    for entry in entries:
        name, alias = entry.name.strip(), entry.alias.strip()
        if not name or not alias or name.lower() == alias.lower() or alias.lower() in seen:
            continue
        seen.add(alias.lower())
        table.setdefault(name.lower(), []).append((alias, entry.fork))
    return table


def _exclusion_patterns(credential: Credential, settings: RegistrySettings) -> tuple[str, ...]:
    if credential.kind == "oauth":
        shared = settings.oauth_excluded_models.get(credential.provider.lower(), ())
        return (*shared, *credential.excluded_models)
    return credential.excluded_models


def _apply_oauth_alias(
    models: list[tuple[ModelInfo, str]], entries: Sequence[OAuthModelAlias]
) -> list[tuple[ModelInfo, str]]:
    table = oauth_alias_table(entries)
    if not table:
        return models
    out: list[tuple[ModelInfo, str]] = []
    for info, upstream in models:
        aliases = table.get(info.id.lower())
        if not aliases:
            out.append((info, upstream))
            continue
        if any(fork for _, fork in aliases):
            out.append((info, upstream))
        out.extend((info.renamed(alias), upstream) for alias, _ in aliases)
    return out


def credential_routes(
    credential: Credential,
    models: Sequence[ModelInfo],
    upstream_names: Mapping[str, str],
    settings: RegistrySettings,
) -> list[Route]:
    """Every route ``credential`` registers, one per client-visible id (first occurrence wins)."""
    if credential.disabled:
        return []
    patterns = _exclusion_patterns(credential, settings)
    served = [
        (info, upstream_names.get(info.id.lower(), info.id))
        for info in models
        if info.id and not excluded(info.id, patterns)
    ]
    if credential.kind == "oauth":
        served = _apply_oauth_alias(served, settings.oauth_model_alias.get(credential.provider.lower(), ()))
    prefix = normalize_prefix(credential.prefix)
    routes: list[Route] = []
    for info, upstream in served:
        if prefix:
            routes.append(Route(credential, info.renamed(f"{prefix}/{info.id}"), upstream, prefixed=True))
        if not prefix or not settings.force_model_prefix or prefix.lower() == info.id.lower():
            routes.append(Route(credential, info, upstream))
    seen: set[str] = set()
    unique: list[Route] = []
    for route in routes:
        key = route.info.id.lower()
        if key not in seen:
            seen.add(key)
            unique.append(route)
    return unique


class ModelRegistry:
    """Routes by lower-cased client-visible model id, in registration order."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._routes: dict[str, list[Route]] = {}
        self._compat_providers: set[str] = set()
        for route in routes:
            self._routes.setdefault(route.info.id.lower(), []).append(route)
            if route.credential.provider_type == OPENAI_COMPAT:
                self._compat_providers.add(route.credential.provider.lower())

    def routes(self, model: str) -> tuple[Route, ...]:
        """Every route registered under ``model`` (case-insensitive)."""
        return tuple(self._routes.get(model.lower(), ()))

    def keys(self) -> list[str]:
        """Every registered id, lower-cased."""
        return list(self._routes)

    def is_compat_provider(self, provider: str) -> bool:
        """True when ``provider`` names an openai-compatibility provider with registered models."""
        return provider.lower() in self._compat_providers

    def newest_first(self) -> list[tuple[str, tuple[Route, ...]]]:
        """Unprefixed ids with their unprefixed routes, newest (largest ``created``) first, then by id."""
        found: list[tuple[int, str, tuple[Route, ...]]] = []
        for key, routes in self._routes.items():
            plain = tuple(route for route in routes if not route.prefixed)
            if plain:
                found.append((max(route.info.created for route in plain), key, plain))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [(key, routes) for _, key, routes in found]
