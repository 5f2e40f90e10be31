"""Translation of the GUI's visible text: English source strings, the Qt translator of the chosen language
(English or Simplified Chinese), switched at runtime.

Every visible string is written in English and wrapped: ``tr("Start proxy")``; dynamic parts through
``tr("Cooling until {time}").format(time=...)``. Text kept in module constants is marked with ``N_`` (it
stays English) and translated where it is shown: ``tr(title)``. The catalogue is
``resources/i18n/zh_CN.ts`` (source) compiled to ``zh_CN.qm`` (committed, checked by a unit test); see
``build_scripts/i18n.py``. ``set_language`` installs the translator and emits ``language_events().changed``
so the app rebuilds its windows in the new language.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

__all__ = [
    "CONTEXT",
    "LANGUAGES",
    "LanguageEvents",
    "N_",
    "catalogue_path",
    "current_language",
    "language_events",
    "resolve_language",
    "set_language",
    "system_language",
    "tr",
]

log = logging.getLogger(__name__)

CONTEXT = "CLIProxyAPI"
"""The one translation context every GUI string is looked up in."""

LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("zh_CN", "简体中文"))
"""(code, the language's name in itself); the choice "" means "as the system"."""


def tr(text: str) -> str:
    """``text`` (English source) in the language the user chose; English when no translation is loaded."""
    return QCoreApplication.translate(CONTEXT, text)


def N_(text: str) -> str:  # the gettext name for "translate later"
    """Mark ``text`` for the catalogue without translating it now (module constants); returns it as is."""
    return text


class LanguageEvents(QObject):
    """``changed(code)`` after another language was installed."""

    changed = Signal(str)


_events: LanguageEvents | None = None
_translators: list[QTranslator] = []
_current = "en"


def language_events() -> LanguageEvents:
    global _events
    if _events is None:
        _events = LanguageEvents()
    return _events


def system_language(locale: QLocale | None = None) -> str:
    """``zh_CN`` when the system (or ``locale``) speaks any Chinese (we ship Simplified only), else ``en``."""
    chosen = locale if locale is not None else QLocale.system()
    return "zh_CN" if chosen.language() == QLocale.Language.Chinese else "en"


def resolve_language(choice: str) -> str:
    """The language to show for a saved choice ("" or unknown = the system's)."""
    return choice if choice in dict(LANGUAGES) else system_language()


def current_language() -> str:
    return _current


def catalogue_path(code: str, suffix: str = ".qm") -> Path:
    """Where the compiled (``.qm``) or source (``.ts``) catalogue of ``code`` lives."""
    return Path(str(files("resources").joinpath("i18n", f"{code}{suffix}")))


def _load(translator: QTranslator, path: Path) -> bool:
    return path.is_file() and translator.load(str(path))


def set_language(choice: str) -> str:
    """Install the translators for ``choice`` ("" = as the system) and announce it; returns the code used.

    Qt's own texts (context menus of text fields, standard buttons) come from Qt's catalogue when it is
    there; our catalogue missing is logged and leaves the app in English."""
    global _current
    code = resolve_language(choice)
    app = QCoreApplication.instance()
    if app is not None:
        for old in _translators:
            app.removeTranslator(old)
    _translators.clear()
    if code != "en" and app is not None:
        ours = QTranslator()
        if _load(ours, catalogue_path(code)):
            _translators.append(ours)
        else:
            log.warning("no translation catalogue for %s; showing English", code)
            code = "en"
        qt_own = QTranslator()
        qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
        if code != "en" and _load(qt_own, qt_dir / f"qtbase_{code}.qm"):
            _translators.append(qt_own)
        for translator in _translators:
            app.installTranslator(translator)
    changed = code != _current
    _current = code
    if changed:
        language_events().changed.emit(code)
    return code
