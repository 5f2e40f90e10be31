"""Management answers → gui.models: the account merge and status words, JSON narrowing, settings paths."""

from __future__ import annotations

import pytest
import yaml

from gui.models import ModelCooldown, log_level
from gui.wire import account_status, accounts_from, epoch, flatten, whole, yaml_text_with

NOW = 1_760_000_000.0


def _file(name: str, **extra: object) -> dict[str, object]:
    return {"name": name, "provider": "claude", "email": "ada@example.com", "status": "active", **extra}


def _credential(cid: str, **extra: object) -> dict[str, object]:
    return {"id": cid, "provider": "claude", "label": "ada@example.com", "kind": "oauth", **extra}


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, "ready"),
        ({"disabled": True, "refresh_error": "x"}, "disabled"),
        ({"loaded": False}, "invalid"),
        ({"file_error": True}, "invalid"),
        ({"file_error": True, "refresh_error": "revoked"}, "refresh_failed"),
        ({"expires_at": NOW - 1}, "expired"),
        ({"expires_at": NOW + 60, "cooling": True}, "cooling"),
    ],
    ids=["ready", "disabled wins", "not loaded", "bad file", "refresh failed", "expired", "cooling"],
)
def test_account_status(kwargs: dict[str, object], status: str) -> None:
    base: dict[str, object] = {
        "disabled": False,
        "loaded": True,
        "file_error": False,
        "refresh_error": "",
        "expires_at": None,
        "cooling": False,
        "now": NOW,
    }
    assert account_status(**{**base, **kwargs}) == status  # type: ignore[arg-type]


def test_accounts_from_merges_both_answers() -> None:
    files = {
        "files": [
            _file("claude-ada.json", expires_at="2099-01-01T00:00:00Z"),
            _file("gemini-bob.json", provider="gemini-cli", email="bob@example.com"),
            _file(
                "broken.json", provider="", type="codex", email="", status="error", status_message="bad json"
            ),
        ]
    }
    state = {
        "accounts": [
            _credential(
                "claude-ada.json",
                cooling=True,
                cooling_until=NOW + 300,
                priority=2,
                models=[{"model": "claude-x", "cooling_until": NOW + 300, "last_status": 429, "quota": True}],
                refresh={"last_refresh": NOW - 60, "expires_at": NOW + 3600, "error": ""},
            ),
            _credential("gemini-bob.json::proj-1", provider="gemini-cli", label="bob@example.com [proj-1]"),
            {
                "id": "claude-key-0",
                "provider": "claude",
                "label": "claude",
                "kind": "apikey",
                "disabled": True,
            },
        ]
    }
    accounts = {a.id: a for a in accounts_from(files, state, now=NOW)}
    ada = accounts["claude-ada.json"]
    assert (ada.status, ada.priority, ada.cooling_until, ada.expires_at) == (
        "cooling",
        2,
        NOW + 300,
        NOW + 3600,
    )
    assert ada.models == (ModelCooldown("claude-x", NOW + 300, 429, True, ""),)
    bob = accounts["gemini-bob.json::proj-1"]
    assert (bob.file_name, bob.email, bob.label) == (
        "gemini-bob.json",
        "bob@example.com",
        "bob@example.com [proj-1]",
    )
    key = accounts["claude-key-0"]
    assert (key.file_name, key.kind, key.status) == ("", "apikey", "disabled")
    broken = accounts["broken.json"]
    assert (broken.status, broken.provider, broken.last_error, broken.file_name) == (
        "invalid",
        "codex",
        "bad json",
        "broken.json",
    )
    assert [a.provider for a in accounts_from(files, state, now=NOW)] == [
        "claude",
        "claude",
        "codex",
        "gemini-cli",
    ]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, None),
        (12.5, 12.5),
        ("2099-01-01T00:00:00Z", 4070908800.0),
        ("soon", None),
        (True, None),
        (None, None),
    ],
    ids=["zero", "number", "rfc3339", "text", "bool", "none"],
)
def test_epoch(value: object, seconds: float | None) -> None:
    assert epoch(value) == seconds


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3), (2.6, 3), (True, 0), ("4", 0), (None, 0)],
    ids=["int", "float", "bool", "str", "none"],
)
def test_whole(value: object, number: int) -> None:
    assert whole(value) == number


def test_flatten_uses_key_paths() -> None:
    document = {"port": 1, "routing": {"strategy": "fill-first"}, "api-keys": ["a"], "empty": {}}
    assert flatten(document) == {"port": 1, "routing/strategy": "fill-first", "api-keys": ["a"], "empty": {}}


def test_yaml_text_with_sets_nested_keys() -> None:
    text = yaml_text_with("port: 1\nrouting: fill\n", "routing/strategy", "round-robin")
    assert yaml.safe_load(text) == {"port": 1, "routing": {"strategy": "round-robin"}}


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("[2025-10-09 10:00:00] [--------] [info ] [server.runner] started", "info"),
        ("[2025-10-09 10:00:00] [a1b2c3d4] [warn ] [x] y", "warn"),
        ("[2025-10-09 10:00:00] [a1b2c3d4] [error] [x] y", "error"),
        ('  File "x.py", line 1', ""),
    ],
    ids=["info", "warn", "error", "continuation"],
)
def test_log_level(line: str, level: str) -> None:
    assert log_level(line) == level
