"""asyncio inside Qt: the only module importing qasync; runs the loop, async slots, named background tasks.

Rules it enforces: every background coroutine is started by ``spawn`` (the event loop keeps only weak
references to tasks, so an unreferenced task can vanish mid-flight); a failing task or slot goes to
``sys.excepthook`` (logged by the app, turned into a test failure by pytest-qt); on shutdown every task
is cancelled and awaited.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import qasync
import shiboken6
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication

from gui import qtfix

qtfix.apply()  # before any Qt call of the app: see gui/qtfix.py

__all__ = ["async_slot", "cancel_all", "run_app", "running_tasks", "spawn"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_tasks: set[asyncio.Task[Any]] = set()


def _finished(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        sys.excepthook(type(error), error, error.__traceback__)


def spawn(coro: Coroutine[Any, Any, T], name: str, *, owner: QObject | None = None) -> asyncio.Task[T]:
    """Start ``coro`` as a named task and keep it alive until it ends; its failure is reported.

    With an ``owner`` the task is cancelled when that object is destroyed, so a page closed while its
    call was in flight is never touched again when the answer arrives.
    """
    task = asyncio.ensure_future(coro)
    task.set_name(name)
    _tasks.add(task)
    task.add_done_callback(_finished)
    if owner is not None:
        _bind(task, owner)
    return task


def _bind(task: asyncio.Task[Any], owner: QObject) -> None:
    def cancel(*_: object) -> None:
        task.cancel()

    connection = owner.destroyed.connect(cancel)

    def release(_task: asyncio.Task[Any]) -> None:
        if shiboken6.isValid(owner):
            owner.destroyed.disconnect(connection)

    task.add_done_callback(release)


def running_tasks() -> list[asyncio.Task[Any]]:
    """Tasks started by ``spawn`` that have not finished (for tests and shutdown)."""
    return [t for t in _tasks if not t.done()]


async def cancel_all() -> None:
    """Cancel every spawned task and wait for them (shutdown)."""
    current = asyncio.current_task()
    pending = [t for t in _tasks if not t.done() and t is not current]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


def _fit(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    """Qt drops trailing signal arguments a slot does not take (``clicked(bool)``); do the same."""
    signature = inspect.signature(fn)
    while True:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            if not args:
                return None
            args = args[:-1]
            continue
        return args


def async_slot(
    *types: type,
) -> Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, None]]:
    """Decorate an ``async def`` method so a Qt signal can start it; it runs as a spawned task that is
    cancelled if the method's object is destroyed first."""

    def decorate(fn: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
        @functools.wraps(fn)
        def slot(*args: P.args, **kwargs: P.kwargs) -> None:
            fitted = _fit(fn, tuple(args), dict(kwargs))
            if fitted is None:
                raise TypeError(f"{fn.__qualname__} cannot take the arguments of its signal")
            owner = fitted[0] if fitted and isinstance(fitted[0], QObject) else None
            spawn(fn(*fitted, **kwargs), fn.__qualname__, owner=owner)

        return Slot(*types)(slot)

    return decorate


def run_app(app: QApplication, main_coro: Coroutine[Any, Any, int]) -> int:
    """Run Qt's loop with asyncio on it until ``main_coro`` returns its exit code.

    If Qt quits on its own (session logout, ``QApplication.quit``) the coroutine is cancelled and
    given a last run of the loop to clean up; spawned tasks are cancelled either way.
    """
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = qtfix.GuiThreadCollector()
    collector.start()
    main = asyncio.ensure_future(main_coro, loop=loop)
    code = 0
    try:
        try:
            code = loop.run_until_complete(main)
        except RuntimeError:
            if main.done():
                raise
            log.info("Qt quit before the app finished; shutting down")
            main.cancel()
            loop.run_until_complete(asyncio.gather(main, return_exceptions=True))
        loop.run_until_complete(cancel_all())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        collector.stop()
    return code
