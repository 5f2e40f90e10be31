"""``AccountsView``: the account list (provider, email, status, expiry, last use, quota bars, test) and its
buttons.

A dumb view: it renders ``AccountRow`` values and emits intents; ``AccountsPage`` does the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
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
from gui.i18n import tr
from gui.models import PROVIDERS, QuotaWindow
from gui.widgets.flow_layout import FlowLayout
from gui.widgets.provider_badge import provider_badge
from gui.widgets.quota_bar import QuotaDelegate
from gui.widgets.table_models import SORT_ROLE, RowsModel
from gui.windows.account_rows import (
    COLUMNS,
    QUOTA_COLUMN,
    TEST_COLUMN,
    AccountRow,
    describe_delta,
    mask_email,
    status_text,
    used_text,
)
from gui.windows.provider_switch import ServicesButton

__all__ = [
    "COLUMNS",
    "PRIORITY_MAX",
    "PRIORITY_MIN",
    "AccountRow",
    "AccountsView",
    "describe_delta",
    "mask_email",
    "status_text",
    "used_text",
]


PRIORITY_MIN, PRIORITY_MAX = -1000, 1000
"""The range the priority dialog offers."""


class AccountsView(QWidget):
    """The list and its buttons; emits what the person asked for, never talks to the proxy itself."""

    add_requested = Signal(str)  # provider
    relogin_requested = Signal(str)  # provider
    toggle_requested = Signal(str, bool)  # file name, disabled
    remove_requested = Signal(str)  # file name
    priority_requested = Signal(str, int)  # file name, priority (higher is used first)
    reset_requested = Signal(str)  # account id
    test_requested = Signal(str)  # account id
    refresh_requested = Signal()
    quota_refresh_requested = Signal(str)  # account id, "" = every account

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: RowsModel[AccountRow] = RowsModel(COLUMNS)
        self.sorted = QSortFilterProxyModel(self)
        self.sorted.setSourceModel(self.model)
        self.sorted.setSortRole(SORT_ROLE)
        title = QLabel(tr("Accounts"))
        title.setProperty("role", "title")
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.show_emails = QCheckBox(tr("Show emails"))
        self.show_emails.toggled.connect(self._remask)
        refresh = QPushButton(tr("Refresh"))
        refresh.clicked.connect(self.refresh_requested)
        self.quota_button = QPushButton(tr("Refresh quota"))
        self.quota_button.setToolTip(tr("Ask the providers now how much of each account's quota is left"))
        self.quota_button.clicked.connect(lambda: self.quota_refresh_requested.emit(""))
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.summary, 1)
        head.addWidget(self.show_emails)
        head.addWidget(self.quota_button)
        head.addWidget(refresh)

        add_row = FlowLayout()  # the buttons wrap onto a second line in a narrow window
        add_label = QLabel(tr("Add an account:"))
        add_label.setProperty("role", "muted")
        add_row.addWidget(add_label)
        self.add_buttons: dict[str, QPushButton] = {}
        for provider, name in PROVIDERS:
            button = QPushButton(provider_badge(provider), name.split(" (")[0])
            button.setToolTip(tr("Log in to {name}").format(name=name))
            button.clicked.connect(self._adder(provider))
            self.add_buttons[provider] = button
            add_row.addWidget(button)
        self.services = ServicesButton()  # the row that wraps: the header has no room left at 900 px
        add_row.addWidget(self.services)

        self.table = QTableView()
        self.table.setModel(self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.quota_column = [c.title for c in COLUMNS].index(QUOTA_COLUMN)
        self.quota_delegate = QuotaDelegate(self._quota_at, self.table)
        self.table.setItemDelegateForColumn(self.quota_column, self.quota_delegate)
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableView::item { padding: 0 6px 0 2px; }")
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # long emails elide, nothing scrolls
        # the quota bars get the width they ask for (label, % left and reset time side by side)
        self.test_column = [c.title for c in COLUMNS].index(TEST_COLUMN)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.empty = QLabel(
            tr(
                "No accounts yet.\nLog in with one of the buttons above — your browser opens, you log in, "
                "and the account shows up here."
            )
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        self.enable_button = QPushButton(tr("Disable"))
        self.relogin_button = QPushButton(tr("Log in again"))
        self.reset_button = QPushButton(tr("Reset cooldown"))
        self.test_button = QPushButton(tr("Test"))
        self.priority_button = QPushButton(tr("Set priority…"))
        self.priority_button.setToolTip(tr("Accounts with a higher priority are used first"))
        self.remove_button = QPushButton(tr("Delete…"))
        self.remove_button.setProperty("role", "danger")
        self.enable_button.clicked.connect(self._toggle)
        self.relogin_button.clicked.connect(self._relogin)
        self.reset_button.clicked.connect(self._reset)
        self.test_button.clicked.connect(self._test)
        self.remove_button.clicked.connect(self.confirm_remove)
        self.priority_button.clicked.connect(self.ask_priority)
        actions = QHBoxLayout()
        for button in self._row_buttons():
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
        # the test column only takes room once an account was tested
        self.table.setColumnHidden(self.test_column, not any(r.test for r in rows))
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        ready = sum(1 for r in rows if r.account.status == "ready" and not r.service_off)
        self.summary.setText(
            (
                tr("{count} account · {ready} ready")
                if len(rows) == 1
                else tr("{count} accounts · {ready} ready")
            ).format(count=len(rows), ready=ready)
            if rows
            else ""
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

    def _quota_at(self, index: QModelIndex | QPersistentModelIndex) -> tuple[Sequence[QuotaWindow], float]:
        source = self.sorted.mapToSource(self.sorted.index(index.row(), index.column()))
        if not source.isValid():
            return (), 0.0
        row = self.model.row(source.row())
        return row.quota, row.now

    def _remask(self) -> None:
        self.show_rows(self.model.rows())

    def _update_buttons(self) -> None:
        row = self.selected()
        account = row.account if row else None
        has_file = bool(account and account.file_name)
        self.enable_button.setEnabled(has_file)
        self.enable_button.setText(tr("Enable") if account and account.disabled else tr("Disable"))
        self.relogin_button.setEnabled(bool(account and account.kind == "oauth"))
        self.reset_button.setEnabled(bool(account and account.status == "cooling"))
        self.test_button.setEnabled(bool(account and not account.disabled))
        self.remove_button.setEnabled(has_file)
        self.priority_button.setEnabled(has_file)
        tip = "" if has_file or account is None else tr("API keys are edited in Settings")
        self.enable_button.setToolTip(tip)
        self.remove_button.setToolTip(tip)

    def _row_buttons(self) -> tuple[QPushButton, ...]:
        """The buttons acting on the selected row (also the context menu's entries)."""
        return (
            self.enable_button,
            self.relogin_button,
            self.reset_button,
            self.test_button,
            self.priority_button,
        )

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

    def _refresh_quota(self) -> None:
        row = self.selected()
        if row:
            self.quota_refresh_requested.emit(row.account.id)

    def ask_priority(self) -> QInputDialog | None:
        """Ask for the selected file's priority (window-modal, without blocking the loop);
        ``priority_requested`` only on OK."""
        row = self.selected()
        if row is None or not row.account.file_name:
            return None
        dialog = QInputDialog(self)
        dialog.setWindowTitle(tr("Set priority"))
        dialog.setLabelText(
            tr("Priority of {email} (higher is used first, 0 is the default):").format(email=row.email)
        )
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(PRIORITY_MIN, PRIORITY_MAX)
        dialog.setIntValue(max(PRIORITY_MIN, min(PRIORITY_MAX, row.account.priority)))
        file_name = row.account.file_name
        dialog.intValueSelected.connect(lambda value: self.priority_requested.emit(file_name, value))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def confirm_remove(self) -> QMessageBox | None:
        """Ask first (window-modal, without blocking the loop); ``remove_requested`` only on Yes."""
        row = self.selected()
        if row is None or not row.account.file_name:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            tr("Delete account"),
            tr(
                "Delete the {provider} account {email}?\n\n"
                "Its login file is removed from this computer. You can log in again later."
            ).format(provider=provider_name(row.account.provider), email=row.email),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(tr("Delete"))
        file_name = row.account.file_name
        box.accepted.connect(lambda: self.remove_requested.emit(file_name))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _context_menu(self, where: QPoint) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        for button in self._row_buttons():
            action = menu.addAction(button.text(), button.click)
            action.setEnabled(button.isEnabled())
        menu.addAction(tr("Refresh quota"), self._refresh_quota)
        menu.addSeparator()
        menu.addAction(self.remove_button.text(), self.remove_button.click).setEnabled(
            self.remove_button.isEnabled()
        )
        menu.popup(self.table.viewport().mapToGlobal(where))
