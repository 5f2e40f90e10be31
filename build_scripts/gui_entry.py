"""Frozen entry point of the tray app: safe std streams, the Qt binding for qasync, then ``gui.__main__``."""

from __future__ import annotations

import os
import sys

__all__: list[str] = []


class _NullWriter:
    """Stands in for stdout/stderr where a windowed build has none (PyInstaller sets them to None)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


if sys.stdout is None:
    sys.stdout = _NullWriter()  # type: ignore[assignment]
if sys.stderr is None:
    sys.stderr = _NullWriter()  # type: ignore[assignment]
os.environ.setdefault("QT_API", "pyside6")  # qasync would otherwise probe PyQt first

import PySide6.QtCore  # noqa: E402,F401  (the binding is imported before qasync)

from gui.__main__ import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
