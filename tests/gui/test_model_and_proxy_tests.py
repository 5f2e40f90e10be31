"""The Models page's model test (time to first token and to the end) and Settings' upstream proxy test,
with a streamed fake answer and a fake HTTP proxy on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui.aio import spawn
from gui.model_probe import probe_model
from gui.models import ModelTest
from gui.netcheck import check_proxy
from gui.platform.autostart import XdgAutostart
from gui.state import AppState
from gui.windows.models_page import ModelsPage
from gui.windows.settings import SettingsPage
from tests.gui.fake_client import BASE_URL, FakeClient
from tests.gui.qt_harness import QT_MARKS, qt_loop

pytestmark = QT_MARKS


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qt_loop(qapp)


def _run(qtbot: QtBot, coro: object) -> object:
    task = spawn(coro, "test")  # type: ignore[arg-type]
    qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


# -- the model probe ------------------------------------------------------------------------------------


class Ticks:
    """A clock that moves 0.1 s per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.1
        return self.now


def _answer(status: int, chunks: list[bytes]) -> httpx.AsyncClient:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=b"".join(chunks))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    http.seen = seen  # type: ignore[attr-defined]
    return http


@pytest.mark.parametrize(
    ("status", "chunks", "expected"),
    [
        (200, [b'data: {"choices":[{"delta":{"content":"OK"}}]}\n\n', b"data: [DONE]\n\n"],
         ModelTest(True, 100, 200, "", "gpt-5")),
        (200, [b"data: [DONE]\n\n"], ModelTest(False, None, 100, "The answer was empty.", "gpt-5")),
        (404, [b'{"error":{"message":"unknown model gpt-5","type":"invalid_request_error"}}'],
         ModelTest(False, None, None, "unknown model gpt-5", "gpt-5")),
        (500, [b"oops"], ModelTest(False, None, None, "The proxy answered with an error (500).", "gpt-5")),
    ],
)  # fmt: skip
def test_probe_model_times_the_first_token_and_the_end(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, status: int, chunks: list[bytes], expected: ModelTest
) -> None:
    http = _answer(status, chunks)
    got = _run(qtbot, probe_model(http, BASE_URL, "sk-client", "gpt-5", clock=Ticks()))
    assert got == expected
    request = http.seen[0]  # type: ignore[attr-defined]
    assert (
        request.url.path == "/v1/chat/completions" and request.headers["Authorization"] == "Bearer sk-client"
    )
    assert b'"stream":true' in request.content.replace(b" ", b"")
    assert "sk-client" not in got.error  # type: ignore[attr-defined]


def test_probe_model_reports_an_unreachable_proxy(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    got = _run(qtbot, probe_model(httpx.AsyncClient(), _closed_port(), "", "gpt-5"))
    assert isinstance(got, ModelTest) and not got.ok and got.error.startswith("Cannot reach the proxy")


def test_models_page_tests_the_chosen_model(qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    client = FakeClient(models=["gpt-5", "sonnet"])
    page = ModelsPage(AppState(client), client)
    qtbot.addWidget(page)
    spawn(page.load(), "load")
    qtbot.waitUntil(lambda: page.live.list.count() == 2, timeout=3000)
    live = page.live
    assert not live.test_button.isEnabled()
    live.list.setCurrentRow(0)
    hold = client.hold("test_model")
    live.test_button.click()
    qtbot.waitUntil(lambda: live.test_result.text() == "Testing gpt-5…", timeout=2000)
    assert not live.test_button.isEnabled()
    hold.set()
    qtbot.waitUntil(lambda: live.test_result.property("role") == "success", timeout=2000)
    assert live.test_result.text() == "gpt-5: first token after 420 ms, whole answer in 1.3 s"
    assert client.called("test_model") == [("gpt-5",)] and live.test_button.isEnabled()
    client.test_answer = ModelTest(False, None, None, "no account serves sonnet")
    live.list.setCurrentRow(1)
    live.test_button.click()
    qtbot.waitUntil(lambda: live.test_result.property("role") == "error", timeout=2000)
    assert live.test_result.text() == "sonnet failed: no account serves sonnet"
    client.fail("test_model", "Cannot reach the proxy at http://127.0.0.1:8317. Is it running?", 0)
    live.test_button.click()
    qtbot.waitUntil(lambda: "Cannot reach" in live.test_result.text(), timeout=2000)


# -- the upstream proxy test ----------------------------------------------------------------------------


class FakeProxy:
    """An HTTP proxy that answers every absolute-form request itself with ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.targets: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.targets.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProxy]:
    made = FakeProxy()
    monkeypatch.setenv("CLIPROXYAPI_PROXY_TEST_URL", "http://127.0.0.1:9/v1/models")
    yield made
    made.close()


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_check_proxy_answers(qtbot: QtBot, loop: asyncio.AbstractEventLoop, proxy: FakeProxy) -> None:
    ok, message = _run(qtbot, check_proxy(proxy.url))  # type: ignore[misc]
    assert ok and message.startswith("The proxy works") and proxy.targets == ["http://127.0.0.1:9/v1/models"]
    proxy.status = 401  # the provider refused the (keyless) request: it still got through
    assert _run(qtbot, check_proxy(proxy.url))[0] is True  # type: ignore[index]
    proxy.status = 407
    assert _run(qtbot, check_proxy(proxy.url)) == (
        False,
        "The proxy asks for a user name and password (put them in the address).",
    )
    proxy.status = 502
    assert "could not reach the provider" in _run(qtbot, check_proxy(proxy.url))[1]  # type: ignore[index]
    ok, message = _run(qtbot, check_proxy(_closed_port()))  # type: ignore[misc]
    assert not ok and message.startswith("Could not connect to the proxy")


def test_settings_proxy_test_button(
    qtbot: QtBot, loop: asyncio.AbstractEventLoop, proxy: FakeProxy, tmp_path: Path
) -> None:
    client = FakeClient(settings={"port": 8317, "host": "127.0.0.1", "proxy-url": ""})
    prefs = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    page = SettingsPage(AppState(client), client, prefs=prefs, autostart=XdgAutostart(tmp_path / "autostart"))
    qtbot.addWidget(page)
    page.reload()
    qtbot.waitUntil(lambda: page.port.isEnabled(), timeout=3000)
    assert not page.proxy_test.isEnabled()  # nothing to test
    page.proxy_url.setText("ftp://nope")
    assert not page.proxy_test.isEnabled()
    page.proxy_url.setText(proxy.url)
    assert page.proxy_test.isEnabled()
    page.proxy_test.click()
    qtbot.waitUntil(lambda: page.proxy_result.property("role") == "success", timeout=5000)
    assert page.proxy_result.text().startswith("The proxy works") and not page.proxy_result.isHidden()
    assert client.called("update_setting") == []  # testing does not save
    page.proxy_url.setText(_closed_port())
    page.proxy_test.click()
    qtbot.waitUntil(lambda: page.proxy_result.property("role") == "error", timeout=5000)
