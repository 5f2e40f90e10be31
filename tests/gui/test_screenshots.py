"""The screenshot script keeps working: its fast mode renders a few views in light/English and dark/Chinese,
and the pictures are what they claim (the right size, light or dark)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tests.gui.qt_harness import QT_MARKS, qt_loop
from tests.gui.take_screenshots import FAST_LOOKS, FAST_SHOTS, render, restored_look

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def restore(qapp: QApplication) -> Iterator[None]:
    with restored_look(qapp):
        yield


def _brightness(path: Path) -> float:
    """Mean grey level (0-255) over a grid of the picture's pixels."""
    image = QImage(str(path))
    points = [(x, y) for x in range(0, image.width(), 25) for y in range(0, image.height(), 25)]
    return sum(image.pixelColor(x, y).lightness() for x, y in points) / len(points)


def test_the_fast_screenshots(
    qapp: QApplication, loop: asyncio.AbstractEventLoop, restore: None, tmp_path: Path
) -> None:
    paths = render(tmp_path, FAST_LOOKS, frozenset(FAST_SHOTS))
    names = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert names == sorted(f"{look.folder}/{shot}.png" for look in FAST_LOOKS for shot in FAST_SHOTS)
    for path in paths:
        image = QImage(str(path))
        assert image.width() >= 600 and image.height() >= 300, path
        if path.stem.startswith("window-"):  # no page made the window grow past the size it opens with
            assert image.width() == 1120, (path, image.width())
        light = _brightness(path)
        assert (light > 170) if path.parent.name.startswith("light") else (light < 90), (path, light)
