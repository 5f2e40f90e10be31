"""JSON aliases shared by formats, providers and the pipeline."""

from __future__ import annotations

from typing import Any, TypeAlias

__all__ = ["JSON", "JSONObject"]

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, Any]
