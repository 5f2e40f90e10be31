"""Quota bars: the "62% left · resets in 2 h 14 min" texts and a table delegate painting one thin bar per
quota window (red at 20 % left or less, amber at 50 % or less, else green)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui.i18n import N_, tr
from gui.models import QuotaWindow
from gui.quota import quota_color

__all__ = [
    "BAR_HEIGHT",
    "MAX_BARS",
    "QuotaDelegate",
    "duration_text",
    "left_text",
    "paint_bars",
    "quota_tip",
    "reset_text",
    "window_text",
]

BAR_HEIGHT = 4
MAX_BARS = 3
"""Windows drawn in one cell (the rest are in its tooltip)."""
_PROXY_LABELS = (N_("5-hour"), N_("Weekly"))  # window labels the proxy sends (contract C1), shown via tr()
_WIDTH = 180
_PAD = 3
_Index = QModelIndex | QPersistentModelIndex
WindowsAt = Callable[[_Index], tuple[Sequence[QuotaWindow], float]]


def duration_text(seconds: float) -> str:
    """``2 h 14 min``, ``3 d 4 h``, ``12 min``, ``less than a minute``."""
    span = max(0, int(seconds))
    days, hours, minutes = span // 86400, span % 86400 // 3600, span % 3600 // 60
    if days and hours:
        return tr("{days} d {hours} h").format(days=days, hours=hours)
    if days:
        return tr("{days} d").format(days=days)
    if hours:
        return tr("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    if minutes:
        return tr("{minutes} min").format(minutes=minutes)
    return tr("less than a minute")


def reset_text(resets_at: float | None, now: float) -> str:
    """``resets in 2 h 14 min`` ("" when unknown, "reset" once the moment passed)."""
    if resets_at is None:
        return ""
    if resets_at <= now:
        return tr("reset")
    return tr("resets in {time}").format(time=duration_text(resets_at - now))


def left_text(window: QuotaWindow) -> str:
    return tr("{percent}% left").format(percent=f"{window.left_percent:.0f}")


def window_text(window: QuotaWindow, now: float) -> str:
    """``5-hour: 62% left · resets in 2 h 14 min``."""
    line = tr("{label}: {left}").format(label=tr(window.label), left=left_text(window))
    reset = reset_text(window.resets_at, now)
    return f"{line} · {reset}" if reset else line


def quota_tip(windows: Sequence[QuotaWindow], now: float) -> str:
    """Every window on its own line (the cell shows at most ``MAX_BARS``)."""
    return "\n".join(window_text(w, now) for w in windows)


def _line_height(metrics: QFontMetrics) -> int:
    return metrics.height() + BAR_HEIGHT + 2 * _PAD


def paint_bars(
    painter: QPainter, rect: QRect, windows: Sequence[QuotaWindow], now: float, text_color: QColor
) -> list[QRectF]:
    """Draw up to ``MAX_BARS`` windows in ``rect`` (label line, then the bar); returns the bars' rects."""
    metrics = QFontMetrics(painter.font())
    step = _line_height(metrics)
    bars: list[QRectF] = []
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    top = rect.top() + max(0, (rect.height() - step * min(len(windows), MAX_BARS)) // 2)
    for window in windows[:MAX_BARS]:
        label = tr("{label} · {left}").format(label=tr(window.label), left=left_text(window))
        reset = reset_text(window.resets_at, now)
        text_rect = QRect(rect.left() + 4, top + _PAD, rect.width() - 8, metrics.height())
        painter.setPen(text_color)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        room = text_rect.width() - metrics.horizontalAdvance(label) - 8
        if reset and metrics.horizontalAdvance(reset) > room:
            reset = (
                duration_text(window.resets_at - now) if window.resets_at and window.resets_at > now else ""
            )
            reset = reset if metrics.horizontalAdvance(reset) <= room else ""
        if reset:
            muted = QColor(text_color)
            muted.setAlphaF(0.6)
            painter.setPen(muted)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, reset)
        track = QRectF(text_rect.left(), text_rect.bottom() + 2, text_rect.width(), BAR_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(127, 127, 127, 60))
        painter.drawRoundedRect(track, 2, 2)
        filled = QRectF(track.left(), track.top(), track.width() * window.left_percent / 100, BAR_HEIGHT)
        painter.setBrush(QColor(quota_color(window.left_percent)))
        if filled.width() > 0:
            painter.drawRoundedRect(filled, 2, 2)
        bars.append(filled)
        top += step
    painter.restore()
    return bars


class QuotaDelegate(QStyledItemDelegate):
    """Paints the quota column: ``windows_at(index)`` gives the row's windows and the current time."""

    def __init__(self, windows_at: WindowsAt, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._windows_at = windows_at

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        windows, now = self._windows_at(index)
        if not windows:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else None
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        paint_bars(painter, option.rect, windows, now, option.palette.color(role))

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        windows, _now = self._windows_at(index)
        if not windows:
            return super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        return QSize(_WIDTH, _line_height(metrics) * min(len(windows), MAX_BARS) + 2)
