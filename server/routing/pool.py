"""Credential pool: picks the credential for each attempt of a request and keeps its cooldowns.

One request calls :meth:`CredentialPool.pick` repeatedly with a growing ``tried`` set (credential
ids); the picks walk every credential of every provider serving the model. A pick with an empty
``tried`` set starts a new request and rotates the model's starting provider. Concurrent requests
share that rotation, so under load the order of a request's later failover picks may shift, but it
still reaches every credential. Everything runs on the server's single asyncio loop: no locks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from server.config.schema import Config
from server.credential import Credential
from server.errors import ModelCooldown, ModelNotFound, NoCredential
from server.modelinfo import ModelInfo
from server.routing.cooldown import CooldownTracker, ModelStatus
from server.routing.models import (
    OPENAI_COMPAT,
    ModelRegistry,
    RegistrySettings,
    Route,
    credential_routes,
)
from server.routing.strategy import Cursors, choose_index, order_providers, parse_strategy, rotate

__all__ = ["AUTO_MODEL", "Candidate", "CredentialPool", "CredentialState", "PoolEntry"]

AUTO_MODEL = "auto"
"""Pseudo model: the newest model (largest ``created``) that has an available credential."""


@dataclass(frozen=True, slots=True)
class PoolEntry:
    """One credential with the models its provider says it serves (by client-visible id).

    ``upstream_names`` maps a lower-cased client id to the upstream model name; ids missing from it
    go upstream unchanged.
    """

    credential: Credential
    models: Sequence[ModelInfo]
    upstream_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    """The credential to try next and the model name to send upstream with it."""

    credential: Credential
    upstream_model: str
    """Name to send upstream (alias, prefix and oauth-model-alias resolved)."""
    model_key: str
    """Key used for cooldown bookkeeping: the upstream model, lower-cased."""
    model: str = ""
    """The client-visible id the pick resolved to (``auto`` and ``provider://`` resolved)."""
    info: ModelInfo | None = None
    """What the registry knows of the model (limits, thinking range) for translation."""


@dataclass(frozen=True, slots=True)
class CredentialState:
    """One credential as the management API shows it: identity plus per model cooldown state."""

    id: str
    provider: str
    label: str
    disabled: bool
    models: tuple[ModelStatus, ...]

    @property
    def cooling(self) -> bool:
        """True when at least one model is cooling on this credential."""
        return any(status.cooling_until is not None for status in self.models)


class CredentialPool:
    """Model registry, selection strategy and cooldowns behind one small API for the pipeline."""

    def __init__(self, config: Config) -> None:
        self._entries: tuple[PoolEntry, ...] = ()
        self._registry = ModelRegistry()
        self._tracker = CooldownTracker()
        self._credential_cursors = Cursors()
        self._provider_cursors = Cursors()
        self._provider_start: dict[str, int] = {}
        self._plans: dict[str, _Plan] = {}
        self.on_event: Callable[[str, dict[str, object]], None] | None = None
        """Told about state changes (``credentials.changed``, ``cooldown.started``/``ended``)."""
        self._apply_config(config)

    # -- configuration -------------------------------------------------------------------------

    def update_config(self, config: Config) -> None:
        """Apply strategy, force-model-prefix, oauth aliases/exclusions and disable-cooling (hot)."""
        self._apply_config(config)
        self._rebuild()

    def set_entries(self, entries: Sequence[PoolEntry]) -> None:
        """Replace every credential; cooldowns of credential ids that survive are kept."""
        self._entries = tuple(entries)
        self._tracker.retain({entry.credential.id for entry in self._entries})
        self._rebuild()
        self._notify("credentials.changed", {"count": len(self._entries)})

    def _apply_config(self, config: Config) -> None:
        self._strategy = parse_strategy(config.routing.strategy)
        self._disable_cooling = config.disable_cooling
        self._settings = RegistrySettings.from_config(config)

    def _rebuild(self) -> None:
        settings = self._settings
        self._plans = {}
        self._registry = ModelRegistry(
            route
            for entry in self._entries
            for route in credential_routes(entry.credential, entry.models, entry.upstream_names, settings)
        )

    # -- lookups -------------------------------------------------------------------------------

    def list_models(self, now: float) -> list[ModelInfo]:
        """Listable ids after exclusions, aliases and prefixes, sorted by id, one per id.

        Quota-cooled models stay listed; a model disappears when every credential serving it is
        disabled or suspended for a 401/402/403/404 reason.
        """
        listed: list[ModelInfo] = []
        for key in self._registry.keys():
            routes = self._registry.routes(key)
            if any(not self._tracker.suspended(r.credential.id, r.model_key, now) for r in routes):
                listed.append(routes[-1].info)
        return sorted(listed, key=lambda info: info.id)

    def serves(self, model: str) -> bool:
        """True when some enabled credential serves ``model`` (``auto`` and ``provider://m`` too)."""
        if self._is_auto(model):
            return bool(self._registry.newest_first())
        return bool(self._lookup(model)[1])

    def earliest_recovery(self, model: str, now: float) -> float | None:
        """Seconds until the first timed cooldown among ``model``'s credentials ends (None: none)."""
        try:
            _, routes = self._resolve(model, now)
        except ModelNotFound:
            return None
        ends = [
            until
            for route in routes
            if (until := self._tracker.blocked_until(route.credential.id, route.model_key, now)) is not None
        ]
        return min(ends) - now if ends else None

    # -- selection -----------------------------------------------------------------------------

    def pick(self, model: str, tried: AbstractSet[str], now: float) -> Candidate:
        """The next credential to try for ``model``, skipping ``tried`` ids and blocked credentials.

        Raises ModelNotFound when no credential serves the model, ModelCooldown when every untried
        candidate is blocked by a quota (429) cooldown, NoCredential otherwise.
        """
        plan = self._plan_for(model, now)
        name = plan.name
        order = self._provider_order(name, plan, tried)
        quota_ends: list[tuple[float, str]] = []
        blocked_otherwise = False
        for provider in order:
            if not tried and not self._tracker.has_state(plan.model_keys[provider]):
                # nothing tried, nothing recorded for these models: every route is available
                return self._choose(provider, name, plan.eligible[provider])
            available: list[Route] = []
            for route in plan.by_provider[provider]:
                if route.credential.id in tried:
                    continue
                until = self._tracker.blocked_until(route.credential.id, route.model_key, now)
                if until is None:
                    available.append(route)
                elif self._tracker.quota_blocked(route.credential.id, route.model_key, now):
                    quota_ends.append((until, provider))
                else:
                    blocked_otherwise = True
            if available:
                return self._choose(provider, name, _eligible(available))
        if quota_ends and not blocked_otherwise:
            until, provider = min(quota_ends)
            raise ModelCooldown(name, provider, until - now)
        raise NoCredential(f"no auth available for model {name}")

    def _provider_order(self, name: str, plan: _Plan, tried: AbstractSet[str]) -> list[str]:
        key = name.lower()
        if not tried:
            self._provider_start[key] = self._provider_cursors.advance(key)
        order = rotate(plan.providers, self._provider_start.get(key, 0))
        if not tried:
            return order
        # A request that already tried some of a provider's credentials finishes that provider first.
        in_progress = {
            provider
            for provider, routes in plan.by_provider.items()
            if any(route.credential.id in tried for route in routes)
        }
        return sorted(order, key=lambda provider: provider not in in_progress)

    def _choose(self, provider: str, name: str, eligible: Sequence[Route]) -> Candidate:
        cursor_key = f"{provider}:{name.lower()}"
        route = eligible[choose_index(self._strategy, self._credential_cursors, cursor_key, len(eligible))]
        return Candidate(route.credential, route.upstream_model, route.model_key, route.info.id, route.info)

    # -- results -------------------------------------------------------------------------------

    def record_success(self, candidate: Candidate) -> None:
        """Clear the model's cooldown, quota flag and 429 ladder on that credential."""
        if self._tracker.record_success(candidate.credential.id, candidate.model_key):
            self._notify(
                "cooldown.ended",
                {"credential": candidate.credential.id, "model": candidate.model_key, "reason": "success"},
            )

    def record_failure(
        self, candidate: Candidate, status: int | None, retry_after: float | None, now: float
    ) -> float:
        """Cool the model down on that credential; returns the cooldown in seconds (0 = none)."""
        seconds = self._tracker.record_failure(
            candidate.credential.id,
            candidate.model_key,
            status,
            retry_after,
            now,
            disable_cooling=self._disable_cooling,
        )
        if seconds > 0:
            self._notify(
                "cooldown.started",
                {
                    "credential": candidate.credential.id,
                    "model": candidate.model_key,
                    "seconds": seconds,
                    "status": status,
                },
            )
        return seconds

    def reset_cooldown(self, credential_id: str, model: str | None = None) -> int:
        """Forget the cooldowns of one credential (for one model key, or all); returns how many."""
        cleared = self._tracker.reset(credential_id, model.lower() if model else None)
        if cleared:
            self._notify("cooldown.ended", {"credential": credential_id, "model": model, "reason": "reset"})
        return cleared

    def candidate_for(self, credential_id: str, model: str) -> Candidate | None:
        """The candidate of one given credential for ``model`` (None when it does not serve it)."""
        for route in self._lookup(model)[1]:
            if route.credential.id == credential_id:
                info = route.info
                return Candidate(route.credential, route.upstream_model, route.model_key, info.id, info)
        return None

    def _notify(self, kind: str, data: dict[str, object]) -> None:
        if self.on_event is not None:
            self.on_event(kind, data)

    def snapshot(self, now: float) -> list[CredentialState]:
        """Every credential (disabled ones included) with its per model state, sorted by id."""
        statuses = self._tracker.statuses_by_credential(now)
        states = [
            CredentialState(
                id=entry.credential.id,
                provider=entry.credential.provider,
                label=entry.credential.label or entry.credential.provider,
                disabled=entry.credential.disabled,
                models=tuple(statuses.get(entry.credential.id, ())),
            )
            for entry in self._entries
        ]
        return sorted(states, key=lambda state: state.id)

    # -- model resolution ----------------------------------------------------------------------

    def _is_auto(self, model: str) -> bool:
        return model.lower() == AUTO_MODEL and not self._registry.routes(model)

    def _usable(self, route: Route, now: float) -> bool:
        return self._tracker.blocked_until(route.credential.id, route.model_key, now) is None

    def _lookup(self, model: str) -> tuple[str, tuple[Route, ...]]:
        """Plain or ``provider://model`` lookup: the client-visible name and its routes."""
        provider, sep, rest = model.partition("://")
        if sep and self._registry.is_compat_provider(provider):
            pinned = provider.lower()
            routes = tuple(
                route
                for route in self._registry.routes(rest)
                if route.credential.provider_type == OPENAI_COMPAT and route.credential.provider == pinned
            )
            return rest, routes
        return model, self._registry.routes(model)

    def _plan_for(self, model: str, now: float) -> _Plan:
        """``model``'s routes grouped for picking; cached per name until the pool changes (not ``auto``,
        whose resolution depends on cooldowns)."""
        if self._is_auto(model):
            return _Plan.build(*self._resolve(model, now))
        plan = self._plans.get(model)
        if plan is None:
            name, routes = self._resolve(model, now)
            if len(self._plans) >= _PLAN_CACHE:
                self._plans.clear()
            plan = self._plans[model] = _Plan.build(name, routes)
        return plan

    def _resolve(self, model: str, now: float) -> tuple[str, tuple[Route, ...]]:
        if self._is_auto(model):
            newest = self._registry.newest_first()
            if not newest:
                raise ModelNotFound(model)
            for _, routes in newest:
                if any(self._usable(route, now) for route in routes):
                    return routes[0].info.id, routes
            routes = newest[0][1]
            return routes[0].info.id, routes
        name, routes = self._lookup(model)
        if not routes:
            raise ModelNotFound(model)
        return name, routes


_PLAN_CACHE = 1024
"""Model names whose picking plan is kept (a bound against clients inventing names)."""


def _eligible(available: Sequence[Route]) -> tuple[Route, ...]:
    """The routes a strategy chooses among: the highest priority ones, sorted by credential id."""
    top = max(route.credential.priority for route in available)
    return tuple(
        sorted(
            (route for route in available if route.credential.priority == top),
            key=lambda route: route.credential.id,
        )
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """One model's routes prepared for :meth:`CredentialPool.pick`, so that a pick with nothing tried
    and no cooldown state costs the same with 1 or 1 000 credentials."""

    name: str
    by_provider: dict[str, list[Route]]
    providers: list[str]
    """Providers by credential count (most first), then name: the order before rotation."""
    eligible: dict[str, tuple[Route, ...]]
    """Per provider: what ``_eligible`` gives when every route of the provider is available."""
    model_keys: dict[str, frozenset[str]]
    """Per provider: the cooldown keys of its routes."""

    @staticmethod
    def build(name: str, routes: Sequence[Route]) -> _Plan:
        by_provider: dict[str, list[Route]] = {}
        for route in routes:
            by_provider.setdefault(route.credential.provider, []).append(route)
        counts = {provider: len(group) for provider, group in by_provider.items()}
        return _Plan(
            name=name,
            by_provider=by_provider,
            providers=order_providers(counts),
            eligible={provider: _eligible(group) for provider, group in by_provider.items()},
            model_keys={p: frozenset(r.model_key for r in group) for p, group in by_provider.items()},
        )
