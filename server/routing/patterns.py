"""Wildcard matching of model names where only ``*`` is special (exclusions, payload rules)."""

from __future__ import annotations

__all__ = ["excluded", "wildcard_match"]


def wildcard_match(pattern: str, name: str, *, case_sensitive: bool = True) -> bool:
    """True when ``name`` matches ``pattern``; ``*`` stands for any run of characters, anywhere.

    Without a ``*`` the pattern must equal the name. Otherwise the pattern is cut at each ``*``: the
    first piece must start the name, the last must end it, and the pieces between must appear in
    order without overlapping.
    """
    if not case_sensitive:
        pattern, name = pattern.lower(), name.lower()
    if "*" not in pattern:
        return pattern == name
    pieces = pattern.split("*")
    head, tail, middle = pieces[0], pieces[-1], pieces[1:-1]
    if len(head) + len(tail) > len(name) or not name.startswith(head) or not name.endswith(tail):
        return False
    pos, end = len(head), len(name) - len(tail)
    for piece in middle:
        if not piece:
            continue
        found = name.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def excluded(model_id: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """True when ``model_id`` matches one of the exclusion ``patterns`` (case-insensitive, trimmed)."""
    for pattern in patterns:
        cleaned = pattern.strip()
        if cleaned and wildcard_match(cleaned, model_id, case_sensitive=False):
            return True
    return False
