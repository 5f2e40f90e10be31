"""GUI translations: the catalogue covers every ``tr()`` literal in gui/ (found with ast) and its compiled .qm
is current; placeholders survive translation; the language switches at runtime and the app rebuilds its
window in it; the default follows the system's language."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from build_scripts.i18n import TS, gui_strings, problems, read_ts
from gui.app import AppOptions, DesktopApp
from gui.i18n import current_language, language_events, resolve_language, set_language, system_language, tr
from gui.prefs import Prefs
from gui.windows.settings_look import LookBox
from tests.gui.qt_harness import QT_MARKS, qt_loop
from tests.gui.take_screenshots import restored_look

pytestmark = QT_MARKS

_FIELD = re.compile(r"\{[^{}]*\}")


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    """Each test ends in English with Qt's own look (the app applies its theme), as other tests expect."""
    with restored_look(qapp):
        yield


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def test_every_tr_literal_in_gui_has_a_translation_and_the_qm_is_current() -> None:
    """Fails with the list of what to fix: run ``python -m build_scripts.i18n update`` and translate."""
    assert problems() == []


def test_the_scan_finds_literals_and_rejects_f_strings_and_class_contexts(tmp_path: Path) -> None:
    gui = tmp_path / "gui"
    gui.mkdir()
    (gui / "a.py").write_text(
        'tr("One")\nN_("Two")\ntr("Hi {name}").format(name=1)\ntr(f"Bad {x}")\nself.tr("Worse")\ntr(text)\n',
        encoding="utf-8",
    )
    found = gui_strings(gui)
    assert sorted(found.strings) == ["Hi {name}", "One", "Two"]
    assert [p.split(": ", 1)[1] for p in found.problems] == [
        "an f-string cannot be translated; use .format()",
        "QObject.tr uses the class as context; use gui.i18n.tr",
    ]


def test_translations_keep_every_placeholder() -> None:
    broken = {
        source: text
        for source, text in read_ts(TS).items()
        if text and sorted(_FIELD.findall(source)) != sorted(_FIELD.findall(text))
    }
    assert broken == {}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh_CN", "zh_CN"), ("zh_TW", "zh_CN"), ("en_US", "en"), ("de_DE", "en")],
)
def test_the_default_language_follows_the_system(locale: str, expected: str) -> None:
    assert system_language(QLocale(locale)) == expected


def test_a_saved_choice_wins_over_the_system() -> None:
    assert resolve_language("en") == "en" and resolve_language("zh_CN") == "zh_CN"
    assert resolve_language("") == system_language() == resolve_language("klingon")


def test_switching_the_language_at_runtime(qapp: QApplication, english: None) -> None:
    seen: list[str] = []
    language_events().changed.connect(seen.append)
    try:
        assert set_language("zh_CN") == "zh_CN" == current_language()
        assert tr("Settings") == "设置" and tr("Step {0} of {1}").format(1, 4) == "第 1 步，共 4 步"
        assert set_language("en") == "en"
        assert tr("Settings") == "Settings"
    finally:
        language_events().changed.disconnect(seen.append)
    assert seen == ["zh_CN", "en"]


def test_the_settings_card_saves_and_applies_the_language(
    qtbot: QtBot, english: None, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    box = LookBox(settings)
    qtbot.addWidget(box)
    with qtbot.waitSignal(language_events().changed):
        box.language.setCurrentIndex(box.language.findData("zh_CN"))
    assert Prefs(settings).language == "zh_CN" and current_language() == "zh_CN"
    box.language.setCurrentIndex(box.language.findData("en"))
    assert Prefs(settings).language == "en" and tr("Accounts") == "Accounts"


def test_the_app_rebuilds_its_window_in_the_new_language(
    qtbot: QtBot, qapp: QApplication, loop: asyncio.AbstractEventLoop, english: None, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    Prefs(settings).language = "en"
    desktop = DesktopApp(qapp, AppOptions(remote_url="http://127.0.0.1:9", remote_key="k"), settings)
    old = desktop.window
    old.show_page("usage")
    assert old.sidebar.item(0).text() == "Accounts"
    set_language("zh_CN")
    qtbot.waitUntil(lambda: desktop.window is not old, timeout=3000)
    window = desktop.window
    assert [window.sidebar.item(i).text() for i in range(3)] == ["账号", "模型", "用量"]
    assert window.current_page() == "usage" and desktop.tray.start_action.text() == "启动代理"
    desktop.state.stop_watching()
    window.close_to_tray = False
    window.close()


def test_a_missing_catalogue_leaves_the_app_in_english(
    qapp: QApplication, english: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("gui.i18n.catalogue_path", lambda code, suffix=".qm": tmp_path / f"{code}{suffix}")
    assert set_language("zh_CN") == "en" and tr("Settings") == "Settings"
