"""Upstream providers: one module per provider, all satisfying the contract in ``base``.

Only the contract is re-exported here, so importing it stays cheap and cycle-free; look a
provider up with ``server.providers.registry.provider_for`` and build config credentials with
``server.providers.from_config.credentials_from_config``.
"""

from __future__ import annotations

from server.providers.base import Action, Provider, UpstreamCall, UpstreamRequest, WireFormat

__all__ = ["Action", "Provider", "UpstreamCall", "UpstreamRequest", "WireFormat"]
