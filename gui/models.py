"""Plain values the GUI shows: server status, accounts, model rules, usage, logs, logins, settings.

No Qt and no httpx here: ``gui.client`` builds these from management API answers, windows render them.
Fields named in the GUI contract come first (positional); extras have defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "ACCOUNT_STATUSES",
    "PROVIDERS",
    "Account",
    "Alias",
    "Exclusion",
    "LogLine",
    "LoginStart",
    "LoginStatus",
    "ModelCooldown",
    "ModelTest",
    "PayloadRule",
    "ProviderKey",
    "QuotaWindow",
    "ServerStatus",
    "Settings",
    "UsagePoint",
    "UsageSeries",
    "UsageSummary",
    "log_level",
    "mask_secret",
]

ACCOUNT_STATUSES: Final = ("ready", "cooling", "disabled", "expired", "refresh_failed", "invalid")
"""Every value of ``Account.status``, best first."""

PROVIDERS: Final = (
    ("claude", "Claude"),
    ("codex", "ChatGPT (Codex)"),
    ("gemini-cli", "Google (Gemini CLI)"),
    ("antigravity", "Antigravity"),
    ("qwen", "Qwen"),
    ("iflow", "iFlow"),
)
"""Subscription providers a person can log in to: (``start_login`` name, what to call it)."""


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """Where the proxy is: ``state`` is stopped, starting, running, stopping, failed or unreachable."""

    state: str
    url: str = ""
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True, slots=True)
class ModelCooldown:
    """One model of an account that is (or was) failing: when it may be used again and why."""

    model: str
    cooling_until: float | None = None
    last_status: int | None = None
    quota: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class QuotaWindow:
    """One quota window of an account (contract C1): how much of it is used and when it starts afresh.

    ``window`` is "5h", "7d", "primary", "secondary" or a model id; ``label`` what to call it; times
    are Unix seconds; ``source`` is "headers" (learnt from answers) or "fetch" (asked actively).
    """

    window: str
    label: str
    used_percent: float
    resets_at: float | None = None
    updated_at: float = 0.0
    source: str = "headers"

    @property
    def left_percent(self) -> float:
        """What is left, 0..100."""
        return max(0.0, min(100.0, 100.0 - self.used_percent))

    def current(self, now: float) -> bool:
        """False once the window has started afresh (what we know about it is then out of date)."""
        return self.resets_at is None or self.resets_at > now


@dataclass(frozen=True, slots=True)
class Account:
    """One credential as a person sees it (an account file, or an API key from the config).

    ``id`` is the credential id the API uses for tests and cooldown resets; ``file_name`` the auth file
    to enable, disable or delete ("" for API keys). Times are Unix seconds.
    """

    id: str
    file_name: str
    provider: str
    label: str
    email: str
    status: str
    disabled: bool
    cooling_until: float | None
    expires_at: float | None
    last_error: str
    priority: int
    kind: str = "oauth"
    prefix: str = ""
    last_refresh: float | None = None
    models: tuple[ModelCooldown, ...] = ()
    quota: tuple[QuotaWindow, ...] = ()
    quota_error: str = ""


@dataclass(frozen=True, slots=True)
class Alias:
    """``oauth-model-alias``: on ``channel``, upstream model ``name`` is offered as ``alias``."""

    channel: str
    name: str
    alias: str
    fork: bool = False


@dataclass(frozen=True, slots=True)
class Exclusion:
    """``oauth-excluded-models``: models matching ``pattern`` (``*`` wildcards) are hidden on ``channel``."""

    channel: str
    pattern: str


@dataclass(frozen=True, slots=True)
class PayloadRule:
    """One simple ``payload`` rule: for models matching ``model`` (``*`` wildcards), set JSON path ``param``
    of the upstream request to ``value`` — if missing (``kind`` "default") or always ("override");
    ``protocol`` ("" = any) limits it to one upstream format."""

    kind: str
    model: str
    param: str
    value: object
    protocol: str = ""


@dataclass(frozen=True, slots=True)
class ProviderKey:
    """One entry of a provider key list (``kind``: ``claude-api-key``, ``codex-api-key``, ``gemini-api-key``,
    ``vertex-api-key`` or ``openai-compatibility``, whose ``name`` names the service). ``extra`` keeps the
    fields this app does not edit (models, excluded models, priority …) as (key, JSON text) pairs."""

    kind: str
    api_key: str
    base_url: str = ""
    proxy_url: str = ""
    prefix: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    name: str = ""
    priority: int = 0
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """Totals of one time bucket starting at ``bucket_start`` (Unix seconds)."""

    bucket_start: float
    requests: int
    failures: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    latency_ms_sum: int = 0
    latency_count: int = 0
    ttft_ms_sum: int = 0
    ttft_count: int = 0
    """Latency and time-to-first-token sums over the ``*_count`` requests that had one (servers
    before these fields answer zeros)."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def success_rate(self) -> float | None:
        """Share of requests that succeeded (0..1); None without requests."""
        return 1 - self.failures / self.requests if self.requests else None

    @property
    def avg_latency_ms(self) -> float | None:
        return self.latency_ms_sum / self.latency_count if self.latency_count else None

    @property
    def avg_ttft_ms(self) -> float | None:
        return self.ttft_ms_sum / self.ttft_count if self.ttft_count else None


@dataclass(frozen=True, slots=True)
class UsageSeries:
    """One line of a usage graph: points per ``bucket`` (minute, hour, day), for one ``group`` key."""

    bucket: str
    points: tuple[UsagePoint, ...]
    group: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """Totals of a time window; ``by_*`` are (name, requests), most used first."""

    requests: int
    failures: int
    input_tokens: int
    output_tokens: int
    by_model: tuple[tuple[str, int], ...] = ()
    by_provider: tuple[tuple[str, int], ...] = ()
    by_account: tuple[tuple[str, int], ...] = ()
    latency_ms_sum: int = 0
    latency_count: int = 0
    ttft_ms_sum: int = 0
    ttft_count: int = 0

    @property
    def avg_latency_ms(self) -> float | None:
        return self.latency_ms_sum / self.latency_count if self.latency_count else None

    @property
    def avg_ttft_ms(self) -> float | None:
        return self.ttft_ms_sum / self.ttft_count if self.ttft_count else None


_LEVEL = re.compile(r"^\[[^\]]*\] \[[^\]]*\] \[(?P<level>[a-z]+)\s*\]")


def log_level(text: str) -> str:
    """The level of a main-log line (``debug``, ``info``, ``warn``, ``error``), "" for continuations."""
    match = _LEVEL.match(text)
    return match["level"] if match else ""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the server's main log (already redacted by the server)."""

    text: str
    level: str = ""


@dataclass(frozen=True, slots=True)
class LoginStart:
    """A login that started: open ``url``; for device flows show ``user_code`` at ``verification_url``."""

    url: str
    state: str
    user_code: str = ""
    verification_url: str = ""


@dataclass(frozen=True, slots=True)
class LoginStatus:
    """``status`` is wait, ok or error (then ``error`` says why)."""

    status: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class ModelTest:
    """The answer of an account test: time to first byte and to the end, or the error."""

    ok: bool
    ttft_ms: int | None
    latency_ms: int | None
    error: str = ""
    model: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """Setting values by their YAML key path (``port``, ``routing/strategy``, ``proxy-url`` …)."""

    values: dict[str, object] = field(default_factory=dict)

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)


def mask_secret(value: str) -> str:
    """``sk-ab…wxyz`` style: enough to recognise a key, never enough to use it."""
    if len(value) <= 8:
        return "•" * len(value)
    return f"{value[:4]}{'•' * 8}{value[-4:]}"
