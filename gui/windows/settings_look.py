"""LookBox: the Settings card for the app's look, applied at once: theme (System / Light / Dark) and
language (English / Simplified Chinese), both saved in Prefs.

The theme is applied here (``apply_theme``); a language change installs the translator
(``set_language``), whose announcement makes the app rebuild its windows in that language.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QApplication, QComboBox, QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from gui.i18n import LANGUAGES, set_language, tr
from gui.prefs import Prefs
from gui.theme import THEMES, apply_theme

__all__ = ["LookBox"]


class LookBox(QFrame):
    """A settings card; ``theme_changed`` / ``language_changed`` carry the saved choice."""

    theme_changed = Signal(str)
    language_changed = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.prefs = Prefs(settings)
        heading = QLabel(tr("Appearance and language"))
        heading.setProperty("role", "subtitle")
        self.theme = QComboBox()
        for value, label in THEMES:
            self.theme.addItem(tr(label), value)
        self.theme.setCurrentIndex(max(0, self.theme.findData(self.prefs.theme)))
        self.language = QComboBox()
        self.language.addItem(tr("Same as the system"), "")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(self.prefs.language)))
        hint = QLabel(tr("Changes apply at once."))
        hint.setProperty("role", "muted")
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(10)
        form.addRow(tr("Theme"), self.theme)
        form.addRow(tr("Language"), self.language)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 16)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addLayout(form)
        self.theme.currentIndexChanged.connect(self._theme_chosen)
        self.language.currentIndexChanged.connect(self._language_chosen)

    def _theme_chosen(self) -> None:
        choice = str(self.theme.currentData())
        self.prefs.theme = choice
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, choice)
        self.theme_changed.emit(choice)

    def _language_chosen(self) -> None:
        code = str(self.language.currentData() or "")
        self.prefs.language = code
        self.prefs.settings.sync()
        self.language_changed.emit(code)
        set_language(code)
