"""Per credential and model cooldowns: how long a failed credential is skipped for a model.

Keyed by (credential id, model key), where the model key is the upstream model name lower-cased.
Times are plain floats in whatever clock the caller uses (monotonic or wall); nothing here reads a
clock. Everything runs on the server's single asyncio loop, so there are no locks.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "Cooldown",
    "CooldownTracker",
    "ModelStatus",
    "SUSPENDING_REASONS",
    "decide_cooldown",
]

BACKOFF_BASE = 1.0
"""First step of the hint-less 429 ladder (seconds); each consecutive 429 doubles it."""
BACKOFF_CAP = 30 * 60.0
"""The ladder never goes above 30 minutes."""

_AUTH_COOLDOWN = 30 * 60.0
_NOT_FOUND_COOLDOWN = 12 * 3600.0
_TRANSIENT_COOLDOWN = 60.0
_TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})

SUSPENDING_REASONS = frozenset({"unauthorized", "payment_required", "not_found"})
"""Reasons that hide a model from listings while they last (quota and transient ones do not)."""


@dataclass(frozen=True, slots=True)
class Cooldown:
    """What one failure does: skip for ``seconds``, why, and the 429 ladder level afterwards."""

    seconds: float
    reason: str
    quota: bool
    backoff_level: int


def decide_cooldown(
    status: int | None, retry_after: float | None, backoff_level: int, *, disable_cooling: bool
) -> Cooldown:
    """The cooldown for a failed attempt with upstream ``status`` (None = transport error).

    401 → 30 min; 402/403 → 30 min; 404 → 12 h; 429 → the upstream's retry hint when given, else
    1 s, 2 s, 4 s … doubling per consecutive 429 up to 30 min (``disable_cooling`` turns that
    hint-less backoff into 0); 408/500/502/503/504 → 1 min. A transport error (no status: refused,
    reset, TLS failure, timeout) is not cooled, as in the original (providers.md §12.2): it is the
    network's or the host's fault, not the credential's, and the next request may well get through.
    Any other status (400, 422, …) is not cooled either.
    """
    if status == 401:
        return Cooldown(_AUTH_COOLDOWN, "unauthorized", False, backoff_level)
    if status in (402, 403):
        return Cooldown(_AUTH_COOLDOWN, "payment_required", False, backoff_level)
    if status == 404:
        return Cooldown(_NOT_FOUND_COOLDOWN, "not_found", False, backoff_level)
    if status == 429:
        if retry_after is not None:
            return Cooldown(max(0.0, retry_after), "quota", True, backoff_level)
        if disable_cooling:
            return Cooldown(0.0, "quota", True, backoff_level)
        level = max(0, backoff_level)
        step = BACKOFF_BASE * (2**level)
        if step >= BACKOFF_CAP:
            return Cooldown(BACKOFF_CAP, "quota", True, level)
        return Cooldown(step, "quota", True, level + 1)
    if status is None:
        return Cooldown(0.0, "transport", False, backoff_level)
    if status in _TRANSIENT_STATUSES:
        return Cooldown(_TRANSIENT_COOLDOWN, "unavailable", False, backoff_level)
    return Cooldown(0.0, "", False, backoff_level)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """The recorded state of one model on one credential (for the management API)."""

    model: str
    cooling_until: float | None
    """End of the cooldown in the caller's clock, or None when the model is not cooling."""
    remaining: float
    """Seconds left at snapshot time (0 when not cooling)."""
    last_status: int | None
    quota: bool
    reason: str
    backoff_level: int


@dataclass(slots=True)
class _State:
    until: float = 0.0
    status: int | None = None
    quota: bool = False
    reason: str = ""
    backoff_level: int = 0


class CooldownTracker:
    """Failure state per (credential id, model key); success forgets it entirely."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], _State] = {}
        self._per_model: dict[str, int] = {}
        """How many states each model key has: lets the pool skip per-credential checks when 0."""

    def _forget(self, key: tuple[str, str]) -> bool:
        if self._states.pop(key, None) is None:
            return False
        left = self._per_model[key[1]] - 1
        if left:
            self._per_model[key[1]] = left
        else:
            del self._per_model[key[1]]
        return True

    def has_state(self, model_keys: AbstractSet[str]) -> bool:
        """True when some credential has recorded state (cooling or not) for one of ``model_keys``."""
        per_model = self._per_model
        return bool(per_model) and any(key in per_model for key in model_keys)

    def record_failure(
        self,
        credential_id: str,
        model_key: str,
        status: int | None,
        retry_after: float | None,
        now: float,
        *,
        disable_cooling: bool = False,
    ) -> float:
        """Remember a failed attempt; returns the cooldown applied in seconds (0 = none)."""
        state = self._states.get((credential_id, model_key))
        if state is None:
            state = self._states[(credential_id, model_key)] = _State()
            self._per_model[model_key] = self._per_model.get(model_key, 0) + 1
        decision = decide_cooldown(status, retry_after, state.backoff_level, disable_cooling=disable_cooling)
        state.until = now + decision.seconds if decision.seconds > 0 else 0.0
        state.status = status
        state.quota = decision.quota
        state.reason = decision.reason
        state.backoff_level = decision.backoff_level
        return decision.seconds

    def record_success(self, credential_id: str, model_key: str) -> bool:
        """A success clears the cooldown, the quota flag and the 429 ladder; True if there was any."""
        return self._forget((credential_id, model_key))

    def reset(self, credential_id: str, model_key: str | None = None) -> int:
        """Forget the state of one credential (one model, or all); returns how many states went."""
        keys = [k for k in self._states if k[0] == credential_id and model_key in (None, k[1])]
        for key in keys:
            self._forget(key)
        return len(keys)

    def blocked_until(self, credential_id: str, model_key: str, now: float) -> float | None:
        """End of the running cooldown, or None when the credential may be used for the model."""
        state = self._states.get((credential_id, model_key))
        if state is None or now >= state.until:
            return None
        return state.until

    def quota_blocked(self, credential_id: str, model_key: str, now: float) -> bool:
        """True while the model is cooling on this credential because of a 429."""
        state = self._states.get((credential_id, model_key))
        return state is not None and state.quota and now < state.until

    def suspended(self, credential_id: str, model_key: str, now: float) -> bool:
        """True while a 401/402/403/404 cooldown runs (the model is hidden from listings then)."""
        state = self._states.get((credential_id, model_key))
        return state is not None and state.reason in SUSPENDING_REASONS and now < state.until

    def retain(self, credential_ids: AbstractSet[str]) -> None:
        """Forget the state of every credential not in ``credential_ids``."""
        for key in [key for key in self._states if key[0] not in credential_ids]:
            self._forget(key)

    def statuses_by_credential(self, now: float) -> dict[str, list[ModelStatus]]:
        """Every recorded model state, grouped by credential id, each list sorted by model key."""
        out: dict[str, list[ModelStatus]] = {}
        for (credential_id, model_key), state in sorted(self._states.items()):
            cooling = now < state.until
            out.setdefault(credential_id, []).append(
                ModelStatus(
                    model=model_key,
                    cooling_until=state.until if cooling else None,
                    remaining=state.until - now if cooling else 0.0,
                    last_status=state.status,
                    quota=state.quota,
                    reason=state.reason,
                    backoff_level=state.backoff_level,
                )
            )
        return out
