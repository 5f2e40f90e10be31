"""Reusable widgets of the desktop app."""

__all__: list[str] = []
