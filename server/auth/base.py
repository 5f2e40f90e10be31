"""The contract between the OAuth machinery and each account provider (claude, codex, gemini-cli …).

The machinery (``server.auth``: PKCE, loopback callback server, device-code polling, credential
files, refresh scheduling, login runners for the CLI and the management API) is shared; each
provider module supplies an ``AccountProvider``: how its login goes, how its file maps to
credentials, and how its token is refreshed. Provider modules register themselves in
``server.auth.accounts.ACCOUNT_PROVIDERS`` by file ``type``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from server.credential import Credential
from server.jsontypes import JSONObject

__all__ = [
    "AccountFile",
    "AccountProvider",
    "CallbackResult",
    "LoginContext",
    "LoginError",
    "LoginOptions",
    "RefreshContext",
    "RefreshError",
    "TokenSource",
]


class LoginError(Exception):
    """A login failed; the message is fit to show a person (never contains a token)."""


class RefreshError(Exception):
    """A token refresh failed. ``permanent`` when retrying cannot help (revoked refresh token)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class LoginOptions:
    """What the person asked for: ``-project_id``, ``-no-browser``, ``-oauth-callback-port``."""

    project_id: str = ""
    no_browser: bool = False
    callback_port: int = 0
    """0 = the provider's fixed port."""
    cookie: str = ""
    """iFlow cookie login: the pasted cookie."""
    service_account_file: str = ""
    """Vertex import: path of the service-account JSON."""


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """What arrived at the loopback redirect (or was pasted): ``code``/``state`` or ``error``."""

    code: str = ""
    state: str = ""
    error: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountFile:
    """A credential file to write: ``name`` inside auth-dir and its JSON in the original format."""

    name: str
    data: JSONObject


class LoginContext(Protocol):
    """What a provider's login needs from the runner (CLI or management API)."""

    http: httpx.AsyncClient
    options: LoginOptions

    def endpoint(self, provider: str, name: str, default: str) -> str:
        """An overridable URL (authorize, token, userinfo, upstream …); see server.auth.endpoints."""
        ...

    async def show_url(self, url: str, *, port: int) -> None:
        """Open ``url`` in the browser (or print it with the SSH hint under --no-browser)."""
        ...

    async def show_device_code(self, url: str, user_code: str) -> None:
        """Tell the person where to go and which code to enter (device-code flows)."""
        ...

    async def wait_callback(
        self,
        *,
        port: int,
        path: str,
        state: str,
        timeout: float,  # noqa: ASYNC109 - the login deadline, not an I/O timeout
    ) -> CallbackResult:
        """Listen on 127.0.0.1:``port`` ``path`` (the port checked first) until the redirect or a
        pasted callback URL arrives; the runner checks ``state`` and raises LoginError on mismatch."""
        ...

    async def prompt(self, question: str) -> str:
        """Ask the person for text (Qwen alias, iFlow cookie, Gemini project choice)."""
        ...

    def now(self) -> float:
        """Wall-clock seconds (injected in tests)."""
        ...


class AccountProvider(Protocol):
    """One kind of account file (``type`` field of the original's JSON).

    Optional attributes, read with ``getattr`` by the machinery (leave them out for the defaults):

    * ``request_lead: float`` — before a request, refresh the token when it expires within this
      many seconds (Gemini CLI 10, Antigravity 3000). Default 0: only an expired token is
      refreshed before use.
    * ``expires_at(self, data: JSONObject) -> float | None`` — the token's expiry (Unix seconds)
      when the generic reading of providers.md §1.3 (``expired``, ``expire``, ``expires_at``,
      ``expiresAt``, ``expiry``, ``expires``, also inside ``token``) does not fit the file.
    * ``refresh_due(self, data: JSONObject, now: float) -> bool`` — replaces the background loop's
      lead rule (providers.md §1.3) for this provider's files.
    * ``async prepare(self, credential: Credential, ctx: RefreshContext) -> Credential`` — run in
      the background before a credential is first routed (e.g. Antigravity's model list), with a
      token made fresh enough by the TokenSource first; run again when the file's content (a
      token refresh) or the credential's base URL changes, the last result serving meanwhile.
      What it changes (``models``, added ``metadata`` keys) is applied to the credential; a
      result without models is tried again after 5 minutes.
    * ``duplicate_of(self, data: JSONObject, others: Mapping[str, JSONObject]) -> str | None`` —
      the name of a stored file (same type, another name) that holds the same account as a
      login's new ``data``; the login then fails instead of writing a second file (iFlow cookies).
    """

    file_type: str
    """``claude``, ``codex``, ``gemini`` (Gemini CLI), ``antigravity``, ``qwen``, ``iflow``, ``vertex``."""

    provider_key: str
    """Routing provider key: ``gemini-cli`` for file type ``gemini``, else the same as ``file_type``."""

    refresh_lead: float | None
    """Background refresh this many seconds before expiry (None = no background refresh)."""

    def credentials(self, name: str, data: JSONObject) -> list[Credential]:
        """Credentials for one file (a multi-project Gemini file gives one per project)."""
        ...

    async def refresh(self, data: JSONObject, ctx: RefreshContext) -> JSONObject:
        """The file's JSON with fresh tokens (every original key kept); raises RefreshError."""
        ...

    async def login(self, ctx: LoginContext) -> list[AccountFile]:
        """Run the provider's login; the runner writes the returned files atomically (0600)."""
        ...


@dataclass(frozen=True, slots=True)
class RefreshContext:
    """What a refresh needs: an HTTP client (right proxy), overridable endpoints, the clock."""

    http: httpx.AsyncClient
    endpoint: Callable[[str, str, str], str]
    now: Callable[[], float]


TokenSource = Callable[[Credential], Awaitable[Credential]]
"""Given an OAuth credential about to be used, return it with a token that is fresh enough
(refreshing single-flight when the provider refreshes per request, e.g. Gemini CLI)."""
