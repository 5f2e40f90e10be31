"""The Claude provider: Anthropic Messages for API keys and Claude Code OAuth accounts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from server.credential import Credential
from server.jsontypes import JSON, JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.catalog import models_for
from server.providers.retry_hints import anthropic_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "ANTHROPIC_VERSION",
    "CLAUDE_CODE_BETAS",
    "CLAUDE_CODE_HEADERS",
    "CLAUDE_CODE_SYSTEM",
    "DEFAULT_BASE_URL",
    "OAUTH_BETA",
    "PROVIDER",
    "ClaudeProvider",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
OAUTH_BETA = "oauth-2025-04-20"
CLAUDE_CODE_BETAS = (
    "claude-code-20250219",
    OAUTH_BETA,
    "interleaved-thinking-2025-05-14",
    "fine-grained-tool-streaming-2025-05-14",
)
CLAUDE_CODE_SYSTEM = "You are Claude Code, Anthropic's official CLI for Claude."
CLAUDE_CODE_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-App", "cli"),
    ("X-Stainless-Helper-Method", "stream"),
    ("X-Stainless-Retry-Count", "0"),
    ("X-Stainless-Runtime-Version", "v24.3.0"),
    ("X-Stainless-Package-Version", "0.55.1"),
    ("X-Stainless-Runtime", "node"),
    ("X-Stainless-Lang", "js"),
    ("X-Stainless-Arch", "arm64"),
    ("X-Stainless-Os", "MacOS"),
    ("X-Stainless-Timeout", "60"),
    ("User-Agent", "claude-cli/1.0.83 (external, cli)"),
)
"""What Claude Code sends; OAuth requests carry these (the client's own values when the client
is Claude Code itself)."""

# count_tokens accepts only the prompt-shaping fields; generation settings are rejected.
_COUNT_DROPS = (
    "stream",
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "stop_sequences",
    "metadata",
    "service_tier",
)


class ClaudeProvider:
    """Calls ``<base>/v1/messages?beta=true`` (and ``/v1/messages/count_tokens?beta=true``).

    API keys: ``x-api-key`` against https://api.anthropic.com, ``Authorization: Bearer`` against
    any other base. An API key works with any prompt, so the request stays the client's: no
    Claude Code system block, no OAuth beta, no Claude Code headers; only the client's
    ``anthropic-beta`` plus a body ``betas`` field are sent as betas.

    OAuth accounts: Bearer token, the Claude Code beta list (or the client's list with
    ``oauth-2025-04-20`` added), the Claude Code headers, and a system prompt whose first block
    is the Claude Code sentence (a string system prompt is kept as a second block — quirk Q5).
    A non-stream request from a client speaking another format goes upstream as a stream
    (``"stream": true``, SSE accepted) and the pipeline folds the answer (providers.md §5.4).
    """

    name = "claude"
    wire_format: WireFormat = "claude"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        claude_code_headers: Sequence[tuple[str, str]] = CLAUDE_CODE_HEADERS,
    ) -> None:
        self._clock = clock
        self._claude_code_headers = tuple(claude_code_headers)

    def models(self, credential: Credential) -> list[ModelInfo]:
        return models_for(credential, "claude", owned_by="claude", type_="claude")

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        base = (credential.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        counting = call.action == "count_tokens"
        stream = call.stream and not counting
        oauth = credential.kind == "oauth"
        upstream_stream = stream or (oauth and not counting and _foreign(call))
        url = f"{base}/v1/messages/count_tokens?beta=true" if counting else f"{base}/v1/messages?beta=true"

        body = dict(call.body)
        body["model"] = call.model
        body_betas = body.pop("betas", None)
        if counting:
            for key in _COUNT_DROPS:
                body.pop(key, None)
        elif upstream_stream:
            body["stream"] = True
        else:
            body.pop("stream", None)
        if oauth and (stream or not call.model.lower().startswith("claude-3-5-haiku")):
            body["system"] = _with_claude_code_system(body.get("system"))

        client = call.client_headers
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if upstream_stream else "application/json",
        }
        headers.update(_auth_headers(credential, base))
        headers["anthropic-version"] = client.get("anthropic-version") or ANTHROPIC_VERSION
        betas = _betas(client.get("anthropic-beta", ""), body_betas, oauth=oauth)
        if betas:
            headers["anthropic-beta"] = ",".join(betas)
        if oauth:
            from_claude_code = client.get("user-agent", "").startswith("claude-cli")
            for name, default in self._claude_code_headers:
                client_value = client.get(name.lower()) if from_claude_code else None
                headers[name] = client_value or default
        headers = with_custom_headers(headers, credential.headers)
        content = encode_body(body)
        return UpstreamRequest("POST", url, headers, content, stream=upstream_stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return anthropic_hint(status, body, headers, self._clock())


def _foreign(call: UpstreamCall) -> bool:
    """The client speaks another format than Anthropic Messages (its answer gets translated)."""
    return call.client_format is not None and call.client_format != "claude"


def _auth_headers(credential: Credential, base: str) -> dict[str, str]:
    if credential.kind == "oauth":
        token = credential.api_key or str(credential.metadata.get("access_token", ""))
        return {"Authorization": f"Bearer {token}"}
    if base == DEFAULT_BASE_URL:
        return {"x-api-key": credential.api_key}
    return {"Authorization": f"Bearer {credential.api_key}"}


def _betas(client_value: str, body_betas: JSON, *, oauth: bool) -> list[str]:
    """The ``anthropic-beta`` list: client's (or the OAuth default), then body ``betas``, deduped."""
    betas = _split(client_value.split(","))
    if oauth:
        if not betas:
            betas = list(CLAUDE_CODE_BETAS)
        elif not any("oauth" in b for b in betas):
            betas.append(OAUTH_BETA)
    if isinstance(body_betas, str):
        betas.extend(_split(body_betas.split(",")))
    elif isinstance(body_betas, list):
        betas.extend(_split(b for b in body_betas if isinstance(b, str)))
    return list(dict.fromkeys(betas))


def _split(values: Iterable[str]) -> list[str]:
    return [s for s in (v.strip() for v in values) if s]


def _with_claude_code_system(system: JSON) -> list[JSONObject]:
    """The system blocks with the Claude Code sentence first; the client's prompt follows it."""
    head: JSONObject = {"type": "text", "text": CLAUDE_CODE_SYSTEM}
    if isinstance(system, list):
        first = system[0] if system else None
        if (
            isinstance(first, dict)
            and first.get("type") == "text"
            and first.get("text") == CLAUDE_CODE_SYSTEM
        ):
            return system
        return [head, *system]
    if isinstance(system, str) and system:
        return [head, {"type": "text", "text": system}]
    return [head]


PROVIDER = ClaudeProvider()
