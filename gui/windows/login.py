"""``LoginDialog``: one account login — opens the browser, shows the link (and Qwen's device code), takes a
pasted callback address, and polls the proxy every two seconds until the login succeeds or fails.

The polling runs as one spawned task that Cancel, closing the window or a new attempt cancel.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.aio import spawn
from gui.assets import provider_name
from gui.client import ManagementError
from gui.i18n import tr
from gui.models import LoginStart, LoginStatus

__all__ = ["LoginClient", "LoginDialog", "friendly_login_error"]

_TRANSIENT_LIMIT = 3


class LoginClient(Protocol):
    """What the dialog needs from ManagementClient."""

    async def start_login(self, provider: str, project_id: str = "") -> LoginStart: ...
    async def login_status(self, state: str) -> LoginStatus: ...
    async def submit_callback(self, provider: str, redirect_url: str) -> None: ...


def friendly_login_error(message: str) -> str:
    """The server's reason, with a plain first sentence for the cases people hit most."""
    port = re.search(r"port (\d+) is already in use(?: by (.+?))?\. ", message)
    if port:
        hint = message.partition("On Windows")[2]
        if port[2]:
            text = tr(
                "Another program, {program}, is using port {port}, which the login needs so that the "
                "browser can come back to this app. Close that program (or a login that is still running) "
                "and try again."
            ).format(program=port[2], port=port[1])
        else:
            text = tr(
                "Another program is using port {port}, which the login needs so that the browser can come "
                "back to this app. Close that program (or a login that is still running) and try again."
            ).format(port=port[1])
        return text + (f" On Windows{hint}" if hint else "")
    if "within" in message or "in time" in message:
        return tr(
            "The login took too long and was stopped. Start it again when you are ready. ({reason})"
        ).format(reason=message)
    return message or tr("The login failed.")


def _open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


def _label(text: str = "", role: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    if role:
        label.setProperty("role", role)
    return label


class LoginDialog(QDialog):
    """Log in to ``provider``; ``logged_in(provider)`` fires once the proxy has saved the new account."""

    logged_in = Signal(str)

    def __init__(
        self,
        client: LoginClient,
        provider: str,
        parent: QWidget | None = None,
        *,
        poll_interval: float = 2.0,
        timeout: float = 15 * 60,
        open_url: Callable[[str], bool] = _open_in_browser,
    ) -> None:
        super().__init__(parent)
        self._client, self._provider = client, provider
        self._interval, self._timeout, self._open_url = poll_interval, timeout, open_url
        self._task: asyncio.Task[None] | None = None
        self._login: LoginStart | None = None
        self.state = "idle"
        name = provider_name(provider)
        self.setWindowTitle(tr("Log in to {name}").format(name=name))
        self.setMinimumWidth(520)

        self.intro = _label(
            tr(
                "Your browser will open the {name} login page. Log in there and allow access; this window "
                "notices by itself when you are done and the account appears in the list."
            ).format(name=name)
        )
        self.project = QLineEdit()
        self.project.setPlaceholderText(
            tr("Google Cloud project ID (optional: leave empty to pick one for you)")
        )
        self._asks_project = provider in ("gemini-cli", "gemini")
        self.project.setVisible(self._asks_project)
        self.start_button = QPushButton(tr("Open the login page"))
        self.start_button.setProperty("role", "primary")
        self.start_button.clicked.connect(self.begin)

        self.code_box = QFrame()
        self.code_box.setProperty("role", "card")
        self.code_hint = _label("", "muted")
        self.code = QLabel()
        self.code.setProperty("role", "mono")
        self.code.setStyleSheet("font-size: 26pt; font-weight: 600; letter-spacing: 3px;")
        self.copy_code = QPushButton(tr("Copy code"))
        self.copy_code.clicked.connect(self._copy_code)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.copy_code)
        code_layout = QVBoxLayout(self.code_box)
        code_layout.addWidget(self.code_hint)
        code_layout.addLayout(code_row)
        self.code_box.hide()

        self.link_box = QWidget()
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.copy_link = QPushButton(tr("Copy link"))
        self.copy_link.clicked.connect(self._copy_link)
        self.open_again = QPushButton(tr("Open again"))
        self.open_again.clicked.connect(self._open_again)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link, 1)
        link_row.addWidget(self.copy_link)
        link_row.addWidget(self.open_again)
        self.paste = QLineEdit()
        self.paste.setPlaceholderText("http://localhost:…/callback?code=…")
        self.send_paste = QPushButton(tr("Send"))
        self.send_paste.clicked.connect(self._send_pasted)
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste, 1)
        paste_row.addWidget(self.send_paste)
        self.paste_box = QWidget()
        paste_layout = QVBoxLayout(self.paste_box)
        paste_layout.setContentsMargins(0, 6, 0, 0)
        paste_layout.addWidget(
            _label(
                tr(
                    "After logging in, did the browser show an error page (for example “This site can’t be "
                    "reached”)? Copy the whole address from its address bar and paste it here:"
                ),
                "muted",
            )
        )
        paste_layout.addLayout(paste_row)
        link_layout = QVBoxLayout(self.link_box)
        link_layout.setContentsMargins(0, 0, 0, 0)
        link_layout.addWidget(_label(tr("Browser did not open? Copy this link into it:"), "muted"))
        link_layout.addLayout(link_row)
        link_layout.addWidget(self.paste_box)
        self.link_box.hide()

        self.message = _label()
        self.close_button = QPushButton(tr("Cancel"))
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_label(tr("Log in to {name}").format(name=name), "title"))
        layout.addWidget(self.intro)
        layout.addWidget(self.project)
        layout.addWidget(self.code_box)
        layout.addWidget(self.link_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

    # -- the flow ----------------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start (or restart) the login; an attempt already running is cancelled first."""
        self.cancel()
        self._task = spawn(self._run(self.project.text().strip()), f"login {self._provider}")

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self, project_id: str) -> None:
        self._set_state("starting", tr("Asking the proxy for a login link…"), "muted")
        try:
            start = await self._client.start_login(self._provider, project_id)
        except ManagementError as exc:
            self._set_state("error", friendly_login_error(exc.message), "error")
            return
        self._show_login(start)
        deadline = time.monotonic() + self._timeout
        transient = 0
        while True:
            await asyncio.sleep(self._interval)
            try:
                status = await self._client.login_status(start.state)
            except ManagementError as exc:
                transient += 1
                if exc.status in (0, 502, 503, 504) and transient < _TRANSIENT_LIMIT:
                    continue
                self._set_state("error", friendly_login_error(exc.message), "error")
                return
            transient = 0
            if status.status == "ok":
                self._set_state("done", tr("You are logged in. The account is ready to use."), "success")
                self.logged_in.emit(self._provider)
                return
            if status.status == "error":
                self._set_state("error", friendly_login_error(status.error), "error")
                return
            if time.monotonic() > deadline:
                self._set_state("error", friendly_login_error("no answer in time"), "error")
                return

    def _show_login(self, start: LoginStart) -> None:
        self._login = start
        self.link.setText(start.url)
        self.link.setCursorPosition(0)
        self.link_box.show()
        if start.user_code:
            where = start.verification_url or start.url
            self.code_hint.setText(
                tr("Enter this code on the page that opened ({where}):").format(where=where)
            )
            self.code.setText(start.user_code)
            self.code_box.show()
            self.paste_box.hide()
        self._open_url(start.url)
        self._set_state("waiting", tr("Waiting for you to finish logging in in the browser…"), "muted")

    def _set_state(self, state: str, text: str, role: str) -> None:
        self.state = state
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        busy = state in ("starting", "waiting")
        self.project.setEnabled(not busy and state != "done")
        self.start_button.setVisible(state in ("idle", "error"))
        self.start_button.setText(tr("Try again") if state == "error" else tr("Open the login page"))
        self.close_button.setText(tr("Close") if state in ("done", "error") else tr("Cancel"))
        self.send_paste.setEnabled(state == "waiting")
        if state == "done":
            self.link_box.hide()
            self.code_box.hide()

    # -- small actions -------------------------------------------------------------------------------

    def _copy_link(self) -> None:
        QGuiApplication.clipboard().setText(self.link.text())

    def _copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code.text())

    def _open_again(self) -> None:
        if self._login is not None:
            self._open_url(self._login.url)

    def _send_pasted(self) -> None:
        url = self.paste.text().strip()
        if not url:
            return
        spawn(self._submit(url), f"login {self._provider}: pasted callback")

    async def _submit(self, url: str) -> None:
        self.send_paste.setEnabled(False)
        try:
            await self._client.submit_callback(self._provider, url)
        except ManagementError as exc:
            self.message.setText(tr("That address did not work: {error}").format(error=exc.message))
            self.send_paste.setEnabled(self.state == "waiting")
            return
        self.paste.clear()
        self.message.setText(tr("Got it — finishing the login…"))

    # -- Qt ----------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.state == "idle" and not self._asks_project:
            self.begin()

    def reject(self) -> None:
        self.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()
        super().closeEvent(event)
