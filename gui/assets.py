"""Icons and the theme from the ``resources`` package: the app icon at every size and the tray status icons.

One source SVG (``resources/icons/app.svg``) is rendered crisp at each tray size; the status icons add a
coloured dot (and fade the logo while the proxy is stopped), so they read on light and dark menu bars.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from gui.theme import fill_tokens

__all__ = [
    "HEALTH_COLORS",
    "ICON_SIZES",
    "app_icon",
    "dot_icon",
    "provider_color",
    "provider_name",
    "resource_bytes",
    "status_icon",
    "status_pixmap",
    "theme_qss",
]

ICON_SIZES = (16, 20, 22, 24, 32, 40, 48, 64, 128, 256)

HEALTH_COLORS = {
    "running": "#1f9d55",
    "degraded": "#e8a317",
    "starting": "#3b82f6",
    "stopped": "#8a8f98",
    "error": "#e5484d",
}

_PROVIDERS = {
    "claude": ("Claude", "#d97757"),
    "codex": ("ChatGPT (Codex)", "#10a37f"),
    "gemini-cli": ("Google (Gemini CLI)", "#4285f4"),
    "gemini": ("Gemini", "#4285f4"),
    "vertex": ("Vertex AI", "#34a853"),
    "antigravity": ("Antigravity", "#7b3fe4"),
    "qwen": ("Qwen", "#615ced"),
    "iflow": ("iFlow", "#0ea5e9"),
}


def resource_bytes(*parts: str) -> bytes:
    return files("resources").joinpath(*parts).read_bytes()


def theme_qss(scheme: str = "light") -> str:
    """The app's stylesheet in ``scheme`` ("light" or "dark"): ``resources/theme.qss`` with its colours."""
    return fill_tokens(resource_bytes("theme.qss").decode("utf-8"), scheme)


@cache
def _renderer() -> QSvgRenderer:
    return QSvgRenderer(QByteArray(resource_bytes("icons", "app.svg")))


def _logo(size: int, opacity: float = 1.0) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    _renderer().render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(_logo(size))
    return icon


def status_pixmap(health: str, size: int) -> QPixmap:
    """The logo with a status dot in the lower right corner (faded while stopped)."""
    pixmap = _logo(size, 0.45 if health == "stopped" else 1.0)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    diameter = max(6.0, size * 0.46)
    rect = QRectF(size - diameter, size - diameter, diameter, diameter).adjusted(0.5, 0.5, -0.5, -0.5)
    ring = QPen(QColor("#ffffff"))
    ring.setWidthF(max(1.0, size / 16))
    painter.setPen(ring)
    painter.setBrush(QColor(HEALTH_COLORS.get(health, HEALTH_COLORS["stopped"])))
    painter.drawEllipse(rect)
    painter.end()
    return pixmap


def status_icon(health: str) -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES[:8]:
        icon.addPixmap(status_pixmap(health, size))
    return icon


def dot_icon(health: str, size: int = 12) -> QIcon:
    """A coloured dot for a status line; the same in the disabled mode (a menu's status line is disabled)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(HEALTH_COLORS.get(health, HEALTH_COLORS["stopped"])))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Disabled):
        icon.addPixmap(pixmap, mode)
    return icon


def provider_name(provider: str) -> str:
    """How a person calls a provider ("ChatGPT (Codex)"); unknown names are shown as they are."""
    found = _PROVIDERS.get(provider.lower())
    return found[0] if found else provider


def provider_color(provider: str) -> str:
    found = _PROVIDERS.get(provider.lower())
    return found[1] if found else "#6b7280"
