"""ManagementClient: the GUI's one typed async door to a proxy's ``/v0/management`` API (local or remote).

Every method is a coroutine named for a person's intent; it returns ``gui.models`` values or raises
``ManagementError`` with a message fit to show (never a key or token). No Qt here.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable
from typing import Final

import httpx
import yaml

from gui.models import (
    Account,
    Alias,
    Exclusion,
    LoginStart,
    LoginStatus,
    LogLine,
    ModelTest,
    ServerStatus,
    Settings,
    UsagePoint,
    UsageSeries,
    UsageSummary,
    log_level,
)
from gui.wire import accounts_from, flatten, obj, readable_error, text, whole, yaml_text_with
from server.config.edit import splice

__all__ = ["SCALAR_SETTINGS", "ManagementClient", "ManagementError"]

PREFIX: Final = "/v0/management"

SCALAR_SETTINGS: Final = frozenset(
    {
        "debug",
        "logging-to-file",
        "usage-statistics-enabled",
        "request-log",
        "request-retry",
        "max-retry-interval",
        "proxy-url",
        "routing/strategy",
        "force-model-prefix",
        "disable-cooling",
        "logs-max-total-size-mb",
        "quota-exceeded/switch-project",
        "quota-exceeded/switch-preview-model",
    }
)
"""Settings with their own ``PUT /<path> {"value"}`` endpoint; the rest go through ``/config.yaml``."""

_STARTERS: Final = {
    "claude": "anthropic-auth-url",
    "anthropic": "anthropic-auth-url",
    "codex": "codex-auth-url",
    "gemini-cli": "gemini-cli-auth-url",
    "gemini": "gemini-cli-auth-url",
    "antigravity": "antigravity-auth-url",
    "qwen": "qwen-auth-url",
    "iflow": "iflow-auth-url",
}
_CALLBACK_NAMES: Final = {"claude": "anthropic", "gemini-cli": "gemini"}
_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_TEST_TIMEOUT = httpx.Timeout(75.0, connect=5.0)


class ManagementError(Exception):
    """A management call failed: ``message`` reads well to a person; ``status`` is HTTP (0: none)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ManagementClient:
    """Talks to one proxy. ``key`` is its management key; ``http`` lets tests pass their own client."""

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
            raise _error_of(response)
        return response

    async def _json(self, method: str, path: str, **kwargs: object) -> dict[str, object]:
        response = await self._call(method, path, **kwargs)  # type: ignore[arg-type]
        try:
            data = response.json()
        except ValueError:
            raise ManagementError(f"The proxy sent an answer the app cannot read ({path}).") from None
        return obj(data)

    # -- status ----------------------------------------------------------------------------------

    async def status(self) -> ServerStatus:
        """A real probe: ``GET /healthz`` answered ``ok`` → running, else unreachable with the reason."""
        try:
            response = await self._http.get(f"{self._base}/healthz", timeout=httpx.Timeout(3.0))
        except httpx.HTTPError:
            return ServerStatus("unreachable", self._base, f"Cannot reach the proxy at {self._base}.")
        if response.status_code == 200:
            return ServerStatus("running", self._base)
        return ServerStatus("unreachable", self._base, f"The proxy answered {response.status_code}.")

    # -- accounts --------------------------------------------------------------------------------

    async def accounts(self) -> list[Account]:
        files = await self._json("GET", "/auth-files")
        state = await self._json("GET", "/accounts/state")
        return accounts_from(files, state, now=time.time())

    async def set_account_disabled(self, file_name: str, disabled: bool) -> None:
        await self._call("PATCH", "/auth-files/status", body={"name": file_name, "disabled": disabled})

    async def delete_account(self, file_name: str) -> None:
        await self._call("DELETE", "/auth-files", params={"name": file_name})

    async def reset_cooldown(self, account_id: str) -> int:
        answer = await self._json("POST", "/accounts/reset-cooldown", body={"id": account_id})
        return whole(answer.get("cleared"))

    async def test_account(self, account_id: str, model: str = "") -> ModelTest:
        body = {"id": account_id, "model": model, "timeout": 60}
        answer = await self._json("POST", "/accounts/test", body=body, limit=_TEST_TIMEOUT)
        ttft, latency = answer.get("ttft_ms"), answer.get("latency_ms")
        return ModelTest(
            ok=answer.get("ok") is True,
            ttft_ms=whole(ttft) if ttft is not None else None,
            latency_ms=whole(latency) if latency is not None else None,
            error=text(answer.get("error")),
            model=text(answer.get("model")),
        )

    async def start_login(self, provider: str, project_id: str = "") -> LoginStart:
        starter = _STARTERS.get(provider.strip().lower())
        if starter is None:
            raise ManagementError(f"Logging in to {provider!r} is not supported.")
        params = {"project_id": project_id.strip()} if project_id.strip() else None
        answer = await self._json("GET", f"/{starter}", params=params)
        return LoginStart(
            url=text(answer.get("url")),
            state=text(answer.get("state")),
            user_code=text(answer.get("user_code")),
            verification_url=text(answer.get("verification_url")),
        )

    async def login_status(self, state: str) -> LoginStatus:
        answer = await self._json("GET", "/get-auth-status", params={"state": state})
        status = text(answer.get("status")) or "ok"
        return LoginStatus(status, text(answer.get("error")))

    async def submit_callback(self, provider: str, redirect_url: str) -> None:
        """Hand over a pasted redirect URL (when the browser could not reach the callback port)."""
        name = _CALLBACK_NAMES.get(provider, provider)
        await self._call("POST", "/oauth-callback", body={"provider": name, "redirect_url": redirect_url})

    # -- model rules -----------------------------------------------------------------------------

    async def aliases(self) -> list[Alias]:
        answer = await self._json("GET", "/oauth-model-alias")
        return [
            Alias(channel, text(entry.get("name")), text(entry.get("alias")), entry.get("fork") is True)
            for channel, entries in obj(answer.get("oauth-model-alias")).items()
            for entry in map(obj, entries if isinstance(entries, list) else [])
        ]

    async def set_aliases(self, aliases: Iterable[Alias]) -> None:
        grouped: dict[str, list[dict[str, object]]] = {}
        for a in aliases:
            entry: dict[str, object] = {"name": a.name, "alias": a.alias}
            if a.fork:
                entry["fork"] = True
            grouped.setdefault(a.channel.strip().lower(), []).append(entry)
        await self._call("PUT", "/oauth-model-alias", body={"items": grouped})

    async def exclusions(self) -> list[Exclusion]:
        answer = await self._json("GET", "/oauth-excluded-models")
        return [
            Exclusion(channel, text(pattern))
            for channel, patterns in obj(answer.get("oauth-excluded-models")).items()
            for pattern in (patterns if isinstance(patterns, list) else [])
        ]

    async def set_exclusions(self, exclusions: Iterable[Exclusion]) -> None:
        grouped: dict[str, list[str]] = {}
        for e in exclusions:
            grouped.setdefault(e.channel.strip().lower(), []).append(e.pattern)
        await self._call("PUT", "/oauth-excluded-models", body={"items": grouped})

    async def models(self) -> list[str]:
        """What a client sees in ``GET /v1/models`` (asked with the first client key)."""
        keys = await self.api_keys()
        headers = {"Authorization": f"Bearer {keys[0]}"} if keys else {}
        try:
            response = await self._http.get(f"{self._base}/v1/models", headers=headers)
        except httpx.TransportError:
            raise ManagementError(f"Cannot reach the proxy at {self._base}. Is it running?") from None
        if response.status_code >= 400:
            raise _error_of(response)
        data = obj(response.json()).get("data")
        return [text(obj(m).get("id")) for m in (data if isinstance(data, list) else []) if obj(m).get("id")]

    # -- usage -----------------------------------------------------------------------------------

    async def usage_series(
        self, since: float, until: float, bucket: str, group_by: str | None = None
    ) -> list[UsageSeries]:
        params = {"since": f"{since:.3f}", "until": f"{until:.3f}", "bucket": bucket}
        if group_by:
            params["group_by"] = group_by
        answer = await self._json("GET", "/usage/series", params=params)
        lines: dict[str, tuple[str, list[UsagePoint]]] = {}
        for raw in answer.get("points") or []:  # type: ignore[attr-defined]
            p = obj(raw)
            point = UsagePoint(
                bucket_start=float(p.get("start") or 0),  # type: ignore[arg-type]
                requests=whole(p.get("requests")),
                failures=whole(p.get("failures")),
                input_tokens=whole(p.get("input_tokens")),
                output_tokens=whole(p.get("output_tokens")),
                cached_tokens=whole(p.get("cached_tokens")),
                reasoning_tokens=whole(p.get("reasoning_tokens")),
            )
            key = text(p.get("key"))
            lines.setdefault(key, (text(p.get("label")) or key, []))[1].append(point)
        return [
            UsageSeries(bucket, tuple(sorted(points, key=lambda p: p.bucket_start)), key, label)
            for key, (label, points) in lines.items()
        ]

    async def usage_summary(self, since: float, until: float) -> UsageSummary:
        params = {"since": f"{since:.3f}", "until": f"{until:.3f}"}
        answer = await self._json("GET", "/usage/summary", params=params)
        totals = obj(answer.get("totals"))

        def ranked(name: str) -> tuple[tuple[str, int], ...]:
            groups = [obj(g) for g in answer.get(name) or []]  # type: ignore[attr-defined]
            pairs = [(text(g.get("label")) or text(g.get("key")), whole(g.get("requests"))) for g in groups]
            return tuple(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))

        return UsageSummary(
            requests=whole(totals.get("requests")),
            failures=whole(totals.get("failure")),
            input_tokens=whole(totals.get("input_tokens")),
            output_tokens=whole(totals.get("output_tokens")),
            by_model=ranked("by_model"),
            by_provider=ranked("by_provider"),
            by_account=ranked("by_credential"),
        )

    # -- logs ------------------------------------------------------------------------------------

    async def logs(self, after: float | None, limit: int) -> tuple[list[LogLine], float]:
        params = {"limit": str(max(1, limit))}
        if after is not None:
            params["after"] = f"{after:.0f}"
        answer = await self._json("GET", "/logs", params=params)
        lines = [LogLine(str(line), log_level(str(line))) for line in answer.get("lines") or []]  # type: ignore[attr-defined]
        latest = answer.get("latest-timestamp")
        return lines, float(latest) if isinstance(latest, int | float) else (after or 0.0)

    # -- settings --------------------------------------------------------------------------------

    async def settings(self) -> Settings:
        """Every setting by YAML key path; ``host``/``port`` come from the config file itself."""
        values = flatten(await self._json("GET", "/config"))
        try:
            document = yaml.safe_load((await self._call("GET", "/config.yaml")).text) or {}
        except (ManagementError, yaml.YAMLError):
            document = {}
        for key in ("host", "port"):
            if isinstance(document, dict) and key in document:
                values[key] = document[key]
        return Settings(values)

    async def update_setting(self, key: str, value: object) -> bool:
        """Change one setting; True when the running proxy needs a restart for it to apply."""
        if key in SCALAR_SETTINGS:
            await self._call("PUT", f"/{key}", body={"value": value})
            return False
        current = (await self._call("GET", "/config.yaml")).text
        edited = splice(current, tuple(key.split("/")), value)
        content = (edited if edited is not None else yaml_text_with(current, key, value)).encode()
        answer = obj((await self._call("PUT", "/config.yaml", content=content)).json())
        return bool(answer.get("restart-required"))

    async def api_keys(self) -> list[str]:
        answer = await self._json("GET", "/api-keys")
        keys = answer.get("api-keys")
        return [str(k) for k in keys] if isinstance(keys, list) else []

    async def set_api_keys(self, keys: Iterable[str]) -> None:
        listed = [k for k in keys if k.strip()]
        if listed:
            await self._call("PUT", "/api-keys", body=listed)
        else:
            await self._call("PUT", "/config.yaml", content=(await self._without_keys()).encode())

    async def _without_keys(self) -> str:
        current = (await self._call("GET", "/config.yaml")).text
        edited = splice(current, ("api-keys",), [])
        return edited if edited is not None else yaml_text_with(current, "api-keys", [])

    # -- events ----------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[tuple[str, dict[str, object]]]:
        """The ``/events`` stream as (kind, data) until the server closes it; the first is ``hello``."""
        headers = {"Accept": "text/event-stream"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        timeout = httpx.Timeout(5.0, read=None)
        try:
            async with self._http.stream(
                "GET", f"{self._base}{PREFIX}/events", headers=headers, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _error_of(response)
                kind, data = "message", ""
                async for line in response.aiter_lines():
                    if not line:
                        if data:
                            yield kind, _event_data(data)
                        kind, data = "message", ""
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data += line[5:].strip()
        except httpx.TransportError:
            raise ManagementError(f"Lost the connection to the proxy at {self._base}.") from None


def _event_data(raw: str) -> dict[str, object]:
    try:
        return obj(json.loads(raw))
    except ValueError:
        return {}


def _error_of(response: httpx.Response) -> ManagementError:
    """A readable error: the server's own message where it sent one (it never includes secrets)."""
    try:
        body = obj(response.json())
    except ValueError:
        body = {}
    return ManagementError(readable_error(response.status_code, body), response.status_code)
