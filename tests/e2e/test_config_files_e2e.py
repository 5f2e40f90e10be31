"""Real-world config files start the real server; stream keep-alives follow the config."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import httpx
import pytest

from server.config import ensure_config, load_config
from server.config.schema import TLS
from server.runner import ServerController
from tests.e2e.conftest import ProxyFactory, Upstream
from tests.fakes import Slow

FULL_CONFIG = Path(__file__).parents[1] / "unit" / "config" / "data" / "full_config.yaml"


@pytest.mark.parametrize("source", ["full", "default"], ids=["every-key-example", "bundled-default"])
def test_config_file_starts_and_serves_models(source: str, tmp_path: Path) -> None:
    if source == "full":
        path = tmp_path / "config.yaml"
        shutil.copy(FULL_CONFIG, path)
    else:
        path = ensure_config(tmp_path / "config.yaml").path
    config = load_config(path)
    keys = config.api_keys
    # The example enables TLS with certificate paths that do not exist on this machine.
    controller = ServerController(dataclasses.replace(config, host="127.0.0.1", port=0, tls=TLS()))
    controller.start()
    try:
        headers = {"Authorization": f"Bearer {keys[0]}"} if keys else {}
        reply = httpx.get(f"{controller.url}/v1/models", headers=headers, timeout=5)
        assert reply.status_code == 200
        assert reply.json()["object"] == "list"
        ids = {m["id"] for m in reply.json()["data"]}
        if source == "full":
            assert ids, "the every-key example configures providers, so models are listed"
    finally:
        controller.stop()


def test_stream_keepalive_comments_while_upstream_is_silent(
    start_proxy: ProxyFactory, upstream: Upstream
) -> None:
    upstream.fake.configure(chunks=2)
    upstream.fake.always(None, Slow(delay_per_chunk=1.3))
    proxy = start_proxy(
        {
            "streaming": {"keepalive-seconds": 1},
            "gemini-api-key": [{"api-key": "AIza-k", "base-url": upstream.url}],
        }
    )
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    url = f"{proxy.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    with httpx.stream("POST", url, json=body, headers={"x-goog-api-key": proxy.key}, timeout=20) as reply:
        raw = b"".join(reply.iter_bytes())
    events = [e for e in raw.replace(b"\r\n", b"\n").split(b"\n\n") if e]
    assert events[0].startswith(b"data: ")
    assert b": keep-alive" in events[1:-1], "the comment comes while the upstream is silent"
    assert events[-1].startswith(b"data: ")
