"""The request-logging middleware: what is captured, file names, section order, masking, error logs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from server.config import parse_config
from server.logfiles import LogFiles
from server.request_capture import Capture, current_route, route_pattern
from server.request_log import RequestLogger, RequestLogMiddleware, is_captured, log_file_name
from server.state import ProxyState

KEY = "sk-unit-request-log-key-01"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/chat/completions", "v1-chat-completions-2025-12-11T101500-abcdef12.log"),
        (
            "/v1beta/models/gemini-2.5-pro:generateContent",
            "v1beta-models-gemini-2.5-pro-generateContent-2025-12-11T101500-abcdef12.log",
        ),
        ("/", "root-2025-12-11T101500-abcdef12.log"),
        ('/a b//c<>"|?*', "a-b-c-2025-12-11T101500-abcdef12.log"),
    ],
    ids=["chat", "gemini-colon", "root", "unsafe-characters"],
)
def test_file_name(path: str, name: str) -> None:
    assert log_file_name(path, datetime(2025, 12, 11, 10, 15, 0), "abcdef12") == name


@pytest.mark.parametrize(
    ("method", "path", "captured"),
    [
        ("POST", "/v1/chat/completions", True),
        ("POST", "/v1beta/models/x:generateContent", True),
        ("GET", "/v1/models", False),
        ("POST", "/v0/management/api-keys", False),
        ("PUT", "/management/config", False),
        ("POST", "/api/event_logging/batch", False),
        ("POST", "/api/provider/openai/v1/chat/completions", True),
        ("DELETE", "/v1/whatever", True),
    ],
    ids=["chat", "gemini", "get", "management", "legacy-management", "api", "api-provider", "delete"],
)
def test_what_is_captured(method: str, path: str, captured: bool) -> None:
    assert is_captured(method, path) is captured


@pytest.mark.parametrize(
    ("template", "pattern"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/v1beta/models/{target:path}", "/v1beta/models/*target"),
        ("/v0/management/auth-files/{name}", "/v0/management/auth-files/:name"),
    ],
    ids=["plain", "path-param", "param"],
)
def test_route_pattern(template: str, pattern: str) -> None:
    assert route_pattern(template) == pattern


def test_no_route_outside_a_request() -> None:
    assert current_route() == ""


class Echo:
    """An ASGI app answering with ``status`` and the request body; records the route it saw."""

    def __init__(self, status: int = 200, media: bytes = b"application/json") -> None:
        self.status = status
        self.media = media
        self.routes: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.routes.append(current_route())
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send(
            {"type": "http.response.start", "status": self.status, "headers": [(b"content-type", self.media)]}
        )
        await send({"type": "http.response.body", "body": body})


def _written(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


def _logger(tmp_path: Path, **settings: object) -> tuple[RequestLogger, LogFiles]:
    files = LogFiles(tmp_path)
    logger = RequestLogger()
    commercial = bool(settings.pop("commercial-mode", False))
    logger.attach(files, ProxyState(parse_config(dict(settings))), commercial=commercial)
    return logger, files


async def _send(app: RequestLogMiddleware, method: str, path: str, body: object = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {KEY}", "x-api-key": KEY}
        )


async def test_full_log_has_sections_in_order_and_masked_headers(tmp_path: Path) -> None:
    logger, files = _logger(tmp_path, **{"request-log": True})
    app = Echo()
    reply = await _send(
        RequestLogMiddleware(app, logger), "POST", f"/v1/messages?key={KEY}", {"api_key": KEY}
    )
    assert reply.status_code == 200
    assert app.routes == ["POST /v1/messages"]  # no router here: the path stands in for the pattern
    (path,) = _written(tmp_path)
    assert path.name.startswith("v1-messages-") and path.name.endswith(".log")
    text = path.read_text(encoding="utf-8")
    sections = [line for line in text.splitlines() if line.startswith("=== ")]
    assert sections == ["=== REQUEST INFO ===", "=== HEADERS ===", "=== REQUEST BODY ===", "=== RESPONSE ==="]
    assert KEY not in text
    assert "authorization: Bearer sk-u...y-01" in text and "x-api-key: sk-u...y-01" in text
    assert "URL: /v1/messages?key=sk-u...y-01" in text
    assert json.loads(text.split("=== REQUEST BODY ===\n")[1].split("\n")[0]) == {"api_key": "sk-u...y-01"}
    assert files.request_error_logs() == []


@pytest.mark.parametrize(
    ("settings", "method", "status", "written"),
    [
        ({}, "POST", 200, []),
        ({}, "POST", 429, ["error-"]),
        ({}, "GET", 500, []),
        ({"commercial-mode": True}, "POST", 500, []),
        ({"commercial-mode": True, "request-log": True}, "POST", 200, []),
        ({"request-log": True}, "GET", 200, []),
        ({"request-log": True}, "POST", 503, ["v1-"]),
    ],
    ids=["ok", "error", "get-error", "commercial-error", "commercial-full", "full-get", "full-error"],
)
async def test_which_requests_write_a_file(
    tmp_path: Path, settings: dict[str, object], method: str, status: int, written: list[str]
) -> None:
    logger, _ = _logger(tmp_path, **settings)
    await _send(
        RequestLogMiddleware(Echo(status), logger), method, "/v1/x", {"a": 1} if method == "POST" else None
    )
    names = [p.name for p in _written(tmp_path)]
    assert len(names) == len(written)
    for name, prefix in zip(sorted(names), written, strict=True):
        assert name.startswith(prefix)


async def test_error_logs_keep_only_the_newest(tmp_path: Path) -> None:
    logger, files = _logger(tmp_path, **{"error-logs-max-files": 2})
    app = RequestLogMiddleware(Echo(400), logger)
    for i in range(4):
        await _send(app, "POST", f"/v1/call-{'abcd'[i]}", {"n": i})
    assert sorted(info.name.split("-2")[0] for info in files.request_error_logs()) == [
        "error-v1-call-c",
        "error-v1-call-d",
    ]


async def test_streamed_error_bodies_are_not_kept(tmp_path: Path) -> None:
    logger, files = _logger(tmp_path)
    await _send(RequestLogMiddleware(Echo(500, b"text/event-stream"), logger), "POST", "/v1/s", {"x": "y"})
    (info,) = files.request_error_logs()
    assert "<streamed body not captured>" in files.read_error_log(info.name).decode()


def test_render_without_attempts_is_still_complete() -> None:
    from server.request_capture import render

    capture = Capture("abcdef12", datetime(2025, 1, 1), "POST", "/v1/x", "", "1.1", [], full=True, status=204)
    text = render(capture, "9.9")
    assert text.startswith("=== REQUEST INFO ===\nVersion: 9.9\nURL: /v1/x\nMethod: POST\n")
    assert "=== REQUEST BODY ===\n<empty>" in text and "Status: 204" in text
