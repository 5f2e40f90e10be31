"""The process the crash-safety test kills: config saves, token refresh write-backs and usage writes.

Everything goes through the server's real write paths: ``ConfigEditor`` for config.yaml, the
``Refresher`` (token endpoint = a ``FakeOAuth`` on loopback) and ``CredentialStore`` for the account
files, ``UsageRecorder`` over ``open_store`` for the SQLite usage database. After each write *returned*
the driver appends one line to ``report.log`` (one ``os.write`` on an ``O_APPEND`` descriptor, so a
line is either whole or absent after a SIGKILL):

``ready <run>`` / ``config <run> <n>`` (api-keys[0] is ``k-<run>-<n>``) /
``cred <run> <file> <access_token>`` / ``usage <run> <first> <last>`` (models ``r<run>-<i>``).

Start-up does what the server does before its first write: sweep temp files left by killed writers
(``ProxyService.start`` for config.yaml, ``CredentialStore.scan`` for auth-dir).

``python -m tests.hardening.crash_driver --zygote WORKDIR`` imports everything once, then forks one
driver per ``run <n>`` line read from stdin and prints the child's pid (children are reaped by the
kernel: SIGCHLD is ignored). ``python -m tests.hardening.crash_driver WORKDIR RUN`` runs one driver.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import yaml

from server.auth.accounts import load_account_providers
from server.auth.base import RefreshContext
from server.auth.refresh import Refresher
from server.auth.store import CredentialStore, StoredFile
from server.config.edit import ConfigEditor
from server.config.load import parse_config
from server.config.save import sweep_temp_files
from server.config.schema import Config
from server.tasks import spawn
from server.usage.record import UsageRecord
from server.usage.recorder import UsageRecorder
from server.usage.runtime import open_store
from tests.fakes.oauth_fake import start_fake_oauth

__all__ = ["ACCOUNTS", "config_key", "prepare", "run_driver"]

ACCOUNTS = ("claude-0.json", "claude-1.json", "claude-2.json")
PADDING = 40
"""Extra api-keys per save, so that a save is a few kilobytes and a kill can land inside it."""


def config_key(run: int, n: int) -> str:
    return f"k-{run}-{n}"


def _config_document(key: str) -> dict[str, object]:
    return {"host": "127.0.0.1", "port": 0, "api-keys": [key], "request-retry": 0}


def prepare(workdir: Path) -> None:
    """The initial files: config.yaml, three Claude account files and no usage database."""
    (workdir / "auths").mkdir(parents=True, exist_ok=True, mode=0o700)
    document = _config_document("k-initial") | {"auth-dir": str(workdir / "auths")}
    (workdir / "config.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    for i, name in enumerate(ACCOUNTS):
        data = {
            "type": "claude",
            "email": f"c{i}@example.com",
            "access_token": f"initial-{i}",
            "refresh_token": f"r-initial-{i}",
            "expired": "2020-01-01T00:00:00Z",
        }
        (workdir / "auths" / name).write_text(json.dumps(data), encoding="utf-8")


class _Target:
    """The ConfigTarget of the driver: the file and a live config nobody serves."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._config = Config()

    @property
    def config_path(self) -> Path | None:
        return self._path

    @property
    def config(self) -> Config:
        return self._config

    def apply_config(self, config: Config) -> None:
        self._config = config


class _Report:
    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            os.write(self._fd, (text + "\n").encode())


def _usage(model: str) -> UsageRecord:
    return UsageRecord(
        timestamp=time.time(),
        client_key="",
        provider="x",
        credential_id="",
        credential_label="",
        requested_model=model,
        upstream_model=model,
        status=200,
        failed=False,
        stream=False,
        latency_ms=1,
    )


def _usage_loop(workdir: Path, run: int, report: _Report) -> None:
    store = open_store(workdir / "usage.db")
    recorder = UsageRecorder(store, flush_interval=0.01, max_batch=50)
    i = 0
    while True:
        first = i
        for _ in range(5):
            recorder.record(_usage(f"r{run}-{i}"))
            i += 1
        if recorder.flush(10):
            report.line(f"usage {run} {first} {i - 1}")
        time.sleep(0.005)  # leave the GIL to the config and refresh writers


async def _config_loop(workdir: Path, run: int, report: _Report) -> None:
    editor = ConfigEditor(_Target(workdir / "config.yaml"))
    n = 0
    while True:
        keys = (config_key(run, n), *(f"pad-{run}-{n}-{j:02d}" for j in range(PADDING)))
        await editor.edit(lambda cfg, keys=keys: dataclasses.replace(cfg, api_keys=keys))
        report.line(f"config {run} {n}")
        n += 1


async def _refresh_loop(workdir: Path, run: int, report: _Report, token_url: str) -> None:
    store = CredentialStore(workdir / "auths")
    files, _ = store.scan()
    by_name: dict[str, StoredFile] = {f.name: f for f in files}
    async with httpx.AsyncClient(trust_env=False, timeout=10) as http:

        def context(file: StoredFile) -> RefreshContext:
            return RefreshContext(
                http=http, endpoint=lambda p, n, d: token_url if n == "token" else d, now=time.time
            )

        refresher = Refresher(
            store=store,
            files=lambda: by_name,
            context=context,
            on_refreshed=lambda name: None,
            spawn=lambda coro, name: spawn(coro, name=name),
        )

        async def one(name: str) -> None:
            while True:
                if await refresher.refresh(name):
                    token = json.loads(store.read_bytes(name))["access_token"]
                    report.line(f"cred {run} {name} {token}")

        await asyncio.gather(*(one(name) for name in ACCOUNTS))


def run_driver(workdir: Path, run: int) -> None:
    """Sweep like a starting server, then write forever (until killed)."""
    load_account_providers()
    report = _Report(workdir / "report.log")
    sweep_temp_files(workdir, "config.yaml")
    CredentialStore(workdir / "auths").scan()
    parse_config(yaml.safe_load((workdir / "config.yaml").read_text(encoding="utf-8")))
    oauth, _server = start_fake_oauth(expires_in=28800)
    threading.Thread(target=_usage_loop, args=(workdir, run, report), daemon=True).start()

    async def main() -> None:
        report.line(f"ready {run}")
        await asyncio.gather(
            _config_loop(workdir, run, report), _refresh_loop(workdir, run, report, oauth.url("/token"))
        )

    asyncio.run(main())


def _zygote(workdir: Path) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("zygote", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] != ["run"]:
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                run_driver(workdir, int(words[1]))
            finally:
                os._exit(1)
        print(pid, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        _zygote(Path(sys.argv[2]))
    else:
        run_driver(Path(sys.argv[1]), int(sys.argv[2]))
