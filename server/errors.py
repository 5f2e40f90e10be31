"""The ProxyError tree: what went wrong, with what the HTTP edge needs to render it.

    ProxyError                    status, type, message, retry_after, headers
    ├── BadRequest                400 invalid_request_error (bad JSON, wrong field types)
    │   └── UnsupportedRoute      400/501: a client format the upstream cannot take yet
    ├── AuthenticationFailed      401 missing or invalid client API key
    ├── ModelNotFound             404 no credential serves the requested model
    ├── PayloadTooLarge           413 request body over the configured limit
    ├── ModelCooldown             429 every credential for the model is cooling down
    ├── NoCredential              503 credentials exist but none can be used right now
    └── UpstreamError             the upstream answered with a non-2xx status (body kept verbatim)
        └── UpstreamUnavailable   the upstream could not be reached / broke off (502, 504)

Rendering into each client API's own error body lives in ``server/api/error_bodies.py``.
Messages never contain a credential.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = [
    "AuthenticationFailed",
    "BadRequest",
    "ModelCooldown",
    "ModelNotFound",
    "NoCredential",
    "PayloadTooLarge",
    "ProxyError",
    "UnsupportedRoute",
    "UpstreamError",
    "UpstreamUnavailable",
    "format_go_duration",
]


_MAX_MESSAGE = 2000
"""Upstream bodies can be whole HTML pages; messages keep only their start."""


class ProxyError(Exception):
    """Base of every error the proxy reports to a client."""

    status: int = 500
    error_type: str = "api_error"
    code: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.retry_after = retry_after
        self.headers: dict[str, str] = dict(headers or {})

    def response_headers(self) -> dict[str, str]:
        """Headers the client should see with this error (Retry-After included)."""
        out = dict(self.headers)
        if self.retry_after is not None and self.retry_after > 0:
            out.setdefault("Retry-After", str(max(1, math.ceil(self.retry_after))))
        return out


class BadRequest(ProxyError):
    status = 400
    error_type = "invalid_request_error"


class UnsupportedRoute(BadRequest):
    status = 501
    code = "unsupported_translation"


class AuthenticationFailed(ProxyError):
    status = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class ModelNotFound(ProxyError):
    status = 404
    error_type = "not_found_error"
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(f"unknown provider for model {model}")
        self.model = model


class PayloadTooLarge(ProxyError):
    status = 413
    error_type = "request_too_large"


class ModelCooldown(ProxyError):
    """Every candidate credential for ``model`` is cooling down; ``retry_after`` says how long."""

    status = 429
    error_type = "rate_limit_error"
    code = "model_cooldown"

    def __init__(self, model: str, provider: str, reset_seconds: float) -> None:
        super().__init__(
            f"All credentials for model {model} are cooling down via provider {provider}",
            retry_after=max(1.0, reset_seconds),
        )
        self.model = model
        self.provider = provider
        self.reset_seconds = max(1, math.ceil(reset_seconds))

    def body(self) -> dict[str, dict[str, object]]:
        """The original's exact ``model_cooldown`` body."""
        return {
            "error": {
                "code": "model_cooldown",
                "message": self.message,
                "model": self.model,
                "reset_time": format_go_duration(self.reset_seconds),
                "reset_seconds": self.reset_seconds,
                "provider": self.provider,
            }
        }


class NoCredential(ProxyError):
    status = 503
    error_type = "api_error"
    code = "auth_unavailable"


class UpstreamError(ProxyError):
    """A non-2xx answer from the upstream; ``body`` is kept verbatim for the client."""

    error_type = "upstream_error"

    def __init__(
        self,
        status: int,
        body: bytes,
        *,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        text = body[:_MAX_MESSAGE].decode("utf-8", "replace").strip()
        super().__init__(
            text or f"upstream status {status}", status=status, retry_after=retry_after, headers=headers
        )
        self.body = body
        self.content_type = content_type


class UpstreamUnavailable(UpstreamError):
    """The upstream could not be reached, timed out or broke off mid-answer."""

    def __init__(self, message: str, *, status: int = 502) -> None:
        super().__init__(status, message.encode())
        self.content_type = "text/plain"


def format_go_duration(seconds: int) -> str:
    """Render whole seconds the way Go prints a duration (``1m30s``, ``2h0m0s``, ``45s``)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"
