"""Usage statistics and logs over the management API (server.md §3.4, §4, §5; §8 items 32-38).

Skipped with a reason when the build has no usage runtime (``service.usage``) or no log files
(``service.logs``): those endpoints then answer 503.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CLIENT_KEY, Upstream
from tests.e2e.management_support import Launcher, Managed, launcher, wait_for
from tests.fakes import Fail

SONNET = "claude-sonnet-4-5-20250929"


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def _claude(upstream: Upstream) -> dict[str, Any]:
    return {"claude-api-key": [{"api-key": "sk-ant-usage", "base-url": upstream.url}]}


def _chat(server: Managed, key: str = CLIENT_KEY) -> httpx.Response:
    body = {"model": SONNET, "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(server.url + "/v1/messages", json=body, headers={"x-api-key": key}, timeout=10)


def _needs(server: Managed, path: str, what: str) -> None:
    with server.client() as client:
        if client.get(path).status_code == 503:
            pytest.skip(f"this build has no {what}")


def _usage(server: Managed) -> dict[str, Any]:
    with server.client() as client:
        answer = client.get("/usage")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert body["failed_requests"] == body["usage"]["failure_count"]
    return body["usage"]


def test_usage_snapshot_counts_requests(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start(_claude(upstream))
    _needs(server, "/usage", "usage runtime (service.usage)")
    assert _chat(server).status_code == 200
    upstream.fake.script("sk-ant-usage", Fail(500))
    assert _chat(server).status_code == 500
    usage = _usage(server)
    assert (usage["total_requests"], usage["success_count"], usage["failure_count"]) == (2, 1, 1)
    [api] = usage["apis"].values()
    details = api["models"][SONNET]["details"]
    assert [d["failed"] for d in details] == [False, True]
    assert set(details[0]["tokens"]) == {
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "cached_tokens",
        "total_tokens",
    }
    assert all(len(hour) == 2 for hour in usage["requests_by_hour"])


def test_switching_usage_statistics_on_and_off_is_live(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start({**_claude(upstream), "usage-statistics-enabled": False})
    _needs(server, "/usage", "usage runtime (service.usage)")
    assert _chat(server).status_code == 200
    assert _usage(server)["total_requests"] == 0
    with server.client() as client:
        client.put("/usage-statistics-enabled", json={"value": True})
    assert _chat(server).status_code == 200
    assert _usage(server)["total_requests"] == 1


def test_export_then_import_into_an_empty_store(
    launch: Launcher, upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = launch.start(_claude(upstream))
    _needs(first, "/usage", "usage runtime (service.usage)")
    for _ in range(3):
        assert _chat(first).status_code == 200
    with first.client() as client:
        exported = client.get("/usage/export").json()
    assert exported["version"] == 1 and exported["usage"]["total_requests"] == 3
    first.controller.stop()
    monkeypatch.setenv("CLIPROXYAPI_DATA_DIR", str(tmp_path / "other-data"))  # an empty usage database
    second = launch.start(_claude(upstream))
    with second.client() as client:
        assert client.get("/usage").json()["usage"]["total_requests"] == 0
        added = client.post("/usage/import", json=exported).json()
        again = client.post("/usage/import", json=exported).json()
        wrong_version = client.post("/usage/import", json={"version": 2, "usage": {}})
        not_json = client.post("/usage/import", content=b"{{")
        snapshot = client.get("/usage").json()["usage"]
    assert added == {"added": 3, "skipped": 0, "total_requests": 3, "failed_requests": 0}
    assert again == {"added": 0, "skipped": 3, "total_requests": 3, "failed_requests": 0}
    assert (wrong_version.status_code, wrong_version.json()) == (400, {"error": "unsupported version"})
    assert (not_json.status_code, not_json.json()) == (400, {"error": "invalid json"})
    assert snapshot["requests_by_day"] == exported["usage"]["requests_by_day"]
    assert snapshot["total_tokens"] == exported["usage"]["total_tokens"]


def test_usage_series_and_summary(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start(_claude(upstream))
    _needs(server, "/usage", "usage runtime (service.usage)")
    for _ in range(2):
        assert _chat(server).status_code == 200
    now = time.time()
    with server.client() as client:
        series = client.get("/usage/series", params={"bucket": "minute", "group_by": "model"}).json()
        hourly = client.get("/usage/series", params={"since": now - 7200, "until": now + 60}).json()
        summary = client.get("/usage/summary").json()
        bad_bucket = client.get("/usage/series", params={"bucket": "week"})
        bad_since = client.get("/usage/series", params={"since": "yesterday"})
        reversed_window = client.get("/usage/summary", params={"since": now, "until": now - 1})
    assert series["bucket"] == "minute" and series["group_by"] == "model"
    assert sum(p["requests"] for p in series["points"]) == 2 and series["points"][0]["key"] == SONNET
    assert hourly["bucket"] == "hour" and sum(p["requests"] for p in hourly["points"]) == 2
    assert summary["totals"]["requests"] == 2 and summary["totals"]["failure"] == 0
    assert [g["key"] for g in summary["by_model"]] == [SONNET]
    assert [g["key"] for g in summary["by_provider"]] == ["claude"]
    assert len(summary["by_credential"]) == 1 and len(summary["by_client_key"]) == 1
    assert CLIENT_KEY not in str(summary) and CLIENT_KEY not in str(series)
    assert bad_bucket.status_code == 400 and "bucket" in bad_bucket.json()["error"]
    assert bad_since.status_code == 400 and "since" in bad_since.json()["error"]
    assert reversed_window.status_code == 400


# -- logs -------------------------------------------------------------------------------------------------


def test_main_log_needs_logging_to_file(launch: Launcher) -> None:
    server = launch.start({"logging-to-file": False})
    _needs(server, "/request-error-logs", "log files (service.logs)")
    with server.client() as client:
        refused = client.get("/logs")
        refused_delete = client.delete("/logs")
        assert client.put("/logging-to-file", json={"value": True}).status_code == 200
        httpx.get(server.url + "/")  # something to log

        def logged() -> bool:
            return bool(client.get("/logs").json()["lines"])

        assert wait_for(logged)
        read = client.get("/logs").json()
        later = client.get("/logs", params={"after": read["latest-timestamp"]}).json()
        limited = client.get("/logs", params={"limit": 1}).json()
        zero = client.get("/logs", params={"limit": 0})
        word = client.get("/logs", params={"limit": "ten"})
        cleared = client.delete("/logs").json()
    assert (refused.status_code, refused.json()) == (400, {"error": "logging to file disabled"})
    assert refused_delete.status_code == 400
    assert read["line-count"] >= len(read["lines"]) > 0 and read["latest-timestamp"] > 0
    assert all(line not in later["lines"] for line in read["lines"] if line.startswith("["))
    assert len(limited["lines"]) == 1
    assert zero.status_code == 400 and zero.json()["error"].startswith("invalid limit")
    assert word.status_code == 400
    assert cleared["success"] is True and cleared["message"] == "Logs cleared successfully"


def test_request_error_logs(launch: Launcher, upstream: Upstream) -> None:
    server = launch.start({**_claude(upstream), "request-log": False})
    _needs(server, "/request-error-logs", "log files (service.logs)")
    upstream.fake.script("sk-ant-usage", Fail(500))
    assert _chat(server).status_code == 500
    with server.client() as client:
        assert wait_for(lambda: bool(client.get("/request-error-logs").json()["files"]))
        [entry] = client.get("/request-error-logs").json()["files"]
        content = client.get(f"/request-error-logs/{entry['name']}")
        not_error_log = client.get("/request-error-logs/main.log")
        backslash = client.get("/request-error-logs/error-..\\x.log")
        missing = client.get("/request-error-logs/error-none.log")
        bad_id = client.get("/request-log-by-id/zz")
        client.put("/request-log", json={"value": True})
        while_logging = client.get("/request-error-logs").json()
    assert entry["name"].startswith("error-") and entry["size"] > 0 and entry["modified"] > 0
    assert content.status_code == 200 and content.headers["content-disposition"].startswith("attachment")
    assert CLIENT_KEY not in content.text
    assert (not_error_log.status_code, missing.status_code) == (404, 404)
    assert backslash.status_code == 400
    assert bad_id.status_code in (400, 404)
    assert while_logging == {"files": []}
