"""Provider API keys: entries to values and back (untouched fields kept), the checks, the client's list
calls, and the Settings box adding, editing and removing keys through its dialog."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.client import ManagementClient
from gui.models import ProviderKey
from gui.provider_keys import entry_of, headers_text, key_from, key_problem, parse_headers
from gui.windows.provider_keys import ProviderKeysBox
from tests.gui.fake_client import BASE_URL, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS

CLAUDE = {
    "api-key": "sk-ant-1",
    "base-url": "https://api.anthropic.com",
    "headers": {"X-Team": "a"},
    "models": [{"name": "claude-sonnet-4-5", "alias": "sonnet"}],
    "priority": 2,
}
COMPAT = {
    "name": "openrouter",
    "base-url": "https://openrouter.ai/api/v1",
    "api-key-entries": [
        {"api-key": "sk-or-1", "proxy-url": "socks5://127.0.0.1:1080"},
        {"api-key": "sk-or-2"},
    ],
    "models": [{"name": "moonshotai/kimi-k2", "alias": "kimi"}],
}


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def test_entries_round_trip_and_keep_what_the_app_does_not_edit() -> None:
    claude = key_from("claude-api-key", CLAUDE)
    assert (claude.api_key, claude.base_url, claude.headers) == (
        "sk-ant-1",
        "https://api.anthropic.com",
        (("X-Team", "a"),),
    )
    assert entry_of(claude) == CLAUDE
    compat = key_from("openai-compatibility", COMPAT)
    assert (compat.name, compat.api_key, compat.proxy_url) == (
        "openrouter",
        "sk-or-1",
        "socks5://127.0.0.1:1080",
    )
    assert entry_of(compat) == COMPAT  # the second key entry and the models stay
    assert claude.priority == 2 and "priority" not in dict(claude.extra)
    changed = entry_of(ProviderKey("codex-api-key", "sk-x", "https://api.openai.com/v1", prefix="oa"))
    assert changed == {"api-key": "sk-x", "base-url": "https://api.openai.com/v1", "prefix": "oa"}


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (ProviderKey("claude-api-key", "sk-1"), ""),
        (ProviderKey("claude-api-key", " "), "Paste the API key."),
        (ProviderKey("codex-api-key", "sk-1"), "This provider needs a base URL"),
        (ProviderKey("gemini-api-key", "k", "ftp://x"), "The base URL starts with http"),
        (ProviderKey("gemini-api-key", "k", proxy_url="127.0.0.1:1080"), "The proxy address must start"),
        (ProviderKey("openai-compatibility", "", "https://x.example/v1"), "Give the service a name"),
        (
            ProviderKey("openai-compatibility", "", "https://x.example/v1", name="OpenRouter"),
            "Another service",
        ),
        (ProviderKey("openai-compatibility", "", "https://x.example/v1", name="local"), ""),
    ],
)
def test_checks(key: ProviderKey, problem: str) -> None:
    others = [key_from("openai-compatibility", COMPAT)]
    found = key_problem(key, others)
    assert found.startswith(problem) and bool(found) == bool(problem)


def test_header_lines() -> None:
    assert parse_headers("X-Team: a\n\nX-Env:  prod  ") == (("X-Team", "a"), ("X-Env", "prod"))
    assert parse_headers("no colon here") == "Line 1: write each header as Name: value"
    assert headers_text((("X-Team", "a"), ("X-Env", "prod"))) == "X-Team: a\nX-Env: prod"


def test_client_reads_every_list_and_replaces_one(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    lists = {"claude-api-key": [CLAUDE], "openai-compatibility": [COMPAT]}
    puts: list[tuple[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        kind = request.url.path.rsplit("/", 1)[-1]
        if request.method == "PUT":
            puts.append((kind, json.loads(request.content)))
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(200, json={kind: lists.get(kind)})  # Go's nil list: null

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = ManagementClient(BASE_URL, "k", http=http)

    async def run() -> list[ProviderKey]:
        keys = await client.provider_keys()
        await client.set_provider_keys("claude-api-key", [*keys, ProviderKey("claude-api-key", "sk-ant-2")])
        await http.aclose()
        return keys

    task = spawn(run(), "keys")
    qtbot.waitUntil(task.done, timeout=3000)
    assert [(k.kind, k.api_key) for k in task.result()] == [
        ("claude-api-key", "sk-ant-1"),
        ("openai-compatibility", "sk-or-1"),
    ]
    assert puts == [("claude-api-key", [CLAUDE, {"api-key": "sk-ant-2"}])]  # only that list's keys


def _box(qtbot: QtBot, client: FakeClient) -> ProviderKeysBox:
    box = ProviderKeysBox(client, confirm=False)
    qtbot.addWidget(box)
    box.reload()
    qtbot.waitUntil(lambda: len(client.called("provider_keys")) == 1, timeout=2000)
    return box


def test_box_adds_edits_and_removes_keys(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(provider_keys=[key_from("openai-compatibility", COMPAT)])
    box = _box(qtbot, client)
    assert (
        box.model.data(box.model.index(0, 2)) == "•••••••" and not box.edit_button.isEnabled()
    )  # short: all hidden
    dialog = box.open_dialog(None)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.kind.setCurrentIndex(dialog.kind.findData("codex-api-key"))
    dialog.api_key.setText("sk-proj-1")
    assert not save.isEnabled() and "base URL" in dialog.problem.text()
    dialog.base_url.setText("https://api.openai.com/v1")
    dialog.headers.setPlainText("OpenAI-Organization: org-1")
    assert save.isEnabled()
    save.click()
    qtbot.waitUntil(lambda: len(client.called("set_provider_keys")) == 1, timeout=2000)
    kind, listed = client.called("set_provider_keys")[0]
    assert kind == "codex-api-key"
    assert listed == [ProviderKey("codex-api-key", "sk-proj-1", "https://api.openai.com/v1",
                                  headers=(("OpenAI-Organization", "org-1"),))]  # fmt: skip
    qtbot.waitUntil(lambda: box.model.rowCount() == 2, timeout=2000)
    assert box.message.text().startswith("Saved.")
    box.table.selectRow(0)  # the OpenAI-compatible service: edit its address
    dialog = box.open_dialog(box.selected())
    assert not dialog.kind.isEnabled() and dialog.name.text() == "openrouter"
    dialog.base_url.setText("https://openrouter.ai/api/v2")
    dialog.priority.setValue(5)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: len(client.called("set_provider_keys")) == 2, timeout=2000)
    edited = client.called("set_provider_keys")[1][1][0]  # type: ignore[index]
    assert entry_of(edited)["priority"] == 5
    assert (
        edited.base_url == "https://openrouter.ai/api/v2" and entry_of(edited)["models"] == COMPAT["models"]
    )
    qtbot.waitUntil(lambda: box.model.rowCount() == 2, timeout=2000)
    box.table.selectRow(1)
    box.remove_button.click()
    qtbot.waitUntil(lambda: len(client.called("set_provider_keys")) == 3, timeout=2000)
    assert client.called("set_provider_keys")[2][1] == []
    qtbot.waitUntil(lambda: box.model.rowCount() == 1, timeout=2000)


def test_box_shows_a_refused_save(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient()
    box = _box(qtbot, client)
    client.fail("set_provider_keys", "claude-api-key[0].base-url: must be an http(s) URL", 400)
    box.save("claude-api-key", [ProviderKey("claude-api-key", "sk-1")], "Saved.")
    qtbot.waitUntil(lambda: box.message.isVisibleTo(box), timeout=2000)
    assert box.message.text() == "Not saved: claude-api-key[0].base-url: must be an http(s) URL"
    assert box.model.rowCount() == 0


def test_long_keys_elide_and_scroll_sideways_instead_of_widening_the_window(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop
) -> None:
    address = "https://" + "a-very-long-host-name." * 6 + "example.com/api/v1"
    long = ProviderKey("openai-compatibility", "sk-" + "x" * 60, address, prefix="team-" * 6, name="gateway")
    box = _box(qtbot, FakeClient(provider_keys=[long]))
    qtbot.waitUntil(lambda: box.model.rowCount() == 1, timeout=2000)
    assert box.minimumSizeHint().width() <= 400  # what the Settings card asks of the window
    header, bar = box.table.horizontalHeader(), box.table.horizontalScrollBar()
    shown = f"gateway · {address}"
    full = box.table.fontMetrics().horizontalAdvance(shown)
    box.resize(900, 220)
    box.show()
    qtbot.waitExposed(box)
    qtbot.waitUntil(lambda: header.sectionSize(1) > 100, timeout=2000)
    assert bar.maximum() == 0 and header.sectionSize(1) < full  # room enough: the address is elided, no bar
    assert box.model.data(box.model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == shown  # all of it on hover
    box.resize(420, 220)
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)  # too narrow: the table scrolls sideways
    assert box.width() == 420
