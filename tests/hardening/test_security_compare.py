"""Key checks use constant-time comparison on every path (the code path is checked, not timing)."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable

import bcrypt
import pytest
from starlette.requests import Request

from server.api.keys import authenticate
from server.api.management.auth import ManagementGuard, Secrets
from server.api.management.secret import SecretVerifier, hash_secret
from server.errors import AuthenticationFailed

Calls = list[tuple[bytes, bytes]]


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Every hmac.compare_digest call (the real one still answers)."""
    calls: Calls = []
    real = hmac.compare_digest

    def spy(a: bytes | str, b: bytes | str) -> bool:
        calls.append((a if isinstance(a, bytes) else a.encode(), b if isinstance(b, bytes) else b.encode()))
        return real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def request(headers: dict[str, str], query: str = "") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request(
        {"type": "http", "method": "POST", "path": "/", "headers": raw, "query_string": query.encode()}
    )


@pytest.mark.parametrize("position", [0, 1, 2])
def test_client_keys_are_all_compared_in_constant_time(compared: Calls, position: int) -> None:
    accepted = ["sk-aaa", "sk-bbb", "sk-ccc"]
    presented = {"Authorization": f"Bearer {accepted[position]}", "x-api-key": "sk-nope"}
    assert authenticate(request(presented), accepted) == accepted[position]
    # every presented key against every accepted key: the time does not depend on which one matched
    assert len(compared) == 2 * 3
    assert {(a, b) for a, b in compared} >= {(accepted[position].encode(), accepted[position].encode())}


def test_a_wrong_client_key_is_compared_against_every_key(compared: Calls) -> None:
    with pytest.raises(AuthenticationFailed):
        authenticate(request({"x-api-key": "sk-aab"}), ["sk-aaa", "sk-bbb"])
    assert len(compared) == 2


@pytest.mark.parametrize(
    ("secrets", "key"),
    [
        (Secrets(local_key="local-key-123"), "local-key-123"),
        (Secrets(env_password="env-password-1"), "env-password-1"),
        (Secrets(secret="plain-secret-1"), "plain-secret-1"),
    ],
    ids=["local-key", "env-password", "plaintext-secret"],
)
def test_management_keys_use_compare_digest(compared: Calls, secrets: Secrets, key: str) -> None:
    guard = ManagementGuard()
    assert asyncio.run(guard.check("127.0.0.1", key, secrets)) is None
    assert (key.encode(), key.encode()) in compared
    assert asyncio.run(guard.check("127.0.0.1", key + "x", secrets)) is not None


def test_a_hashed_secret_goes_through_bcrypt_then_a_constant_time_cache(
    compared: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = hash_secret("hashed-secret-1")
    checked: list[bytes] = []
    real: Callable[[bytes, bytes], bool] = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(password)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    verifier = SecretVerifier()
    assert asyncio.run(verifier.verify("hashed-secret-1", stored))
    assert checked == [b"hashed-secret-1"]
    assert compared == []
    assert asyncio.run(verifier.verify("hashed-secret-1", stored))  # the remembered digest
    assert checked == [b"hashed-secret-1"] and len(compared) == 1
    assert not asyncio.run(verifier.verify("hashed-secret-2", stored))
    assert checked[-1] == b"hashed-secret-2"
