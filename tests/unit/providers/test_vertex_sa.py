"""Vertex service accounts: key repair, the signed JWT, cached minting, and the executor's requests."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from server.credential import Credential
from server.errors import ProxyError
from server.providers.base import UpstreamCall
from server.providers.vertex_sa import (
    SCOPE,
    ServiceAccountTokens,
    TokenError,
    VertexServiceAccountProvider,
    normalize_private_key,
    service_account_jwt,
    vertex_base_url,
)
from tests.fakes.qwen_iflow_fake import GoogleJwtFake, make_service_account, start_google_jwt_fake

NOW = 1_760_000_000.0
_FAKE_CLOCK = [NOW]


@pytest.fixture(scope="module")
def account() -> dict[str, object]:
    return make_service_account()


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleJwtFake]:
    fake, server = start_google_jwt_fake(clock=lambda: _FAKE_CLOCK[0])
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


def _pkcs1(pem: str) -> str:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return raw.decode()


def _mangle(pem: str, how: str) -> str:
    if how == "escaped-newlines":
        return pem.replace("\n", "\\n")
    if how == "ansi":
        return f"\x1b[32m{pem}\x1b[0m"
    if how == "one-line":
        return pem.replace("\n", " ")
    if how == "bare-base64":
        return "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    if how == "pkcs1":
        return _pkcs1(pem)
    return pem


@pytest.mark.parametrize(
    "how", ["as-is", "escaped-newlines", "ansi", "one-line", "bare-base64", "pkcs1"], ids=lambda h: h
)
def test_private_key_is_repaired_to_pkcs8(account: dict[str, object], how: str) -> None:
    pem = str(account["private_key"])
    repaired = normalize_private_key(_mangle(pem, how))
    assert repaired.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert repaired == pem


@pytest.mark.parametrize(
    "text", ["", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"]
)
def test_unreadable_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="private_key"):
        normalize_private_key(text)


def _decode(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_jwt_is_rs256_signed_with_the_expected_claims(account: dict[str, object]) -> None:
    jwt = service_account_jwt(account, audience="https://token.example/token", now=NOW + 0.7)
    header, claims, signature = jwt.split(".")
    assert _decode(header) == {"alg": "RS256", "typ": "JWT", "kid": "key-1"}
    assert _decode(claims) == {
        "iss": account["client_email"],
        "scope": SCOPE,
        "aud": "https://token.example/token",
        "iat": int(NOW),
        "exp": int(NOW) + 3600,
    }
    private = serialization.load_pem_private_key(str(account["private_key"]).encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    private.public_key().verify(
        raw_signature, f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )


async def test_tokens_are_minted_once_and_cached_until_near_expiry(
    google: GoogleJwtFake, account: dict[str, object], http: httpx.AsyncClient
) -> None:
    google.register(account)
    tokens = ServiceAccountTokens()
    before = len(google.accepted)
    first = await tokens.token(account, http=http, token_url=google.token_url, now=NOW)
    again = await tokens.token(account, http=http, token_url=google.token_url, now=NOW + 3000)
    assert again == first
    assert tokens.peek(account) == first
    assert first.expires_at == NOW + 3600
    assert len(google.accepted) == before + 1
    assert google.accepted[-1].claims["iss"] == account["client_email"]
    _FAKE_CLOCK[0] = NOW + 3301
    try:
        renewed = await tokens.token(account, http=http, token_url=google.token_url, now=NOW + 3301)
    finally:
        _FAKE_CLOCK[0] = NOW
    assert renewed.access_token != first.access_token
    assert renewed.expires_at == NOW + 3301 + 3600
    assert len(google.accepted) == before + 2


async def test_concurrent_requests_mint_one_token(
    google: GoogleJwtFake, account: dict[str, object], http: httpx.AsyncClient
) -> None:
    google.register(account)
    tokens = ServiceAccountTokens()
    before = len(google.accepted)
    results = await asyncio.gather(
        *(tokens.token(account, http=http, token_url=google.token_url, now=NOW) for _ in range(5))
    )
    assert len({r.access_token for r in results}) == 1
    assert len(google.accepted) == before + 1


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (401, True), (503, False)], ids=str)
async def test_refused_grant_raises_token_error(
    google: GoogleJwtFake, account: dict[str, object], http: httpx.AsyncClient, status: int, permanent: bool
) -> None:
    google.register(account)
    google.fail_next(status)
    with pytest.raises(TokenError) as caught:
        await ServiceAccountTokens().token(account, http=http, token_url=google.token_url, now=NOW)
    assert caught.value.permanent is permanent


async def test_unknown_key_is_rejected_by_the_fake(google: GoogleJwtFake, http: httpx.AsyncClient) -> None:
    stranger = make_service_account(email="stranger@example.com")
    with pytest.raises(TokenError) as caught:
        await ServiceAccountTokens().token(stranger, http=http, token_url=google.token_url, now=NOW)
    assert caught.value.permanent is True
    assert google.rejected[-1] == "unknown issuer"


def _credential(location: str = "us-central1", **changes: object) -> Credential:
    fields: dict[str, object] = {
        "id": "vertex-demo.json",
        "provider": "vertex",
        "provider_type": "vertex-sa",
        "kind": "oauth",
        "metadata": {"project_id": "demo-project", "location": location, "access_token": "ya29.token"},
    }
    fields.update(changes)
    return Credential(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("us-central1", "https://us-central1-aiplatform.googleapis.com"),
        ("europe-west4", "https://europe-west4-aiplatform.googleapis.com"),
        ("global", "https://aiplatform.googleapis.com"),
        ("", "https://us-central1-aiplatform.googleapis.com"),
    ],
    ids=["default", "regional", "global", "empty"],
)
def test_regional_host_and_global_host(location: str, host: str) -> None:
    assert vertex_base_url(location) == host


@pytest.mark.parametrize(
    ("stream", "action", "alt", "method"),
    [
        (False, "generate", "", "generateContent"),
        (True, "generate", "", "streamGenerateContent?alt=sse"),
        (False, "count_tokens", "", "countTokens"),
    ],
    ids=["generate", "stream", "count"],
)
def test_request_url_headers_and_body(stream: bool, action: str, alt: str, method: str) -> None:
    body = {"model": "x", "session_id": "s", "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    call = UpstreamCall(model="gemini-2.5-pro", body=body, stream=stream, action=action, alt=alt)  # type: ignore[arg-type]
    request = VertexServiceAccountProvider().build_request(_credential("europe-west4"), call)
    assert request.url == (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/demo-project/locations/europe-west4"
        f"/publishers/google/models/gemini-2.5-pro:{method}"
    )
    assert request.headers == {"Content-Type": "application/json", "Authorization": "Bearer ya29.token"}
    sent = json.loads(request.content)
    assert "model" not in sent and "session_id" not in sent
    assert sent["contents"] == body["contents"]
    assert request.stream is stream


def test_global_location_path_and_base_url_override() -> None:
    call = UpstreamCall(model="gemini-2.5-flash", body={"contents": []}, stream=False)
    global_url = VertexServiceAccountProvider().build_request(_credential("global"), call).url
    assert global_url.startswith(
        "https://aiplatform.googleapis.com/v1/projects/demo-project/locations/global/"
    )
    local = _credential(base_url="http://127.0.0.1:7/")
    assert re.match(
        r"http://127\.0\.0\.1:7/v1/projects/", VertexServiceAccountProvider().build_request(local, call).url
    )


def test_missing_token_is_an_internal_error() -> None:
    credential = _credential(metadata={"project_id": "demo-project"})
    with pytest.raises(ProxyError) as caught:
        VertexServiceAccountProvider().build_request(credential, UpstreamCall("gemini-2.5-pro", {}, False))
    assert caught.value.status == 500
    assert caught.value.message == "internal server error"


def test_models_are_the_vertex_catalogue() -> None:
    ids = [m.id for m in VertexServiceAccountProvider().models(_credential())]
    assert "gemini-2.5-pro" in ids and "gemini-2.5-flash" in ids
