"""What an embedder can plug into the server: middleware, routes, app hooks, usage sinks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from server.usage.record import UsageSink

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import BaseRoute

__all__ = ["ServerOptions"]


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Hooks of the embedding API (the Python analogue of the original's Go SDK builder).

    ``middleware`` wraps every route, after CORS; ``routes`` are added after the built-in client
    routes; ``configure_app`` is called with the finished Starlette app; ``usage_sinks`` receive
    every usage record; ``on_started`` / ``on_stopped`` run on the server loop.
    ``local_management_key`` is an ephemeral management key accepted from loopback clients only; it
    enables the management API even without a secret-key (an embedded GUI, ``-password``).
    ``keepalive_timeout`` > 0 (the CLI's ``-password`` only, never the GUI) registers ``GET /keep-alive``
    and stops the server when no ping with ``local_management_key`` came for that many seconds.
    """

    middleware: Sequence[Middleware] = ()
    routes: Sequence[BaseRoute] = ()
    configure_app: Callable[[Starlette], None] | None = None
    usage_sinks: Sequence[UsageSink] = ()
    on_started: Callable[[], None] | None = None
    on_stopped: Callable[[], None] | None = None
    body_limit: int = field(default=64 * 1024 * 1024)
    local_management_key: str = field(default="", repr=False)
    keepalive_timeout: float = 0.0

    def __post_init__(self) -> None:
        if self.keepalive_timeout > 0 and not self.local_management_key:
            raise ValueError("keepalive_timeout needs a local_management_key (the keep-alive password)")
