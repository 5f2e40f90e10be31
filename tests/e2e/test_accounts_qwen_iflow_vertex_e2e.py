"""Qwen, iFlow and Vertex service-account files in auth-dir serve SDK requests through the real server.

The OpenAI-format fake sits behind ``SignedUpstream``, which refuses any ``iFlow-Cli`` request whose
HMAC signature does not match its Bearer API key; Vertex tokens come from a fake Google token
endpoint that verifies the JWT with the service account's public key.
"""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
import yaml
from google import genai

from server.auth.base import LoginOptions
from server.auth.login import cli_login
from server.auth.timing import format_rfc3339
from server.config import load_config
from server.config.schema import Config
from server.providers import qwen_account
from tests.e2e.conftest import Proxy, ProxyFactory
from tests.fakes import Fail, FakeUpstream, ServerThread
from tests.fakes.oauth_fake import FakeOAuth, OAuthReply, browse, start_fake_oauth
from tests.fakes.qwen_iflow_fake import (
    GoogleJwtFake,
    SignedUpstream,
    make_service_account,
    start_google_jwt_fake,
)

HOUR = 3600.0


@dataclass
class Upstreams:
    fake: FakeUpstream
    signed: SignedUpstream
    url: str
    google: GoogleJwtFake
    idp: FakeOAuth


@pytest.fixture(scope="module")
def servers() -> Iterator[Upstreams]:
    fake = FakeUpstream()
    signed = SignedUpstream(fake.app)
    upstream = ServerThread(signed).start()
    google, google_server = start_google_jwt_fake()
    idp, idp_server = start_fake_oauth()
    try:
        yield Upstreams(fake, signed, upstream.url, google, idp)
    finally:
        for server in (upstream, google_server, idp_server):
            server.stop()


@pytest.fixture
def up(servers: Upstreams) -> Upstreams:
    servers.fake.reset()
    servers.signed.rejections.clear()
    return servers


def _write(auth_dir: Path, name: str, data: dict[str, object]) -> None:
    auth_dir.mkdir(parents=True, exist_ok=True)
    (auth_dir / name).write_text(json.dumps(data, indent=2), encoding="utf-8")


def _qwen_file(token: str, resource_url: str, *, expires_in: float = 6 * HOUR) -> dict[str, object]:
    now = time.time()
    return {
        "access_token": token,
        "refresh_token": f"rt-{token}",
        "last_refresh": format_rfc3339(now),
        "resource_url": resource_url,
        "email": f"{token}@example.com",
        "type": "qwen",
        "expired": format_rfc3339(now + expires_in),
    }


def _iflow_file(api_key: str) -> dict[str, object]:
    now = time.time()
    return {
        "access_token": "iflow-oauth-access-token",
        "refresh_token": "iflow-rt",
        "last_refresh": format_rfc3339(now),
        "expired": format_rfc3339(now + 7 * 24 * HOUR),
        "api_key": api_key,
        "email": "me@example.com",
        "token_type": "bearer",
        "scope": "phone",
        "cookie": "",
        "type": "iflow",
    }


def _auth_dir(proxy_factory_tmp: Path) -> Path:
    return proxy_factory_tmp / "auths"


def _openai(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.key, max_retries=0)


def test_qwen_iflow_and_vertex_files_serve_sdk_requests(
    up: Upstreams, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    auth = _auth_dir(tmp_path)
    _write(auth, "qwen-me.json", _qwen_file("qwen-token", up.url))
    _write(auth, "iflow-me.json", _iflow_file("sk-iflow-key"))
    account = make_service_account(project_id="demo-project")
    up.google.register(account)
    _write(
        auth,
        "vertex-demo-project.json",
        {
            "service_account": account,
            "project_id": "demo-project",
            "email": account["client_email"],
            "location": "us-central1",
            "type": "vertex",
        },
    )
    endpoints = {
        "iflow": {"upstream": f"{up.url}/v1"},
        "vertex": {"upstream": up.url, "token": up.google.token_url},
    }
    proxy = start_proxy({"oauth-endpoints": endpoints})

    with _openai(proxy) as client:
        models = {m.id for m in client.models.list()}
        assert {"coder-model", "glm-4.6", "gemini-2.5-pro"} <= models
        answer = client.chat.completions.create(
            model="coder-model", messages=[{"role": "user", "content": "hello qwen"}]
        )
        assert answer.choices[0].message.content
        pieces = client.chat.completions.create(
            model="glm-4.6", messages=[{"role": "user", "content": "hello iflow"}], stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in pieces if c.choices)

    with genai.Client(api_key=proxy.key, http_options={"base_url": proxy.url}) as gemini:
        reply = gemini.models.generate_content(model="gemini-2.5-pro", contents="hello vertex")
        assert reply.text

    qwen = up.fake.requests_for("qwen-token")
    assert [r.path for r in qwen] == ["/v1/chat/completions"]
    assert qwen[0].headers["x-dashscope-authtype"] == "qwen-oauth"
    assert qwen[0].headers["user-agent"] == "QwenCode/0.14.2 (darwin; arm64)"
    assert qwen[0].json["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}

    iflow = up.fake.requests_for("sk-iflow-key")
    assert [r.path for r in iflow] == ["/v1/chat/completions"]
    assert iflow[0].headers["user-agent"] == "iFlow-Cli"
    assert iflow[0].json["stream"] is True
    assert up.fake.requests_for("iflow-oauth-access-token") == []
    assert up.signed.rejections == []

    [vertex] = [r for r in up.fake.requests if r.api_key.startswith("sa-token-")]
    assert vertex.path == (
        "/v1/projects/demo-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    assert up.google.accepted[-1].claims["iss"] == account["client_email"]
    stored = json.loads((auth / "vertex-demo-project.json").read_text(encoding="utf-8"))
    assert "access_token" not in stored


def test_a_429_cools_that_account_for_that_model_and_fails_over(
    up: Upstreams, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    auth = _auth_dir(tmp_path)
    _write(auth, "qwen-a.json", _qwen_file("qwen-a", up.url))
    _write(auth, "qwen-b.json", _qwen_file("qwen-b", up.url))
    up.fake.script("qwen-a", Fail(429, retry_after=60))
    proxy = start_proxy()

    def ask(model: str) -> None:
        with _openai(proxy) as client:
            answer = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
            assert answer.choices[0].message.content

    for _ in range(5):
        ask("coder-model")
    assert len(up.fake.requests_for("qwen-a")) == 1  # the 429; then it cooled for coder-model
    assert len(up.fake.requests_for("qwen-b")) == 5
    for _ in range(2):
        ask("vision-model")
    assert [r.json["model"] for r in up.fake.requests_for("qwen-a")] == ["coder-model", "vision-model"]


def test_an_expiring_qwen_token_is_refreshed_in_the_background(
    up: Upstreams, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    auth = _auth_dir(tmp_path)
    data = _qwen_file("qwen-old", up.url, expires_in=10 * 60)
    data["last_refresh"] = format_rfc3339(time.time() - 6 * HOUR)
    _write(auth, "qwen-old.json", data)
    proxy = start_proxy({"oauth-endpoints": {"qwen": {"token": up.idp.url("/token")}}})

    path = auth / "qwen-old.json"
    deadline = time.monotonic() + 15
    while json.loads(path.read_text(encoding="utf-8"))["access_token"] == "qwen-old":
        assert time.monotonic() < deadline, "the qwen token was not refreshed"
        time.sleep(0.1)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["resource_url"] == up.url
    assert stored["email"] == "qwen-old@example.com"
    assert (path.stat().st_mode & 0o777) == 0o600
    refresh = up.idp.token_requests("refresh_token")[-1]
    assert refresh.form["refresh_token"] == "rt-qwen-old"

    deadline = time.monotonic() + 5
    while True:
        with _openai(proxy) as client:
            client.chat.completions.create(model="coder-model", messages=[{"role": "user", "content": "hi"}])
        if up.fake.requests_for(stored["access_token"]) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert up.fake.requests_for(stored["access_token"])


# -- logins from the command line, driven as a person would ------------------------------------------


def _config(tmp_path: Path, endpoints: dict[str, dict[str, str]]) -> tuple[Path, Config]:
    path = tmp_path / "login-config.yaml"
    document = {"auth-dir": str(tmp_path / "auths"), "oauth-endpoints": endpoints}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path, load_config(path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _saved(tmp_path: Path, name: str) -> dict[str, object]:
    path = tmp_path / "auths" / name
    assert (path.stat().st_mode & 0o777) == 0o600
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_iflow_cli_login_through_the_browser_and_the_callback_port(up: Upstreams, tmp_path: Path) -> None:
    idp = up.idp
    idp.script(
        "/api/oauth/getUserInfo",
        OAuthReply(200, {"success": True, "data": {"apiKey": "sk-web", "email": "web@example.com"}}),
    )
    endpoints = {
        "iflow": {
            "authorize": idp.url("/authorize"),
            "token": idp.url("/token"),
            "userinfo": idp.url("/api/oauth/getUserInfo"),
        }
    }
    path, config = _config(tmp_path, endpoints)
    pages: list[int] = []

    def browser(url: str) -> bool:
        pages.append(browse(url).status_code)  # IdP → 302 to the callback port → /success page
        return True

    out = io.StringIO()
    options = LoginOptions(callback_port=_free_port())
    code = cli_login(
        "iflow", config, options, config_path=path, out=out, stdin=io.StringIO(), open_browser=browser
    )
    assert code == 0, out.getvalue()
    assert pages == [200]
    data = _saved(tmp_path, "iflow-web@example.com.json")
    assert data["api_key"] == "sk-web"
    assert data["type"] == "iflow"
    assert idp.requests_to("/api/oauth/getUserInfo")[-1].query == {"accessToken": data["access_token"]}


def test_qwen_cli_login_shows_the_device_code_and_asks_for_the_alias(
    up: Upstreams, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qwen_account.PROVIDER, "_poll_interval", 0.05)
    up.idp.configure(token_extra={"resource_url": "portal.qwen.ai"})
    up.idp.device_outcomes("authorization_pending")
    endpoints = {"qwen": {"device": up.idp.url("/device/code"), "token": up.idp.url("/token")}}
    path, config = _config(tmp_path, endpoints)
    opened: list[str] = []
    out = io.StringIO()
    stdin = io.StringIO("cli-user\n")
    try:
        code = cli_login(
            "qwen",
            config,
            LoginOptions(),
            config_path=path,
            out=out,
            stdin=stdin,
            open_browser=lambda u: opened.append(u) or True,
        )
    finally:
        up.idp.configure(token_extra={})
    assert code == 0, out.getvalue()
    assert opened == [up.idp.url("/device?user_code=ABCD-1234")]
    assert "ABCD-1234" in out.getvalue()
    data = _saved(tmp_path, "qwen-cli-user.json")
    assert data["resource_url"] == "portal.qwen.ai"
    assert data["email"] == "cli-user"


def test_vertex_import_from_the_command_line(tmp_path: Path) -> None:
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps(make_service_account(project_id="cli-project")), encoding="utf-8")
    path, config = _config(tmp_path, {})
    out = io.StringIO()
    options = LoginOptions(service_account_file=str(key))
    assert cli_login("vertex", config, options, config_path=path, out=out, stdin=io.StringIO()) == 0
    data = _saved(tmp_path, "vertex-cli-project.json")
    assert (data["project_id"], data["location"], data["type"]) == ("cli-project", "us-central1", "vertex")
