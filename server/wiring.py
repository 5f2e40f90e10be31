"""The standard proxy: a ProxyService with the background parts a normal run uses."""

from __future__ import annotations

from pathlib import Path

from server.config.schema import Config
from server.options import ServerOptions
from server.service import ProxyService

__all__ = ["build_service"]


def build_service(config: Config, *, config_path: Path | None, options: ServerOptions) -> ProxyService:
    """A service with every standard background part registered (in start order)."""
    service = ProxyService(config, config_path=config_path, options=options)
    return service
