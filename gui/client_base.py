"""The transport half of ``ManagementClient``: ``ManagementError``, the address and key of one proxy, and
authorised calls that turn every failure into a readable error (never a key or token). No Qt here.
"""

from __future__ import annotations

import httpx

from gui.endpoints import PREFIX
from gui.wire import obj, readable_error

__all__ = ["ClientBase", "ManagementError", "error_of"]

_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class ManagementError(Exception):
    """A management call failed: ``message`` reads well to a person; ``status`` is HTTP (0: none)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ClientBase:
    """The connection to one proxy: its address, its management key, and the calls with that key."""

    def __init__(self, base_url: str, key: str, http: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._key = key
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=_TIMEOUT, trust_env=False)

    @property
    def base_url(self) -> str:
        return self._base

    def set_base_url(self, base_url: str) -> None:
        """Point at another address (the embedded proxy came back on a new port)."""
        self._base = base_url.rstrip("/")

    def __repr__(self) -> str:  # the key stays out of reprs and logs
        return f"ManagementClient({self._base!r})"

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    # -- transport -------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: object = None,
        content: bytes | None = None,
        limit: httpx.Timeout | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        try:
            response = await self._http.request(
                method,
                f"{self._base}{PREFIX}{path}",
                params=params,
                json=body if content is None and body is not None else None,
                content=content,
                headers=headers,
                timeout=limit or _TIMEOUT,
            )
        except httpx.TimeoutException:
            raise ManagementError(f"The proxy at {self._base} did not answer in time.") from None
        except httpx.TransportError:
            raise ManagementError(f"Cannot reach the proxy at {self._base}. Is it running?") from None
        if response.status_code >= 400:
            raise error_of(response)
        return response

    async def _json(self, method: str, path: str, **kwargs: object) -> dict[str, object]:
        response = await self._call(method, path, **kwargs)  # type: ignore[arg-type]
        try:
            data = response.json()
        except ValueError:
            raise ManagementError(f"The proxy sent an answer the app cannot read ({path}).") from None
        return obj(data)


def error_of(response: httpx.Response) -> ManagementError:
    """A readable error: the server's own message where it sent one (it never includes secrets)."""
    try:
        body = obj(response.json())
    except ValueError:
        body = {}
    return ManagementError(readable_error(response.status_code, body), response.status_code)
