"""ClientSetupPage: set up, preview and undo Claude Code and Codex; env commands and SDK snippets."""

from __future__ import annotations

import asyncio
import json
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.platform.claude_config import claude_settings_path
from gui.platform.client_config import Endpoint
from gui.platform.codex_config import codex_config_path
from gui.state import AppState
from gui.windows.client_setup import ClientSetupPage, env_commands, sdk_snippets, shown_path
from tests.gui.fake_client import CLIENT_KEY, FakeClient
from tests.gui.page_helpers import framed, save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS  # any Qt warning fails a test
MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "gpt-5-codex", "gpt-5", "gemini-2.5-pro"]
ENDPOINT = Endpoint(port=8317, api_key=CLIENT_KEY)


@pytest.fixture(autouse=True)
def _no_tool_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("CODEX_HOME", raising=False)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def client() -> FakeClient:
    return FakeClient(models=MODELS)


def _page(qtbot: QtBot, client: FakeClient, platform: str = "darwin") -> ClientSetupPage:
    made = ClientSetupPage(AppState(client), client, platform=platform)
    qtbot.addWidget(made)
    made.resize(1000, 680)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    return made


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> ClientSetupPage:
    return _page(qtbot, client)


# -- pure parts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        ("win32", 'setx A "1"\nsetx B "two"'),
        ("darwin", "echo 'export A=\"1\"' >> ~/.zshrc\necho 'export B=\"two\"' >> ~/.zshrc"),
        ("linux", "echo 'export A=\"1\"' >> ~/.bashrc\necho 'export B=\"two\"' >> ~/.bashrc"),
    ],
    ids=["windows", "macos", "linux"],
)
def test_env_commands(platform: str, text: str) -> None:
    assert env_commands({"A": "1", "B": "two"}, platform) == text


@pytest.mark.parametrize("sdk", ["OpenAI", "Anthropic", "Gemini"])
def test_sdk_snippets_are_python_with_our_address(sdk: str) -> None:
    snippet = sdk_snippets(ENDPOINT, "m-1")[sdk]
    compile(snippet, sdk, "exec")
    assert CLIENT_KEY in snippet and 'model="m-1"' in snippet
    assert ("http://127.0.0.1:8317/v1" in snippet) is (sdk == "OpenAI")


# -- Claude Code -----------------------------------------------------------------------------------------


def test_paths_are_shown_from_home(page: ClientSetupPage) -> None:
    assert shown_path(claude_settings_path()) == os.path.join("~", ".claude", "settings.json")
    assert shown_path(Path("/elsewhere/x.toml")) == str(Path("/elsewhere/x.toml"))


def test_the_page_finds_the_address_and_key(page: ClientSetupPage) -> None:
    assert page.endpoint == ENDPOINT
    assert page.claude.status.text() == "Not set up yet."
    assert page.claude.setup_button.isEnabled() and not page.claude.undo_button.isEnabled()
    assert page.claude.pickers[0].count() == len(MODELS) + 1


def test_setting_up_claude_code(qtbot: QtBot, page: ClientSetupPage) -> None:
    page.claude.pickers[0].setCurrentText("claude-opus-4-1-20250805")
    page.claude.setup_button.click()
    qtbot.waitUntil(lambda: page.claude.setup_state == "ours", timeout=3000)
    env = json.loads(claude_settings_path().read_text())["env"]
    assert env == {
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:8317",
        "ANTHROPIC_AUTH_TOKEN": CLIENT_KEY,
        "ANTHROPIC_MODEL": "claude-opus-4-1-20250805",
    }
    assert page.claude.status.text() == "✓ Set up: Claude Code uses this proxy."
    assert page.claude.message.text().startswith("Claude Code now uses the proxy.")
    assert page.tools.item(0).text() == "Claude Code  ✓"
    assert page.claude.undo_button.isEnabled()


def test_setup_keeps_a_backup_and_undo_restores(qtbot: QtBot, page: ClientSetupPage) -> None:
    claude_settings_path().parent.mkdir(parents=True)
    claude_settings_path().write_text('{"theme": "dark"}')
    page.claude.refresh_state()
    page.claude.setup_button.click()
    qtbot.waitUntil(lambda: page.claude.setup_state == "ours", timeout=3000)
    assert "kept as settings.json.cliproxyapi-backup" in page.claude.message.text()
    page.claude.undo_button.click()
    qtbot.waitUntil(lambda: page.claude.setup_state == "missing", timeout=3000)
    assert json.loads(claude_settings_path().read_text()) == {"theme": "dark"}
    assert page.claude.message.text() == "Claude Code is back to how it was before the setup."
    assert page.tools.item(0).text() == "Claude Code"


def test_preview_shows_the_diff_with_the_key_masked(page: ClientSetupPage) -> None:
    page.claude.preview_button.click()
    assert page.claude.preview_button.text() == "Hide changes"
    diff = page.claude.diff.toPlainText()
    assert page.claude.diff.isVisibleTo(page.claude)
    assert '+    "ANTHROPIC_BASE_URL": "http://127.0.0.1:8317",' in diff
    assert CLIENT_KEY not in diff
    page.claude.pickers[1].setCurrentText("gemini-2.5-pro")
    assert "ANTHROPIC_DEFAULT_HAIKU_MODEL" in page.claude.diff.toPlainText()


def test_a_broken_file_is_refused(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> None:
    claude_settings_path().parent.mkdir(parents=True)
    claude_settings_path().write_text("{ not json")
    made = _page(qtbot, client)
    assert made.claude.setup_state == "broken"
    assert made.claude.status.property("role") == "error"
    assert not made.claude.setup_button.isEnabled()
    assert claude_settings_path().read_text() == "{ not json"


# -- Codex, Gemini CLI, SDKs -----------------------------------------------------------------------------


def test_setting_up_codex_and_its_key(qtbot: QtBot, page: ClientSetupPage) -> None:
    page.tools.setCurrentRow(1)
    page.codex.pickers[0].setCurrentText("gpt-5-codex")
    page.codex.setup_button.click()
    qtbot.waitUntil(lambda: page.codex.setup_state == "ours", timeout=3000)
    data = tomllib.loads(codex_config_path().read_text())
    assert data["model_provider"] == "cliproxyapi" and data["model"] == "gpt-5-codex"
    shown = page.codex_env.view.toPlainText()
    assert shown.startswith("echo 'export CLIPROXYAPI_API_KEY=") and CLIENT_KEY not in shown
    page.codex_env.copy_button.click()
    assert (
        QApplication.clipboard().text() == f"echo 'export CLIPROXYAPI_API_KEY=\"{CLIENT_KEY}\"' >> ~/.zshrc"
    )


def test_windows_gets_setx(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> None:
    made = _page(qtbot, client, "win32")
    made.gemini_env.copy_button.click()
    assert QApplication.clipboard().text() == (
        f'setx GOOGLE_GEMINI_BASE_URL "http://127.0.0.1:8317"\nsetx GEMINI_API_KEY "{CLIENT_KEY}"'
    )


def test_sdk_snippets_copy_the_real_key(page: ClientSetupPage) -> None:
    box = page.sdk_boxes["Anthropic"]
    assert CLIENT_KEY not in box.view.toPlainText()
    box.copy_button.click()
    assert f'api_key="{CLIENT_KEY}"' in QApplication.clipboard().text()


def test_without_a_client_key_it_says_what_to_do(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(api_keys=())
    made = _page(qtbot, client)
    assert made.message.text().startswith("The proxy has no client key yet.")
    assert not made.claude.setup_button.isEnabled()
    assert not made.codex_env.copy_button.isEnabled()


@pytest.mark.parametrize("row", [0, 1, 3], ids=["claude", "codex", "sdks"])
def test_screenshot(qtbot: QtBot, themed: None, page: ClientSetupPage, row: int) -> None:
    page.tools.setCurrentRow(row)
    if row == 0:
        page.claude.pickers[0].setCurrentText("claude-sonnet-4-5-20250929")
        page.claude.preview_button.click()
    if row == 1:
        page.codex.setup_button.click()
        qtbot.waitUntil(lambda: page.codex.setup_state == "ours", timeout=3000)
    frame = framed(qtbot, page)
    save_shot(frame, ["setup_claude", "setup_codex", "", "setup_sdks"][row])
