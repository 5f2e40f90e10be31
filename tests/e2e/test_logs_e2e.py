"""Logs end to end: request log files, capped error logs, the main log file, and no secret on disk."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import log_dir
from server.logfiles import LogFiles
from tests.e2e.conftest import Upstream
from tests.e2e.runtime_support import (
    CLIENT_KEY,
    Running,
    StartProxy,
    base_document,
    proxies,
    wait_for,
    write_config,
)
from tests.fakes import Fail

pytestmark = pytest.mark.timeout(30)

SONNET = "claude-sonnet-4-5-20250929"
CLAUDE_A = "sk-ant-logs-a-0000000001"
CLAUDE_B = "sk-ant-logs-b-0000000002"
GEMINI_KEY = "AIzaSyLogsTest-000000000000000000001"
BODY_SECRET = "body-secret-value-000001"
COOKIE_SECRET = "cookie-secret-value-000001"
SECRETS = (CLIENT_KEY, CLAUDE_A, CLAUDE_B, GEMINI_KEY, BODY_SECRET, COOKIE_SECRET)
NAME = re.compile(r"^v1-chat-completions-\d{4}-\d{2}-\d{2}T\d{6}-[0-9a-f]{8}\.log$")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartProxy]:
    with proxies(tmp_path) as starter:
        yield starter


def _document(tmp_path: Path, upstream: Upstream, **settings: Any) -> dict[str, Any]:
    return base_document(
        tmp_path,
        **{
            "claude-api-key": [{"api-key": key, "base-url": upstream.url} for key in (CLAUDE_A, CLAUDE_B)],
            "gemini-api-key": [{"api-key": GEMINI_KEY, "base-url": upstream.url}],
            **settings,
        },
    )


def _chat(proxy: Running, marker: str = "hi", **extra: Any) -> httpx.Response:
    body = {
        "model": SONNET,
        "messages": [{"role": "user", "content": marker}],
        "api_key": BODY_SECRET,
        **extra,
    }
    headers = {"Authorization": f"Bearer {CLIENT_KEY}", "Cookie": f"session={COOKIE_SECRET}"}
    return httpx.post(proxy.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)


def _logs() -> list[Path]:
    directory = log_dir()
    return sorted(p for p in directory.iterdir() if p.suffix == ".log") if directory.is_dir() else []


def _named(pattern: str) -> list[Path]:
    return [p for p in _logs() if re.match(pattern, p.name)]


def _no_secret_on_disk() -> None:
    written = [p for p in log_dir().rglob("*") if p.is_file()]
    assert written
    for path in written:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret[:6]}... found in {path.name}"


def test_a_request_log_has_every_section_in_order_with_secrets_masked(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream, **{"request-log": True}))
    upstream.fake.script(None, Fail(500))  # the first attempt fails, the other key answers
    assert (
        httpx.get(proxy.url + "/v1/models", headers={"Authorization": f"Bearer {CLIENT_KEY}"}).status_code
        == 200
    )
    assert _chat(proxy).status_code == 200
    (path,) = wait_for(lambda: _named(r"v1-chat"), timeout=3.0, what="the request log is written")
    assert NAME.match(path.name), path.name
    text = path.read_text(encoding="utf-8")
    headers = [line for line in text.splitlines() if line.startswith("=== ")]
    assert headers == [
        "=== REQUEST INFO ===",
        "=== HEADERS ===",
        "=== REQUEST BODY ===",
        "=== API REQUEST 1 ===",
        "=== API REQUEST 2 ===",
        "=== API ERROR RESPONSE ===",
        "=== API RESPONSE 1 ===",
        "=== API RESPONSE 2 ===",
        "=== RESPONSE ===",
    ]
    assert "URL: /v1/chat/completions" in text and "Method: POST" in text
    assert "authorization: Bearer sk-r...0001" in text
    assert "cookie: session=cook...0001" in text
    assert '"api_key":"body...0001"' in text.replace(" ", "")
    assert "HTTP Status: 500" in text and "Status: 200" in text
    assert "type=api_key value=sk-a..." in text
    assert "Hello from claude fake" in text
    assert len(_logs()) == 1  # GET /v1/models wrote nothing
    _no_secret_on_disk()


def test_gemini_query_keys_are_masked(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    proxy = start(_document(tmp_path, upstream, **{"request-log": True}))
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    url = f"{proxy.url}/v1beta/models/gemini-2.5-flash:generateContent?key={CLIENT_KEY}"
    assert httpx.post(url, json=body, timeout=10).status_code == 200
    (path,) = wait_for(
        lambda: _named(r"v1beta-models-gemini"), timeout=3.0, what="the request log is written"
    )
    text = path.read_text(encoding="utf-8")
    assert f"?key={CLIENT_KEY[:4]}...{CLIENT_KEY[-4:]}" in text
    assert "=== API REQUEST 1 ===" in text
    _no_secret_on_disk()


def test_errors_are_logged_and_capped_when_request_log_is_off(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream, **{"error-logs-max-files": 3}))
    assert _chat(proxy).status_code == 200
    for i in range(5):
        upstream.fake.always(None, Fail(503))
        assert _chat(proxy, f"failing-{i}").status_code >= 400
    upstream.fake.always(None, None)

    def newest_three() -> list[Path] | None:
        found = _named(r"error-v1-chat-completions-")
        try:
            texts = [p.read_text(encoding="utf-8") for p in found]
        except FileNotFoundError:
            return None  # the cap deletes old files off the request path, maybe between list and read
        return found if len(found) == 3 and any("failing-4" in t for t in texts) else None

    errors = wait_for(newest_three, timeout=3.0, what="three newest error logs")
    texts = [p.read_text(encoding="utf-8") for p in errors]
    assert sorted(m for t in texts for m in re.findall(r"failing-\d", t)) == [
        "failing-2",
        "failing-3",
        "failing-4",
    ]
    for text in texts:
        assert "=== API REQUEST" not in text and "=== RESPONSE ===" in text
    assert [p.name for p in _logs()] == sorted(p.name for p in errors)  # the success wrote nothing
    listed = [info.name for info in proxy_logs(proxy).request_error_logs()]
    assert sorted(listed) == sorted(p.name for p in errors)
    _no_secret_on_disk()


def proxy_logs(proxy: Running) -> LogFiles:
    logs = getattr(proxy.service, "logs", None)
    assert isinstance(logs, LogFiles)
    return logs


def test_switching_request_log_on_is_hot(start: StartProxy, upstream: Upstream, tmp_path: Path) -> None:
    document = _document(tmp_path, upstream)
    proxy = start(document)
    assert _chat(proxy).status_code == 200
    write_config(proxy.config_path, {**document, "request-log": True})
    wait_for(lambda: proxy.service.config.request_log, timeout=1.0, what="request-log is live")
    assert _chat(proxy).status_code == 200
    wait_for(lambda: _named(r"v1-chat-completions-"), timeout=3.0, what="a full request log")


def test_main_log_file_is_written_redacted_and_readable(
    start: StartProxy, upstream: Upstream, tmp_path: Path
) -> None:
    proxy = start(_document(tmp_path, upstream, **{"logging-to-file": True}))
    logs = proxy_logs(proxy)
    assert logs.enabled and logs.directory == log_dir()
    assert _chat(proxy).status_code == 200
    logging.getLogger("tests.logs").warning("a careless line with %s and key=%s", CLAUDE_A, GEMINI_KEY)

    def lines() -> list[str] | None:
        found, _ = logs.main_log_lines(None, 0)
        return found if any("careless" in line for line in found) else None

    found = wait_for(lines, timeout=3.0, what="the main log has the line")
    assert any("POST /v1/chat/completions" in line and " 200 " in line for line in found)
    careless = next(line for line in found if "careless" in line)
    assert "sk-a...0001" in careless and "[warn ]" in careless
    _, latest = logs.main_log_lines(None, 0)
    assert logs.main_log_lines(latest, 0)[0] == []
    _no_secret_on_disk()

    write_config(proxy.config_path, _document(tmp_path, upstream, **{"logging-to-file": False}))
    wait_for(lambda: not logs.enabled, timeout=1.0, what="logging-to-file off")
    logging.getLogger("tests.logs").warning("after the switch")
    assert not any("after the switch" in line for line in logs.main_log_lines(None, 0)[0])
