"""Vertex AI with an imported service account: the key, minted access tokens, and the executor.

The account side (import into auth-dir, credentials, token refresh) is in
``server.providers.vertex_sa_account``; this module holds what needs no auth machinery.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from server.credential import Credential
from server.errors import ProxyError
from server.jsontypes import JSONObject
from server.providers.base import UpstreamCall, UpstreamRequest
from server.providers.gemini_api import gemini_method, generate_body
from server.providers.vertex import VertexProvider
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "DEFAULT_LOCATION",
    "EARLY_RENEWAL",
    "JWT_BEARER_GRANT",
    "PROVIDER",
    "SCOPE",
    "TOKEN_URL",
    "MintedToken",
    "ServiceAccountTokens",
    "TokenError",
    "VertexServiceAccountProvider",
    "normalize_private_key",
    "service_account_jwt",
    "vertex_base_url",
]

DEFAULT_LOCATION = "us-central1"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
EARLY_RENEWAL = 300.0
"""A cached token is replaced this many seconds before it expires."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.DOTALL)


def normalize_private_key(text: str) -> str:
    """The service account's RSA key as PKCS#8 PEM, repairing what copy/paste does to keys.

    ANSI escapes and literal ``\\n`` sequences are removed, a PEM body whose line breaks were
    lost is re-wrapped, a bare base64 DER body is accepted, and PKCS#1 keys are converted.
    ValueError when no RSA private key can be read.
    """
    cleaned = _ANSI.sub("", text).replace("\\r", "").replace("\\n", "\n").replace("\r", "").strip()
    match = _PEM.search(cleaned)
    body = match.group(2) if match else cleaned
    der_text = re.sub(r"\s+", "", body)
    try:
        der = base64.b64decode(der_text, validate=True)
        key = serialization.load_der_private_key(der, password=None)
    except ValueError as exc:
        raise ValueError("the service account private_key is not a readable private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the service account private_key is not an RSA key")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_jwt(
    service_account: Mapping[str, object], *, audience: str, now: float, scope: str = SCOPE
) -> str:
    """The RS256-signed JWT for the JWT bearer grant (RFC 7523): iss = client_email, aud = token URL."""
    private = serialization.load_pem_private_key(
        normalize_private_key(str(service_account.get("private_key") or "")).encode(), password=None
    )
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("the service account private_key is not an RSA key")
    header: JSONObject = {"alg": "RS256", "typ": "JWT"}
    key_id = service_account.get("private_key_id")
    if isinstance(key_id, str) and key_id:
        header["kid"] = key_id
    issued = int(now)
    claims: JSONObject = {
        "iss": str(service_account.get("client_email") or ""),
        "scope": scope,
        "aud": audience,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


class TokenError(Exception):
    """Minting failed; ``permanent`` when the key itself was refused (400/401 from the token URL)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class MintedToken:
    """An access token and when it expires (Unix seconds)."""

    access_token: str
    expires_at: float


class ServiceAccountTokens:
    """Access tokens minted from service accounts; cached per account, minted single-flight.

    v6.6.0 minted a new token for every request; one token lasts about an hour, so it is kept
    until ``EARLY_RENEWAL`` seconds before it expires. Accounts are told apart by client email
    and key, so the same key imported twice shares its token.
    """

    def __init__(self) -> None:
        self._cache: dict[str, MintedToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def peek(self, service_account: Mapping[str, object]) -> MintedToken | None:
        """The cached token of ``service_account`` (possibly near or past expiry), if any."""
        return self._cache.get(_cache_key(service_account))

    async def token(
        self, service_account: Mapping[str, object], *, http: httpx.AsyncClient, token_url: str, now: float
    ) -> MintedToken:
        """A token valid for at least ``EARLY_RENEWAL`` seconds; TokenError on failure."""
        key = _cache_key(service_account)
        cached = self._cache.get(key)
        if cached is not None and cached.expires_at - EARLY_RENEWAL > now:
            return cached
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._cache.get(key)
            if cached is not None and cached.expires_at - EARLY_RENEWAL > now:
                return cached
            minted = await _mint(service_account, http=http, token_url=token_url, now=now)
            self._cache[key] = minted
            return minted

    def forget(self, service_account: Mapping[str, object]) -> None:
        """Drop a cached token (e.g. after the upstream rejected it)."""
        self._cache.pop(_cache_key(service_account), None)


def _cache_key(service_account: Mapping[str, object]) -> str:
    email = str(service_account.get("client_email") or "")
    key = str(service_account.get("private_key") or "")
    return hashlib.sha256(f"{email}\x00{key}".encode()).hexdigest()


async def _mint(
    service_account: Mapping[str, object], *, http: httpx.AsyncClient, token_url: str, now: float
) -> MintedToken:
    try:
        assertion = service_account_jwt(service_account, audience=token_url, now=now)
    except ValueError as exc:
        raise TokenError(str(exc), permanent=True) from None
    try:
        response = await http.post(
            token_url,
            data={"grant_type": JWT_BEARER_GRANT, "assertion": assertion},
            headers={"Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise TokenError(f"the token request failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise TokenError(
            f"the token endpoint answered {response.status_code} to the service-account grant",
            permanent=response.status_code in (400, 401),
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(token, str) or not token:
        raise TokenError("the token endpoint answered without an access_token")
    lifetime = data.get("expires_in")
    seconds = float(ASSERTION_LIFETIME)
    if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
        seconds = float(lifetime)
    return MintedToken(token, now + seconds)


def vertex_base_url(location: str) -> str:
    """``https://<location>-aiplatform.googleapis.com``; ``global`` has no regional host (adopted)."""
    location = location.strip() or DEFAULT_LOCATION
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


class VertexServiceAccountProvider(VertexProvider):
    """Calls ``/v1/projects/<project>/locations/<location>/publishers/google/models/<model>:<method>``.

    The Bearer token is the one the token source minted into the credential (``api_key`` or
    ``metadata["access_token"]``). Project and location come from the imported file; the file's
    ``base_url`` (or the credential's) replaces the regional host. Models, countTokens body and
    retry hints are those of Vertex (providers.md §8.4, §8.5).
    """

    name = "vertex-sa"

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        meta = credential.metadata
        token = credential.api_key or str(meta.get("access_token") or "")
        if not token:
            raise ProxyError("internal server error", status=500)
        project = str(meta.get("project_id") or "")
        if not project:
            raise ProxyError("vertex service account file has no project_id", status=500)
        location = str(meta.get("location") or "").strip() or DEFAULT_LOCATION
        base = credential.base_url.strip().rstrip("/") or vertex_base_url(location)
        model = quote(call.model, safe="-._~")
        path = (
            f"/v1/projects/{quote(project, safe='-._~')}/locations/{quote(location, safe='-._~')}"
            f"/publishers/google/models/{model}"
        )
        if call.action == "count_tokens":
            body = self._count_body(call.body, call.model)
        else:
            body = generate_body(call)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        headers = with_custom_headers(headers, credential.headers)
        stream = call.stream and call.action == "generate"
        url = f"{base}{path}:{gemini_method(call)}"
        return UpstreamRequest("POST", url, headers, encode_body(body), stream=stream)


PROVIDER = VertexServiceAccountProvider()
