"""OnboardingDialog: the first run in four short steps (what the app does, your address and key, a first
account, a first tool); skippable at every step and never shown again once finished or skipped."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.assets import app_icon, provider_name
from gui.i18n import tr
from gui.models import PROVIDERS
from gui.prefs import Prefs
from gui.widgets.secret_field import SecretField

__all__ = ["OnboardingDialog", "should_show"]

STEPS = ("welcome", "key", "account", "tool")


def should_show(prefs: Prefs) -> bool:
    return not prefs.onboarding_done


def _text(text: str, role: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        label.setProperty("role", role)
    return label


class OnboardingDialog(QDialog):
    """``login_requested(provider)`` and ``tool_setup_requested`` are intents the app carries out."""

    login_requested = Signal(str)
    tool_setup_requested = Signal()

    def __init__(
        self, prefs: Prefs, *, base_url: str = "", api_key: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self.setWindowTitle(tr("Welcome to CLIProxyAPI"))
        self.setMinimumSize(560, 400)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._welcome())
        self.stack.addWidget(self._key_step(base_url, api_key))
        self.stack.addWidget(self._account_step())
        self.stack.addWidget(self._tool_step())
        self.skip_button = QPushButton(tr("Skip"))
        self.skip_button.setProperty("role", "link")
        self.back_button = QPushButton(tr("Back"))
        self.next_button = QPushButton(tr("Next"))
        self.next_button.setProperty("role", "primary")
        self.next_button.setMinimumWidth(110)  # fits "Finish" too: the text changes on the last step
        self.step_label = _text("", "muted")
        nav = QHBoxLayout()
        nav.addWidget(self.skip_button)
        nav.addStretch(1)
        nav.addWidget(self.step_label)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.addWidget(self.stack, 1)
        layout.addLayout(nav)
        self.skip_button.clicked.connect(self.skip)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.advance)
        self._show_step(0)

    # -- steps -------------------------------------------------------------------------------------

    def _page(self, title: str, *parts: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(_text(title, "title"))
        for part in parts:
            layout.addWidget(part)
        layout.addStretch(1)
        return page

    def _welcome(self) -> QWidget:
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(72, 72))
        page = self._page(
            tr("Use your AI subscriptions in any tool"),
            _text(
                tr(
                    "CLIProxyAPI runs a small proxy on this computer. Tools such as Claude Code, Codex, "
                    "Gemini CLI or any app that speaks the OpenAI, Anthropic or Gemini API connect to it, "
                    "and it answers them with your own Claude, ChatGPT, Google, Qwen or iFlow accounts "
                    "and API keys."
                )
            ),
            _text(
                tr(
                    "It lives in the tray (the menu bar on a Mac). Closing its window keeps it running; "
                    "use Quit in the tray menu to stop it."
                ),
                "muted",
            ),
        )
        layout = page.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, logo)
        return page

    def _key_step(self, base_url: str, api_key: str) -> QWidget:
        self.url_field = QLineEdit(base_url)
        self.url_field.setReadOnly(True)
        self.url_field.setProperty("role", "mono")
        copy_url = QPushButton(tr("Copy"))
        copy_url.clicked.connect(self._copy_url)
        url_row = QWidget()
        row = QHBoxLayout(url_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.url_field, 1)
        row.addWidget(copy_url)
        self.key_field = SecretField(api_key)
        return self._page(
            tr("Your address and key"),
            _text(tr("Tools need two things to connect: the address of the proxy and a key.")),
            _text(tr("Address (base URL)"), "subtitle"),
            url_row,
            _text(tr("Client API key"), "subtitle"),
            self.key_field,
            _text(tr("Keep the key private. You find both again in Settings."), "muted"),
        )

    def _account_step(self) -> QWidget:
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.login_buttons: dict[str, QPushButton] = {}
        for i, (provider, _name) in enumerate(PROVIDERS):
            button = QPushButton(tr("Log in to {0}").format(provider_name(provider)))
            button.setProperty("provider", provider)
            button.clicked.connect(self._login_clicked)
            self.login_buttons[provider] = button
            grid.addWidget(button, i // 2, i % 2)
        return self._page(
            tr("Log in to a first account"),
            _text(tr("Pick the service you pay for. Your browser opens its login page.")),
            grid_box,
            _text(tr("You can add more accounts and API keys later on the Accounts page."), "muted"),
        )

    def _tool_step(self) -> QWidget:
        self.tool_button = QPushButton(tr("Set up Claude Code, Codex or Gemini CLI"))
        self.tool_button.setProperty("role", "primary")
        self.tool_button.clicked.connect(self._tool_clicked)
        button_row = QWidget()
        row = QHBoxLayout(button_row)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.tool_button)
        row.addStretch(1)
        return self._page(
            tr("Connect a tool"),
            _text(
                tr(
                    "The app can write the settings of Claude Code, Codex and Gemini CLI for you. It makes "
                    "a backup first and can undo it."
                )
            ),
            button_row,
        )

    # -- navigation --------------------------------------------------------------------------------

    @property
    def step(self) -> str:
        return STEPS[self.stack.currentIndex()]

    def set_key(self, base_url: str, api_key: str) -> None:
        """Fill in the address and key once the proxy runs."""
        if base_url:
            self.url_field.setText(base_url)
        if api_key:
            self.key_field.set_value(api_key)

    def _show_step(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        last = index == len(STEPS) - 1
        self.back_button.setEnabled(index > 0)
        self.next_button.setText(tr("Finish") if last else tr("Next"))
        self.skip_button.setVisible(not last)
        self.step_label.setText(tr("Step {0} of {1}").format(index + 1, len(STEPS)))

    def advance(self) -> None:
        index = self.stack.currentIndex()
        if index == len(STEPS) - 1:
            self.finish()
        else:
            self._show_step(index + 1)

    def back(self) -> None:
        self._show_step(max(0, self.stack.currentIndex() - 1))

    def skip(self) -> None:
        self.finish()

    def finish(self) -> None:
        self._prefs.onboarding_done = True
        self.accept()

    def _login_clicked(self) -> None:
        sender = self.sender()
        provider = sender.property("provider") if sender is not None else None
        if isinstance(provider, str):
            self.login_requested.emit(provider)

    def _tool_clicked(self) -> None:
        self._prefs.onboarding_done = True
        self.tool_setup_requested.emit()
        self.accept()

    def _copy_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url_field.text())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._prefs.onboarding_done = True  # closing counts as "skip": never shown again
        super().closeEvent(event)

    def reject(self) -> None:
        self._prefs.onboarding_done = True
        super().reject()
