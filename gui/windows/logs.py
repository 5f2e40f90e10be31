"""LogsPage: the proxy's main log, tailed through the client every few seconds (and on events), filtered.

Filters (level, provider, text search, management traffic) only change what is shown; the lines stay in memory
(the newest ``MAX_LINES``). The server stamps lines to the second and answers "after" strictly, so each
fetch asks from one second before the newest stamp and drops the lines of that second it already has.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.aio import async_slot
from gui.assets import provider_name
from gui.client import ManagementError
from gui.i18n import N_, tr
from gui.models import LogLine
from gui.state import AppState
from gui.theme import tone

__all__ = ["LEVELS", "MAX_LINES", "PROVIDER_WORDS", "LogsClient", "LogsPage", "line_passes"]

MAX_LINES = 5000
_FETCH = 500
LEVELS = (
    (N_("All levels"), ""),
    (N_("Info and above"), "info"),
    (N_("Warnings and errors"), "warn"),
    (N_("Errors"), "error"),
)
_RANK = {"debug": 0, "info": 1, "warn": 2, "warning": 2, "error": 3, "fatal": 4}
_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]")
_TONES = {"error": "error", "fatal": "error", "warn": "warning", "debug": "muted"}  # theme colour names
_MANAGEMENT = ("/v0/management", "management API")
PROVIDER_WORDS = {
    "claude": ("claude", "anthropic"),
    "codex": ("codex", "gpt-"),
    "gemini-cli": ("gemini-cli",),
    "gemini": ("gemini", "aistudio"),
    "vertex": ("vertex",),
    "antigravity": ("antigravity",),
    "qwen": ("qwen",),
    "iflow": ("iflow",),
}
"""What a line of each provider mentions (its name, its API's or its models'), for the provider filter."""


class LogsClient(Protocol):
    async def logs(self, after: float | None, limit: int) -> tuple[list[LogLine], float]: ...


def line_passes(line: LogLine, level: str, search: str, hide_management: bool, provider: str = "") -> bool:
    """Whether a line (with its effective level) is shown under the current filters."""
    if level and _RANK.get(line.level, 1) < _RANK[level]:
        return False
    if provider and not any(word in line.text.lower() for word in PROVIDER_WORDS.get(provider, (provider,))):
        return False
    if hide_management and any(marker in line.text for marker in _MANAGEMENT):
        return False
    return not search or search.lower() in line.text.lower()


class LogsPage(QWidget):
    """Live tail of the main log with level, search and "hide management traffic" filters."""

    def __init__(
        self,
        state: AppState | None,
        client: LogsClient,
        *,
        log_folder: Path | None = None,
        interval_ms: int = 3000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._log_folder = log_folder
        self._lines: list[LogLine] = []
        self._latest: float | None = None
        self._tail: set[str] = set()
        self._loading = False

        title = QLabel(tr("Logs"))
        title.setProperty("role", "title")
        self.level = QComboBox()
        for text, value in LEVELS:
            self.level.addItem(tr(text), value)
        self.provider = QComboBox()
        self.provider.addItem(tr("All providers"), "")
        for key in PROVIDER_WORDS:
            self.provider.addItem(provider_name(key), key)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Search the log…"))
        self.search.setClearButtonEnabled(True)
        self.hide_management = QCheckBox(tr("Hide management traffic"))
        self.hide_management.setChecked(True)
        self.pause = QCheckBox(tr("Pause"))
        self.open_folder = QPushButton(tr("Open log folder"))
        self.open_folder.setVisible(log_folder is not None)
        self.clear_button = QPushButton(tr("Clear view"))
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setProperty("role", "mono")
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setPlaceholderText(tr("No log lines yet. Requests and account events appear here."))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "muted")

        filters = QHBoxLayout()
        filters.addWidget(self.level)
        filters.addWidget(self.provider)
        filters.addWidget(self.search, 1)
        header = QHBoxLayout()  # the check boxes sit up here so neither row is wider than a small window
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.hide_management)
        header.addWidget(self.pause)
        header.addSpacing(8)
        header.addWidget(self.clear_button)
        header.addWidget(self.open_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)

        self.level.currentIndexChanged.connect(self._render)
        self.provider.currentIndexChanged.connect(self._render)
        self.search.textChanged.connect(self._render)
        self.hide_management.toggled.connect(self._render)
        self.clear_button.clicked.connect(self.clear)
        self.open_folder.clicked.connect(self._open_folder)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        if state is not None:
            state.usage_changed.connect(self._tick)
        self.message.hide()

    # -- data --------------------------------------------------------------------------------------

    @property
    def lines(self) -> list[LogLine]:
        return list(self._lines)

    def shown_text(self) -> str:
        return self.view.toPlainText()

    @async_slot()
    async def refresh(self) -> None:
        """Fetch lines newer than those already shown (all of the recent ones the first time)."""
        if self._loading:
            return
        self._loading = True
        try:
            after = None if self._latest is None else self._latest - 1
            lines, latest = await self._client.logs(after, _FETCH)
        except ManagementError as exc:
            self._show_message(exc.message, "error")
            return
        finally:
            self._loading = False
        self.message.hide()
        self._add(lines, latest)

    def _add(self, lines: list[LogLine], latest: float) -> None:
        fresh = [line for line in lines if line.text not in self._tail]
        self._latest = max(latest, self._latest or 0.0)
        if lines:
            self._tail = _last_second(lines)
        fresh = _with_levels(fresh, self._lines[-1].level if self._lines else "info")
        self._lines.extend(fresh)
        del self._lines[:-MAX_LINES]
        filters = self._filters()
        for line in fresh:
            if line_passes(line, *filters):
                self.view.appendHtml(_html(line))

    def clear(self) -> None:
        self._lines.clear()
        self.view.clear()

    def _filters(self) -> tuple[str, str, bool, str]:
        return (
            str(self.level.currentData() or ""),
            self.search.text().strip(),
            self.hide_management.isChecked(),
            str(self.provider.currentData() or ""),
        )

    def _render(self) -> None:
        filters = self._filters()
        self.view.clear()
        shown = [_html(line) for line in self._lines if line_passes(line, *filters)]
        if shown:
            self.view.appendHtml("<br>".join(shown))

    def _show_message(self, text: str, role: str) -> None:
        if "logging to file disabled" in text.lower():
            text = tr(
                "Logging to files is off, so there is nothing to show. "
                "Turn on “Write logs to files” in Settings."
            )
            role = "muted"
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().polish(self.message)
        self.message.show()

    # -- timing ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        if self.isVisible() and not self.pause.isChecked():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def _open_folder(self) -> None:
        if self._log_folder is not None:
            self._log_folder.mkdir(parents=True, exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_folder)))


def _last_second(lines: list[LogLine]) -> set[str]:
    """The lines stamped with the newest second (and their continuation lines)."""
    stamp = ""
    tail: set[str] = set()
    for line in lines:
        match = _STAMP.match(line.text)
        if match and match[1] != stamp:
            stamp, tail = match[1], set()
        tail.add(line.text)
    return tail


def _with_levels(lines: list[LogLine], previous: str) -> list[LogLine]:
    """Continuation lines (tracebacks) take the level of the line they continue."""
    out = []
    for line in lines:
        level = line.level or previous
        out.append(line if line.level else LogLine(line.text, level))
        previous = level
    return out


def _html(line: LogLine) -> str:
    text = html.escape(line.text)
    color = tone(_TONES[line.level]) if line.level in _TONES else ""
    return f'<span style="color:{color}">{text}</span>' if color else text
