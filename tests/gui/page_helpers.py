"""Support for the page tests: the app theme and 1000×680 screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget
from pytestqt.qtbot import QtBot

from gui.assets import theme_qss

__all__ = ["SHOTS", "framed", "save_shot", "theme"]

SHOTS = Path(__file__).parent / "screenshots"
_ALIVE: list[QWidget] = []


def theme(app: QApplication) -> Iterator[None]:
    """The app's theme, set on the application as the real app does, and removed afterwards."""
    app.setStyleSheet(theme_qss())
    try:
        yield
    finally:
        app.setStyleSheet("")


def framed(qtbot: QtBot, page: QWidget, size: tuple[int, int] = (1000, 680)) -> QStackedWidget:
    """Show ``page`` inside a stacked widget (as the main window does, so the theme's page background
    applies) at the screenshot size. The page is handed back before the frame closes, so a page that
    qtbot also closes is not deleted twice."""
    frame = QStackedWidget()
    _ALIVE.append(frame)  # qtbot keeps only a weak reference; the frame must outlive the test body

    def release(_frame: QWidget) -> None:
        page.setParent(None)
        _ALIVE.remove(frame)

    qtbot.addWidget(frame, before_close_func=release)
    frame.addWidget(page)
    frame.resize(*size)
    frame.show()
    qtbot.waitExposed(frame)
    return frame


def save_shot(widget: QWidget, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), path
    return path
