"""One running proxy: live state, HTTP clients, pipeline, and the background parts started with it.

Background parts (usage recorder, config and auth-dir watchers, token refresher …) are
``ServiceComponent``s: started in the order they were added when the server starts, stopped in
reverse order when it stops. Config changes reach every part through ``apply_config``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from server.config.save import sweep_temp_files
from server.config.schema import Config
from server.events import EventBus
from server.http import HttpClients
from server.options import ServerOptions
from server.pipeline import Pipeline
from server.state import ProxyState
from server.tasks import TaskGroup

if TYPE_CHECKING:
    from server.auth.runtime import AccountRuntime
    from server.logfiles import LogFiles
    from server.usage.runtime import UsageRuntime

__all__ = ["ProxyService", "ServiceComponent"]

log = logging.getLogger(__name__)


class ServiceComponent(Protocol):
    """A background part of the service."""

    async def start(self, service: ProxyService) -> None: ...

    async def stop(self) -> None: ...


ConfigListener = Callable[[Config, Config], None]
"""Called with (old, new) after a new config became live."""


class ProxyService:
    """Owns the proxy's live objects; the HTTP app and the management API read them from here."""

    def __init__(
        self,
        config: Config,
        *,
        config_path: Path | None = None,
        options: ServerOptions | None = None,
    ) -> None:
        self.options = options or ServerOptions()
        self.config_path = config_path
        self.state = ProxyState(config)
        self.clients = HttpClients()
        self.pipeline = Pipeline(self.state, self.clients, usage_sinks=self.options.usage_sinks)
        self.tasks = TaskGroup()
        self.events = EventBus()
        """State changes for the management event stream (config, credentials, cooldowns, usage)."""
        self.accounts: AccountRuntime | None = None
        """Account files, refreshes and logins; set by the AccountRuntime component when it starts."""
        self.usage: UsageRuntime | None = None
        """The usage store, recorder and queries; set by the UsageRuntime component when it starts."""
        self.logs: LogFiles | None = None
        """The log files; set by the LogsRuntime component when it starts."""
        self._components: list[ServiceComponent] = []
        self._config_listeners: list[ConfigListener] = []
        self._started = False

    @property
    def config(self) -> Config:
        return self.state.config

    def add_component(self, component: ServiceComponent) -> None:
        """Register a background part; must be called before the service starts."""
        if self._started:
            raise RuntimeError("components must be added before the service starts")
        self._components.append(component)

    def on_config_change(self, listener: ConfigListener) -> None:
        self._config_listeners.append(listener)

    def apply_config(self, config: Config) -> None:
        """Make ``config`` live for new requests; in-flight requests keep the objects they hold."""
        old = self.state.config
        self.state.apply_config(config)
        for listener in list(self._config_listeners):
            try:
                listener(old, config)
            except Exception:
                log.exception("config listener failed")

    async def start(self) -> None:
        self._started = True
        if self.config_path is not None:  # temp files of a save cut short by a crash
            sweep_temp_files(self.config_path.parent, self.config_path.name)
        for component in self._components:
            await component.start(self)

    async def stop(self) -> None:
        for component in reversed(self._components):
            try:
                await component.stop()
            except Exception:
                log.exception("stopping %s failed", type(component).__name__)
        await self.tasks.aclose()
        await self.clients.aclose()
