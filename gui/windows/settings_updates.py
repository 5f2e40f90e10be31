"""UpdatesRow: Settings' "Check for updates" button, the opt-out daily check, and what the check found
(available with a button to the download page, up to date, or offline), never blocking the window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.aio import async_slot
from gui.i18n import tr
from gui.updates import UpdateChecker, UpdateResult

__all__ = ["UpdatesRow"]

_ROLES = {"available": "success", "current": "muted", "offline": "warning", "error": "warning"}


def _open_url(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


class UpdatesRow(QWidget):
    """Shows ``checker``'s results; ``open_url`` opens the release page (tests pass their own)."""

    def __init__(
        self,
        checker: UpdateChecker,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[str], bool] = _open_url,
    ) -> None:
        super().__init__(parent)
        self.checker = checker
        self._open_url = open_url
        self._url = ""
        self.daily = QCheckBox(tr("Check for updates once a day"))
        self.daily.setChecked(checker.daily)
        self.check_button = QPushButton(tr("Check for updates"))
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.hide()
        self.download_button = QPushButton(tr("Open download page"))
        self.download_button.hide()
        self.version_note = QLabel(tr("This is version {version}.").format(version=checker.current))
        self.version_note.setProperty("role", "muted")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check_button)
        row.addWidget(self.download_button)
        row.addWidget(self.version_note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.daily)
        layout.addLayout(row)
        layout.addWidget(self.result)
        self.daily.toggled.connect(self._daily_toggled)
        self.check_button.clicked.connect(self.check)
        self.download_button.clicked.connect(self.open_download)
        checker.checked.connect(self.show_result)
        checker.busy_changed.connect(self._busy)
        if checker.last is not None:
            self.show_result(checker.last)

    def _daily_toggled(self, on: bool) -> None:
        self.checker.daily = on

    def _busy(self, busy: bool) -> None:
        self.check_button.setEnabled(not busy)
        if busy:
            self.result.setText(tr("Checking…"))
            self.result.setProperty("role", "muted")
            self.result.style().polish(self.result)
            self.result.show()

    @async_slot()
    async def check(self) -> None:
        await self.checker.check()

    def show_result(self, result: UpdateResult) -> None:
        self.result.setText(result.message)
        self.result.setProperty("role", _ROLES.get(result.state, "muted"))
        self.result.style().polish(self.result)
        self.result.show()
        self.download_button.setVisible(result.state == "available" and bool(result.url))
        self._url = result.url

    def open_download(self) -> None:
        if self._url:
            self._open_url(self._url)
