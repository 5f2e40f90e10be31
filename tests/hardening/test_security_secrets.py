"""No secret from the fixtures leaks: a mixed workload, then every file, log record and answer is grepped.

Secrets: the client key, one upstream API key per provider family, an OAuth account's access and
refresh tokens before and after a refresh, the management secret (plaintext in the file before start,
hashed by the server) and ``MANAGEMENT_PASSWORD``. Debug, request logs and file logging are on.

Places grepped: every file under the isolated HOME (per-user config/data/log dirs) and the test dir
except the two stores of secrets (config.yaml holds the keys, auth-dir holds the tokens: their job),
every Python log record, every answer the clients got, every management GET answer except those whose
job is to hand secrets to the owner (``SECRETS_BY_DESIGN``), and tests/gui/screenshots if present.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from server.api.management.routes import management_routes
from tests.e2e.management_support import Launcher, wait_for
from tests.fakes import Fail, start_fake_upstream
from tests.fakes.oauth_fake import OAuthReply, start_fake_oauth
from tests.hardening.safety_support import files_under

CLIENT = "sk-client-SECRET-c1f2a3"
CLAUDE = "sk-ant-api-SECRET-d4e5f6"
CODEX = "sk-codex-SECRET-a7b8c9"
GEMINI = "AIza-SECRET-gemini-0a1b2c"
COMPAT = "sk-or-SECRET-compat-3d4e5f"
OLD_ACCESS = "sk-ant-oat-SECRET-old-access-6a7b"
OLD_REFRESH = "sk-ant-ort-SECRET-old-refresh-8c9d"
NEW_ACCESS = "sk-ant-oat-SECRET-new-access-0e1f"
NEW_REFRESH = "sk-ant-ort-SECRET-new-refresh-2a3b"
MGMT_SECRET = "mgmt-SECRET-plaintext-4c5d"
ENV_PASSWORD = "env-SECRET-password-6e7f"
SECRETS = (
    CLIENT,
    CLAUDE,
    CODEX,
    GEMINI,
    COMPAT,
    OLD_ACCESS,
    OLD_REFRESH,
    NEW_ACCESS,
    NEW_REFRESH,
    MGMT_SECRET,
    ENV_PASSWORD,
)
SECRETS_BY_DESIGN = {
    "/config",
    "/config.yaml",
    "/api-keys",
    "/gemini-api-key",
    "/claude-api-key",
    "/codex-api-key",
    "/vertex-api-key",
    "/openai-compatibility",
    "/ampcode",
    "/ampcode/upstream-api-key",
    "/auth-files/download",
}
"""Management GETs that return keys or credential files to the authenticated owner (the GUI's job)."""
NOT_FETCHED = {
    "/latest-version": "asks GitHub (no network in tests)",
    "/events": "an endless event stream",
    "/anthropic-auth-url": "starts a login",
    "/codex-auth-url": "starts a login",
    "/gemini-cli-auth-url": "starts a login",
    "/antigravity-auth-url": "starts a login",
    "/qwen-auth-url": "starts a login",
    "/iflow-auth-url": "starts a login",
}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "gui" / "screenshots"


def management_get_paths() -> list[str]:
    return [
        route.path
        for mount in management_routes()
        if isinstance(mount, Mount)
        for route in mount.routes
        if "GET" in (getattr(route, "methods", None) or ())
    ]


def hits(text: bytes | str, where: str) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [f"{secret} in {where}" for secret in SECRETS if secret.encode() in data]


def test_no_fixture_secret_in_logs_files_or_answers(
    tmp_path: Path, isolated_home: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("MANAGEMENT_PASSWORD", ENV_PASSWORD)
    fake, upstream = start_fake_upstream()
    oauth, oauth_server = start_fake_oauth()
    oauth.always(
        "/token",
        OAuthReply(200, {"access_token": NEW_ACCESS, "refresh_token": NEW_REFRESH, "expires_in": 28800}),
    )
    answers: list[tuple[str, bytes]] = []
    launch = Launcher(tmp_path)
    try:
        auth_dir = tmp_path / "auths"
        auth_dir.mkdir()
        account = {"type": "claude", "email": "me@example.com", "access_token": OLD_ACCESS}
        account |= {"refresh_token": OLD_REFRESH, "expired": "2020-01-01T00:00:00Z"}
        (auth_dir / "claude-me.json").write_text(json.dumps(account))
        url = upstream.url
        settings = {
            "api-keys": [CLIENT],
            "debug": True,
            "request-log": True,
            "logging-to-file": True,
            "usage-statistics-enabled": True,
            "claude-api-key": [{"api-key": CLAUDE, "base-url": url}],
            "codex-api-key": [{"api-key": CODEX, "base-url": url}],
            "gemini-api-key": [{"api-key": GEMINI, "base-url": url}],
            "openai-compatibility": [
                {
                    "name": "compat",
                    "base-url": url + "/v1",
                    "api-key-entries": [{"api-key": COMPAT}],
                    "models": [{"name": "up-model", "alias": "compat-model"}],
                }
            ],
            "oauth-endpoints": {"claude": {"token": oauth.url("/token"), "upstream": url}},
        }
        server = launch.start(settings, secret=MGMT_SECRET)
        assert wait_for(lambda: NEW_ACCESS in (auth_dir / "claude-me.json").read_text(), 15)
        fake.script(COMPAT, Fail(500), Fail(401))  # upstream failures: error logs, cooldown messages
        answers += run_client_workload(server.url)
        answers += run_management_reads(server.api)
        server.controller.stop()  # flush logs and usage
        assert MGMT_SECRET not in server.text()  # hashed at start
    finally:
        launch.close()
        upstream.stop()
        oauth_server.stop()
    found: list[str] = []
    for where, body in answers:
        found += hits(body, where)
    found += hits(caplog.text, "log records")
    stores = {server.path, *auth_dir.glob("*.json")}
    for root in (isolated_home, tmp_path, SCREENSHOTS):
        for path in files_under(root):
            if path not in stores:
                found += hits(path.read_bytes(), str(path))
    assert found == []
    # there was something to grep: the main log and one request log per client call
    assert len([p for p in files_under(isolated_home / "logs") if p.suffix == ".log"]) > 10


def run_client_workload(base: str) -> list[tuple[str, bytes]]:
    """Every client API, stream and not, the key in every place, wrong keys, upstream failures."""
    out: list[tuple[str, bytes]] = []
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    claude = {"max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    gemini = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    bearer = {"Authorization": f"Bearer {CLIENT}"}
    calls: list[tuple[str, str, dict[str, str], object]] = []
    for stream in (False, True):
        calls += [
            ("/v1/chat/completions", "", bearer, {**chat, "model": "compat-model", "stream": stream}),
            ("/v1/chat/completions", "", bearer, {**chat, "model": "gpt-5", "stream": stream}),
            (
                "/v1/messages",
                "",
                {"x-api-key": CLIENT},
                {**claude, "model": "claude-sonnet-4-5-20250929", "stream": stream},
            ),
            ("/v1/responses", "", bearer, {"model": "gpt-5", "input": "hi", "stream": stream}),
            ("/v1beta/models/gemini-2.5-flash:generateContent", f"?key={CLIENT}", {}, gemini),
        ]
    calls += [
        (
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            "?alt=sse",
            {"x-goog-api-key": CLIENT},
            gemini,
        ),
        ("/v1/chat/completions", f"?auth_token={CLIENT}", {}, {**chat, "model": "compat-model"}),
        (
            "/v1/chat/completions",
            "",
            {"Authorization": f"Bearer {CLIENT}x"},
            {**chat, "model": "compat-model"},
        ),
        ("/v1/messages", "", {"x-api-key": CLAUDE}, {**claude, "model": "claude-sonnet-4-5-20250929"}),
        ("/v1/chat/completions", "", bearer, {**chat, "model": "no-such-model"}),
        ("/v1/chat/completions", "", bearer, b"{not json"),
    ]
    statuses: list[int] = []
    with httpx.Client(base_url=base, timeout=20) as http:
        for path, query, headers, body in calls:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            reply = http.post(
                path + query, content=content, headers={**headers, "Content-Type": "application/json"}
            )
            out.append((f"answer to {path}", reply.content + str(dict(reply.headers)).encode()))
            statuses.append(reply.status_code)
        for path in ("/v1/models", "/v1beta/models", f"/v1/models?key={CLIENT}"):
            out.append((f"answer to {path}", http.get(path, headers=bearer).content))
    assert statuses.count(200) >= 8 and 401 in statuses and 400 in statuses, statuses
    return out


def run_management_reads(api: str) -> list[tuple[str, bytes]]:
    paths = management_get_paths()
    unknown = set(paths) - SECRETS_BY_DESIGN - set(NOT_FETCHED) - {p for p in paths if "{" in p}
    out: list[tuple[str, bytes]] = []
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {ENV_PASSWORD}"}, timeout=20) as http:
        for path in sorted(unknown):
            reply = http.get(path)
            assert reply.status_code < 500, (path, reply.text)
            out.append((f"GET {path}", reply.content))
        errors = http.get("/request-error-logs").json().get("files", [])
        for item in errors:
            out.append((f"error log {item['name']}", http.get(f"/request-error-logs/{item['name']}").content))
        for channel in ("claude", "gemini", "codex", "openai"):
            out.append((f"model-definitions {channel}", http.get(f"/model-definitions/{channel}").content))
        names = [f["name"] for f in http.get("/auth-files").json()["files"]]
        for name in names:
            out.append((f"models of {name}", http.get("/auth-files/models", params={"name": name}).content))
    # a wrong management key is not echoed either
    refused = httpx.get(api + "/usage", headers={"Authorization": f"Bearer {CLAUDE}"})
    out.append(("refused management call", refused.content))
    return out
