"""The pool's cached picking plan: same picks as the full scan, cost independent of the pool size."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.config.schema import Config, Routing
from server.credential import Credential
from server.modelinfo import ModelInfo
from server.routing.cooldown import CooldownTracker
from server.routing.pool import CredentialPool, PoolEntry


def _pool(creds: list[tuple[str, str, int]], **config: object) -> CredentialPool:
    pool = CredentialPool(Config(**config))  # type: ignore[arg-type]
    pool.set_entries(
        [
            PoolEntry(
                Credential(id=cid, provider=provider, provider_type=provider, priority=prio), [ModelInfo(m)]
            )
            for cid, provider, prio in creds
            for m in ("m1", "m2")
        ]
    )
    return pool


MIXED = [("b", "claude", 0), ("a", "claude", 0), ("hi", "claude", 5), ("x", "codex", 0), ("y", "codex", 0)]


def _fail(pool: CredentialPool, cid: str, model: str, status: int) -> None:
    candidate = pool.candidate_for(cid, model)
    assert candidate is not None
    pool.record_failure(candidate, status, None, 0.0)


def _succeed(pool: CredentialPool, cid: str, model: str) -> None:
    candidate = pool.candidate_for(cid, model)
    assert candidate is not None
    pool.record_success(candidate)


SETUPS: list[tuple[str, Callable[[CredentialPool], None]]] = [
    ("no state", lambda pool: None),
    ("other model cooling", lambda pool: _fail(pool, "hi", "m2", 429)),
    ("this model cooling", lambda pool: _fail(pool, "hi", "m1", 429)),
    ("this model cooled, then fine", lambda pool: (_fail(pool, "hi", "m1", 500), _succeed(pool, "hi", "m1"))),
    ("expired state kept", lambda pool: _fail(pool, "a", "m1", 400)),
]


@pytest.mark.parametrize(("name", "setup"), SETUPS, ids=[name for name, _ in SETUPS])
@pytest.mark.parametrize("strategy", ["round-robin", "fill-first"])
def test_picks_match_the_full_scan(name: str, setup: Callable[[CredentialPool], None], strategy: str) -> None:
    """The shortcut (nothing tried, no state for the model) picks exactly what the full scan picks."""
    fast = _pool(MIXED, routing=Routing(strategy=strategy))
    scan = _pool(MIXED, routing=Routing(strategy=strategy))
    scan._tracker.has_state = lambda keys: True  # type: ignore[method-assign]  # never the shortcut
    picks: dict[str, list[str]] = {"fast": [], "scan": []}
    for label, pool in (("fast", fast), ("scan", scan)):
        for _ in range(3):
            pool.pick("m1", frozenset(), 1.0)
        setup(pool)
        picks[label] = [pool.pick("m1", frozenset(), 1.0).credential.id for _ in range(12)]
    assert picks["fast"] == picks["scan"]


def test_plan_is_rebuilt_when_credentials_change() -> None:
    pool = _pool([("a", "claude", 0)])
    assert pool.pick("m1", frozenset(), 0.0).credential.id == "a"
    pool.set_entries(
        [PoolEntry(Credential(id="z", provider="claude", provider_type="claude"), [ModelInfo("m1")])]
    )
    assert pool.pick("m1", frozenset(), 0.0).credential.id == "z"


def _failure(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 429, None, 0.0)


def _failure_success(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 429, None, 0.0)
    t.record_success("c1", "m")


def _two_failures_one_success(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 500, None, 0.0)
    t.record_failure("c2", "m", 500, None, 0.0)
    t.record_success("c1", "m")


def _failure_reset(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 401, None, 0.0)
    t.reset("c1")


def _failure_retain_none(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 401, None, 0.0)
    t.retain(set())


def _other_model(t: CooldownTracker) -> None:
    t.record_failure("c1", "other", 429, None, 0.0)


def _no_cooldown_status(t: CooldownTracker) -> None:
    t.record_failure("c1", "m", 400, None, 0.0)


TRACKER_STEPS: list[tuple[Callable[[CooldownTracker], None], bool]] = [
    (_failure, True),
    (_failure_success, False),
    (_two_failures_one_success, True),
    (_failure_reset, False),
    (_failure_retain_none, False),
    (_other_model, False),
    (_no_cooldown_status, True),
]


@pytest.mark.parametrize(
    ("step", "expected"), TRACKER_STEPS, ids=[s[0].__name__.strip("_") for s in TRACKER_STEPS]
)
def test_tracker_knows_which_models_have_state(
    step: Callable[[CooldownTracker], None], expected: bool
) -> None:
    tracker = CooldownTracker()
    step(tracker)
    assert tracker.has_state(frozenset({"m"})) is expected
