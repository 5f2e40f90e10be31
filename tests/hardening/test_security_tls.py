"""TLS mode with a self-signed certificate made by the test: the OpenAI SDK and httpx talk to it."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.management_support import Launcher, Managed
from tests.fakes import FakeUpstream, ServerThread
from tests.fakes.certs import self_signed
from tests.hardening.safety_support import upstream_fixture


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, ServerThread]]:
    yield from upstream_fixture()


@pytest.fixture
def tls_server(tmp_path: Path, upstream: tuple[FakeUpstream, ServerThread]) -> Iterator[tuple[Managed, Path]]:
    cert, key = self_signed(tmp_path)
    provider = {
        "name": "compat",
        "base-url": upstream[1].url + "/v1",
        "api-key-entries": [{"api-key": "sk-upstream-tls"}],
        "models": [{"name": "up-model", "alias": "compat-model"}],
    }
    settings = {
        "tls": {"enable": True, "cert": str(cert), "key": str(key)},
        "openai-compatibility": [provider],
    }
    launch = Launcher(tmp_path)
    try:
        yield launch.start(settings), cert
    finally:
        launch.close()


def test_the_openai_sdk_and_httpx_trust_the_test_certificate(tls_server: tuple[Managed, Path]) -> None:
    server, cert = tls_server
    assert server.url.startswith("https://127.0.0.1:")
    trusted = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=trusted) as http:
        sdk = openai.OpenAI(base_url=server.url + "/v1", api_key=CLIENT_KEY, http_client=http, max_retries=0)
        answer = sdk.chat.completions.create(
            model="compat-model", messages=[{"role": "user", "content": "hi"}]
        )
        assert answer.choices[0].message.content
        chunks = list(
            sdk.chat.completions.create(
                model="compat-model", messages=[{"role": "user", "content": "hi"}], stream=True
            )
        )
        assert "stop" in [c.choices[0].finish_reason for c in chunks if c.choices]
        assert http.get(server.url + "/healthz").json() == {"status": "ok"}


def test_untrusted_and_plain_http_clients_are_refused(tls_server: tuple[Managed, Path]) -> None:
    server, _ = tls_server
    with pytest.raises(httpx.ConnectError), httpx.Client(verify=ssl.create_default_context()) as http:
        http.get(server.url + "/healthz")  # the default CAs do not know the test's certificate
    with pytest.raises(httpx.HTTPError), httpx.Client() as http:
        http.get(server.url.replace("https://", "http://") + "/healthz")
