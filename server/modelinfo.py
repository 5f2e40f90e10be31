"""What is known about one model id: owner, limits and thinking range, for listings and clamps."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["ModelInfo", "ThinkingRange"]


@dataclass(frozen=True, slots=True)
class ThinkingRange:
    """Allowed thinking budget of a model (tokens)."""

    min: int = 0
    max: int = 0
    zero_allowed: bool = False
    dynamic_allowed: bool = False


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model as listed by ``/v1/models`` and ``/v1beta/models``."""

    id: str
    owned_by: str = ""
    created: int = 0
    type: str = ""
    display_name: str = ""
    description: str = ""
    version: str = ""
    context_length: int = 0
    max_completion_tokens: int = 0
    thinking: ThinkingRange | None = None
    generation_methods: tuple[str, ...] = ("generateContent",)

    def renamed(self, new_id: str) -> ModelInfo:
        """The same model listed under another id (aliases, prefixes)."""
        return replace(self, id=new_id)
