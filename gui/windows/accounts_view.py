"""``AccountsView``: the account list (provider, email, status, expiry, last use, test) and its buttons.

A dumb view: it renders ``AccountRow`` values and emits intents; ``AccountsPage`` does the work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.assets import provider_name
from gui.models import PROVIDERS, Account
from gui.widgets.provider_badge import provider_badge
from gui.widgets.table_models import SORT_ROLE, Column, RowsModel

__all__ = [
    "COLUMNS",
    "AccountRow",
    "AccountsView",
    "describe_delta",
    "mask_email",
    "status_text",
    "used_text",
]

_STATUS_COLORS = {
    "ready": "#15803d",
    "cooling": "#b45309",
    "expired": "#b42318",
    "refresh_failed": "#b42318",
    "invalid": "#b42318",
    "disabled": "#6b7280",
}


def mask_email(email: str) -> str:
    """``ad•••@example.com``: enough to tell accounts apart on a shared screen."""
    local, at, domain = email.partition("@")
    if not at:
        return local[:2] + "•••" if len(local) > 2 else "•••"
    return f"{local[:2]}•••@{domain}"


def describe_delta(moment: float, now: float) -> str:
    """``in 2 h 5 min``, ``10 min ago``, ``in 3 days``."""
    seconds = moment - now
    span = abs(seconds)
    if span < 60:
        text = "less than a minute"
    elif span < 3600:
        text = f"{int(span // 60)} min"
    elif span < 86400:
        hours, minutes = int(span // 3600), int(span % 3600 // 60)
        text = f"{hours} h {minutes} min" if minutes and hours < 10 else f"{hours} h"
    else:
        days = int(span // 86400)
        text = f"{days} day{'s' if days != 1 else ''}"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def used_text(hour_start: float | None, now: float) -> str:
    """When an account was last used, known to the hour (``hour_start`` is that hour's bucket)."""
    if hour_start is None:
        return "—"
    hours = int((now - hour_start) // 3600)
    if hours < 1:
        return "In the last hour"
    return f"{hours} h ago" if hours < 24 else describe_delta(hour_start, now)


def status_text(account: Account, now: float) -> str:
    if account.status == "cooling" and account.cooling_until:
        until = datetime.fromtimestamp(account.cooling_until)
        same_day = until.date() == datetime.fromtimestamp(now).date()
        return f"Cooling until {until:%H:%M}" if same_day else f"Cooling until {until:%a %H:%M}"
    return {
        "ready": "Ready",
        "cooling": "Cooling down",
        "expired": "Login expired",
        "refresh_failed": "Refresh failed",
        "invalid": "Unreadable file",
        "disabled": "Disabled",
    }.get(account.status, account.status)


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One line of the list: the account plus what the page learned about it."""

    account: Account
    now: float
    last_used: float | None = None
    test: str = ""
    masked: bool = True

    @property
    def email(self) -> str:
        shown = self.account.email or self.account.label
        return mask_email(shown) if self.masked and "@" in shown else shown


def _expiry(row: AccountRow) -> str:
    at = row.account.expires_at
    if row.account.kind != "oauth":
        return "API key"
    return "—" if at is None else ("Expired " if at < row.now else "") + describe_delta(at, row.now)


def _status_tip(row: AccountRow) -> str:
    until = row.account.cooling_until
    lines = (
        [f"Usable again {describe_delta(until, row.now)}"]
        if row.account.status == "cooling" and until
        else []
    )
    lines += [
        f"{m.model}: until {datetime.fromtimestamp(m.cooling_until):%H:%M}"
        for m in row.account.models
        if m.cooling_until
    ]
    if row.account.last_error:
        lines.append(row.account.last_error)
    return "\n".join(lines)


def _account_tip(row: AccountRow) -> str:
    lines = [] if row.masked else [row.account.file_name or "API key from the settings"]
    if row.account.priority:
        lines.append(f"Priority {row.account.priority} (higher is used first)")
    return "\n".join(lines)


COLUMNS: tuple[Column[AccountRow], ...] = (
    Column(
        "Provider",
        text=lambda r: provider_name(r.account.provider).split(" (")[0],
        icon=lambda r: provider_badge(r.account.provider),
        tooltip=lambda r: provider_name(r.account.provider),
    ),
    Column("Account", text=lambda r: r.email, tooltip=_account_tip),
    Column(
        "Status",
        text=lambda r: status_text(r.account, r.now),
        sort=lambda r: r.account.status,
        color=lambda r: QColor(_STATUS_COLORS.get(r.account.status, "#374151")),
        tooltip=_status_tip,
    ),
    Column("Login expires", text=_expiry, sort=lambda r: r.account.expires_at or 0.0),
    Column(
        "Last used",
        text=lambda r: used_text(r.last_used, r.now),
        sort=lambda r: r.last_used or 0.0,
        tooltip=lambda r: "" if r.last_used else "Not used in the last 7 days",
    ),
    Column(
        "Test", text=lambda r: r.test, header_tip="Time to first token / whole answer of a tiny test request"
    ),
)


class AccountsView(QWidget):
    """The list and its buttons; emits what the person asked for, never talks to the proxy itself."""

    add_requested = Signal(str)  # provider
    relogin_requested = Signal(str)  # provider
    toggle_requested = Signal(str, bool)  # file name, disabled
    remove_requested = Signal(str)  # file name
    reset_requested = Signal(str)  # account id
    test_requested = Signal(str)  # account id
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: RowsModel[AccountRow] = RowsModel(COLUMNS)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.model)
        self.sorted.setSortRole(SORT_ROLE)
        title = QLabel("Accounts")
        title.setProperty("role", "title")
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.show_emails = QCheckBox("Show emails")
        self.show_emails.toggled.connect(self._remask)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_requested)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        head.addWidget(self.show_emails)
        head.addWidget(refresh)

        add_row = QHBoxLayout()
        add_label = QLabel("Add an account:")
        add_label.setProperty("role", "muted")
        add_row.addWidget(add_label)
        self.add_buttons: dict[str, QPushButton] = {}
        for provider, name in PROVIDERS:
            button = QPushButton(provider_badge(provider), name.split(" (")[0])
            button.setToolTip(f"Log in to {name}")
            button.clicked.connect(self._adder(provider))
            self.add_buttons[provider] = button
            add_row.addWidget(button)
        add_row.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableView::item { padding: 0 6px 0 2px; }")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # long emails elide, nothing scrolls
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.empty = QLabel(
            "No accounts yet.\nLog in with one of the buttons above — your browser opens, you log in, "
            "and the account shows up here."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        self.enable_button = QPushButton("Disable")
        self.relogin_button = QPushButton("Log in again")
        self.reset_button = QPushButton("Reset cooldown")
        self.test_button = QPushButton("Test")
        self.remove_button = QPushButton("Delete…")
        self.remove_button.setProperty("role", "danger")
        # the theme's danger colours would otherwise win over its :disabled look
        self.remove_button.setStyleSheet(
            'QPushButton[role="danger"]:disabled { color: #9ca3af; border-color: #e5e7eb; }'
        )
        self.enable_button.clicked.connect(self._toggle)
        self.relogin_button.clicked.connect(self._relogin)
        self.reset_button.clicked.connect(self._reset)
        self.test_button.clicked.connect(self._test)
        self.remove_button.clicked.connect(self.confirm_remove)
        actions = QHBoxLayout()
        for button in (self.enable_button, self.relogin_button, self.reset_button, self.test_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(head)
        layout.addLayout(add_row)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        layout.addLayout(actions)
        self._update_buttons()

    # -- rendering ---------------------------------------------------------------------------------------

    def show_rows(self, rows: list[AccountRow]) -> None:
        chosen = self.selected()
        masked = not self.show_emails.isChecked()
        self.model.set_rows([replace(r, masked=masked) for r in rows])
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        ready = sum(1 for r in rows if r.account.status == "ready")
        self.summary.setText(
            f"{len(rows)} account{'s' if len(rows) != 1 else ''} · {ready} ready" if rows else ""
        )
        if chosen is not None:
            self.select(chosen.account.id)
        self._update_buttons()

    def show_message(self, text: str, role: str = "error") -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def select(self, account_id: str) -> None:
        for proxy_row in range(self.sorted.rowCount()):
            source = self.sorted.mapToSource(self.sorted.index(proxy_row, 0))
            if self.model.row(source.row()).account.id == account_id:
                self.table.selectRow(proxy_row)
                return

    def selected(self) -> AccountRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.row(self.sorted.mapToSource(rows[0]).row())

    def _remask(self) -> None:
        self.show_rows(self.model.rows())

    def _update_buttons(self) -> None:
        row = self.selected()
        account = row.account if row else None
        has_file = bool(account and account.file_name)
        self.enable_button.setEnabled(has_file)
        self.enable_button.setText("Enable" if account and account.disabled else "Disable")
        self.relogin_button.setEnabled(bool(account and account.kind == "oauth"))
        self.reset_button.setEnabled(bool(account and account.status == "cooling"))
        self.test_button.setEnabled(bool(account and not account.disabled))
        self.remove_button.setEnabled(has_file)
        tip = "" if has_file or account is None else "API keys are edited in Settings"
        self.enable_button.setToolTip(tip)
        self.remove_button.setToolTip(tip)

    # -- intents -----------------------------------------------------------------------------------------

    def _adder(self, provider: str) -> Callable[[], None]:
        return lambda: self.add_requested.emit(provider)

    def _toggle(self) -> None:
        row = self.selected()
        if row and row.account.file_name:
            self.toggle_requested.emit(row.account.file_name, not row.account.disabled)

    def _relogin(self) -> None:
        row = self.selected()
        if row:
            self.relogin_requested.emit(row.account.provider)

    def _reset(self) -> None:
        row = self.selected()
        if row:
            self.reset_requested.emit(row.account.id)

    def _test(self) -> None:
        row = self.selected()
        if row:
            self.test_requested.emit(row.account.id)

    def confirm_remove(self) -> QMessageBox | None:
        """Ask first (window-modal, without blocking the loop); ``remove_requested`` only on Yes."""
        row = self.selected()
        if row is None or not row.account.file_name:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete account",
            f"Delete the {provider_name(row.account.provider)} account {row.email}?\n\n"
            "Its login file is removed from this computer. You can log in again later.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        file_name = row.account.file_name
        box.accepted.connect(lambda: self.remove_requested.emit(file_name))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _context_menu(self, where: QPoint) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        for button in (self.enable_button, self.relogin_button, self.reset_button, self.test_button):
            action = menu.addAction(button.text(), button.click)
            action.setEnabled(button.isEnabled())
        menu.addSeparator()
        menu.addAction(self.remove_button.text(), self.remove_button.click).setEnabled(
            self.remove_button.isEnabled()
        )
        menu.popup(self.table.viewport().mapToGlobal(where))
