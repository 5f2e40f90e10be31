"""GoogleFake: Google's project and Code Assist endpoints on loopback, with the Code Assist upstream.

Pair it with ``tests.fakes.oauth_fake`` (authorize, token, userinfo). Start with
``fake, server = start_google_fake(**options)``; ``fake.url(path)`` builds URLs. Paths (any prefix
before ``/v1internal:…`` works, so two "base URLs" can be ``<url>/sandbox`` and ``<url>/prod``):

``GET /v1/projects``
    ``{"projects": options.projects}`` (cloudresourcemanager).
``POST …/v1internal:loadCodeAssist``
    ``allowedTiers`` = ``options.tiers``; ``cloudaicompanionProject`` = ``options.companion_project``
    (left out when None).
``POST …/v1internal:onboardUser``
    ``{"done": false}`` for the first ``options.onboard_pending`` calls, then ``done: true`` with
    ``response.cloudaicompanionProject = {"id": options.onboard_project or the requested one}``
    (the pending count restarts for every new login: ``configure`` resets it).
``GET /v1/projects/<p>/services/cloudaicompanion.googleapis.com`` / ``POST …:enable``
    The service state (``options.service_state``); ``:enable`` answers ``options.enable_status``
    and, on 200, records the project as enabled.
``POST …/v1internal:fetchAvailableModels``
    ``{"models": options.models}``, or HTTP ``options.models_status`` when that is not 200; paths
    starting with one of ``options.fail_prefixes`` answer 429 (a base URL that is out of quota).
``POST …/v1internal:retrieveUserQuota``
    ``{"buckets": options.quota_buckets}`` (Gemini CLI quota).
anything else
    The Gemini CLI family of ``tests.fakes.upstream.FakeUpstream`` (``fake.upstream``): generate,
    stream and countTokens with its scripting (``script(token, Fail(429, retry_after=2))`` …),
    keyed by the Bearer token. ``fail_prefixes`` apply there too.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from server.jsontypes import JSON, JSONObject
from tests.fakes.gemini_fake import google_error
from tests.fakes.server_thread import ServerThread
from tests.fakes.upstream import FakeUpstream

__all__ = ["GoogleFake", "GoogleOptions", "GoogleRequest", "start_google_fake"]

_SERVICE = "/services/cloudaicompanion.googleapis.com"
DEFAULT_MODELS: JSONObject = {
    "gemini-2.5-flash": {"displayName": "Gemini 2.5 Flash"},
    "gemini-3-pro-high": {"displayName": "Gemini 3 Pro (High)"},
    "claude-sonnet-4-5-thinking": {"displayName": "Claude Sonnet 4.5 (Thinking)"},
    "gemini-3-pro-low": {},
    "chat_20706": {},
}


@dataclass(frozen=True, slots=True)
class GoogleOptions:
    projects: list[JSONObject] = field(
        default_factory=lambda: [
            {"projectId": "p1", "name": "Project One"},
            {"projectId": "p2", "name": "Project Two"},
        ]
    )
    tiers: list[JSONObject] = field(
        default_factory=lambda: [
            {"id": "free-tier", "isDefault": False},
            {"id": "standard-tier", "isDefault": True},
        ]
    )
    companion_project: str | None = None
    onboard_pending: int = 1
    onboard_project: str | None = None
    service_state: str = "DISABLED"
    enable_status: int = 200
    models: JSONObject = field(default_factory=lambda: dict(DEFAULT_MODELS))
    models_status: int = 200
    fail_prefixes: tuple[str, ...] = ()
    quota_buckets: list[JSONObject] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GoogleRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: JSON


class GoogleFake:
    """The fake; itself an ASGI app (``fake.app`` is the fake). Thread-safe scripting and records."""

    def __init__(self, **options: Any) -> None:
        self._options = GoogleOptions(**options)
        self._initial = self._options
        self._lock = threading.Lock()
        self._records: list[GoogleRequest] = []
        self._onboard_calls = 0
        self.enabled: list[str] = []
        self.upstream = FakeUpstream()
        self.base_url = ""

    def url(self, path: str = "") -> str:
        return f"{self.base_url}{path}"

    @property
    def options(self) -> GoogleOptions:
        with self._lock:
            return self._options

    def configure(self, **changes: Any) -> None:
        with self._lock:
            self._options = replace(self._options, **changes)
            self._onboard_calls = 0

    def reset(self) -> None:
        """Initial options, no records, nothing enabled; the upstream reset too."""
        with self._lock:
            self._options = self._initial
            self._records.clear()
            self._onboard_calls = 0
            self.enabled.clear()
        self.upstream.reset()

    @property
    def requests(self) -> list[GoogleRequest]:
        with self._lock:
            return list(self._records)

    def requests_to(self, suffix: str) -> list[GoogleRequest]:
        return [r for r in self.requests if r.path.endswith(suffix)]

    @property
    def app(self) -> GoogleFake:
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if any(path.startswith(prefix) for prefix in self.options.fail_prefixes):
            request = Request(scope, receive)
            await self._record(request)
            body, _ = google_error(429, "quota exhausted on this base (fake)", 1.0)
            await JSONResponse(body, 429)(scope, receive, send)
            return
        if self._own(path):
            request = Request(scope, receive)
            await (await self._answer(request))(scope, receive, send)
            return
        await self.upstream.app(scope, receive, send)

    @staticmethod
    def _own(path: str) -> bool:
        endings = (
            ":loadCodeAssist",
            ":onboardUser",
            ":fetchAvailableModels",
            ":retrieveUserQuota",
            _SERVICE,
            f"{_SERVICE}:enable",
        )
        return path == "/v1/projects" or path.endswith(endings)

    async def _record(self, request: Request) -> GoogleRequest:
        raw = await request.body()
        try:
            parsed: JSON = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        headers = {k.lower(): v for k, v in request.headers.items()}
        record = GoogleRequest(request.method, request.url.path, headers, parsed)
        with self._lock:
            self._records.append(record)
        return record

    async def _answer(self, request: Request) -> Response:
        record = await self._record(request)
        if not record.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"error": {"code": 401, "message": "no token"}}, 401)
        options = self.options
        path = record.path
        body = record.json if isinstance(record.json, dict) else {}
        if path == "/v1/projects":
            return JSONResponse({"projects": options.projects})
        if path.endswith(":loadCodeAssist"):
            answer: JSONObject = {"allowedTiers": options.tiers}
            if options.companion_project is not None:
                answer["cloudaicompanionProject"] = options.companion_project
            return JSONResponse(answer)
        if path.endswith(":onboardUser"):
            with self._lock:
                self._onboard_calls += 1
                pending = self._onboard_calls <= options.onboard_pending
            if pending:
                return JSONResponse({"name": "operations/onboard", "done": False})
            project = options.onboard_project or str(body.get("cloudaicompanionProject") or "")
            return JSONResponse({"done": True, "response": {"cloudaicompanionProject": {"id": project}}})
        if path.endswith(":fetchAvailableModels"):
            if options.models_status != 200:
                error, _ = google_error(options.models_status, "models unavailable (fake)", None)
                return JSONResponse(error, options.models_status)
            return JSONResponse({"models": options.models})
        if path.endswith(":retrieveUserQuota"):
            return JSONResponse({"buckets": options.quota_buckets})
        project = path.removeprefix("/v1/projects/").split("/", 1)[0]
        if path.endswith(":enable") and request.method == "POST":
            if options.enable_status == 200:
                with self._lock:
                    self.enabled.append(project)
                return JSONResponse({"done": True})
            return JSONResponse({"error": {"message": "permission denied (fake)"}}, options.enable_status)
        with self._lock:
            state = "ENABLED" if project in self.enabled else options.service_state
        return JSONResponse({"name": f"projects/{project}{_SERVICE}", "state": state})


def start_google_fake(**options: Any) -> tuple[GoogleFake, ServerThread]:
    """A GoogleFake with ``options`` on a free loopback port; stop the thread when done."""
    fake = GoogleFake(**options)
    server = ServerThread(fake.app).start()
    fake.base_url = server.url
    return fake, server
