"""The Gemini CLI provider: Google Code Assist ``v1internal`` calls made with a Google account.

The body is the Gemini ``GenerateContent`` request wrapped as ``{"model", "project", "request"}``
and the answer comes back wrapped as ``{"response": …}`` (providers.md §2.4, translation.md §2.2).
The Gemini format's decoders accept that envelope, and ``always_translate`` makes the pipeline
go through them even for Gemini clients, so a client never sees the envelope.

Headers follow the later Gemini CLI (adopted, providers.md §2.4): ``User-Agent:
GeminiCLI/<version>/<model> (<os>; <arch>)``, the google-genai ``X-Goog-Api-Client``, no
``Client-Metadata`` on generate calls, and the client's own values are never forwarded (§1.5).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Mapping

from server.credential import Credential
from server.jsontypes import JSONObject
from server.modelinfo import ModelInfo
from server.providers.base import UpstreamCall, UpstreamRequest, WireFormat
from server.providers.gemini_api import gemini_method
from server.providers.google_models import gemini_cli_models
from server.providers.retry_hints import google_hint
from server.providers.wire import encode_body, with_custom_headers

__all__ = [
    "API_CLIENT",
    "CLI_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_SAFETY_SETTINGS",
    "PROVIDER",
    "GeminiCliProvider",
    "cli_user_agent",
    "code_assist_envelope",
    "project_of",
]

DEFAULT_BASE_URL = "https://cloudcode-pa.googleapis.com"
CLI_VERSION = "0.31.0"
API_CLIENT = "google-genai-sdk/1.41.0 gl-node/v22.19.0"

DEFAULT_SAFETY_SETTINGS: tuple[tuple[str, str], ...] = (
    ("HARM_CATEGORY_HARASSMENT", "OFF"),
    ("HARM_CATEGORY_HATE_SPEECH", "OFF"),
    ("HARM_CATEGORY_SEXUALLY_EXPLICIT", "OFF"),
    ("HARM_CATEGORY_DANGEROUS_CONTENT", "OFF"),
    ("HARM_CATEGORY_CIVIC_INTEGRITY", "BLOCK_NONE"),
)
"""Attached when a request has none (translation.md §2.1, §4.4: the CLI path sends them)."""

_DYNAMIC_THINKING_MODELS = ("gemini-3-pro-preview",)
_OS_NAMES = {"darwin": "darwin", "win32": "win32", "cygwin": "win32"}
_ARCH_NAMES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64", "i386": "ia32"}


def _node_platform() -> tuple[str, str]:
    """``(os, arch)`` as Node's ``process.platform`` / ``process.arch`` name them."""
    os_name = _OS_NAMES.get(sys.platform, "linux" if sys.platform.startswith("linux") else sys.platform)
    machine = platform.machine().lower()
    return os_name, _ARCH_NAMES.get(machine, machine or "x64")


def cli_user_agent(model: str, *, version: str = CLI_VERSION, os_arch: tuple[str, str] | None = None) -> str:
    """``GeminiCLI/<version>/<model> (<os>; <arch>)``, as the Gemini CLI sends it."""
    os_name, arch = os_arch or _node_platform()
    return f"GeminiCLI/{version}/{model} ({os_name}; {arch})"


def code_assist_envelope(body: JSONObject, model: str, project: str) -> JSONObject:
    """``{"model", "project", "request"}`` around a Gemini body (its ``model`` key removed).

    Default safety settings are added when the body has none, and ``gemini-3-pro-preview`` without
    a thinking config thinks dynamically with thoughts included (providers.md §2.4).
    """
    request = {k: v for k, v in body.items() if k not in ("model", "session_id")}
    if "safetySettings" not in request and "safety_settings" not in request:
        request["safetySettings"] = [{"category": c, "threshold": t} for c, t in DEFAULT_SAFETY_SETTINGS]
    if model.lower() in _DYNAMIC_THINKING_MODELS:
        config = request.get("generationConfig")
        config = dict(config) if isinstance(config, dict) else {}
        if "thinkingConfig" not in config and "thinking_config" not in config:
            config["thinkingConfig"] = {"thinkingBudget": -1, "includeThoughts": True}
            request["generationConfig"] = config
    return {"model": model, "project": project, "request": request}


def _count_envelope(body: JSONObject) -> JSONObject:
    """countTokens: ``{"request": …}`` without model, project or safety settings (§2.4)."""
    drop = ("model", "session_id", "safetySettings", "safety_settings")
    return {"request": {k: v for k, v in body.items() if k not in drop}}


class GeminiCliProvider:
    """Calls ``<base>/v1internal:<method>`` with the account's Bearer token and its project."""

    name = "gemini-cli"
    wire_format: WireFormat = "gemini"
    always_translate = True

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        version: str = CLI_VERSION,
        os_arch: tuple[str, str] | None = None,
    ) -> None:
        self._clock = clock
        self._version = version
        self._os_arch = os_arch

    def models(self, credential: Credential) -> list[ModelInfo]:
        return gemini_cli_models()

    def build_request(self, credential: Credential, call: UpstreamCall) -> UpstreamRequest:
        base = (credential.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        url = f"{base}/v1internal:{gemini_method(call)}"
        if call.action == "count_tokens":
            body = _count_envelope(call.body)
        else:
            body = code_assist_envelope(call.body, call.model, project_of(credential))
        stream = call.stream and call.action == "generate"
        token = credential.api_key or str(credential.metadata.get("access_token", ""))
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "User-Agent": cli_user_agent(call.model, version=self._version, os_arch=self._os_arch),
            "X-Goog-Api-Client": API_CLIENT,
            "Accept": "text/event-stream" if stream else "application/json",
        }
        headers = with_custom_headers(headers, credential.headers)
        return UpstreamRequest("POST", url, headers, encode_body(body), stream=stream)

    def retry_hint(self, status: int, body: bytes, headers: Mapping[str, str]) -> float | None:
        return google_hint(status, body, headers, self._clock())


def project_of(credential: Credential) -> str:
    """The Code Assist project a credential sends (one per credential; multi-project files split)."""
    project = credential.metadata.get("project_id", "")
    return project if isinstance(project, str) else ""


PROVIDER = GeminiCliProvider()
