"""The CLI login: URL shown (browser or -no-browser hint), loopback callback, pasted URL, exit codes."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from server.auth.base import LoginOptions
from server.auth.endpoints import Endpoints
from server.auth.login import PORT_BUSY_EXIT, CliLoginContext, cli_login, run_login
from server.auth.store import CredentialStore
from server.config.load import parse_config
from server.config.schema import Config
from server.providers.claude_oauth import PROVIDER as CLAUDE
from tests.fakes.oauth_fake import FakeOAuth, browse

ACCOUNT = {"account": {"email_address": "me@example.com"}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_for(oauth: FakeOAuth, auth_dir: Path) -> Config:
    urls = {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}
    return parse_config({"auth-dir": str(auth_dir), "oauth-endpoints": {"claude": urls}})


def url_in(text: str) -> str | None:
    found = [line.strip() for line in text.splitlines() if line.strip().startswith("http://127.0.0.1")]
    return found[0] if found else None


def wait_for_url(out: io.StringIO, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while (url := url_in(out.getvalue())) is None:
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.01)
    return url


class Login(threading.Thread):
    """cli_login in a thread, as the command runs it (its own event loop)."""

    def __init__(self, config: Config, options: LoginOptions, **kwargs: object) -> None:
        super().__init__(daemon=True)
        self.out, self.err = io.StringIO(), io.StringIO()
        self.args = (config, options, kwargs)
        self.code: int | None = None

    def run(self) -> None:
        config, options, kwargs = self.args
        stdin = io.StringIO()
        self.code = cli_login("claude", config, options, out=self.out, err=self.err, stdin=stdin, **kwargs)  # type: ignore[arg-type]

    def finish(self) -> int:
        self.join(15)
        assert self.code is not None
        return self.code


def test_no_browser_prints_the_url_and_the_ssh_hint(oauth: FakeOAuth, tmp_path: Path) -> None:
    oauth.configure(token_extra=ACCOUNT)
    port = free_port()
    opened: list[str] = []
    login = Login(
        config_for(oauth, tmp_path / "auths"),
        LoginOptions(no_browser=True, callback_port=port),
        open_browser=opened.append,
    )
    login.start()
    url = wait_for_url(login.out)
    assert f"ssh -L {port}:127.0.0.1:{port}" in login.out.getvalue()
    landed = browse(url)
    assert landed.status_code == 200 and "Login successful" in landed.text
    assert login.finish() == 0, login.err.getvalue()
    assert opened == []
    saved = tmp_path / "auths" / "claude-me@example.com.json"
    assert f"Saved {saved}" in login.out.getvalue()
    assert "Claude login successful." in login.out.getvalue()
    if sys.platform != "win32":
        assert saved.stat().st_mode & 0o777 == 0o600


def test_the_browser_is_opened(oauth: FakeOAuth, tmp_path: Path) -> None:
    oauth.configure(token_extra=ACCOUNT)
    seen: list[str] = []

    def browser(url: str) -> bool:
        seen.append(url)
        threading.Thread(target=browse, args=(url,), daemon=True).start()
        return True

    login = Login(config_for(oauth, tmp_path), LoginOptions(callback_port=free_port()), open_browser=browser)
    login.start()
    assert login.finish() == 0, login.err.getvalue()
    assert "Opening your browser" in login.out.getvalue()
    assert "ssh -L" not in login.out.getvalue()
    assert seen and seen[0].startswith(oauth.url("/authorize?"))


def test_a_taken_callback_port_exits_13_naming_the_holder(oauth: FakeOAuth, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        login = Login(config_for(oauth, tmp_path), LoginOptions(no_browser=True, callback_port=port))
        login.start()
        assert login.finish() == PORT_BUSY_EXIT
    assert f"port {port} is already in use" in login.err.getvalue()
    assert oauth.requests == []


def test_an_unregistered_provider_is_not_available(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_login("kimi", parse_config({"auth-dir": str(tmp_path)}), LoginOptions()) == 2
    assert "kimi login is not available in this version yet." in capsys.readouterr().err


async def test_a_pasted_code_hash_state_completes_a_claude_login(
    oauth: FakeOAuth, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    oauth.configure(token_extra=ACCOUNT)
    read_end, write_end = os.pipe()
    stdin = os.fdopen(read_end, "r")
    out = io.StringIO()
    port = free_port()
    ctx = CliLoginContext(
        http=http,
        options=LoginOptions(no_browser=True, callback_port=port),
        endpoints=Endpoints({"claude": {"authorize": oauth.url("/authorize"), "token": oauth.url("/token")}}),
        title="Claude",
        out=out,
        stdin=stdin,
        interactive=True,
        paste_after=0,
    )
    store = CredentialStore(tmp_path)
    task = asyncio.ensure_future(run_login(CLAUDE, ctx, store))
    url = await asyncio.to_thread(wait_for_url, out)
    redirect = (await http.get(url)).headers["location"]  # the browser never reaches the loopback
    query = dict(parse_qsl(urlsplit(redirect).query))
    with os.fdopen(write_end, "w") as pipe:
        pipe.write("not a url\n")
        pipe.write(f"{query['code']}#{query['state']}\n")
    assert await asyncio.wait_for(task, 10) == ["claude-me@example.com.json"]
    assert "Or paste the Claude callback URL" in out.getvalue()
    assert "That is not the callback address" in out.getvalue()
    body = oauth.token_requests()[0].json
    assert isinstance(body, dict)
    assert (body["code"], body["state"]) == (query["code"], query["state"])
    stdin.close()


async def test_prompt_reads_a_line(http: httpx.AsyncClient) -> None:
    out = io.StringIO()
    ctx = CliLoginContext(
        http=http,
        options=LoginOptions(),
        endpoints=Endpoints(),
        title="Qwen",
        out=out,
        stdin=io.StringIO("  my-alias \n"),
        interactive=False,
    )
    assert await ctx.prompt("Alias?") == "my-alias"
    assert await ctx.prompt("Again?") == ""
    assert out.getvalue().startswith("Alias? ")


async def test_device_codes_are_shown(http: httpx.AsyncClient) -> None:
    out = io.StringIO()
    ctx = CliLoginContext(
        http=http,
        options=LoginOptions(no_browser=True),
        endpoints=Endpoints(),
        title="Qwen",
        out=out,
        stdin=None,
        interactive=False,
    )
    await ctx.show_device_code("https://chat.qwen.ai/authorize?user_code=ABCD", "ABCD")
    assert "open this page" in out.getvalue() and "enter the code ABCD" in out.getvalue()
