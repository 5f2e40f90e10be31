"""Payload rules in a simple form: rows from and back to the config section (raw rules and filters kept),
typed values, row checks, the editor's add / remove / revert / save, and the Models page saving them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
import yaml
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.client import ManagementClient
from gui.models import PayloadRule
from gui.payload_rules import parse_value, payload_with, rule_problem, rules_from, value_text
from gui.state import AppState
from gui.windows.models_page import ModelsPage
from gui.windows.payload_editor import PayloadEditor
from tests.gui.fake_client import BASE_URL, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

SECTION = {
    "default": [
        {"models": [{"name": "gpt-5*"}, {"name": "o3", "protocol": "openai"}],
         "params": {"reasoning.effort": "high", "max_output_tokens": 4096}},
    ],
    "default-raw": [{"models": [{"name": "*"}], "params": {"metadata": '{"app": "x"}'}}],
    "override": [{"models": [{"name": "gemini-*", "protocol": "gemini"}],
                  "params": {"generationConfig.topK": 40}}],
    "filter": [{"models": [{"name": "*"}], "params": ["user"]}],
}  # fmt: skip
ROWS = [
    PayloadRule("default", "gpt-5*", "reasoning.effort", "high"),
    PayloadRule("default", "gpt-5*", "max_output_tokens", 4096),
    PayloadRule("default", "o3", "reasoning.effort", "high", "openai"),
    PayloadRule("default", "o3", "max_output_tokens", 4096, "openai"),
    PayloadRule("override", "gemini-*", "generationConfig.topK", 40, "gemini"),
]


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def test_rows_from_and_back_keep_raw_rules_and_filters() -> None:
    assert rules_from(SECTION) == ROWS
    assert rules_from({}) == [] and rules_from({"default": "nonsense"}) == []
    back = payload_with(SECTION, ROWS)
    assert back["default-raw"] == SECTION["default-raw"] and back["filter"] == SECTION["filter"]
    assert back["override"] == SECTION["override"]
    assert back["default"][0] == {"models": [{"name": "gpt-5*"}], "params": {"reasoning.effort": "high"}}  # type: ignore[index]
    assert rules_from(back) == ROWS  # the same meaning, one rule per row
    assert payload_with({}, [])["default"] == [] and payload_with({}, [])["override"] == []


@pytest.mark.parametrize(
    ("typed", "value", "shown"),
    [("high", "high", "high"), ("8192", 8192, "8192"), ("true", True, "true"), ("0.5", 0.5, "0.5"),
     ('{"type": "enabled"}', {"type": "enabled"}, '{"type": "enabled"}'), ('"42"', "42", "42")],
)  # fmt: skip
def test_typed_values(typed: str, value: object, shown: str) -> None:
    assert parse_value(typed) == value and value_text(value) == shown


@pytest.mark.parametrize(
    ("rule", "ok"),
    [
        (PayloadRule("default", "gpt-*", "reasoning.effort", "high"), True),
        (PayloadRule("override", "*", "contents.0.role", "user", "gemini"), True),
        (PayloadRule("default", " ", "reasoning.effort", "high"), False),
        (PayloadRule("default", "*", "reasoning effort", "high"), False),
        (PayloadRule("default", "*", "a..b", 1), False),
        (PayloadRule("sometimes", "*", "a", 1), False),
        (PayloadRule("default", "*", "a", 1, "grpc"), False),
    ],
)
def test_row_checks(rule: PayloadRule, ok: bool) -> None:
    assert (rule_problem(rule) == "") is ok


def test_client_replaces_only_the_simple_rules(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    document = {"port": 8317, "payload": SECTION}
    written: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v0/management")
        if path == "/config":
            return httpx.Response(200, json={"payload": document["payload"]})
        if path == "/config.yaml" and request.method == "GET":
            return httpx.Response(200, text="# my proxy\n" + yaml.safe_dump(document, sort_keys=False))
        if path == "/config.yaml" and request.method == "PUT":
            written.append(yaml.safe_load(request.content))
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404, json={"error": "not found"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = ManagementClient(BASE_URL, "k", http=http)
    new = [PayloadRule("override", "claude-*", "thinking.budget_tokens", 2048)]

    async def run() -> list[PayloadRule]:
        rows = await client.payload_rules()
        await client.set_payload_rules(new)
        await http.aclose()
        return rows

    task = spawn(run(), "payload")
    qtbot.waitUntil(task.done, timeout=3000)
    assert task.result() == ROWS
    payload = written[0]["payload"]
    assert payload == {  # type: ignore[comparison-overlap]
        "default-raw": SECTION["default-raw"],
        "filter": SECTION["filter"],
        "default": [],
        "override": [{"models": [{"name": "claude-*"}], "params": {"thinking.budget_tokens": 2048}}],
    }
    assert written[0]["port"] == 8317
    assert json.dumps(payload)  # plain JSON-able values


def test_editor_add_remove_revert_and_save(qtbot: QtBot) -> None:
    editor = PayloadEditor()
    qtbot.addWidget(editor)
    editor.set_saved(ROWS[:1])
    assert not editor.dirty and not editor.save_button.isEnabled() and not editor.add_button.isEnabled()
    editor.models.setText("gpt-5*")
    editor.param.setText("reasoning effort")
    assert editor.problem.isVisibleTo(editor) and "dotted JSON path" in editor.problem.text()
    editor.param.setText("max_output_tokens")
    assert not editor.add_button.isEnabled()  # no value yet
    editor.value.setText("4096")
    editor.protocol.setCurrentIndex(editor.protocol.findData("openai"))
    editor.kind.setCurrentIndex(editor.kind.findData("override"))
    assert editor.add_button.isEnabled() and editor.problem.isHidden()
    editor.add_button.click()
    assert editor.model.rows()[-1] == PayloadRule("override", "gpt-5*", "max_output_tokens", 4096, "openai")
    assert editor.dirty and editor.save_button.isEnabled() and editor.param.text() == ""
    assert editor.model.data(editor.model.index(1, 0)) == "Always"
    with qtbot.waitSignal(editor.save_requested) as saved:
        editor.save_button.click()
    assert saved.args == [editor.model.rows()]
    editor.table.selectRow(0)
    editor.remove_button.click()
    assert len(editor.model.rows()) == 1
    editor.revert_button.click()
    assert editor.model.rows() == ROWS[:1] and not editor.dirty


def test_models_page_loads_and_saves_request_parameters(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    client = FakeClient(models=["gpt-5"], payload=ROWS[:2])
    page = ModelsPage(AppState(client), client)
    qtbot.addWidget(page)
    spawn(page.load(), "load")
    qtbot.waitUntil(lambda: page.loaded, timeout=3000)
    assert page.payload.model.rows() == ROWS[:2]
    page.payload.table.selectRow(1)
    page.payload.remove_button.click()
    page.payload.save_button.click()
    qtbot.waitUntil(lambda: page.message.text().startswith("Saved. New requests"), timeout=3000)
    assert client.payload_list == ROWS[:1] and not page.payload.dirty
    client.fail("set_payload_rules", "The config file could not be written")
    page.payload.table.selectRow(0)
    page.payload.remove_button.click()
    page.payload.save_button.click()
    qtbot.waitUntil(lambda: "not saved" in page.message.text(), timeout=3000)
    assert page.payload.dirty and client.payload_list == ROWS[:1]
