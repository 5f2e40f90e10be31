"""One credential: an API key from config or an account file, as routing and providers see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Credential", "CredentialKind", "ModelMapping"]

CredentialKind = Literal["apikey", "oauth"]


@dataclass(frozen=True, slots=True)
class ModelMapping:
    """A model a credential serves under ``alias`` and sends upstream as ``name``."""

    name: str
    alias: str = ""

    @property
    def client_id(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class Credential:
    """Everything needed to route to and call one upstream account or key.

    ``provider`` is the provider key (``gemini``, ``claude``, ``codex``, ``vertex``, the lower-cased
    name of an ``openai-compatibility`` entry, later ``gemini-cli``, ``qwen`` ...); ``provider_type``
    names the provider module that executes it (``openai-compat`` for every compatible service).
    ``models`` empty means "the provider's built-in catalogue".
    """

    id: str
    provider: str
    provider_type: str
    kind: CredentialKind = "apikey"
    label: str = ""
    api_key: str = field(default="", repr=False)
    base_url: str = ""
    proxy_url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    prefix: str = ""
    priority: int = 0
    models: tuple[ModelMapping, ...] = ()
    excluded_models: tuple[str, ...] = ()
    disabled: bool = False
    metadata: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
