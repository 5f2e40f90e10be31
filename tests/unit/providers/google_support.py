"""Test doubles for the Google account tests: a LoginContext that acts like a person with a browser,
a RefreshContext, and the fakes (FakeOAuth for Google's OAuth, GoogleFake for projects/Code Assist)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

from server.auth.accounts import account_provider
from server.auth.base import CallbackResult, LoginOptions, RefreshContext
from server.auth.refresh import Refresher
from server.auth.store import CredentialStore, StoredFile
from server.auth.tokens import AccountTokenSource
from server.credential import Credential
from server.jsontypes import JSONObject
from server.tasks import spawn
from tests.fakes.google_fake import GoogleFake, start_google_fake
from tests.fakes.oauth_fake import FakeOAuth, OAuthOptions, OAuthRequest, start_fake_oauth

__all__ = ["Accounts", "Fakes", "PersonLogin", "refresh_context", "reset_fakes", "serve_fakes"]

USERINFO = {"email": "person@example.com"}


@dataclass
class Fakes:
    """The two fakes, shared by a test module; ``token_requests`` only shows this test's."""

    oauth: FakeOAuth
    google: GoogleFake
    oauth_start: int = 0

    def token_requests(self, grant_type: str | None = None) -> list[OAuthRequest]:
        mine = self.oauth.requests[self.oauth_start :]
        return [
            r
            for r in mine
            if r.path == "/token" and (grant_type is None or r.fields.get("grant_type") == grant_type)
        ]

    def endpoints(self) -> dict[str, str]:
        return {
            "authorize": self.oauth.url("/authorize"),
            "token": self.oauth.url("/token"),
            "userinfo": self.oauth.url("/userinfo"),
            "projects": self.google.url("/v1/projects"),
            "code-assist": self.google.url(""),
            "service-usage": self.google.url(""),
            "upstream": self.google.url(""),
        }

    def endpoint(self, provider: str, name: str, default: str) -> str:
        return self.endpoints().get(name, default)


def serve_fakes() -> Iterator[Fakes]:
    """Start both fakes for a test module (use as a module-scoped fixture's body)."""
    oauth, oauth_server = start_fake_oauth(userinfo=USERINFO)
    google, google_server = start_google_fake()
    try:
        yield Fakes(oauth, google)
    finally:
        oauth_server.stop()
        google_server.stop()


def reset_fakes(fakes: Fakes) -> Fakes:
    """The module's fakes for one test: default options, no scripts, this test's records only."""
    fakes.google.reset()
    fakes.oauth.configure(**dataclasses.asdict(OAuthOptions(userinfo=USERINFO)))
    fakes.oauth.revoke_all(False)
    fakes.oauth_start = len(fakes.oauth.requests)
    return fakes


@dataclass
class PersonLogin:
    """LoginContext double: ``show_url`` opens the authorize URL like a browser and the redirect
    back to ``localhost:<port><path>`` is what ``wait_callback`` then returns."""

    http: httpx.AsyncClient
    fakes: Fakes
    options: LoginOptions = field(default_factory=LoginOptions)
    answers: list[str] = field(default_factory=list)
    clock: float = 1_750_000_000.0
    shown: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    waited: list[tuple[int, str, str]] = field(default_factory=list)
    tamper_state: str | None = None

    def endpoint(self, provider: str, name: str, default: str) -> str:
        return self.fakes.endpoint(provider, name, default)

    async def show_url(self, url: str, *, port: int) -> None:
        self.shown.append(url)
        response = await self.http.get(url, follow_redirects=False)
        assert response.status_code == 302, response.text
        self.redirects.append(response.headers["location"])

    async def show_device_code(self, url: str, user_code: str) -> None:  # pragma: no cover
        raise AssertionError("Google logins have no device code")

    async def wait_callback(
        self,
        *,
        port: int,
        path: str,
        state: str,
        timeout: float,  # noqa: ASYNC109 - LoginContext signature
    ) -> CallbackResult:
        self.waited.append((port, path, state))
        target = urlsplit(self.redirects[-1])
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"http://localhost:{port}{path}"
        params = dict(parse_qsl(target.query))
        sent_state = params.get("state", "") if self.tamper_state is None else self.tamper_state
        return CallbackResult(params.get("code", ""), sent_state, params.get("error", ""), params)

    async def prompt(self, question: str) -> str:
        self.prompts.append(question)
        return self.answers.pop(0)

    def now(self) -> float:
        return self.clock


def refresh_context(http: httpx.AsyncClient, fakes: Fakes, now: float = 1_750_000_000.0) -> RefreshContext:
    return RefreshContext(http=http, endpoint=fakes.endpoint, now=lambda: now)


class Accounts:
    """The auth machinery over ``directory`` as the runtime wires it (store, refresher, token
    source), without a server: ``reload()`` re-reads the files into ``by_id``."""

    def __init__(
        self, directory: Path, http: httpx.AsyncClient, fakes: Fakes, clock: Callable[[], float]
    ) -> None:
        self.store = CredentialStore(directory)
        self.files: dict[str, StoredFile] = {}
        self.by_id: dict[str, tuple[StoredFile, Credential]] = {}
        self.refresher = Refresher(
            store=self.store,
            files=lambda: self.files,
            context=lambda file: RefreshContext(http=http, endpoint=fakes.endpoint, now=clock),
            on_refreshed=lambda name: self.reload(),
            spawn=lambda coro, name: spawn(coro, name=name),
            clock=clock,
        )
        self.source = AccountTokenSource(lookup=self.by_id.get, refresher=self.refresher, clock=clock)

    def write(self, name: str, data: JSONObject) -> None:
        self.store.write_json(name, data)
        self.reload()

    def reload(self) -> None:
        files, _ = self.store.scan()
        self.files = {f.name: f for f in files}
        self.by_id.clear()
        for file in files:
            provider = account_provider(file.type)
            assert provider is not None
            for credential in provider.credentials(file.name, file.data):
                self.by_id[credential.id] = (file, credential)

    def credential(self, credential_id: str) -> Credential:
        return self.by_id[credential_id][1]
