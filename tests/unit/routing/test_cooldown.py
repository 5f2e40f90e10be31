"""Cooldown decisions and the per credential, per model tracker."""

from __future__ import annotations

import pytest

from server.routing.cooldown import BACKOFF_CAP, CooldownTracker, decide_cooldown

STATUS_CASES = [
    (401, None, 1800.0, "unauthorized", False),
    (402, None, 1800.0, "payment_required", False),
    (403, None, 1800.0, "payment_required", False),
    (404, None, 43200.0, "not_found", False),
    (408, None, 60.0, "unavailable", False),
    (500, None, 60.0, "unavailable", False),
    (502, None, 60.0, "unavailable", False),
    (503, None, 60.0, "unavailable", False),
    (504, None, 60.0, "unavailable", False),
    (None, None, 0.0, "transport", False),
    (400, None, 0.0, "", False),
    (422, None, 0.0, "", False),
    (501, None, 0.0, "", False),
    (429, None, 1.0, "quota", True),
    (429, 7.5, 7.5, "quota", True),
    (429, 0.0, 0.0, "quota", True),
    (401, 99.0, 1800.0, "unauthorized", False),
]


@pytest.mark.parametrize(
    ("status", "hint", "seconds", "reason", "quota"),
    STATUS_CASES,
    ids=[f"{status}-hint{hint}" for status, hint, *_ in STATUS_CASES],
)
def test_decide_cooldown(
    status: int | None, hint: float | None, seconds: float, reason: str, quota: bool
) -> None:
    decision = decide_cooldown(status, hint, 0, disable_cooling=False)
    assert (decision.seconds, decision.reason, decision.quota) == (seconds, reason, quota)


@pytest.mark.parametrize(
    ("level", "seconds", "next_level"),
    [(0, 1.0, 1), (1, 2.0, 2), (2, 4.0, 3), (10, 1024.0, 11), (11, BACKOFF_CAP, 11), (40, BACKOFF_CAP, 40)],
    ids=["1s", "2s", "4s", "1024s", "capped", "stays-capped"],
)
def test_backoff_ladder(level: int, seconds: float, next_level: int) -> None:
    decision = decide_cooldown(429, None, level, disable_cooling=False)
    assert (decision.seconds, decision.backoff_level) == (seconds, next_level)


@pytest.mark.parametrize(
    ("hint", "seconds"),
    [(None, 0.0), (3.0, 3.0)],
    ids=["no-hint-no-backoff", "hint-still-applies"],
)
def test_disable_cooling_only_drops_hintless_backoff(hint: float | None, seconds: float) -> None:
    assert decide_cooldown(429, hint, 4, disable_cooling=True).seconds == seconds
    assert decide_cooldown(503, None, 0, disable_cooling=True).seconds == 60.0


def test_hint_keeps_ladder_level() -> None:
    assert decide_cooldown(429, 5.0, 3, disable_cooling=False).backoff_level == 3


def test_tracker_ladder_then_success_resets() -> None:
    tracker = CooldownTracker()
    applied = [tracker.record_failure("a", "m", 429, None, float(t)) for t in (0, 1, 3)]
    assert applied == [1.0, 2.0, 4.0]
    assert tracker.blocked_until("a", "m", 3.0) == 7.0
    assert tracker.quota_blocked("a", "m", 6.9)
    assert tracker.blocked_until("a", "m", 7.0) is None
    tracker.record_success("a", "m")
    assert tracker.record_failure("a", "m", 429, None, 10.0) == 1.0


def test_tracker_is_per_credential_and_model() -> None:
    tracker = CooldownTracker()
    tracker.record_failure("a", "x", 429, 2.0, 0.0)
    assert tracker.blocked_until("a", "x", 1.0) == 2.0
    assert tracker.blocked_until("a", "y", 1.0) is None
    assert tracker.blocked_until("b", "x", 1.0) is None


def test_non_cooling_status_unblocks_but_keeps_ladder() -> None:
    tracker = CooldownTracker()
    tracker.record_failure("a", "m", 429, None, 0.0)
    tracker.record_failure("a", "m", 429, None, 1.0)
    assert tracker.record_failure("a", "m", 400, None, 3.5) == 0.0
    assert tracker.blocked_until("a", "m", 3.5) is None
    assert tracker.record_failure("a", "m", 429, None, 4.0) == 4.0


@pytest.mark.parametrize(
    ("status", "suspended"),
    [(401, True), (403, True), (404, True), (429, False), (500, False), (None, False)],
    ids=["401", "403", "404", "429", "500", "transport"],
)
def test_suspended_reasons(status: int | None, suspended: bool) -> None:
    tracker = CooldownTracker()
    tracker.record_failure("a", "m", status, None, 0.0)
    assert tracker.suspended("a", "m", 0.5) is suspended
    assert tracker.suspended("a", "m", 1e9) is False


def test_retain_and_statuses() -> None:
    tracker = CooldownTracker()
    tracker.record_failure("a", "m2", 500, None, 0.0)
    tracker.record_failure("a", "m1", 429, 10.0, 0.0)
    tracker.record_failure("b", "m", 401, None, 0.0)
    tracker.retain({"a"})
    statuses = tracker.statuses_by_credential(4.0)
    assert list(statuses) == ["a"]
    first, second = statuses["a"]
    assert (first.model, first.cooling_until, first.remaining, first.quota, first.last_status) == (
        "m1",
        10.0,
        6.0,
        True,
        429,
    )
    assert (second.model, second.reason) == ("m2", "unavailable")
    assert tracker.statuses_by_credential(100.0)["a"][0].cooling_until is None
