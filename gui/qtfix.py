"""Guards against two CPython + PySide6 hazards: 6.12.0's reference leak on ``None`` / ``True`` / ``False``
(Python < 3.12), and Qt objects destroyed by the garbage collector in a non-GUI thread.

Measured here (PySide6-Essentials 6.12.0, CPython 3.11.7): every binding call that returns nothing
(``setText``, ``processEvents`` …) takes one reference from ``None`` and every ``Signal.emit`` one from
``True`` without owning it. ``True`` starts with a few thousand references, so a running app aborts with
"bool_dealloc" / "none_dealloc" after some minutes of use. From 3.12 these objects are immortal and
the leak is harmless. ``apply()`` gives the three singletons a reference count no process can use up;
it is a no-op on 3.12+ and idempotent. Remove it when PySide6 is fixed (or the bundle uses 3.12+).

The cyclic garbage collector runs in whichever thread happens to allocate when a threshold is crossed:
the server thread, an ``asyncio.to_thread`` worker. A cycle holding a Qt object (a closed dialog with
its timer) then dies there: Qt warns "Timers cannot be stopped from another thread" or crashes.
``GuiThreadCollector`` switches automatic collection off and collects from a GUI-thread timer instead.
"""

from __future__ import annotations

import ctypes
import gc
import sys

from PySide6.QtCore import QObject, QTimer

__all__ = ["PADDING", "GuiThreadCollector", "apply"]

PADDING = 1 << 40
_applied = False


def apply() -> bool:
    """Pad the reference counts once; True when it did (Python < 3.12), False when not needed."""
    global _applied
    if sys.version_info >= (3, 12) or _applied or sys.implementation.name != "cpython":
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += PADDING
    _applied = True
    return True


class GuiThreadCollector(QObject):
    """Runs the cyclic garbage collector on the GUI thread only, generation by generation as needed."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def check(self) -> int:
        """Collect the oldest generation whose threshold was crossed; returns it (-1: none)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for level in range(3):
            if thresholds[level] and counts[level] > thresholds[level]:
                generation = level
        if generation >= 0:
            gc.collect(generation)
        return generation
