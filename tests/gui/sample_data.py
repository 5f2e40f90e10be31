"""Sample data for GUI tests and screenshots: accounts in every status, usage inside any window, and the
rest of a realistic proxy (aliases, exclusions, models, settings, log lines). Emails are example.com."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from gui.models import (
    Account,
    Alias,
    Exclusion,
    PayloadRule,
    ProviderKey,
    QuotaWindow,
    UsagePoint,
    UsageSeries,
    UsageSummary,
)

__all__ = [
    "BASE_URL",
    "CLIENT_KEY",
    "NOW",
    "sample_accounts",
    "sample_quota",
    "sample_series",
    "sample_summary",
    "sample_values",
]

NOW = 1_760_000_000.0  # a fixed "now" for sample data (2025-10-09)
BASE_URL = "http://127.0.0.1:8317"
CLIENT_KEY = "sk-fake-client-key-0123456789abcdef"


def sample_quota(now: float = NOW) -> dict[str, tuple[QuotaWindow, ...]]:
    """Quota windows by account id: Codex 5-hour/weekly (one low), Claude 5h/7d, nothing for the rest."""
    return {
        "codex-1.json": (
            QuotaWindow("5h", "5-hour", 38.0, now + 2 * 3600 + 14 * 60, now - 60, "headers"),
            QuotaWindow("7d", "Weekly", 88.0, now + 3 * 86400 + 4 * 3600, now - 60, "headers"),
        ),
        "claude-1.json": (
            QuotaWindow("5h", "5-hour", 12.0, now + 40 * 60, now - 30, "headers"),
            QuotaWindow("7d", "Weekly", 55.0, now + 5 * 86400, now - 30, "headers"),
        ),
    }


def sample_accounts(now: float = NOW) -> list[Account]:
    """One account in each status, over several providers (emails are example.com)."""

    def account(i: str, provider: str, email: str, status: str, **extra: object) -> Account:
        base = Account(
            id=f"{provider}-{i}.json",
            file_name=f"{provider}-{i}.json",
            provider=provider,
            label=email,
            email=email,
            status=status,
            disabled=status == "disabled",
            cooling_until=None,
            expires_at=now + 6 * 3600,
            last_error="",
            priority=0,
            last_refresh=now - 1800,
        )
        return replace(base, **extra)  # type: ignore[arg-type]

    quota = sample_quota(now)
    return [
        account("1", "claude", "ada@example.com", "ready", quota=quota["claude-1.json"]),
        account("2", "claude", "grace@example.com", "cooling", cooling_until=now + 3 * 3600 + 120),
        account("1", "codex", "linus@example.com", "ready", priority=1, quota=quota["codex-1.json"]),
        account("1", "gemini-cli", "barbara@example.com", "expired", expires_at=now - 600),
        account("1", "qwen", "ken@example.com", "refresh_failed", last_error="refresh token was revoked"),
        account("1", "iflow", "margaret@example.com", "disabled"),
    ]


_BUCKETS = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}
_SAMPLE_GROUPS = {
    "model": ("claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"),
    "provider": ("claude", "codex"),
    "credential": ("claude-1.json", "codex-1.json"),
}


def sample_series(since: float, until: float, bucket: str, group_by: str | None) -> list[UsageSeries]:
    """Plausible traffic inside the asked window (busier by day than by night): one line, or one per
    model / provider / account."""
    step = _BUCKETS.get(bucket, 3600.0)
    first = since - since % step
    starts = [first + i * step for i in range(int((until - first) // step) + 1)][-200:]
    groups = _SAMPLE_GROUPS.get(group_by or "", ("",))
    out = []
    for g, group in enumerate(groups):
        points = []
        for i, start in enumerate(starts):
            day = 0.5 + 0.5 * math.sin((start % 86400) / 86400 * 2 * math.pi - math.pi / 2)
            requests = (
                round((2 + 14 * day + (i * 7 % 5)) * step / 3600 / (g + 1))
                if step <= 3600
                else 180 // (g + 1)
            )
            failures = 1 if requests and i % 11 == 0 else 0
            latency, ttft = round(1400 + 900 * day + i * 37 % 400), round(380 + 160 * day + i * 13 % 90)
            timings = {"latency_ms_sum": requests * latency, "latency_count": requests}
            timings |= {"ttft_ms_sum": requests // 2 * ttft, "ttft_count": requests // 2}  # half stream
            points.append(UsagePoint(start, requests, failures, requests * 2900, requests * 740, **timings))
        out.append(UsageSeries(bucket, tuple(points), group, group))
    return out


def sample_summary(since: float, until: float) -> UsageSummary:
    """The totals of ``sample_series`` inside the asked window (so 24 h, 7 d and 30 d differ)."""
    bucket = "hour" if until - since <= 8 * 86400 else "day"
    by_model = sample_series(since, until, bucket, "model")
    points = [p for line in by_model for p in line.points]
    ranked = sorted(
        ((line.group, sum(p.requests for p in line.points)) for line in by_model), key=lambda g: -g[1]
    )
    return UsageSummary(
        sum(p.requests for p in points),
        sum(p.failures for p in points),
        sum(p.input_tokens for p in points),
        sum(p.output_tokens for p in points),
        tuple(ranked),
        latency_ms_sum=sum(p.latency_ms_sum for p in points),
        latency_count=sum(p.latency_count for p in points),
        ttft_ms_sum=sum(p.ttft_ms_sum for p in points),
        ttft_count=sum(p.ttft_count for p in points),
    )


def sample_values() -> dict[str, object]:
    """Keyword arguments of ``FakeClient`` for a proxy with something on every page."""
    return dict(
        accounts=sample_accounts(time.time()),
        aliases=[
            Alias("claude", "claude-sonnet-4-5-20250929", "sonnet"),
            Alias("codex", "gpt-5", "g5", True),
        ],
        exclusions=[Exclusion("gemini-cli", "gemini-1.5-*"), Exclusion("claude", "*-haiku-*")],
        provider_keys=[
            ProviderKey("claude-api-key", "sk-ant-api03-fake-0123456789"),
            ProviderKey(
                "openai-compatibility",
                "sk-or-v1-fake-0123456789",
                "https://openrouter.ai/api/v1",
                name="openrouter",
                prefix="or",
            ),
        ],
        payload=[
            PayloadRule("default", "gpt-5*", "reasoning.effort", "high"),
            PayloadRule(
                "override", "gemini-2.5-pro", "generationConfig.thinkingConfig.thinkingBudget", 8192, "gemini"
            ),
        ],
        models=["claude-sonnet-4-5-20250929", "sonnet", "gpt-5", "g5", "gpt-5-codex", "gemini-2.5-pro"],
        settings={
            "host": "127.0.0.1",
            "port": 8317,
            "request-retry": 3,
            "routing/strategy": "round-robin",
            "proxy-url": "",
            "usage-statistics-enabled": True,
            "logging-to-file": True,
            "debug": False,
        },
        log_lines=[
            "[2025-10-09 10:00:00] [--------] [info ] [server.runner] API server started on: " + BASE_URL,
            "[2025-10-09 10:00:05] [a1b2c3d4] [info ] [server.pipeline] claude-sonnet-4-5 via claude 200",
            "[2025-10-09 10:01:10] [e5f6a7b8] [warn ] [server.routing] ada@example.com cooling 60s (429)",
            "[2025-10-09 10:02:00] [c9d0e1f2] [error] [server.auth] qwen refresh failed: token revoked",
            "[2025-10-09 10:02:01] [--------] [debug] [server.http] pool opened",
        ],
        summary=UsageSummary(
            412,
            9,
            1_250_000,
            310_000,
            (("claude-sonnet-4-5", 250), ("gpt-5", 120), ("gemini-2.5-pro", 42)),
        ),
    )
