"""The first-run dialog: four steps, skippable, intents for login and tool setup, never shown twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import PROVIDERS
from gui.prefs import Prefs
from gui.windows.onboarding import STEPS, OnboardingDialog, should_show
from tests.gui.fake_client import BASE_URL, CLIENT_KEY
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS


@pytest.fixture
def prefs(tmp_path: Path) -> Prefs:
    return Prefs(QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat))


def _dialog(qtbot: QtBot, prefs: Prefs) -> OnboardingDialog:
    dialog = OnboardingDialog(prefs, base_url=BASE_URL, api_key=CLIENT_KEY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_walks_through_every_step_and_finishes(qtbot: QtBot, prefs: Prefs) -> None:
    assert should_show(prefs)
    dialog = _dialog(qtbot, prefs)
    visited = [dialog.step]
    assert not dialog.back_button.isEnabled() and dialog.step_label.text() == "Step 1 of 4"
    for _ in range(len(STEPS) - 1):
        dialog.next_button.click()
        visited.append(dialog.step)
    assert visited == list(STEPS)
    assert dialog.next_button.text() == "Finish" and not dialog.skip_button.isVisible()
    dialog.back_button.click()
    assert dialog.step == "account"
    dialog.next_button.click()
    dialog.next_button.click()
    assert dialog.result() == OnboardingDialog.DialogCode.Accepted and not should_show(prefs)


def test_the_key_is_masked_until_revealed(qtbot: QtBot, prefs: Prefs) -> None:
    dialog = _dialog(qtbot, prefs)
    dialog.next_button.click()
    assert dialog.url_field.text() == BASE_URL
    assert CLIENT_KEY not in dialog.key_field.line.text()
    dialog.key_field.reveal_button.click()
    assert dialog.key_field.line.text() == CLIENT_KEY
    dialog.key_field.copy()
    assert QApplication.clipboard().text() == CLIENT_KEY


def test_login_and_tool_buttons_are_intents(qtbot: QtBot, prefs: Prefs) -> None:
    dialog = _dialog(qtbot, prefs)
    assert set(dialog.login_buttons) == {p for p, _ in PROVIDERS}
    with qtbot.waitSignal(dialog.login_requested, timeout=1000) as login:
        dialog.login_buttons["codex"].click()
    assert login.args == ["codex"] and dialog.isVisible()
    with qtbot.waitSignal(dialog.tool_setup_requested, timeout=1000):
        dialog.tool_button.click()
    assert not dialog.isVisible() and not should_show(prefs)


@pytest.mark.parametrize("how", ["skip", "close", "escape"], ids=["skip button", "window closed", "escape"])
def test_skipping_in_any_way_means_never_again(qtbot: QtBot, prefs: Prefs, how: str) -> None:
    dialog = _dialog(qtbot, prefs)
    if how == "skip":
        dialog.skip_button.click()
    elif how == "close":
        dialog.close()
    else:
        dialog.reject()
    assert not dialog.isVisible() and not should_show(prefs)


def test_the_key_arrives_later(qtbot: QtBot, prefs: Prefs) -> None:
    dialog = OnboardingDialog(prefs)
    qtbot.addWidget(dialog)
    assert dialog.key_field.value() == "" and not dialog.key_field.copy_button.isEnabled()
    dialog.set_key(BASE_URL, CLIENT_KEY)
    assert dialog.key_field.value() == CLIENT_KEY and dialog.url_field.text() == BASE_URL
