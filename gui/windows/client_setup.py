"""``ClientSetupPage``: connect a tool to the proxy — one-click setup (with preview and undo) of Claude Code,
Codex and Gemini CLI, the environment variables for Codex's key and Gemini CLI, and Python SDK snippets.

The file work is ``gui.platform``'s (``claude_config``, ``codex_config``, ``gemini_config``, applied by
``client_config``); this page plans it, shows the diff, and applies it off the Qt thread. The client key
is masked everywhere on screen and copied in full.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.aio import spawn
from gui.client import ManagementError
from gui.i18n import tr
from gui.models import mask_secret
from gui.platform.claude_config import claude_settings_path, claude_state, plan_claude, plan_claude_undo
from gui.platform.client_config import Endpoint
from gui.platform.codex_config import (
    CODEX_ENV_KEY,
    codex_config_path,
    codex_state,
    plan_codex,
    plan_codex_undo,
)
from gui.platform.gemini_config import (
    gemini_env_path,
    gemini_settings_path,
    gemini_state,
    plan_gemini,
    plan_gemini_undo,
)
from gui.state import AppState
from gui.windows.tool_panel import CommandBox, ToolPanel, label

__all__ = ["ClientSetupPage", "SetupClient", "env_commands", "sdk_snippets", "shown_path"]


class SetupClient(Protocol):
    @property
    def base_url(self) -> str: ...
    async def api_keys(self) -> list[str]: ...
    async def models(self) -> list[str]: ...


def env_commands(values: dict[str, str], platform: str = sys.platform) -> str:
    """Commands that set environment variables for good (new terminals see them)."""
    if platform == "win32":
        return "\n".join(f'setx {name} "{value}"' for name, value in values.items())
    profile = "~/.zshrc" if platform == "darwin" else "~/.bashrc"
    return "\n".join(f"echo 'export {name}=\"{value}\"' >> {profile}" for name, value in values.items())


def sdk_snippets(endpoint: Endpoint, model: str = "") -> dict[str, str]:
    """Python examples for the official SDKs, keyed by SDK name."""
    key = endpoint.api_key
    return {
        "OpenAI": (
            "from openai import OpenAI\n\n"
            f'client = OpenAI(base_url="{endpoint.openai_base_url}", api_key="{key}")\n'
            "reply = client.chat.completions.create(\n"
            f'    model="{model or "gpt-5"}",\n'
            '    messages=[{"role": "user", "content": "Hello!"}],\n'
            ")\nprint(reply.choices[0].message.content)\n"
        ),
        "Anthropic": (
            "from anthropic import Anthropic\n\n"
            f'client = Anthropic(base_url="{endpoint.base_url}", api_key="{key}")\n'
            "reply = client.messages.create(\n"
            f'    model="{model or "claude-sonnet-4-5"}",\n'
            "    max_tokens=1024,\n"
            '    messages=[{"role": "user", "content": "Hello!"}],\n'
            ")\nprint(reply.content[0].text)\n"
        ),
        "Gemini": (
            "from google import genai\nfrom google.genai import types\n\n"
            "client = genai.Client(\n"
            f'    api_key="{key}",\n'
            f'    http_options=types.HttpOptions(base_url="{endpoint.base_url}"),\n'
            ")\n"
            "reply = client.models.generate_content(\n"
            f'    model="{model or "gemini-2.5-pro"}", contents="Hello!"\n'
            ")\n"
            "print(reply.text)\n"
        ),
    }


def shown_path(path: Path) -> str:
    """``~/.claude/settings.json`` rather than the full home path (shorter, and the same for everyone)."""
    home = Path(os.path.expanduser("~"))
    return f"~{os.sep}{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def _endpoint(base_url: str, key: str) -> Endpoint:
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    return Endpoint(port=parts.port or 8317, api_key=key, host="127.0.0.1" if host == "0.0.0.0" else host)


class ClientSetupPage(QWidget):
    """Tools on the left, the chosen tool's setup on the right."""

    def __init__(
        self,
        state: AppState,
        client: SetupClient,
        parent: QWidget | None = None,
        *,
        platform: str = sys.platform,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the theme paints pages
        self._state, self._client, self._platform = state, client, platform
        self.endpoint: Endpoint | None = None
        self.loaded = False
        self.claude = ToolPanel(
            "Claude Code",
            tr(
                "Claude Code reads {path}. Setting up adds the proxy’s address and key to it; everything "
                "else in the file stays as it is, and a copy of the original is kept next to it."
            ).format(path=shown_path(claude_settings_path())),
            plan=lambda e, m: plan_claude(e, m[0], m[1]),
            undo=plan_claude_undo,
            state=claude_state,
            pickers=(tr("Main model (optional)"), tr("Fast model (optional)")),
            done=tr("Claude Code now uses the proxy. Restart it if it is running."),
        )
        self.codex_env = CommandBox()
        self.codex = ToolPanel(
            "Codex",
            tr(
                "Codex reads {path}. Setting up adds a “cliproxyapi” provider and makes it the default; your "
                "other settings stay, and a copy of the original is kept next to it."
            ).format(path=shown_path(codex_config_path())),
            plan=lambda e, m: plan_codex(e, m[0]),
            undo=plan_codex_undo,
            state=codex_state,
            pickers=(tr("Model (optional)"),),
            done=tr("Codex now uses the proxy. Set the key below once, then open a new terminal."),
            extra=self._codex_extra(),
        )
        self.gemini_env = CommandBox()
        self.gemini = ToolPanel(
            "Gemini CLI",
            tr(
                "Gemini CLI reads {env} and {settings}. Setting up writes the proxy’s address and key to the "
                "first and selects “Use Gemini API key” in the second; everything else stays, and copies of "
                "the originals are kept next to them."
            ).format(env=shown_path(gemini_env_path()), settings=shown_path(gemini_settings_path())),
            plan=lambda e, m: plan_gemini(e, m[0]),
            undo=plan_gemini_undo,
            state=gemini_state,
            pickers=(tr("Model (optional)"),),
            done=tr("Gemini CLI now uses the proxy. Restart it if it is running."),
            extra=self._gemini_extra(),
        )
        self.sdk_tabs = QTabWidget()
        self.sdk_boxes: dict[str, CommandBox] = {}
        for name in ("OpenAI", "Anthropic", "Gemini"):
            box = self.sdk_boxes[name] = CommandBox(tall=True)
            self.sdk_tabs.addTab(box, name)
        self.tools = QListWidget()
        self.tools.setFixedWidth(180)  # "Python apps (SDKs)" fits; the panel keeps room in a narrow window
        self.tools.setStyleSheet("QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        for name, panel in (
            ("Claude Code", self.claude),
            ("Codex", self.codex),
            ("Gemini CLI", self.gemini),
            (tr("Python apps (SDKs)"), self._sdk_panel()),
        ):
            self.tools.addItem(name)
            self.stack.addWidget(panel)
        self.tools.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.tools.setCurrentRow(0)
        self.message = label("", "warning")
        self.message.hide()
        title = label(tr("Connect a tool"), "title")
        body = QHBoxLayout()
        body.addWidget(self.tools)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        for panel in (self.claude, self.codex, self.gemini):
            panel.state_changed.connect(self._update_list)
        state.api_keys_changed.connect(self._keys_changed)

    # -- panels --------------------------------------------------------------------------------------------

    def _codex_extra(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            label(
                tr("Codex reads the key from the environment variable {name}.").format(name=CODEX_ENV_KEY)
                + " "
                + self._where(),
                "muted",
            )
        )
        layout.addWidget(self.codex_env)
        return box

    def _gemini_extra(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            label(
                tr(
                    "A GEMINI_API_KEY already set in your shell, or a .env file in your project, takes "
                    "precedence over this setup. Instead of setting up, you can set the two environment "
                    "variables yourself; when Gemini CLI asks how to log in, choose “Use Gemini API key”."
                )
                + " "
                + self._where(),
                "muted",
            )
        )
        layout.addWidget(self.gemini_env)
        return box

    def _sdk_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(label(tr("Python apps"), "subtitle"))
        layout.addWidget(
            label(
                tr(
                    "Your own scripts use the official SDKs with the proxy’s address and the client key. "
                    "Any model from the Models page works with each of them."
                ),
                "muted",
            )
        )
        layout.addWidget(self.sdk_tabs, 1)
        return panel

    def _where(self) -> str:
        if self._platform == "win32":
            return tr("Paste this once into a Command Prompt, then open a new window:")
        return tr("Paste this once into Terminal, then open a new Terminal window:")

    # -- data ------------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            spawn(self.load(), "client setup: load")

    def _keys_changed(self) -> None:
        if self.loaded:
            spawn(self.load(), "client setup: keys changed")

    async def load(self) -> None:
        """Find the proxy's address and first client key, and the models to pick from."""
        keys = self._state.api_keys
        try:
            if not keys:
                keys = await self._client.api_keys()
        except ManagementError as exc:
            self._warn(tr("Cannot read the client keys: {error}").format(error=exc.message))
            return
        try:
            models = await self._client.models()
        except ManagementError:
            models = []
        self.loaded = True
        if not keys:
            self._warn(tr("The proxy has no client key yet. Create one in Settings, then come back here."))
            self.show_endpoint(None, models)
            return
        self._warn("")
        self.show_endpoint(_endpoint(self._client.base_url, keys[0]), models)

    def _warn(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_endpoint(self, endpoint: Endpoint | None, models: Sequence[str]) -> None:
        self.endpoint = endpoint
        for panel in (self.claude, self.codex, self.gemini):
            panel.set_endpoint(endpoint, models)
        key = endpoint.api_key if endpoint else ""
        shown: Callable[[str], str] = (lambda text: text.replace(key, mask_secret(key))) if key else str
        codex = env_commands({CODEX_ENV_KEY: key}, self._platform) if key else ""
        self.codex_env.set_text(codex, shown(codex))
        gemini = (
            env_commands({"GOOGLE_GEMINI_BASE_URL": endpoint.base_url, "GEMINI_API_KEY": key}, self._platform)
            if endpoint
            else ""
        )
        self.gemini_env.set_text(gemini, shown(gemini))
        snippets = sdk_snippets(endpoint) if endpoint else {}
        for name, box in self.sdk_boxes.items():
            text = snippets.get(name, "")
            box.set_text(text, shown(text))
        self._update_list()

    def _update_list(self) -> None:
        for row, panel in ((0, self.claude), (1, self.codex), (2, self.gemini)):
            item = self.tools.item(row)
            ready = panel.setup_state == "ours"
            item.setText(f"{panel.name}{'  ✓' if ready else ''}")
            item.setToolTip(tr("Set up") if ready else tr("Not set up"))
