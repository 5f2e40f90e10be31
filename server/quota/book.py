"""The quota book: what is known of each credential's usage windows (5-hour, weekly, per model).

Windows arrive passively from response headers (Codex, Claude) or actively from a fetch
(Antigravity, Gemini CLI). The book is thread-safe; ``update`` says whether anything a person
would see changed (the ``updated_at`` stamp alone does not count), so callers publish events only
for real changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from server.jsontypes import JSONObject

__all__ = ["QuotaBook", "QuotaSource", "QuotaWindow", "clamp_percent"]

QuotaSource = Literal["headers", "fetch"]


def clamp_percent(value: float) -> float:
    """``value`` limited to 0..100 and rounded to 0.01 (upstreams round differently)."""
    return round(min(100.0, max(0.0, value)), 2)


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    """One usage window of one credential (contract C1 of the management API)."""

    window: str
    """``5h``, ``7d``, ``primary``, ``secondary`` or a model (group) id."""
    label: str
    used_percent: float
    resets_at: float | None
    updated_at: float
    source: QuotaSource

    def same_reading(self, other: QuotaWindow) -> bool:
        """True when only ``updated_at`` differs (a reset time moving by < 1 s does not count)."""
        if (self.window, self.label, self.used_percent, self.source) != (
            other.window,
            other.label,
            other.used_percent,
            other.source,
        ):
            return False
        if self.resets_at is None or other.resets_at is None:
            return self.resets_at == other.resets_at
        return abs(self.resets_at - other.resets_at) < 1.0

    def to_json(self) -> JSONObject:
        return {
            "window": self.window,
            "label": self.label,
            "used_percent": self.used_percent,
            "resets_at": self.resets_at,
            "updated_at": self.updated_at,
            "source": self.source,
        }


class QuotaBook:
    """Quota windows per credential id; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, dict[str, QuotaWindow]] = {}

    def update(self, credential_id: str, windows: Sequence[QuotaWindow], source: QuotaSource) -> bool:
        """Record ``windows`` learnt from ``source``; True when what they say changed.

        Header windows replace the windows of the same name; a fetch replaces every earlier fetched
        window of the credential (a model that left the answer leaves the book).
        """
        with self._lock:
            known = self._windows.get(credential_id, {})
            merged = dict(known)
            if source == "fetch":
                merged = {name: w for name, w in merged.items() if w.source != "fetch"}
            for window in windows:
                merged[window.window] = window
            changed = merged.keys() != known.keys() or any(
                not merged[name].same_reading(known[name]) for name in merged
            )
            self._windows[credential_id] = merged
            return changed

    def windows(self, credential_id: str) -> list[QuotaWindow]:
        """The credential's windows, sorted by name ([] when nothing is known)."""
        with self._lock:
            known = self._windows.get(credential_id, {})
            return [known[name] for name in sorted(known)]

    def as_json(self, credential_id: str) -> list[JSONObject]:
        return [window.to_json() for window in self.windows(credential_id)]

    def keep_only(self, credential_ids: Iterable[str]) -> None:
        """Forget credentials that no longer exist."""
        wanted = set(credential_ids)
        with self._lock:
            for gone in [cid for cid in self._windows if cid not in wanted]:
                del self._windows[gone]
