"""ManagementClient: the GUI's one typed async door to a proxy's ``/v0/management`` API (local or remote).

Every method is a coroutine named for a person's intent; it returns ``gui.models`` values or raises
``ManagementError`` with a message fit to show (never a key or token). No Qt here.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterable

import httpx

from gui.client_base import ManagementError, error_of
from gui.client_settings import SettingsCalls
from gui.endpoints import CALLBACK_NAMES, PREFIX, SCALAR_SETTINGS, STARTERS
from gui.model_probe import probe_model
from gui.models import (
    Account,
    Alias,
    Exclusion,
    LoginStart,
    LoginStatus,
    LogLine,
    ModelTest,
    QuotaWindow,
    ServerStatus,
    UsagePoint,
    UsageSeries,
    UsageSummary,
    log_level,
)
from gui.quota import quota_windows, with_quota
from gui.wire import accounts_from, obj, text, whole

__all__ = ["SCALAR_SETTINGS", "ManagementClient", "ManagementError"]

_TEST_TIMEOUT = httpx.Timeout(75.0, connect=5.0)
_TIMINGS = ("latency_ms_sum", "latency_count", "ttft_ms_sum", "ttft_count")


def _timings(raw: dict[str, object]) -> dict[str, int]:
    """The latency / time-to-first-token sums and counts of a usage total or point (0 when absent)."""
    return {name: max(0, whole(raw.get(name))) for name in _TIMINGS}


class ManagementClient(SettingsCalls):
    """Talks to one proxy. ``key`` is its management key; ``http`` lets tests pass their own client."""

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
        return with_quota(accounts_from(files, state, now=time.time()), state)

    async def refresh_quota(self, account_id: str | None = None) -> dict[str, tuple[QuotaWindow, ...]]:
        """Ask the proxy to fetch quota now (one account, or every one that can be asked): id → windows."""
        body = {"id": account_id} if account_id else {}
        answer = await self._json("POST", "/accounts/quota/refresh", body=body, limit=_TEST_TIMEOUT)
        entries = answer.get("accounts")
        return {
            text(obj(e).get("id")): quota_windows(obj(e).get("quota"))
            for e in (entries if isinstance(entries, list) else [])
            if text(obj(e).get("id"))
        }

    async def set_account_disabled(self, file_name: str, disabled: bool) -> None:
        await self._call("PATCH", "/auth-files/status", body={"name": file_name, "disabled": disabled})

    async def set_account_priority(self, file_name: str, priority: int) -> None:
        """Save the file's routing priority (higher is used first)."""
        await self._call("PATCH", "/auth-files/priority", body={"name": file_name, "priority": priority})

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
        starter = STARTERS.get(provider.strip().lower())
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
        name = CALLBACK_NAMES.get(provider, provider)
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
            raise error_of(response)
        data = obj(response.json()).get("data")
        return [text(obj(m).get("id")) for m in (data if isinstance(data, list) else []) if obj(m).get("id")]

    async def test_model(self, model: str) -> ModelTest:
        """One tiny streamed request for ``model`` through the proxy (with the first client key)."""
        keys = await self.api_keys()
        return await probe_model(self._http, self._base, keys[0] if keys else "", model)

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
                **_timings(p),
            )
            key = text(p.get("key"))
            lines.setdefault(key, (text(p.get("label")) or key, []))[1].append(point)
        return [
            UsageSeries(bucket, tuple(sorted(points, key=lambda p: p.bucket_start)), key, label)
            for key, (label, points) in lines.items()
        ]

    async def usage_export(self) -> dict[str, object]:
        """Every statistic as the snapshot JSON of ``/usage/export``, which ``/usage/import`` reads back."""
        return await self._json("GET", "/usage/export")

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
            **_timings(totals),
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
                    raise error_of(response)
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
