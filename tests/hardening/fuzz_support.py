"""Shared pieces of the bad-input and fault tests: a proxy + fake upstream stack, error-format checks,
and a log watcher that catches exceptions of our own code.

Import explicitly (no conftest in tests/hardening): the fixtures below become a module's fixtures when
the test module imports them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import server.service
from server.config import load_config
from server.http import HttpClients
from server.runner import ServerController, ServerOptions
from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.edge_support import CLAUDE_MODEL, all_families, parse_sse
from tests.fakes import FakeUpstream, ServerThread, start_fake_upstream

__all__ = [
    "AUTH",
    "BODY_LIMIT",
    "CLIENT_KEY",
    "GEMINI_MODEL",
    "MGMT_AUTH",
    "MGMT_KEY",
    "TARGETS",
    "Stack",
    "Target",
    "Watcher",
    "check_error",
    "check_stream_errors",
    "dumps",
    "error_format",
    "fault_routes",
    "judge",
    "running_stack",
    "short_upstream_timeouts",
    "stack",
]

MGMT_KEY = "mgmt-local-fuzz-key"
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}
MGMT_AUTH = {"Authorization": f"Bearer {MGMT_KEY}"}
BODY_LIMIT = 256 * 1024
"""The stack's configured body limit (ServerOptions.body_limit): bigger bodies must get 413."""


class Watcher(logging.Handler):
    """Collects ERROR records (``log.exception`` of a bug) from the ``server`` loggers and uvicorn."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self._lock_records = threading.Lock()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "server.access" and record.exc_info is None:
            return  # the access log line of an error answer, not a failure of ours
        with self._lock_records:
            self.records.append(record)

    def take(self) -> list[str]:
        """The collected records as text (with tracebacks), and forget them."""
        with self._lock_records:
            records, self.records = self.records, []
        formatter = logging.Formatter("%(name)s: %(message)s")
        texts = [formatter.format(r) for r in records]
        # the fake upstream runs under uvicorn in this process too: its own crashes are not ours
        return [text for text in texts if "/tests/fakes/" not in text.replace("\\", "/")]

    @contextlib.contextmanager
    def installed(self) -> Iterator[Watcher]:
        loggers = [logging.getLogger(name) for name in ("server", "uvicorn.error", "uvicorn")]
        for logger in loggers:
            logger.addHandler(self)
        try:
            yield self
        finally:
            for logger in loggers:
                logger.removeHandler(self)


@dataclass
class Stack:
    """A running proxy serving every provider family from a fake upstream."""

    fake: FakeUpstream
    upstream: ServerThread
    controller: ServerController
    config_path: Path
    watcher: Watcher = field(default_factory=Watcher)
    loop: asyncio.AbstractEventLoop | None = None
    """The proxy's event loop (captured when it started): count its tasks with ``task_count``."""
    tally: Counter[str] = field(default_factory=Counter)
    """Answers seen, by "status class / reached upstream or not" (printed with HARDENING_STATS=1)."""

    @property
    def url(self) -> str:
        return self.controller.url

    _http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """One keep-alive client for the stack's lifetime (10 s per request: a hang fails)."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=10.0)
        return self._http

    def task_count(self) -> int:
        """asyncio tasks alive on the proxy's loop (asked on that loop)."""
        assert self.loop is not None

        async def count() -> int:
            return len(asyncio.all_tasks())

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=5) - 1

    def accounts(self) -> list[dict[str, Any]]:
        """``/v0/management/accounts/state``'s accounts."""
        reply = self.http.get("/v0/management/accounts/state", headers=MGMT_AUTH)
        assert reply.status_code == 200, reply.text
        accounts: list[dict[str, Any]] = reply.json()["accounts"]
        return accounts

    def reset_cooldowns(self) -> None:
        """Forget every cooldown (an upstream 5xx in one case must not turn the next into a 503)."""
        for account in self.accounts():
            if account["cooling"]:
                reply = self.http.post(
                    "/v0/management/accounts/reset-cooldown", json={"id": account["id"]}, headers=MGMT_AUTH
                )
                assert reply.status_code == 200, reply.text


@contextlib.contextmanager
def _private_dirs(directory: Path) -> Iterator[None]:
    """Per-user dirs under ``directory`` for a module-scoped proxy (tests/conftest.py's isolated_home
    is function-scoped, so it is not in place yet when a module fixture starts the server)."""
    home = directory / "home"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HOME", "USERPROFILE"):
            patch.setenv(name, str(home))
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(home / name.lower()))
        for name in ("CONFIG", "DATA", "LOG"):
            patch.setenv(f"CLIPROXYAPI_{name}_DIR", str(home / name.lower()))
        patch.delenv("MANAGEMENT_PASSWORD", raising=False)
        yield


@contextlib.contextmanager
def running_stack(directory: Path, **settings: Any) -> Iterator[Stack]:
    """Fake upstream + proxy (``all_families``, local management key, body limit ``BODY_LIMIT``)."""
    fake, upstream = start_fake_upstream()
    document: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "auth-dir": str(directory / "auths"),
        "api-keys": [CLIENT_KEY],
        "request-retry": 0,
        **all_families(upstream.url),
        **settings,
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    loops: list[asyncio.AbstractEventLoop] = []
    options = ServerOptions(
        body_limit=BODY_LIMIT,
        local_management_key=MGMT_KEY,
        on_started=lambda: loops.append(asyncio.get_running_loop()),
    )
    controller = ServerController(load_config(path), options=options)
    stack = Stack(fake, upstream, controller, path)
    with _private_dirs(directory), stack.watcher.installed():
        controller.start()
        stack.loop = loops[0] if loops else None
        try:
            yield stack
        finally:
            if stack._http is not None:
                stack._http.close()
            if os.environ.get("HARDENING_STATS") and stack.tally:
                print(
                    f"\n{directory.name}: {sum(stack.tally.values())} requests",
                    dict(sorted(stack.tally.items())),
                )
            controller.stop()
            upstream.stop()


# -- error formats --------------------------------------------------------------------------------

# (client path prefix, format): the first match wins
_FORMATS = (
    ("/v0/management", "management"),
    ("/v1/messages", "claude"),
    ("/v1beta/", "gemini"),
    ("/v1/models/", "gemini-or-openai"),
    ("/v1/", "openai"),
)


def error_format(path: str, method: str = "POST") -> str:
    """The error format a client of ``path`` expects: openai, claude, gemini or management."""
    for prefix, fmt in _FORMATS:
        if path.startswith(prefix):
            if fmt == "gemini-or-openai":
                return "gemini" if method == "POST" else "openai"
            return fmt
    return "plain"


def check_error(reply: httpx.Response, fmt: str) -> str:
    """Assert ``reply`` (status >= 400) is an error body in ``fmt``; return its message."""
    status = reply.status_code
    context = f"{reply.request.method} {reply.request.url.path} → {status}: {reply.text[:300]!r}"
    if fmt == "plain" or (status in (404, 405) and reply.text == "404 page not found"):
        # unknown routes answer like the original (Gin): a plain-text 404
        assert status in (404, 405), context
        return reply.text
    assert reply.headers.get("content-type", "").startswith("application/json"), context
    try:
        body = reply.json()
    except (ValueError, UnicodeDecodeError) as exc:  # pragma: no cover - the assertion message
        raise AssertionError(f"error body is not JSON: {context}") from exc
    assert isinstance(body, dict), context
    if fmt == "management":
        message = body.get("error")
        assert isinstance(message, str) and message, context
        return message
    if fmt == "claude":
        assert body.get("type") == "error", context
        inner = body.get("error")
        assert isinstance(inner, dict) and isinstance(inner.get("type"), str), context
    elif fmt == "gemini":
        inner = body.get("error")
        assert isinstance(inner, dict), context
        assert isinstance(inner.get("code"), int) and isinstance(inner.get("status"), str), context
    else:
        inner = body.get("error")
        assert isinstance(inner, dict), context
        assert isinstance(inner.get("type") or inner.get("code"), str), context
    message = inner.get("message")
    assert isinstance(message, str) and message, context
    return message


def check_stream_errors(raw: bytes, fmt: str) -> None:
    """An error event inside a 200 stream is in the client's format too."""
    for event in parse_sse(raw.decode("utf-8", "replace").encode()):
        try:
            data = json.loads(event.data)
        except ValueError:
            continue
        if not isinstance(data, dict) or not (event.event == "error" or "error" in data):
            continue
        inner = data.get("error")
        if fmt == "claude":
            assert data.get("type") == "error" and isinstance(inner, dict), data
            assert isinstance(inner.get("message"), str), data
        elif event.event == "error":  # the Responses API's error event
            assert isinstance(data.get("message"), str), data
        else:
            assert isinstance(inner, dict) and isinstance(inner.get("message"), str), data


def dumps(value: object) -> bytes:
    return json.dumps(value).encode()


# -- the requests every API family makes, same-format and translated ----------------------------

GEMINI_MODEL = "gemini-2.5-flash"


@dataclass(frozen=True)
class Target:
    """One client endpoint with a model that routes same-format or through a translator."""

    name: str
    path: str
    fmt: str
    body: dict[str, Any]

    def with_model(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with this target's model (Gemini carries it in the path)."""
        if self.fmt == "gemini" or "model" not in self.body:
            return body
        return {**body, "model": self.body["model"]}


def _gemini_path(model: str, stream: bool = False) -> str:
    method = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"/v1beta/models/{model}:{method}"


TARGETS = (
    Target("chat", "/v1/chat/completions", "openai", {"model": "kimi-k2"}),
    Target("chat→claude", "/v1/chat/completions", "openai", {"model": CLAUDE_MODEL}),
    Target("responses", "/v1/responses", "openai", {"model": "gpt-5"}),
    Target("responses→compat", "/v1/responses", "openai", {"model": "kimi-k2"}),
    Target("messages", "/v1/messages", "claude", {"model": CLAUDE_MODEL}),
    Target("messages→compat", "/v1/messages", "claude", {"model": "kimi-k2"}),
    Target("gemini", _gemini_path(GEMINI_MODEL), "gemini", {}),
    Target("gemini→claude", _gemini_path(CLAUDE_MODEL), "gemini", {}),
    Target("count", "/v1/messages/count_tokens", "claude", {"model": CLAUDE_MODEL}),
    Target("count→compat", "/v1/messages/count_tokens", "claude", {"model": "kimi-k2"}),
    Target("gemini-count→claude", f"/v1beta/models/{CLAUDE_MODEL}:countTokens", "gemini", {}),
    Target("completions", "/v1/completions", "openai", {"model": "kimi-k2"}),
    Target("completions→claude", "/v1/completions", "openai", {"model": CLAUDE_MODEL}),
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack per test module (credentials never fail here: scripts are per test)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def judge(stack: Stack, reply: httpx.Response, fmt: str, upstream_before: int) -> None:
    """The rules every answer to a bad request obeys: no 5xx of our own, errors in ``fmt``'s shape.

    A 5xx is accepted only when the fake upstream was called for this request (its answer relayed)
    and the message is not the proxy's own "internal error".
    """
    status = reply.status_code
    reached = len(stack.fake.requests) > upstream_before
    stack.tally[f"{status // 100}xx{' upstream' if reached else ''}"] += 1
    if status < 400:
        return
    message = check_error(reply, fmt)
    if status >= 500:
        context = f"{reply.request.method} {reply.request.url} → {status}: {reply.text[:300]!r}"
        assert "internal error in the proxy" not in message, context
        assert reached and fmt != "management", f"5xx without an upstream call: {context}"


# -- routes to the fault-injecting upstream (tests/fakes/faults.py) -------------------------------


def fault_routes(fault_url: str, dead_url: str, tls_url: str) -> dict[str, Any]:
    """Config keys: one Claude key and one OpenAI-compatible provider per base URL, told apart by model
    alias: ``c-fault``/``o-fault`` (the fault server), ``c-dead``/``o-dead`` (a closed port),
    ``c-tls``/``o-tls`` (https to the fault server, whose handshake fails)."""
    urls = (("fault", fault_url), ("dead", dead_url), ("tls", tls_url))
    claude = [
        {
            "api-key": f"sk-ant-{kind}",
            "base-url": url,
            "models": [{"name": CLAUDE_MODEL, "alias": f"c-{kind}"}],
        }
        for kind, url in urls
    ]
    compat = [
        {
            "name": f"compat-{kind}",
            "base-url": f"{url}/v1",
            "api-key-entries": [{"api-key": f"sk-or-{kind}"}],
            "models": [{"name": "kimi", "alias": f"o-{kind}"}],
        }
        for kind, url in urls
    ]
    return {"claude-api-key": claude, "openai-compatibility": compat}


@contextlib.contextmanager
def short_upstream_timeouts(read: float) -> Iterator[None]:
    """Proxies started inside the block use ``read`` seconds as their upstream read timeout (the
    shipped default is 300 s), through the public ``HttpClients(timeout=…)``."""
    short = httpx.Timeout(connect=2.0, read=read, write=2.0, pool=2.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(server.service, "HttpClients", functools.partial(HttpClients, timeout=short))
        yield
