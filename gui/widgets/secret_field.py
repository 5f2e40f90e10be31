"""SecretField: a key or token shown masked, with Show/Hide and Copy; never in a log or a repr."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from gui.i18n import tr
from gui.models import mask_secret

__all__ = ["SecretField"]


class SecretField(QWidget):
    """Masked by default. Read-only fields show ``sk-a••••••••wxyz``; editable ones a password entry.

    ``copied`` is emitted after the value went to the clipboard; ``edited`` when a person typed.
    """

    copied = Signal()
    edited = Signal()

    def __init__(
        self, value: str = "", *, editable: bool = False, placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._value = value
        self._editable = editable
        self._revealed = False
        self.line = QLineEdit()
        self.line.setProperty("role", "mono")
        self.line.setPlaceholderText(placeholder)
        self.line.setReadOnly(not editable)
        self.reveal_button = QPushButton(tr("Show"))
        self.reveal_button.setCheckable(True)
        self.reveal_button.setToolTip(tr("Show or hide the value"))
        self.reveal_button.toggled.connect(self._on_reveal)
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.setToolTip(tr("Copy to the clipboard"))
        self.copy_button.clicked.connect(self.copy)
        if editable:
            self.line.setEchoMode(QLineEdit.EchoMode.Password)
            self.line.textEdited.connect(self._on_edited)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.reveal_button)
        layout.addWidget(self.copy_button)
        self._render()

    def __repr__(self) -> str:
        return f"SecretField(set={bool(self._value)})"

    def value(self) -> str:
        return self._value

    def set_value(self, value: str) -> None:
        self._value = value
        self._render()

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_revealed(self, revealed: bool) -> None:
        self.reveal_button.setChecked(revealed)

    def copy(self) -> None:
        if self._value:
            QGuiApplication.clipboard().setText(self._value)
            self.copied.emit()

    def _on_reveal(self, checked: bool) -> None:
        self._revealed = checked
        self.reveal_button.setText(tr("Hide") if checked else tr("Show"))
        self._render()

    def _on_edited(self, text: str) -> None:
        self._value = text
        self.edited.emit()

    def _render(self) -> None:
        self.copy_button.setEnabled(bool(self._value))
        if self._editable:
            mode = QLineEdit.EchoMode.Normal if self._revealed else QLineEdit.EchoMode.Password
            self.line.setEchoMode(mode)
            if self.line.text() != self._value:
                self.line.setText(self._value)
            return
        self.line.setText(self._value if self._revealed else mask_secret(self._value))
