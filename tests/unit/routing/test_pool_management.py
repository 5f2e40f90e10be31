"""What the management API asks of the pool: reset_cooldown, candidate_for and state-change events."""

from __future__ import annotations

from server.config.schema import Config
from server.credential import Credential
from server.modelinfo import ModelInfo
from server.routing.cooldown import CooldownTracker
from server.routing.pool import CredentialPool, PoolEntry


def _pool(events: list[tuple[str, dict[str, object]]] | None = None) -> CredentialPool:
    pool = CredentialPool(Config())
    if events is not None:
        pool.on_event = lambda kind, data: events.append((kind, data))
    pool.set_entries(
        [
            PoolEntry(
                Credential("a", "codex", "codex"), [ModelInfo("gpt-5"), ModelInfo("gpt-4")], {"gpt-5": "up-5"}
            ),
            PoolEntry(Credential("b", "codex", "codex"), [ModelInfo("gpt-5")]),
        ]
    )
    return pool


def test_reset_cooldown_clears_one_credential() -> None:
    pool = _pool()
    for cid in ("a", "b"):
        candidate = pool.candidate_for(cid, "gpt-5")
        assert candidate is not None
        pool.record_failure(candidate, 429, 60, now=0.0)
    other = pool.candidate_for("a", "gpt-4")
    assert other is not None
    pool.record_failure(other, 500, None, now=0.0)
    assert pool.reset_cooldown("a", "GPT-5") == 0  # model keys are the upstream names
    assert pool.reset_cooldown("a", "up-5") == 1
    assert pool.reset_cooldown("a") == 1
    assert pool.reset_cooldown("zzz") == 0
    cooling = {state.id: state.cooling for state in pool.snapshot(1.0)}
    assert cooling == {"a": False, "b": True}


def test_candidate_for_one_credential() -> None:
    pool = _pool()
    found = pool.candidate_for("a", "gpt-5")
    assert found is not None
    assert (found.credential.id, found.upstream_model, found.model_key, found.model) == (
        "a",
        "up-5",
        "up-5",
        "gpt-5",
    )
    assert pool.candidate_for("b", "gpt-4") is None
    assert pool.candidate_for("nope", "gpt-5") is None


def test_state_changes_are_reported() -> None:
    events: list[tuple[str, dict[str, object]]] = []
    pool = _pool(events)
    candidate = pool.candidate_for("b", "gpt-5")
    assert candidate is not None
    pool.record_failure(candidate, 429, 30, now=0.0)
    pool.record_failure(candidate, 400, None, now=0.0)  # no cooldown: nothing to report
    pool.record_success(candidate)
    pool.record_success(candidate)  # nothing left to clear
    pool.record_failure(candidate, 503, None, now=0.0)
    pool.reset_cooldown("b")
    assert events == [
        ("credentials.changed", {"count": 2}),
        ("cooldown.started", {"credential": "b", "model": "gpt-5", "seconds": 30, "status": 429}),
        ("cooldown.ended", {"credential": "b", "model": "gpt-5", "reason": "success"}),
        ("cooldown.started", {"credential": "b", "model": "gpt-5", "seconds": 60.0, "status": 503}),
        ("cooldown.ended", {"credential": "b", "model": None, "reason": "reset"}),
    ]


def test_tracker_reset_and_success_report_what_they_cleared() -> None:
    tracker = CooldownTracker()
    tracker.record_failure("a", "m1", 429, None, 0.0)
    tracker.record_failure("a", "m2", 429, None, 0.0)
    tracker.record_failure("b", "m1", 429, None, 0.0)
    assert tracker.record_success("a", "m1") is True
    assert tracker.record_success("a", "m1") is False
    assert tracker.reset("a") == 1
    assert tracker.reset("b", "m1") == 1
    assert tracker.statuses_by_credential(0.0) == {}
