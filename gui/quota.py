"""Account quota (contract C1): the ``quota`` lists of the management API as values, and how to show them.

Pure functions without Qt (the clock is a parameter): parsing, the worst window over all accounts and
the colour of a level (≤ 20 % left red, ≤ 50 % amber). ``gui.widgets.quota_bar`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Final

from gui.models import Account, QuotaWindow
from gui.wire import epoch, obj, text

__all__ = [
    "QUOTA_AMBER",
    "QUOTA_GREEN",
    "QUOTA_RED",
    "quota_color",
    "quota_windows",
    "with_quota",
    "worst_quota",
]

QUOTA_RED: Final = "#dc2626"
QUOTA_AMBER: Final = "#d97706"
QUOTA_GREEN: Final = "#16a34a"


def _percent(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, min(100.0, float(value)))


def quota_windows(raw: object) -> tuple[QuotaWindow, ...]:
    """The ``quota`` list of one account object (entries without a window or a usable percent are skipped)."""
    out: list[QuotaWindow] = []
    for item in raw if isinstance(raw, list) else []:
        entry = obj(item)
        window = text(entry.get("window"))
        used = _percent(entry.get("used_percent"))
        if not window or used is None:
            continue
        updated = entry.get("updated_at")
        out.append(
            QuotaWindow(
                window=window,
                label=text(entry.get("label")) or window,
                used_percent=used,
                resets_at=epoch(entry.get("resets_at")),
                updated_at=float(updated) if isinstance(updated, int | float) else 0.0,
                source=text(entry.get("source")) or "headers",
            )
        )
    return tuple(out)


def with_quota(accounts: Iterable[Account], state: Mapping[str, object]) -> list[Account]:
    """``accounts`` with the quota windows (and the last fetch error) of the matching ``/accounts/state``
    entries (by id)."""
    raw = state.get("accounts")
    by_id = {text(obj(e).get("id")): obj(e) for e in (raw if isinstance(raw, list) else [])}
    out = []
    for account in accounts:
        entry = by_id.get(account.id, {})
        windows, error = quota_windows(entry.get("quota")), text(entry.get("quota_error"))
        out.append(replace(account, quota=windows, quota_error=error) if windows or error else account)
    return out


def worst_quota(accounts: Iterable[Account], now: float) -> tuple[Account, QuotaWindow] | None:
    """The enabled account and current window with the least left (None when nothing is known)."""
    found: tuple[Account, QuotaWindow] | None = None
    for account in accounts:
        if account.disabled:
            continue
        for window in account.quota:
            if window.current(now) and (found is None or window.left_percent < found[1].left_percent):
                found = (account, window)
    return found


def quota_color(left_percent: float) -> str:
    """Red at 20 % left or less, amber at 50 % or less, else green."""
    if left_percent <= 20:
        return QUOTA_RED
    return QUOTA_AMBER if left_percent <= 50 else QUOTA_GREEN
