"""Fakes for the Qwen, iFlow and Vertex service-account tests (the generic IdP is ``oauth_fake``).

* :class:`GoogleJwtFake` — Google's token endpoint for the JWT bearer grant: verifies each
  assertion's RS256 signature with the registered service accounts' public keys and its claims
  (``iss``, ``aud`` = the token URL, ``scope``, ``iat``/``exp``), records the claims, and answers
  ``access_token``/``expires_in`` (``sa-token-<n>``); a bad assertion gets 400 ``invalid_grant``.
* :class:`SignedUpstream` — an ASGI wrapper around another app (the fake OpenAI upstream) that
  rejects, with 401, every request sent with ``User-Agent: iFlow-Cli`` whose ``session-id`` /
  ``x-iflow-timestamp`` / ``x-iflow-signature`` headers are missing or do not match the HMAC of
  the Bearer API key (providers.md §7.5, §17 item 35). Rejections are counted.
* :func:`make_service_account` — a fresh RSA service-account key JSON for tests.
* :class:`LoginDouble` / :func:`refresh_context` — stand-ins for the runner's LoginContext and the
  refresh loop's RefreshContext: endpoints from a dict, a settable clock, scripted prompt answers,
  and a "browser" that follows the shown authorize URL to its redirect and hands the code back as
  the callback would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from server.auth.base import CallbackResult, LoginError, LoginOptions, RefreshContext
from server.jsontypes import JSONObject
from tests.fakes.server_thread import ServerThread

__all__ = [
    "JWT_GRANT",
    "LoginDouble",
    "GoogleJwtFake",
    "SignedUpstream",
    "expected_signature",
    "make_service_account",
    "refresh_context",
    "start_google_jwt_fake",
]

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLOUD_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def make_service_account(
    *,
    project_id: str = "demo-project",
    email: str = "robot@demo-project.iam.gserviceaccount.com",
    **extra: str,
) -> JSONObject:
    """A service-account key file's JSON with a new 2048-bit RSA key (PKCS#8 PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    account: JSONObject = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    account.update(extra)
    return account


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass(frozen=True, slots=True)
class Assertion:
    """A verified JWT the fake accepted."""

    header: JSONObject
    claims: JSONObject


class GoogleJwtFake:
    """The JWT bearer grant endpoint at ``POST /token``; ``base_url`` set by :func:`start_google_jwt_fake`."""

    def __init__(self, *, expires_in: int = 3600, clock: Callable[[], float] = time.time) -> None:
        self.expires_in = expires_in
        self._clock = clock
        self.base_url = ""
        self._lock = threading.Lock()
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._accepted: list[Assertion] = []
        self._rejected: list[str] = []
        self._fail_next: list[int] = []
        self._counter = 0
        self.app = Starlette(routes=[Route("/token", self._token, methods=["POST"])])

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def register(self, account: JSONObject) -> None:
        """Trust ``account``'s key for assertions issued by its ``client_email``."""
        private = serialization.load_pem_private_key(str(account["private_key"]).encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        with self._lock:
            self._keys[str(account["client_email"])] = private.public_key()

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses (400 → ``invalid_grant``)."""
        with self._lock:
            self._fail_next.extend(statuses)

    @property
    def accepted(self) -> list[Assertion]:
        with self._lock:
            return list(self._accepted)

    @property
    def rejected(self) -> list[str]:
        with self._lock:
            return list(self._rejected)

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        with self._lock:
            failure = self._fail_next.pop(0) if self._fail_next else None
        if failure is not None:
            return JSONResponse({"error": "invalid_grant", "error_description": "scripted"}, failure)
        if form.get("grant_type") != JWT_GRANT:
            return self._reject("unsupported_grant_type")
        problem, assertion = self._verify(str(form.get("assertion") or ""))
        if assertion is None:
            return self._reject(problem)
        with self._lock:
            self._accepted.append(assertion)
            self._counter += 1
            token = f"sa-token-{self._counter}"
        return JSONResponse({"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"})

    def _reject(self, reason: str) -> Response:
        with self._lock:
            self._rejected.append(reason)
        return JSONResponse({"error": "invalid_grant", "error_description": reason}, 400)

    def _verify(self, jwt: str) -> tuple[str, Assertion | None]:
        parts = jwt.split(".")
        if len(parts) != 3:
            return "not a JWT", None
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except ValueError:
            return "undecodable JWT", None
        if header.get("alg") != "RS256":
            return "alg is not RS256", None
        with self._lock:
            key = self._keys.get(str(claims.get("iss")))
        if key is None:
            return "unknown issuer", None
        try:
            key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return "bad signature", None
        now = self._clock()
        if claims.get("aud") != self.token_url:
            return "wrong audience", None
        if claims.get("scope") != CLOUD_SCOPE:
            return "wrong scope", None
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, int)
            or not isinstance(exp, int)
            or exp - iat > 3600
            or not iat - 60 <= now < exp
        ):
            return "bad iat/exp", None
        return "", Assertion(header, claims)


def start_google_jwt_fake(
    *, expires_in: int = 3600, clock: Callable[[], float] = time.time
) -> tuple[GoogleJwtFake, ServerThread]:
    fake = GoogleJwtFake(expires_in=expires_in, clock=clock)
    server = ServerThread(fake.app).start()
    fake.base_url = server.url
    return fake, server


def expected_signature(api_key: str, session_id: str, timestamp: str) -> str:
    """hex HMAC-SHA256(api_key, ``iFlow-Cli:<session-id>:<timestamp>``)."""
    return hmac.new(
        api_key.encode(), f"iFlow-Cli:{session_id}:{timestamp}".encode(), hashlib.sha256
    ).hexdigest()


class SignedUpstream:
    """Checks iFlow's signed headers before handing the request to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.rejections: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            if headers.get("user-agent") == "iFlow-Cli":
                problem = _signature_problem(headers)
                if problem:
                    with self._lock:
                        self.rejections.append(problem)
                    body = {"error": {"message": f"bad iFlow signature: {problem}", "type": "auth_error"}}
                    await JSONResponse(body, 401)(scope, receive, send)
                    return
        await self._app(scope, receive, send)


def _signature_problem(headers: dict[str, str]) -> str:
    scheme, _, api_key = headers.get("authorization", "").partition(" ")
    session = headers.get("session-id", "")
    stamp = headers.get("x-iflow-timestamp", "")
    signature = headers.get("x-iflow-signature", "")
    if scheme.lower() != "bearer" or not api_key:
        return "no Bearer API key"
    if not session.startswith("session-"):
        return "no session-id"
    if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 300_000:
        return "bad x-iflow-timestamp"
    if not hmac.compare_digest(signature, expected_signature(api_key, session, stamp)):
        return "x-iflow-signature does not match"
    return ""


Endpoints = dict[tuple[str, str], str]


@dataclass
class LoginDouble:
    """A LoginContext for provider tests (structurally satisfies ``server.auth.base.LoginContext``)."""

    http: httpx.AsyncClient
    options: LoginOptions = field(default_factory=LoginOptions)
    endpoints: Endpoints = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)
    clock: float = 1_760_000_000.0
    shown_urls: list[tuple[str, int]] = field(default_factory=list)
    device_codes: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    callbacks: list[tuple[int, str]] = field(default_factory=list)

    def endpoint(self, provider: str, name: str, default: str) -> str:
        return self.endpoints.get((provider, name), default)

    async def show_url(self, url: str, *, port: int) -> None:
        self.shown_urls.append((url, port))

    async def show_device_code(self, url: str, user_code: str) -> None:
        self.device_codes.append((url, user_code))

    async def wait_callback(self, *, port: int, path: str, state: str, timeout: float) -> CallbackResult:  # noqa: ASYNC109
        """Follow the last shown URL one hop (the IdP's redirect) and read the callback from it."""
        self.callbacks.append((port, path))
        url, _ = self.shown_urls[-1]
        response = await self.http.get(url, follow_redirects=False)
        location = urlsplit(response.headers.get("location", ""))
        if location.port != port or location.path != path:
            raise LoginError(f"redirected to {location.geturl()!r}, not the callback")
        params = dict(parse_qsl(location.query))
        if params.get("state") != state:
            raise LoginError("state mismatch")
        return CallbackResult(
            code=params.get("code", ""),
            state=params.get("state", ""),
            error=params.get("error", ""),
            params=params,
        )

    async def prompt(self, question: str) -> str:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else ""

    def now(self) -> float:
        return self.clock


def refresh_context(http: httpx.AsyncClient, endpoints: Endpoints, now: float) -> RefreshContext:
    """A RefreshContext whose endpoints come from ``endpoints`` and whose clock stands at ``now``."""
    return RefreshContext(
        http=http,
        endpoint=lambda provider, name, default: endpoints.get((provider, name), default),
        now=lambda: now,
    )
