"""Vertex service-account files: ``-vertex-import`` (§8.1–8.2) and tokens minted through ``refresh``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from server.auth.accounts import ACCOUNT_PROVIDERS, load_account_providers
from server.auth.base import LoginError, LoginOptions, RefreshError
from server.providers import vertex_sa_account
from server.providers.vertex_sa_account import PATH_QUESTION, VertexAccounts, vertex_file_name
from tests.fakes.qwen_iflow_fake import (
    GoogleJwtFake,
    LoginDouble,
    make_service_account,
    refresh_context,
    start_google_jwt_fake,
)

NOW = 1_760_000_000.0


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleJwtFake]:
    fake, server = start_google_jwt_fake(clock=lambda: NOW)
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def _write(tmp_path: Path, account: dict[str, object]) -> str:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(account), encoding="utf-8")
    return str(path)


async def test_import_stores_the_normalized_key_and_project(tmp_path: Path, http: httpx.AsyncClient) -> None:
    account = make_service_account(project_id="my project/x")
    mangled = dict(account, private_key=str(account["private_key"]).replace("\n", "\\n"))
    ctx = LoginDouble(http, options=LoginOptions(service_account_file=_write(tmp_path, mangled)))
    [file] = await VertexAccounts().login(ctx)
    assert file.name == "vertex-my-project_x.json"
    assert list(file.data) == ["service_account", "project_id", "email", "location", "type"]
    assert file.data["service_account"] == account
    assert file.data["project_id"] == "my project/x"
    assert file.data["email"] == account["client_email"]
    assert file.data["location"] == "us-central1"
    assert file.data["type"] == "vertex"


async def test_import_asks_for_the_path_when_none_was_given(tmp_path: Path, http: httpx.AsyncClient) -> None:
    ctx = LoginDouble(http, answers=[_write(tmp_path, make_service_account())])
    [file] = await VertexAccounts().login(ctx)
    assert ctx.questions == [PATH_QUESTION]
    assert file.name == "vertex-demo-project.json"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({"private_key": "x", "client_email": "a@b"}), "no project_id"),
        (json.dumps({"project_id": "p", "private_key": "garbage"}), "private_key"),
    ],
    ids=["not-json", "not-object", "no-project", "bad-key"],
)
async def test_import_refuses_bad_files(
    tmp_path: Path, http: httpx.AsyncClient, content: str, message: str
) -> None:
    path = tmp_path / "key.json"
    path.write_text(content, encoding="utf-8")
    ctx = LoginDouble(http, options=LoginOptions(service_account_file=str(path)))
    with pytest.raises(LoginError, match=message):
        await VertexAccounts().login(ctx)


async def test_import_of_a_missing_file_fails(tmp_path: Path, http: httpx.AsyncClient) -> None:
    ctx = LoginDouble(http, options=LoginOptions(service_account_file=str(tmp_path / "nope.json")))
    with pytest.raises(LoginError, match="cannot read"):
        await VertexAccounts().login(ctx)


@pytest.mark.parametrize(
    ("project", "name"),
    [("p1", "vertex-p1.json"), ("a/b\\c:d e", "vertex-a_b_c_d-e.json")],
    ids=["plain", "unsafe"],
)
def test_file_name(project: str, name: str) -> None:
    assert vertex_file_name(project) == name


def _stored(account: dict[str, object]) -> dict[str, object]:
    return {
        "service_account": account,
        "project_id": "demo-project",
        "email": account["client_email"],
        "location": "us-central1",
        "type": "vertex",
    }


async def test_refresh_mints_a_token_that_the_rebuilt_credential_carries(
    google: GoogleJwtFake, http: httpx.AsyncClient
) -> None:
    account = make_service_account()
    google.register(account)
    provider = VertexAccounts(clock=lambda: NOW)
    data = _stored(account)
    assert provider.expires_at(data) == NOW
    [before] = provider.credentials("vertex-demo-project.json", data)
    assert before.api_key == ""

    ctx = refresh_context(http, {("vertex", "token"): google.token_url}, NOW)
    assert await provider.refresh(data, ctx) == data
    assert provider.expires_at(data) == NOW + 3600
    [after] = provider.credentials("vertex-demo-project.json", data)
    assert after.api_key.startswith("sa-token-")
    claims = google.accepted[-1].claims
    assert claims["iss"] == account["client_email"]
    assert claims["aud"] == google.token_url
    minted = len(google.accepted)
    await provider.refresh(data, ctx)
    assert len(google.accepted) == minted


async def test_refused_grant_is_a_permanent_refresh_error(
    google: GoogleJwtFake, http: httpx.AsyncClient
) -> None:
    account = make_service_account()
    google.register(account)
    google.fail_next(400)
    ctx = refresh_context(http, {("vertex", "token"): google.token_url}, NOW)
    with pytest.raises(RefreshError) as caught:
        await VertexAccounts().refresh(_stored(account), ctx)
    assert caught.value.permanent is True


async def test_file_without_key_cannot_mint(http: httpx.AsyncClient) -> None:
    with pytest.raises(RefreshError) as caught:
        await VertexAccounts().refresh({"type": "vertex", "project_id": "p"}, refresh_context(http, {}, NOW))
    assert caught.value.permanent is True


def test_provider_is_registered_without_background_refresh() -> None:
    load_account_providers()
    provider = ACCOUNT_PROVIDERS["vertex"]
    assert provider is vertex_sa_account.PROVIDER
    assert provider.refresh_lead is None
    assert provider.provider_key == "vertex"


def test_credentials_use_the_service_account_executor() -> None:
    data = _stored(make_service_account())
    [credential] = VertexAccounts().credentials("vertex-demo-project.json", data)
    assert (credential.provider, credential.provider_type, credential.kind) == (
        "vertex",
        "vertex-sa",
        "oauth",
    )
    assert credential.label == data["email"]
    assert credential.metadata["project_id"] == "demo-project"
