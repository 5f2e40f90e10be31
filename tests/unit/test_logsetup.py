"""App logging: the redacting filter, the main log's rotation names and mode, the secrets of a service."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import pytest

from server.config import parse_config
from server.credential import Credential
from server.logsetup import MainLogHandler, RedactFilter, service_secrets

KEY = "sk-logsetup-secret-key-01"


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("x", logging.WARNING, __file__, 1, msg, args, info)


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        (f"literal {KEY}", ()),
        ("formatted %s", (KEY,)),
        ("query ?key=%s&alt=sse", (KEY,)),
        ("header Authorization: Bearer %s", (KEY,)),
    ],
    ids=["literal", "argument", "query", "bearer"],
)
def test_filter_masks_the_message(msg: str, args: tuple[object, ...]) -> None:
    record = _record(msg, *args)
    assert RedactFilter().filter(record)
    assert KEY not in record.getMessage() and "sk-l...y-01" in record.getMessage()
    assert record.request_id == "--------" and record.level == "warn"  # type: ignore[attr-defined]


def test_filter_masks_tracebacks() -> None:
    record = _record("failed", exc=True)
    RedactFilter().filter(record)
    assert record.exc_text is not None and KEY not in record.exc_text and "ValueError" in record.exc_text
    formatted = logging.Formatter().format(record)
    assert KEY not in formatted


def test_rotation_uses_the_original_names_and_private_files(tmp_path: Path) -> None:
    handler = MainLogHandler(tmp_path, max_bytes=200)
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        for i in range(12):
            handler.emit(_record(f"line {i:02d} " + "x" * 40))
    finally:
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "main.log" in names and len(names) >= 3
    rotated = [n for n in names if n != "main.log"]
    assert all(
        re.fullmatch(r"main-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}(-\d+)?\.log", n) for n in rotated
    )
    text = "".join((tmp_path / n).read_text(encoding="utf-8") for n in names)
    assert all(f"line {i:02d}" in text for i in range(12))
    if os.name == "posix":
        assert (tmp_path / "main.log").stat().st_mode & 0o777 == 0o600


def test_service_secrets_cover_config_and_credentials() -> None:
    config = parse_config(
        {
            "api-keys": ["client-key-000001"],
            "claude-api-key": [
                {"api-key": "sk-ant-config-0001", "headers": {"X-Api-Key": "header-key-0001"}}
            ],
            "remote-management": {"secret-key": "management-0001"},
        }
    )
    account = Credential(
        id="claude-a.json",
        provider="claude",
        provider_type="claude",
        kind="oauth",
        api_key="access-token-0001",
        metadata={"refresh_token": "refresh-token-0001", "email": "a@example.com", "type": "claude"},
    )
    secrets = service_secrets(config, (account,))
    text = " ".join(
        ["client-key-000001", "sk-ant-config-0001", "header-key-0001", "management-0001"]
        + ["access-token-0001", "refresh-token-0001"]
    )
    masked = secrets.redact(text)
    assert not any(word in masked for word in text.split())
    assert secrets.redact("a@example.com claude") == "a@example.com claude"
