"""The standard proxy: a ProxyService with the background parts a normal run uses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from starlette.middleware import Middleware

from server.api.management import ManagementComponent
from server.auth.runtime import AccountRuntime
from server.config.schema import Config
from server.config.watch import AuthDirWatcher, ConfigWatcher
from server.logsetup import LogsRuntime
from server.options import ServerOptions
from server.quota import QuotaRuntime
from server.request_log import RequestLogger, RequestLogMiddleware
from server.service import ProxyService
from server.usage.runtime import UsageRuntime

__all__ = ["build_service"]


def build_service(config: Config, *, config_path: Path | None, options: ServerOptions) -> ProxyService:
    """A service with every standard background part registered (in start order)."""
    # request logs: the capture runs inside the embedder's middleware, as in the original (server.md §2.1)
    request_logger = RequestLogger()
    options = dataclasses.replace(
        options, middleware=[*options.middleware, Middleware(RequestLogMiddleware, logger=request_logger)]
    )
    service = ProxyService(config, config_path=config_path, options=options)
    service.add_component(ManagementComponent())  # hashes a plaintext secret-key; feeds service.events
    service.add_component(LogsRuntime(request_logger))  # service.logs, main log file, size cap
    service.add_component(UsageRuntime())  # service.usage
    service.add_component(AccountRuntime())  # service.accounts: account files, token refresh, logins
    service.add_component(QuotaRuntime())  # quota windows from response headers and fetches
    # hot reload last, once everything that listens to config changes is running
    service.add_component(AuthDirWatcher())
    service.add_component(ConfigWatcher())
    return service
