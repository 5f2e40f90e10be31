"""Credential routing: model registry, credential pool, selection strategies and cooldowns (pure)."""

from __future__ import annotations

from server.routing.cooldown import ModelStatus
from server.routing.pool import AUTO_MODEL, Candidate, CredentialPool, CredentialState, PoolEntry
from server.routing.strategy import Strategy, parse_strategy

__all__ = [
    "AUTO_MODEL",
    "Candidate",
    "CredentialPool",
    "CredentialState",
    "ModelStatus",
    "PoolEntry",
    "Strategy",
    "parse_strategy",
]
