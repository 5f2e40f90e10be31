"""SecretField: masked by default, reveal and copy work, the value stays out of reprs."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from gui.models import mask_secret
from gui.widgets.secret_field import SecretField
from tests.gui.qt_harness import QT_MARKS

pytestmark = QT_MARKS

SECRET = "sk-abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.mark.parametrize(
    ("value", "masked"),
    [("", ""), ("short", "•••••"), (SECRET, "sk-a••••••••6789")],
    ids=["empty", "short", "key"],
)
def test_mask_secret(value: str, masked: str) -> None:
    assert mask_secret(value) == masked


def test_read_only_field(qtbot: QtBot) -> None:
    field = SecretField(SECRET)
    qtbot.addWidget(field)
    assert field.line.text() == mask_secret(SECRET) and field.line.isReadOnly()
    assert SECRET not in repr(field)
    field.reveal_button.click()
    assert field.revealed and field.line.text() == SECRET and field.reveal_button.text() == "Hide"
    field.reveal_button.click()
    assert field.line.text() == mask_secret(SECRET)
    with qtbot.waitSignal(field.copied, timeout=1000):
        field.copy_button.click()
    assert QApplication.clipboard().text() == SECRET


def test_editable_field(qtbot: QtBot) -> None:
    field = SecretField(editable=True, placeholder="Management key")
    qtbot.addWidget(field)
    assert field.line.echoMode() == QLineEdit.EchoMode.Password and not field.copy_button.isEnabled()
    with qtbot.waitSignal(field.edited, timeout=1000):
        qtbot.keyClicks(field.line, "typed-secret")
    assert field.value() == "typed-secret"
    field.set_revealed(True)
    assert field.line.echoMode() == QLineEdit.EchoMode.Normal and field.line.text() == "typed-secret"
