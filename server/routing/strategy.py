"""Selection strategies: which provider goes first and which credential of a provider is taken.

Round-robin keeps one cursor per (provider, model) that advances on every pick, including failover
picks, so rotation skips over credentials that are blocked at the moment. Fill-first always takes the
first eligible credential (by id) until it stops being eligible. Providers of a model are ordered by
credential count (descending) then name, and the starting provider rotates per model per request.
All state lives on the server's single asyncio loop, so there are no locks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeVar

__all__ = ["Cursors", "Strategy", "choose_index", "order_providers", "parse_strategy", "rotate"]

Strategy = Literal["round-robin", "fill-first"]

_FILL_FIRST_NAMES = frozenset({"fill-first", "fillfirst", "ff"})
_CURSOR_WRAP = 2**31

T = TypeVar("T")


def parse_strategy(value: str) -> Strategy:
    """``fill-first`` (also ``fillfirst``, ``ff``) or, for anything else, ``round-robin``."""
    return "fill-first" if value.strip().lower() in _FILL_FIRST_NAMES else "round-robin"


class Cursors:
    """Named counters that advance on each use and wrap before 2^31, like the original's."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}

    def advance(self, key: str) -> int:
        """The current value of ``key`` (0 the first time); the stored value moves on by one."""
        value = self._values.get(key, 0)
        self._values[key] = (value + 1) % _CURSOR_WRAP
        return value

    def peek(self, key: str) -> int:
        """The value the next :meth:`advance` will return."""
        return self._values.get(key, 0)


def choose_index(strategy: Strategy, cursors: Cursors, key: str, count: int) -> int:
    """Index of the credential to use among ``count`` eligible ones sorted by id."""
    if count <= 0:
        raise ValueError("no eligible credential to choose from")
    if strategy == "fill-first":
        return 0
    return cursors.advance(key) % count


def order_providers(counts: Mapping[str, int]) -> list[str]:
    """Providers by number of credentials serving the model (most first), then by name."""
    return sorted(counts, key=lambda provider: (-counts[provider], provider))


def rotate(items: Sequence[T], start: int) -> list[T]:
    """``items`` starting at ``start`` (modulo the length) and wrapping around."""
    if not items:
        return []
    offset = start % len(items)
    return [*items[offset:], *items[:offset]]
