"""The look: both colour schemes fill every stylesheet token and keep text readable (WCAG contrast); the
theme switches at runtime (palette, stylesheet, the chart and log colours follow); System follows the
desktop's colour scheme as it changes; the Settings card saves the choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui import theme
from gui.assets import resource_bytes, theme_qss
from gui.prefs import Prefs
from gui.theme import COLORS, apply_theme, current_scheme, fill_tokens, theme_events, tone
from gui.widgets.chart import ChartSeries, TimeSeriesChart
from gui.windows.settings_look import LookBox
from tests.gui.qt_harness import QT_MARKS
from tests.gui.take_screenshots import restored_look

pytestmark = QT_MARKS

_READABLE = [  # (text, background) pairs a person must be able to read: WCAG AA, 4.5:1
    ("text", "bg"),
    ("text", "base"),
    ("muted", "bg"),
    ("muted", "base"),
    ("error", "bg"),
    ("warning", "bg"),
    ("success", "bg"),
    ("link", "bg"),
    ("on_accent", "accent"),
    ("sidebar_item", "sidebar"),
    ("sidebar_sel_text", "sidebar_sel"),
    ("accent_soft_text", "accent_soft"),
    ("header_text", "header_bg"),
    ("tooltip_text", "tooltip_bg"),
    ("text", "banner_bg"),
]


def _luminance(color: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def restore(qapp: QApplication) -> Iterator[None]:
    with restored_look(qapp):
        yield


def test_both_schemes_have_the_same_tokens_and_fill_the_whole_stylesheet() -> None:
    assert COLORS["light"].keys() == COLORS["dark"].keys()
    for scheme in COLORS:
        sheet = theme_qss(scheme)
        assert "@" not in sheet and COLORS[scheme]["accent"] in sheet
    with pytest.raises(KeyError):
        fill_tokens("QLabel { color: @nope; }", "light")
    assert "@text" in resource_bytes("theme.qss").decode("utf-8")  # the source keeps its tokens


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), _READABLE)
def test_text_is_readable(scheme: str, fg: str, bg: str) -> None:
    colors = COLORS[scheme]
    assert contrast(colors[fg], colors[bg]) >= 4.5


def test_switching_the_theme_at_runtime(qtbot: QtBot, qapp: QApplication, restore: None) -> None:
    chart = TimeSeriesChart("Requests")
    qtbot.addWidget(chart)
    chart.set_data([0.0, 3600.0], [ChartSeries("Requests", "#4f5bd5", (1.0, 2.0))])
    seen: list[str] = []
    theme_events().changed.connect(seen.append)
    try:
        for scheme in ("dark", "light", "dark"):
            assert apply_theme(qapp, scheme) == scheme == current_scheme()
            assert qapp.palette().color(QPalette.ColorRole.Window).name() == COLORS[scheme]["bg"]
            assert COLORS[scheme]["text"] in qapp.styleSheet() and tone("error") == COLORS[scheme]["error"]
            chart.ensurePolished()
            assert chart.palette().color(QPalette.ColorRole.WindowText).name() == COLORS[scheme]["text"]
            image = chart.grab().toImage()
            assert image.width() > 0
    finally:
        theme_events().changed.disconnect(seen.append)
    assert seen == ["dark", "light", "dark"]


def test_system_follows_the_desktop_as_it_changes(
    qapp: QApplication, restore: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = {"scheme": "light"}
    monkeypatch.setattr(theme, "system_scheme", lambda: desktop["scheme"])
    assert apply_theme(qapp, "system") == "light"
    desktop["scheme"] = "dark"
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert current_scheme() == "dark" and qapp.palette().color(QPalette.ColorRole.Window).name() == "#1e1f22"
    apply_theme(qapp, "light")  # an explicit choice ignores the desktop
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert current_scheme() == "light"


def test_the_settings_card_saves_and_applies_the_theme(
    qtbot: QtBot, qapp: QApplication, restore: None, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    assert Prefs(settings).theme == "system"
    box = LookBox(settings)
    qtbot.addWidget(box)
    with qtbot.waitSignal(box.theme_changed):
        box.theme.setCurrentIndex(box.theme.findData("dark"))
    assert Prefs(settings).theme == "dark" and current_scheme() == "dark"
    again = LookBox(settings)
    qtbot.addWidget(again)
    assert again.theme.currentData() == "dark"  # shown again as saved
