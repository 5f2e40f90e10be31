"""The config.yaml schema: frozen dataclasses whose fields mirror the original's keys.

Every field carries its YAML key and a one-sentence description in its metadata (``setting``),
so one declaration drives loading, validation messages, the management API and the docs.
Defaults that the original leaves at zero (port, request-retry, max-retry-interval, auth-dir)
take the values of the original's example file instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AmpCode",
    "ApiKeyEntry",
    "ClaudeCloak",
    "ClaudeKey",
    "CodexKey",
    "Config",
    "GeminiKey",
    "ModelAlias",
    "OAuthModelAlias",
    "OpenAICompatibility",
    "PayloadFilter",
    "PayloadModel",
    "PayloadRule",
    "ProviderKey",
    "Payload",
    "QuotaExceeded",
    "RemoteManagement",
    "Routing",
    "Streaming",
    "TLS",
    "VertexKey",
    "setting",
]


def setting(key: str, doc: str, default: Any = None, *, factory: Any = None) -> Any:
    """Declare one config field: its YAML ``key``, a one-sentence ``doc`` and its default."""
    meta = {"key": key, "doc": doc}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


_FROZEN = {"frozen": True, "slots": True}


@dataclass(**_FROZEN)
class TLS:
    enable: bool = setting("enable", "Serve HTTPS instead of HTTP.", False)
    cert: str = setting("cert", "PEM certificate file used when TLS is enabled.", "")
    key: str = setting("key", "PEM private key file used when TLS is enabled.", "")


@dataclass(**_FROZEN)
class RemoteManagement:
    allow_remote: bool = setting(
        "allow-remote", "Allow non-loopback clients to use the management API.", False
    )
    secret_key: str = setting(
        "secret-key", "Management key (bcrypt-hashed on load); empty disables management.", ""
    )
    disable_control_panel: bool = setting(
        "disable-control-panel", "Do not serve the web control panel.", False
    )
    panel_github_repository: str = setting(
        "panel-github-repository", "Repository the web control panel is fetched from.", ""
    )


@dataclass(**_FROZEN)
class QuotaExceeded:
    switch_project: bool = setting(
        "switch-project",
        "On a quota error, move to another project of the same Google account first.",
        True,
    )
    switch_preview_model: bool = setting(
        "switch-preview-model",
        "On a quota error for a Gemini model, retry once with its preview variant.",
        True,
    )


@dataclass(**_FROZEN)
class Routing:
    strategy: str = setting(
        "strategy",
        "How a credential is picked: round-robin (spread) or fill-first (drain one first).",
        "round-robin",
    )


@dataclass(**_FROZEN)
class Streaming:
    keepalive_seconds: int = setting(
        "keepalive-seconds", "Send an SSE keep-alive comment every N seconds (0 = off).", 0
    )
    bootstrap_retries: int = setting(
        "bootstrap-retries",
        "Retry a stream on another credential if it fails before the first byte.",
        0,
    )


@dataclass(**_FROZEN)
class ModelAlias:
    name: str = setting("name", "Model id sent upstream.", "")
    alias: str = setting("alias", "Model id clients use (empty = same as name).", "")


@dataclass(**_FROZEN)
class OAuthModelAlias:
    name: str = setting("name", "Model id of the account's provider.", "")
    alias: str = setting("alias", "Model id clients use instead.", "")
    fork: bool = setting("fork", "Keep the original id listed as well as the alias.", False)


@dataclass(**_FROZEN)
class ProviderKey:
    """Fields every API-key entry (gemini, claude, codex, vertex) shares."""

    api_key: str = setting("api-key", "The provider's API key.", "")
    base_url: str = setting("base-url", "Upstream base URL (empty = the provider's own).", "")
    proxy_url: str = setting("proxy-url", "Outbound proxy for this key (or 'direct').", "")
    headers: dict[str, str] = setting("headers", "Extra upstream headers.", factory=dict)
    excluded_models: tuple[str, ...] = setting(
        "excluded-models", "Model patterns this key does not serve.", ()
    )
    models: tuple[ModelAlias, ...] = setting("models", "Model aliases served by this key.", ())
    prefix: str = setting("prefix", "Namespace: models also listed as <prefix>/<model>.", "")
    priority: int = setting("priority", "Higher is preferred.", 0)


@dataclass(**_FROZEN)
class GeminiKey(ProviderKey):
    """A Google AI Studio key (``gemini-api-key``)."""


@dataclass(**_FROZEN)
class ClaudeCloak:
    mode: str = setting(
        "mode", "Disguise requests as Claude Code: auto (non-Claude-Code clients), always, never.", "auto"
    )
    strict_mode: bool = setting(
        "strict-mode", "Stricter disguise (the original's strict-mode switch).", False
    )
    sensitive_words: tuple[str, ...] = setting(
        "sensitive-words", "Words hidden from the upstream while cloaking.", ()
    )


@dataclass(**_FROZEN)
class ClaudeKey(ProviderKey):
    """An Anthropic key (``claude-api-key``); with ``models`` it serves only those."""

    cloak: ClaudeCloak = setting("cloak", "Claude Code request disguise.", factory=ClaudeCloak)


@dataclass(**_FROZEN)
class CodexKey(ProviderKey):
    """An OpenAI key for the Responses API (``codex-api-key``); ``base-url`` is required."""


@dataclass(**_FROZEN)
class VertexKey(ProviderKey):
    """A Vertex-compatible key (``vertex-api-key``), sent as ``x-goog-api-key``."""


@dataclass(**_FROZEN)
class ApiKeyEntry:
    api_key: str = setting("api-key", "API key of the OpenAI-compatible service.", "")
    proxy_url: str = setting("proxy-url", "Outbound proxy for this key (or 'direct').", "")


@dataclass(**_FROZEN)
class OpenAICompatibility:
    name: str = setting("name", "Provider name; also usable as a '<name>://model' route.", "")
    base_url: str = setting("base-url", "Upstream base URL, e.g. https://openrouter.ai/api/v1.", "")
    api_key_entries: tuple[ApiKeyEntry, ...] = setting("api-key-entries", "One credential per entry.", ())
    models: tuple[ModelAlias, ...] = setting("models", "Models served (alias -> upstream name).", ())
    headers: dict[str, str] = setting("headers", "Extra upstream headers.", factory=dict)
    excluded_models: tuple[str, ...] = setting(
        "excluded-models", "Model patterns this provider does not serve.", ()
    )
    prefix: str = setting("prefix", "Namespace: models also listed as <prefix>/<model>.", "")
    priority: int = setting("priority", "Higher is preferred.", 0)


@dataclass(**_FROZEN)
class PayloadModel:
    name: str = setting("name", "Model glob ('*' wildcards, case-sensitive).", "")
    protocol: str = setting("protocol", "Only for this upstream format: openai, gemini, claude, codex.", "")


@dataclass(**_FROZEN)
class PayloadRule:
    models: tuple[PayloadModel, ...] = setting("models", "Models the rule applies to.", ())
    params: dict[str, Any] = setting(
        "params", "Dotted JSON path -> value (for *-raw rules: a JSON text).", factory=dict
    )


@dataclass(**_FROZEN)
class PayloadFilter:
    models: tuple[PayloadModel, ...] = setting("models", "Models the filter applies to.", ())
    params: tuple[str, ...] = setting("params", "Dotted JSON paths to delete.", ())


@dataclass(**_FROZEN)
class Payload:
    default: tuple[PayloadRule, ...] = setting("default", "Set these paths when the request lacks them.", ())
    default_raw: tuple[PayloadRule, ...] = setting(
        "default-raw", "Like default, values are raw JSON text.", ()
    )
    override: tuple[PayloadRule, ...] = setting("override", "Always set these paths.", ())
    override_raw: tuple[PayloadRule, ...] = setting(
        "override-raw", "Like override, values are raw JSON text.", ()
    )
    filter: tuple[PayloadFilter, ...] = setting("filter", "Delete these paths.", ())


@dataclass(**_FROZEN)
class AmpCode:
    upstream_url: str = setting("upstream-url", "Amp upstream URL.", "")
    upstream_api_key: str = setting("upstream-api-key", "Amp upstream API key.", "")
    restrict_management_to_localhost: bool = setting(
        "restrict-management-to-localhost", "Amp management routes only from loopback.", True
    )
    model_mappings: tuple[dict[str, Any], ...] = setting(
        "model-mappings", "Amp model fallbacks (from -> to).", ()
    )
    force_model_mappings: bool = setting(
        "force-model-mappings", "Apply Amp model mappings before local availability.", False
    )
    upstream_api_keys: tuple[dict[str, Any], ...] = setting(
        "upstream-api-keys", "Client key -> Amp upstream key.", ()
    )


@dataclass(**_FROZEN)
class Config:
    host: str = setting("host", "Bind address ('' = all interfaces).", "127.0.0.1")
    port: int = setting("port", "Listen port.", 8317)
    tls: TLS = setting("tls", "HTTPS settings.", factory=TLS)
    remote_management: RemoteManagement = setting(
        "remote-management", "Management API access.", factory=RemoteManagement
    )
    auth_dir: str = setting("auth-dir", "Directory of account credential files.", "~/.cli-proxy-api")
    api_keys: tuple[str, ...] = setting(
        "api-keys", "Client API keys accepted by the proxy (empty = no authentication).", ()
    )
    debug: bool = setting("debug", "Debug logging.", False)
    logging_to_file: bool = setting("logging-to-file", "Write the app log to rotating files.", False)
    logs_max_total_size_mb: int = setting(
        "logs-max-total-size-mb", "Delete the oldest log files above this total (0 = off).", 0
    )
    error_logs_max_files: int = setting(
        "error-logs-max-files", "How many request-error log files are kept.", 10
    )
    usage_statistics_enabled: bool = setting(
        "usage-statistics-enabled", "Record token usage per request.", True
    )
    usage_retention_days: int = setting(
        "usage-retention-days", "Delete usage statistics older than this many days (0 = keep forever).", 0
    )
    disable_cooling: bool = setting(
        "disable-cooling", "No backoff cooldown on a 429 without a retry hint.", False
    )
    request_retry: int = setting(
        "request-retry", "Extra rounds over the credentials after a round failed.", 3
    )
    max_retry_interval: int = setting(
        "max-retry-interval", "Longest cooldown (seconds) worth waiting for before a retry round.", 30
    )
    quota_exceeded: QuotaExceeded = setting(
        "quota-exceeded", "What to do when an account hits its quota.", factory=QuotaExceeded
    )
    ws_auth: bool = setting("ws-auth", "Require a client key on the WebSocket relay.", False)
    proxy_url: str = setting("proxy-url", "Outbound proxy for all upstream calls.", "")
    request_log: bool = setting("request-log", "Write one log file per proxied request.", False)
    commercial_mode: bool = setting(
        "commercial-mode", "Disable request/error logging entirely (restart needed).", False
    )
    force_model_prefix: bool = setting(
        "force-model-prefix", "Prefixed credentials serve only '<prefix>/<model>' ids.", False
    )
    passthrough_headers: bool = setting(
        "passthrough-headers", "Relay upstream response headers (rate limits etc.) to clients.", False
    )
    nonstream_keepalive_interval: int = setting(
        "nonstream-keepalive-interval",
        "Write a newline every N seconds while a non-stream answer is pending (0 = off).",
        0,
    )
    routing: Routing = setting("routing", "Credential selection.", factory=Routing)
    streaming: Streaming = setting("streaming", "Streaming behaviour.", factory=Streaming)
    gemini_api_key: tuple[GeminiKey, ...] = setting("gemini-api-key", "Gemini API keys.", ())
    claude_api_key: tuple[ClaudeKey, ...] = setting("claude-api-key", "Claude API keys.", ())
    codex_api_key: tuple[CodexKey, ...] = setting("codex-api-key", "OpenAI/Codex API keys.", ())
    vertex_api_key: tuple[VertexKey, ...] = setting("vertex-api-key", "Vertex-compatible API keys.", ())
    openai_compatibility: tuple[OpenAICompatibility, ...] = setting(
        "openai-compatibility", "OpenAI-compatible services (OpenRouter, ...).", ()
    )
    oauth_excluded_models: dict[str, tuple[str, ...]] = setting(
        "oauth-excluded-models", "Per provider, model patterns accounts do not serve.", factory=dict
    )
    oauth_model_alias: dict[str, tuple[OAuthModelAlias, ...]] = setting(
        "oauth-model-alias", "Per provider, model renames for accounts.", factory=dict
    )
    oauth_endpoints: dict[str, dict[str, str]] = setting(
        "oauth-endpoints",
        "Per account provider, URLs that replace its built-in ones (authorize, token, upstream …).",
        factory=dict,
    )
    payload: Payload = setting("payload", "Rules that edit upstream request bodies.", factory=Payload)
    ampcode: AmpCode = setting("ampcode", "Amp CLI integration.", factory=AmpCode)
    extra: dict[str, Any] = field(default_factory=dict, metadata={"key": "", "doc": "Unknown keys."})
