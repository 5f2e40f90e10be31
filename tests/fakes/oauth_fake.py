"""FakeOAuth: a scriptable OAuth 2.0 identity provider on loopback, for login and refresh tests.

``fake, server = start_fake_oauth(**options)`` (stop with ``server.stop()``); point a provider's
overridable URLs (``CLIPROXYAPI_<PROVIDER>_<NAME>_URL`` or config ``oauth-endpoints``, see
``server.auth.endpoints``) at ``fake.url("/token")`` etc. Fixed paths:

``GET /authorize``: records the query, issues a one-time code ``code-<n>`` and answers 302 to
    ``redirect_uri`` (iFlow's ``redirect`` too) with ``code`` and ``state`` appended. Options:
    ``authorize_error`` (redirect with ``error=<it>``), ``authorize_state`` (send this state instead:
    a mismatch), ``code_suffix`` (appended to the code, e.g. ``"#" + state`` as Claude shows it).
``POST /token``: JSON or form body. ``grant_type`` ``authorization_code``: the code must come from
    ``/authorize``, single use (``code#state`` accepted), PKCE S256 checked when a challenge was
    sent; ``refresh_token``: any token not revoked (``revoke(token)`` / ``revoke_all()``) else 400
    ``invalid_grant``; ``urn:ietf:params:oauth:grant-type:device_code``: one queued outcome per poll
    (``device_outcomes("authorization_pending", "slow_down", "expired_token", ...)`` → 400
    ``{"error": outcome}``), then tokens; anything else 400 ``unsupported_grant_type``.
    Tokens: ``access_token`` ``at-<n>``, ``refresh_token`` ``rt-<n>``, ``token_type``, ``expires_in``,
    ``id_token`` (unsigned JWT of ``id_token_claims`` when set), plus ``token_extra`` (refresh answers:
    ``refresh_extra`` when set); ``rotate_refresh=False`` omits the new refresh token on refresh;
    ``token_delay`` seconds slow every answer.
``GET /userinfo``: ``userinfo`` JSON with a Bearer token, else 401.
``POST /device/code``: ``device_code``, ``user_code`` ``ABCD-1234``, ``verification_uri``
    (``<base>/device``), ``verification_uri_complete``, ``expires_in`` 600, ``interval``
    (``device_interval``).
any other path: scripted replies only, else 404 (Google's ``/v1internal:loadCodeAssist`` …).

Scripting is thread-safe: ``script(path, *OAuthReply(status, body, headers))`` queues one-shot
answers replacing the built-in one, ``always(path, reply | None)``, ``configure(**options)``,
``reset()`` (between tests). Records: ``requests``, ``requests_to(path)``,
``token_requests(grant_type)``, ``wait_for(path, count)``. ``make_id_token(claims)`` builds an
unsigned JWT; ``browse(url)`` / ``abrowse(url)`` GET a URL like a browser (redirects followed).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.jsontypes import JSON, JSONObject
from tests.fakes.server_thread import ServerThread

__all__ = [
    "DEVICE_GRANT",
    "FakeOAuth",
    "OAuthOptions",
    "OAuthReply",
    "OAuthRequest",
    "abrowse",
    "browse",
    "make_id_token",
    "start_fake_oauth",
]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_USER_CODE = "ABCD-1234"


@dataclass(frozen=True, slots=True)
class OAuthRequest:
    """One request the fake received; ``headers`` have lower-case names."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str]
    json: JSON

    @property
    def fields(self) -> dict[str, str]:
        """The body's fields: the JSON object's (values as text) or the form's."""
        if isinstance(self.json, dict):
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.json.items()}
        return dict(self.form)

    @property
    def is_json(self) -> bool:
        return "json" in self.headers.get("content-type", "")

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """``(user, password)`` of an ``Authorization: Basic`` header."""
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


@dataclass(frozen=True, slots=True)
class OAuthReply:
    """A scripted answer: ``body`` JSON (or text/bytes sent verbatim) with ``status`` and ``headers``."""

    status: int = 200
    body: JSON | str | bytes = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OAuthOptions:
    expires_in: int = 3600
    token_extra: JSONObject = field(default_factory=dict)
    refresh_extra: JSONObject | None = None
    id_token_claims: JSONObject | None = None
    userinfo: JSONObject = field(default_factory=lambda: {"email": "person@example.com"})
    authorize_error: str = ""
    authorize_state: str | None = None
    code_suffix: str = ""
    rotate_refresh: bool = True
    device_interval: int = 1
    token_delay: float = 0.0


def make_id_token(claims: JSONObject) -> str:
    """An unsigned JWT (``alg: none``) carrying ``claims``, as the fake's ``id_token``."""

    def part(value: JSONObject) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FakeOAuth:
    """The fake identity provider; ``base_url`` is set by ``start_fake_oauth``."""

    def __init__(self, **options: object) -> None:
        self._options = OAuthOptions(**options)  # type: ignore[arg-type]
        self._initial = self._options
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._records: list[OAuthRequest] = []
        self._queues: dict[str, deque[OAuthReply]] = {}
        self._always: dict[str, OAuthReply] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._revoked: set[str] = set()
        self._revoke_all = False
        self._device: deque[str] = deque()
        self._counter = 0
        self.base_url = ""
        self.app = Starlette(routes=[Route("/{path:path}", self._endpoint, methods=_METHODS)])

    def url(self, path: str = "") -> str:
        return f"{self.base_url}{path}"

    # -- scripting ----------------------------------------------------------------------------

    @property
    def options(self) -> OAuthOptions:
        with self._lock:
            return self._options

    def configure(self, **changes: object) -> None:
        with self._lock:
            self._options = replace(self._options, **changes)  # type: ignore[arg-type]

    def reset(self) -> None:
        """Forget records, scripts, codes and revocations; restore the initial options."""
        with self._lock:
            self._options = self._initial
            self._records.clear()
            self._queues.clear()
            self._always.clear()
            self._codes.clear()
            self._revoked.clear()
            self._revoke_all = False
            self._device.clear()
            self._counter = 0

    def script(self, path: str, *replies: OAuthReply) -> None:
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)

    def always(self, path: str, reply: OAuthReply | None) -> None:
        with self._lock:
            if reply is None:
                self._always.pop(path, None)
            else:
                self._always[path] = reply

    def revoke(self, refresh_token: str) -> None:
        with self._lock:
            self._revoked.add(refresh_token)

    def revoke_all(self, revoked: bool = True) -> None:
        with self._lock:
            self._revoke_all = revoked

    def device_outcomes(self, *outcomes: str) -> None:
        with self._lock:
            self._device.extend(outcomes)

    # -- records ------------------------------------------------------------------------------

    @property
    def requests(self) -> list[OAuthRequest]:
        with self._lock:
            return list(self._records)

    def requests_to(self, path: str) -> list[OAuthRequest]:
        return [r for r in self.requests if r.path == path]

    def token_requests(self, grant_type: str | None = None) -> list[OAuthRequest]:
        return [
            r
            for r in self.requests_to("/token")
            if grant_type is None or r.fields.get("grant_type") == grant_type
        ]

    def wait_for(self, path: str, count: int = 1, timeout: float = 5.0) -> list[OAuthRequest]:
        with self._arrived:
            done = self._arrived.wait_for(
                lambda: sum(r.path == path for r in self._records) >= count, timeout
            )
            if not done:
                raise TimeoutError(f"the fake OAuth server did not see {count} request(s) to {path}")
            return [r for r in self._records if r.path == path]

    # -- serving ------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        parsed: JSON = None
        form: dict[str, str] = {}
        if "json" in headers.get("content-type", ""):
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
        else:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        record = OAuthRequest(
            request.method, request.url.path, dict(request.query_params), headers, body, form, parsed
        )
        with self._arrived:
            self._records.append(record)
            self._arrived.notify_all()
            scripted = self._take(record.path)
        if scripted is not None:
            return _render(scripted)
        handler = {
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/userinfo"): self._userinfo,
            ("POST", "/device/code"): self._device_code,
        }.get((record.method, record.path))
        if handler is None:
            return JSONResponse({"error": f"no route for {record.method} {record.path}"}, 404)
        if record.path == "/token" and self.options.token_delay > 0:
            await asyncio.sleep(self.options.token_delay)
        return handler(record)

    def _take(self, path: str) -> OAuthReply | None:
        queue = self._queues.get(path)
        if queue:
            return queue.popleft()
        return self._always.get(path)

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _authorize(self, record: OAuthRequest) -> Response:
        options = self.options
        target = record.query.get("redirect_uri") or record.query.get("redirect") or ""
        if not target:
            return JSONResponse({"error": "invalid_request", "error_description": "no redirect_uri"}, 400)
        state = record.query.get("state", "")
        sent_state = state if options.authorize_state is None else options.authorize_state
        if options.authorize_error:
            params = {"error": options.authorize_error, "state": sent_state}
        else:
            code = f"code-{self._next()}"
            with self._lock:
                self._codes[code] = dict(record.query)
            params = {"code": code + options.code_suffix, "state": sent_state}
        parts = urlsplit(target)
        query = "&".join(filter(None, [parts.query, urlencode(params)]))
        return RedirectResponse(urlunsplit(parts._replace(query=query)), 302)

    def _token(self, record: OAuthRequest) -> Response:
        fields = record.fields
        grant = fields.get("grant_type", "")
        if grant == "authorization_code":
            return self._exchange(fields)
        if grant == "refresh_token":
            token = fields.get("refresh_token", "")
            with self._lock:
                revoked = self._revoke_all or token in self._revoked
            if not token or revoked:
                return _oauth_error("invalid_grant", "the refresh token was revoked")
            extra = self.options.refresh_extra
            return JSONResponse(self._tokens(refresh=self.options.rotate_refresh, extra=extra))
        if grant == DEVICE_GRANT:
            with self._lock:
                outcome = self._device.popleft() if self._device else ""
            if outcome:
                return _oauth_error(outcome, outcome.replace("_", " "))
            return JSONResponse(self._tokens())
        return _oauth_error("unsupported_grant_type", f"grant type {grant!r}")

    def _exchange(self, fields: dict[str, str]) -> Response:
        code = fields.get("code", "").split("#", 1)[0]
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is None:
            return _oauth_error("invalid_grant", "unknown or used authorization code")
        challenge = issued.get("code_challenge")
        if challenge and _challenge(fields.get("code_verifier", "")) != challenge:
            return _oauth_error("invalid_grant", "PKCE verification failed")
        return JSONResponse(self._tokens())

    def _tokens(self, *, refresh: bool = True, extra: JSONObject | None = None) -> JSONObject:
        options = self.options
        n = self._next()
        tokens: JSONObject = {
            "access_token": f"at-{n}",
            "token_type": "Bearer",
            "expires_in": options.expires_in,
        }
        if refresh:
            tokens["refresh_token"] = f"rt-{n}"
        if options.id_token_claims is not None:
            tokens["id_token"] = make_id_token(options.id_token_claims)
        tokens.update(options.token_extra if extra is None else extra)
        return tokens

    def _userinfo(self, record: OAuthRequest) -> Response:
        if not record.headers.get("authorization", "").lower().startswith("bearer "):
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse(self.options.userinfo)

    def _device_code(self, record: OAuthRequest) -> Response:
        return JSONResponse(
            {
                "device_code": f"dc-{self._next()}",
                "user_code": _USER_CODE,
                "verification_uri": self.url("/device"),
                "verification_uri_complete": self.url(f"/device?user_code={_USER_CODE}"),
                "expires_in": 600,
                "interval": self.options.device_interval,
            }
        )


def _oauth_error(error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, 400)


def _render(reply: OAuthReply) -> Response:
    body = reply.body
    if isinstance(body, bytes | str):
        content = body.encode() if isinstance(body, str) else body
        return Response(content, reply.status, reply.headers, media_type="application/json")
    return Response(json.dumps(body).encode(), reply.status, reply.headers, media_type="application/json")


def start_fake_oauth(**options: object) -> tuple[FakeOAuth, ServerThread]:
    """A FakeOAuth with ``options`` (see OAuthOptions) on a free loopback port; stop the thread."""
    fake = FakeOAuth(**options)
    server = ServerThread(fake.app).start()
    fake.base_url = server.url
    return fake, server


def browse(url: str, *, timeout: float = 10.0) -> httpx.Response:
    """GET ``url`` like a browser: follow every redirect; the last response is returned."""
    with httpx.Client(follow_redirects=True, trust_env=False, timeout=timeout) as client:
        return client.get(url)


async def abrowse(url: str) -> httpx.Response:
    """``browse`` for tests whose login runs on the same event loop (10 s timeout)."""
    async with httpx.AsyncClient(follow_redirects=True, trust_env=False, timeout=10.0) as client:
        return await client.get(url)
