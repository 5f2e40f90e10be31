"""Fixtures for the usage tests: a fresh store per test and a factory of usage records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.usage.record import UsageRecord
from server.usage.store import UsageStore

RAW_KEY = "sk-raw-client-key-0123456789abcdef"
"""A client key that must never reach the database file."""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "usage.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[UsageStore]:
    s = UsageStore(db_path)
    yield s
    s.close()


@pytest.fixture
def make_record() -> Callable[..., UsageRecord]:
    """Build a UsageRecord: a successful 10+20 token attempt at t=1_700_000_000 unless overridden."""

    def make(**overrides: Any) -> UsageRecord:
        values: dict[str, Any] = {
            "timestamp": 1_700_000_000.0,
            "client_key": RAW_KEY,
            "provider": "claude",
            "credential_id": "claude:apikey:abc123",
            "credential_label": "claude key …wxyz",
            "requested_model": "claude-sonnet-4",
            "upstream_model": "claude-sonnet-4-20250514",
            "status": 200,
            "failed": False,
            "stream": False,
            "latency_ms": 120,
            "input_tokens": 10,
            "output_tokens": 20,
        }
        values.update(overrides)
        return UsageRecord(**values)

    return make


@pytest.fixture
def raw_key() -> str:
    return RAW_KEY
