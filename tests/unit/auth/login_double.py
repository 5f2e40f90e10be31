"""A LoginContext for provider tests: the 'browser' follows the authorize URL to the fake's redirect.

``wait_callback`` GETs the URL passed to ``show_url`` on the fake OAuth server without following the
redirect and reads ``code``/``state`` from its Location (the loopback listener is tested elsewhere).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx

from server.auth.base import CallbackResult, LoginOptions
from server.auth.callback import check_callback
from server.auth.endpoints import Endpoints
from server.auth.paste import parse_callback_params

__all__ = ["BrowserContext"]


class BrowserContext:
    def __init__(
        self,
        http: httpx.AsyncClient,
        endpoints: Endpoints,
        *,
        options: LoginOptions | None = None,
        now: float = 1_765_443_600.0,
        answers: list[str] | None = None,
    ) -> None:
        self.http = http
        self.options = options or LoginOptions()
        self._endpoints = endpoints
        self._now = now
        self.answers = list(answers or [])
        self.shown: list[tuple[str, int]] = []
        self.device: list[tuple[str, str]] = []
        self.waited: list[tuple[int, str, str, float]] = []

    def endpoint(self, provider: str, name: str, default: str) -> str:
        return self._endpoints(provider, name, default)

    async def show_url(self, url: str, *, port: int) -> None:
        self.shown.append((url, port))

    async def show_device_code(self, url: str, user_code: str) -> None:
        self.device.append((url, user_code))

    async def wait_callback(self, *, port: int, path: str, state: str, timeout: float) -> CallbackResult:  # noqa: ASYNC109
        self.waited.append((port, path, state, timeout))
        reply = await self.http.get(self.shown[-1][0])
        location = urlsplit(reply.headers["location"])
        assert location.path == path
        result = parse_callback_params(dict(parse_qsl(location.query)))
        assert result is not None
        return check_callback(result, state)

    async def prompt(self, question: str) -> str:
        return self.answers.pop(0) if self.answers else ""

    def now(self) -> float:
        return self._now

    @property
    def query(self) -> dict[str, str]:
        """The query of the last authorize URL shown."""
        return dict(parse_qsl(urlsplit(self.shown[-1][0]).query))
