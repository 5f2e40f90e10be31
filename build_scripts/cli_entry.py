"""Frozen entry point of the headless ``cliproxyapi`` command (console executable)."""

from __future__ import annotations

from server.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
