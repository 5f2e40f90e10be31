"""ClientSetupPage's Gemini CLI panel: one-click setup with preview, model picker, backup and undo."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.platform.gemini_config import gemini_env_path, gemini_settings_path
from gui.state import AppState
from gui.windows.client_setup import ClientSetupPage
from tests.gui.fake_client import CLIENT_KEY, FakeClient
from tests.gui.page_helpers import framed, save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS  # any Qt warning fails a test
MODELS = ["gemini-2.5-pro", "gemini-2.5-flash", "claude-sonnet-4-5-20250929"]
GEMINI_ROW = 2


@pytest.fixture(autouse=True)
def _no_tool_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_CLI_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


def _page(qtbot: QtBot) -> ClientSetupPage:
    client = FakeClient(models=MODELS)
    made = ClientSetupPage(AppState(client), client, platform="linux")
    qtbot.addWidget(made)
    made.resize(1000, 680)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    made.tools.setCurrentRow(GEMINI_ROW)
    return made


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> ClientSetupPage:
    return _page(qtbot)


def test_the_panel_starts_not_set_up(page: ClientSetupPage) -> None:
    assert page.stack.currentWidget() is page.gemini
    assert page.gemini.status.text() == "Not set up yet."
    assert page.gemini.setup_button.text() == "Set up Gemini CLI"
    assert page.gemini.setup_button.isEnabled() and not page.gemini.undo_button.isEnabled()
    assert page.gemini.pickers[0].count() == len(MODELS) + 1
    assert page.gemini_env.view.toPlainText().startswith("echo 'export GOOGLE_GEMINI_BASE_URL=")


def test_setting_up_and_undoing(qtbot: QtBot, page: ClientSetupPage) -> None:
    gemini_settings_path().parent.mkdir(parents=True)
    gemini_settings_path().write_text('{"ui": {"theme": "GitHub"}}')
    gemini_env_path().write_text("# mine\nDEBUG=1\n")
    page.gemini.refresh_state()
    page.gemini.pickers[0].setCurrentText("gemini-2.5-flash")
    page.gemini.setup_button.click()
    qtbot.waitUntil(lambda: page.gemini.setup_state == "ours", timeout=3000)
    assert json.loads(gemini_settings_path().read_text()) == {
        "ui": {"theme": "GitHub"},
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "model": {"name": "gemini-2.5-flash"},
    }
    assert gemini_env_path().read_text() == (
        f"# mine\nDEBUG=1\nGEMINI_API_KEY={CLIENT_KEY}\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317\n"
    )
    assert page.gemini.status.text() == "✓ Set up: Gemini CLI uses this proxy."
    assert page.gemini.message.text().startswith("Gemini CLI now uses the proxy.")
    assert "kept as .env.cliproxyapi-backup, settings.json.cliproxyapi-backup" in page.gemini.message.text()
    assert page.tools.item(GEMINI_ROW).text() == "Gemini CLI  ✓"
    assert page.gemini.undo_button.isEnabled()
    page.gemini.undo_button.click()
    qtbot.waitUntil(lambda: page.gemini.setup_state == "missing", timeout=3000)
    assert json.loads(gemini_settings_path().read_text()) == {"ui": {"theme": "GitHub"}}
    assert gemini_env_path().read_text() == "# mine\nDEBUG=1\n"
    assert page.gemini.message.text() == "Gemini CLI is back to how it was before the setup."
    assert page.tools.item(GEMINI_ROW).text() == "Gemini CLI"
    assert not page.gemini.undo_button.isEnabled()


def test_preview_shows_both_files_with_the_key_masked(page: ClientSetupPage) -> None:
    page.gemini.preview_button.click()
    diff = page.gemini.diff.toPlainText()
    assert "+++ .env (after)" in diff and "+++ settings.json (after)" in diff
    assert "+GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8317" in diff
    assert CLIENT_KEY not in diff
    page.gemini.pickers[0].setCurrentText("gemini-2.5-pro")
    assert '"name": "gemini-2.5-pro"' in page.gemini.diff.toPlainText()


def test_a_broken_settings_file_is_refused(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    gemini_settings_path().parent.mkdir(parents=True)
    gemini_settings_path().write_text("{ not json")
    made = _page(qtbot)
    assert made.gemini.setup_state == "broken"
    assert made.gemini.status.property("role") == "error"
    assert not made.gemini.setup_button.isEnabled()
    assert gemini_settings_path().read_text() == "{ not json"
    assert not gemini_env_path().exists()


def test_the_env_box_still_copies_the_real_key(page: ClientSetupPage) -> None:
    assert CLIENT_KEY not in page.gemini_env.view.toPlainText()
    page.gemini_env.copy_button.click()
    assert f'export GEMINI_API_KEY="{CLIENT_KEY}"\' >> ~/.bashrc' in QApplication.clipboard().text()


def test_screenshot(qtbot: QtBot, themed: None, page: ClientSetupPage) -> None:
    page.gemini.pickers[0].setCurrentText("gemini-2.5-pro")
    page.gemini.preview_button.click()
    save_shot(framed(qtbot, page), "setup_gemini")
