"""The light and dark look: colour tables, the Qt palette and stylesheet built from them, and the System /
Light / Dark choice applied at runtime (System follows the desktop's colour scheme as it changes).

``resources/theme.qss`` is one stylesheet with ``@name`` colour tokens filled from ``COLORS[scheme]``;
code that paints or colours text itself asks ``tone(name)`` at paint time, so it follows a switch too.
The style is Fusion on every platform: the one built-in style that honours a dark palette everywhere.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from gui.i18n import N_

__all__ = [
    "COLORS",
    "THEMES",
    "ThemeEvents",
    "apply_theme",
    "current_scheme",
    "fill_tokens",
    "forget_choice",
    "palette_for",
    "resolve_scheme",
    "system_scheme",
    "theme_events",
    "tone",
]

THEMES: tuple[tuple[str, str], ...] = (
    ("system", N_("Same as the system")),
    ("light", N_("Light")),
    ("dark", N_("Dark")),
)
"""(choice, label) for the Settings menu."""

_LIGHT = {
    "bg": "#ffffff",
    "base": "#ffffff",
    "text": "#1f2328",
    "strong": "#111827",
    "muted": "#636b78",
    "sidebar": "#f3f4f6",
    "sidebar_item": "#374151",
    "sidebar_hover": "#e9eaee",
    "sidebar_sel": "#dfe3ff",
    "sidebar_sel_text": "#1e2a78",
    "border": "#e5e7eb",
    "input_border": "#d1d5db",
    "hover": "#f3f4f6",
    "pressed": "#e5e7eb",
    "disabled_text": "#9ca3af",
    "disabled_bg": "#f9fafb",
    "accent": "#4f5bd5",
    "link": "#4f5bd5",
    "accent_hover": "#4350c4",
    "accent_disabled": "#a5abe8",
    "on_accent_disabled": "#ffffff",
    "on_accent": "#ffffff",
    "accent_soft": "#e8ebff",
    "accent_soft_text": "#1e2a78",
    "selection": "#c7cdfa",
    "error": "#b42318",
    "warning": "#92400e",
    "success": "#166534",
    "danger_border": "#f1b5ae",
    "danger_hover": "#fef3f2",
    "banner_bg": "#fff7e6",
    "banner_border": "#f5d49a",
    "gridline": "#f0f1f3",
    "alt_row": "#fafafb",
    "header_bg": "#f9fafb",
    "header_text": "#4b5563",
    "tooltip_bg": "#111827",
    "tooltip_text": "#ffffff",
}
_DARK = {
    "bg": "#1e1f22",
    "base": "#2b2d32",
    "text": "#e3e5e8",
    "strong": "#f3f4f6",
    "muted": "#a0a6b0",
    "sidebar": "#17181b",
    "sidebar_item": "#c9ccd3",
    "sidebar_hover": "#26282d",
    "sidebar_sel": "#313868",
    "sidebar_sel_text": "#e4e7ff",
    "border": "#34373e",
    "input_border": "#4a4e58",
    "hover": "#2c2e34",
    "pressed": "#363941",
    "disabled_text": "#6e737c",
    "disabled_bg": "#232428",
    "accent": "#5560d8",
    "link": "#9aa3ff",
    "accent_hover": "#6570e0",
    "accent_disabled": "#353a66",
    "on_accent_disabled": "#8c91bd",
    "on_accent": "#ffffff",
    "accent_soft": "#2f3563",
    "accent_soft_text": "#e4e7ff",
    "selection": "#3f4a8a",
    "error": "#ff8f87",
    "warning": "#f5b451",
    "success": "#5bd68a",
    "danger_border": "#7d3f3a",
    "danger_hover": "#3a2624",
    "banner_bg": "#3b301b",
    "banner_border": "#6e5627",
    "gridline": "#2c2e33",
    "alt_row": "#222327",
    "header_bg": "#26282c",
    "header_text": "#b9bec7",
    "tooltip_bg": "#f3f4f6",
    "tooltip_text": "#111827",
}
COLORS: dict[str, dict[str, str]] = {"light": _LIGHT, "dark": _DARK}
"""scheme → token → ``#rrggbb``; both schemes have the same tokens."""

_TOKEN = re.compile(r"@([a-z_]+)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_current = "light"
_choice = "system"
_hooked = False
_fusion = False


class ThemeEvents(QObject):
    """``changed(scheme)`` after the look was (re)applied: "light" or "dark"."""

    changed = Signal(str)

    def system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if _choice == "system":
            app = QApplication.instance()
            if isinstance(app, QApplication):
                apply_theme(app, "system")


_events: ThemeEvents | None = None


def theme_events() -> ThemeEvents:
    global _events
    if _events is None:
        _events = ThemeEvents()
    return _events


def fill_tokens(template: str, scheme: str) -> str:
    """``template`` without comments, each ``@token`` replaced by its colour (unknown: a KeyError)."""
    colors = COLORS[scheme]
    return _TOKEN.sub(lambda match: colors[match.group(1)], _COMMENT.sub("", template))


def tone(name: str) -> str:
    """The colour ``name`` (error, warning, success, muted, accent …) of the scheme shown now."""
    return COLORS[_current][name]


def current_scheme() -> str:
    return _current


def system_scheme() -> str:
    hints = QGuiApplication.styleHints()
    return "dark" if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def resolve_scheme(choice: str) -> str:
    return choice if choice in COLORS else system_scheme()


def palette_for(scheme: str) -> QPalette:
    c = {key: QColor(value) for key, value in COLORS[scheme].items()}
    palette = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: c["bg"],
        role.WindowText: c["text"],
        role.Base: c["base"],
        role.AlternateBase: c["alt_row"],
        role.Text: c["text"],
        role.Button: c["hover"] if scheme == "dark" else c["bg"],
        role.ButtonText: c["text"],
        role.BrightText: c["error"],
        role.Highlight: c["accent"],
        role.HighlightedText: c["on_accent"],
        role.ToolTipBase: c["tooltip_bg"],
        role.ToolTipText: c["tooltip_text"],
        role.PlaceholderText: c["muted"],
        role.Link: c["link"],
        role.LinkVisited: c["link"],
        role.Light: c["pressed"].lighter(130) if scheme == "dark" else QColor("#ffffff"),
        role.Midlight: c["border"],
        role.Mid: c["input_border"],
        role.Dark: c["input_border"].darker(130),
        role.Shadow: QColor("#000000"),
    }
    for color_role, color in pairs.items():
        palette.setColor(color_role, color)
    for color_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, color_role, c["disabled_text"])
    palette.setColor(QPalette.ColorGroup.Disabled, role.Base, c["disabled_bg"])
    return palette


def forget_choice() -> None:
    """Back to the state before any ``apply_theme`` (for tests that put Qt's own look back)."""
    global _choice, _current, _fusion
    _choice, _current, _fusion = "system", "light", False


def apply_theme(app: QApplication, choice: str) -> str:
    """Show ``choice`` (system / light / dark) now: style, palette, stylesheet; returns the scheme used."""
    global _current, _choice
    from gui.assets import theme_qss  # assets imports this module for tone()

    global _hooked, _fusion
    hints = app.styleHints()
    events = theme_events()
    if not _hooked and hints is not None:
        hints.colorSchemeChanged.connect(events.system_changed)
        _hooked = True
    _choice = choice if choice in ("system", *COLORS) else "system"
    if hints is not None and choice in COLORS:
        hints.setColorScheme(Qt.ColorScheme.Dark if choice == "dark" else Qt.ColorScheme.Light)
    elif hints is not None and _choice == "system":
        hints.unsetColorScheme()
    scheme = resolve_scheme(_choice)
    if not _fusion:
        app.setStyle("Fusion")  # once: with a stylesheet set, style().name() no longer says which
        _fusion = True
    app.setPalette(palette_for(scheme))
    app.setStyleSheet(theme_qss(scheme))
    _current = scheme
    events.changed.emit(scheme)
    return scheme
