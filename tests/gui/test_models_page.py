"""ModelsPage: the live list, the alias and hidden-model editors (checks, preview), load and save."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.models import Alias, Exclusion
from gui.state import AppState
from gui.windows.model_rules import alias_problems, exclusion_problems, hidden_by, pattern_matches
from gui.windows.models_page import ModelsPage
from tests.gui.fake_client import FakeClient
from tests.gui.page_helpers import framed, save_shot, theme
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS  # any Qt warning fails a test
LIVE = [
    "claude-opus-4-1-20250805",
    "claude-sonnet-4-5-20250929",
    "sonnet",
    "gpt-5",
    "g5",
    "gpt-5-codex",
    "gpt-5-mini",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-1.5-pro",
    "qwen3-coder-plus",
    "qwen3-coder-flash",
    "deepseek-v3.1",
    "kimi-k2",
]
ALIASES = [Alias("claude", "claude-sonnet-4-5-20250929", "sonnet"), Alias("codex", "gpt-5", "g5", True)]
EXCLUSIONS = [Exclusion("gemini-cli", "gemini-1.0-*"), Exclusion("claude", "*-haiku-*")]


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    yield from theme(qapp)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


@pytest.fixture
def client() -> FakeClient:
    return FakeClient(aliases=ALIASES, exclusions=EXCLUSIONS, models=LIVE)


@pytest.fixture
def page(qtbot: QtBot, loop: asyncio.AbstractEventLoop, client: FakeClient) -> ModelsPage:
    made = ModelsPage(AppState(client), client)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    return made


# -- the checks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "model", "hit"),
    [
        ("gemini-1.5-*", "gemini-1.5-pro", True),
        ("GEMINI-1.5-*", "gemini-1.5-pro", True),
        ("*-mini", "gpt-5-mini", True),
        ("*flash*", "gemini-2.5-flash-lite", True),
        ("gpt-5", "gpt-5-codex", False),
        ("gpt-5.*", "gpt-5-mini", False),
    ],
    ids=["prefix", "case-insensitive", "suffix", "infix", "exact-only", "dot-is-literal"],
)
def test_pattern_matches(pattern: str, model: str, hit: bool) -> None:
    assert pattern_matches(pattern, model) is hit


@pytest.mark.parametrize(
    ("aliases", "texts", "blocking"),
    [
        (ALIASES, [], False),
        ([Alias("claude", "", "x")], ["Claude: a rule needs both the model and its alias"], True),
        ([Alias("claude", "opus", "OPUS")], ["Claude: the alias “OPUS” is the model’s own name"], True),
        (
            [Alias("claude", "a", "x"), Alias("claude", "b", "X")],
            ["Claude: the alias “X” is used twice"],
            True,
        ),
        ([Alias("claude", "a", "x"), Alias("codex", "b", "x")], [], False),
        (
            [Alias("codex", "gpt-5", "gpt-5-mini")],
            ["“gpt-5-mini” is already a model name; the alias will replace it"],
            False,
        ),
        ([Alias("nope", "a", "b")], ["“nope” is not a provider"], True),
    ],
    ids=[
        "fine",
        "empty",
        "same-name",
        "twice-on-a-provider",
        "same-alias-two-providers",
        "shadows-a-model",
        "bad-channel",
    ],
)
def test_alias_problems(aliases: list[Alias], texts: list[str], blocking: bool) -> None:
    problems = alias_problems(aliases, LIVE, ALIASES)
    assert [p.text[: len(t)] for p, t in zip(problems, texts, strict=False)] == texts
    assert len(problems) == len(texts)
    assert any(p.blocking for p in problems) is blocking


@pytest.mark.parametrize(
    ("exclusions", "texts"),
    [
        (EXCLUSIONS, []),
        ([Exclusion("claude", "")], ["Claude: a pattern is empty"]),
        ([Exclusion("claude", "gpt*"), Exclusion("claude", "GPT*")], ["Claude: “GPT*” is listed twice"]),
        ([Exclusion("claude", "zzz-*")], ["“zzz-*” matches no model clients see right now"]),
    ],
    ids=["saved-ones-are-fine", "empty", "twice", "new-and-matching-nothing"],
)
def test_exclusion_problems(exclusions: list[Exclusion], texts: list[str]) -> None:
    assert [p.text for p in exclusion_problems(exclusions, LIVE, EXCLUSIONS)] == texts


def test_hidden_by() -> None:
    assert hidden_by("gemini-2.5-flash*", LIVE) == ["gemini-2.5-flash", "gemini-2.5-flash-lite"]
    assert hidden_by("  ", LIVE) == []


# -- the page -------------------------------------------------------------------------------------------


def test_the_live_list_can_be_filtered(page: ModelsPage) -> None:
    assert page.live.count.text() == f"{len(LIVE)} models"
    page.live.filter.setText("GEMINI")
    assert page.live.count.text() == f"4 of {len(LIVE)} models"
    visible = [
        page.live.list.item(r).text()
        for r in range(page.live.list.count())
        if not page.live.list.item(r).isHidden()
    ]
    assert visible == ["gemini-1.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro"]


def test_the_editors_show_what_is_saved(page: ModelsPage) -> None:
    assert page.aliases.rows() == ALIASES and page.exclusions.rows() == EXCLUSIONS
    assert not page.aliases.save_button.isEnabled()
    fork = page.aliases.model.index(1, 3)
    assert page.aliases.model.data(fork, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert page.exclusions.model.index(0, 2).data() == "in effect"


def test_adding_an_alias_and_saving_it(qtbot: QtBot, page: ModelsPage, client: FakeClient) -> None:
    editor = page.aliases
    editor.channel.setCurrentIndex(editor.channel.findData("gemini-cli"))
    assert editor.name.lineEdit().placeholderText().startswith("model, e.g.")
    assert editor.name.count() == len(LIVE)
    editor.name.setCurrentText("gemini-2.5-pro")
    editor.alias.setText("gp")
    editor.fork.setChecked(True)
    editor.add_button.click()
    assert editor.rows()[-1] == Alias("gemini-cli", "gemini-2.5-pro", "gp", True)
    assert editor.dirty and editor.save_button.isEnabled()
    assert editor.problems.text() == "Unsaved changes"
    client.model_list.append("gp")  # the proxy lists the alias once it is saved
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.dirty, timeout=3000)
    assert client.called("set_aliases")[-1] == (
        [*ALIASES, Alias("gemini-cli", "gemini-2.5-pro", "gp", True)],
    )
    assert page.message.text().startswith("Aliases saved")
    assert "gp" in [page.live.list.item(r).text() for r in range(page.live.list.count())]


def test_a_blocking_problem_disables_save(page: ModelsPage) -> None:
    editor = page.aliases
    editor.name.setCurrentText("gpt-5")
    editor.alias.setText("sonnet")  # already the alias of a Claude model? no: per provider, so only a warning
    editor.channel.setCurrentIndex(editor.channel.findData("claude"))
    editor.add_button.click()
    assert "“sonnet” is used twice" in editor.problems.text()
    assert editor.problems.property("role") == "error"
    assert not editor.save_button.isEnabled()
    editor.revert_button.click()
    assert editor.rows() == ALIASES and not editor.dirty


def test_editing_a_cell_revalidates(page: ModelsPage) -> None:
    model = page.aliases.model
    model.setData(model.index(0, 2), "")
    assert "needs both the model and its alias" in page.aliases.problems.text()


def test_the_pattern_preview_updates_as_you_type(page: ModelsPage) -> None:
    editor = page.exclusions
    editor.pattern.setText("gemini-2.5-*")
    assert editor.preview.text() == "Would hide 3: gemini-2.5-pro, gemini-2.5-flash, gemini-2.5-flash-lite"
    editor.pattern.setText("nothing-*")
    assert editor.preview.text() == "Matches no model clients see right now."


def test_removing_and_saving_exclusions(qtbot: QtBot, page: ModelsPage, client: FakeClient) -> None:
    editor = page.exclusions
    editor.table.selectRow(0)
    editor.remove_button.click()
    editor.pattern.setText("*-mini")
    editor.add_button.click()
    assert editor.model.index(1, 2).data() == "gpt-5-mini"
    editor.save_button.click()
    qtbot.waitUntil(lambda: bool(client.called("set_exclusions")), timeout=3000)
    assert client.exclusion_list == [Exclusion("claude", "*-haiku-*"), Exclusion("claude", "*-mini")]
    qtbot.waitUntil(lambda: not editor.dirty, timeout=3000)


def test_a_failed_save_keeps_the_edit(qtbot: QtBot, page: ModelsPage, client: FakeClient) -> None:
    client.fail("set_exclusions", "Invalid body: oauth-excluded-models expects an object", 400)
    page.exclusions.pattern.setText("kimi-*")
    page.exclusions.add_button.click()
    page.exclusions.save_button.click()
    qtbot.waitUntil(lambda: page.message.isVisibleTo(page), timeout=3000)
    assert page.message.text().startswith("The hidden models were not saved: Invalid body")
    assert page.exclusions.dirty


def test_without_a_model_list_the_rules_still_load(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(aliases=ALIASES)
    client.fail("models", "Cannot reach the proxy at http://127.0.0.1:8317. Is it running?", 0)
    made = ModelsPage(AppState(client), client)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.loaded, timeout=3000)
    assert made.aliases.rows() == ALIASES
    assert made.message.property("role") == "warning"


@pytest.mark.parametrize("tab", [0, 1, 2], ids=["available", "aliases", "hidden"])
def test_screenshot(qtbot: QtBot, themed: None, page: ModelsPage, tab: int) -> None:
    page.tabs.setCurrentIndex(tab)
    if tab == 2:
        page.exclusions.pattern.setText("gemini-2.5-flash*")
    frame = framed(qtbot, page)
    save_shot(frame, ["models_available", "models_aliases", "models_hidden"][tab])
