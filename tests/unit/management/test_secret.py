"""bcrypt hashing and verification of the management secret (Go-compatible)."""

from __future__ import annotations

import pytest

from server.api.management.secret import SecretVerifier, hash_secret, is_hashed

GO_HASH = "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga"  # Go's test vector for "allmine"


@pytest.mark.parametrize(
    ("value", "hashed"),
    [
        (GO_HASH, True),
        ("$2b$10$abc", True),
        ("$2y$10$abc", True),
        ("$2x$10$abc", False),
        ("plain", False),
        ("", False),
    ],
)
def test_is_hashed(value: str, hashed: bool) -> None:
    assert is_hashed(value) is hashed


def test_hash_secret_writes_go_style_cost_10() -> None:
    hashed = hash_secret("s3cret")
    assert hashed.startswith("$2a$10$") and len(hashed) == 60


def test_hash_secret_refuses_more_than_72_bytes() -> None:
    with pytest.raises(ValueError):
        hash_secret("x" * 73)


@pytest.mark.parametrize(
    ("presented", "stored", "matches"),
    [
        ("allmine", GO_HASH, True),
        ("allmine ", GO_HASH, False),
        ("allmine", GO_HASH.replace("$2a$", "$2y$"), True),
        ("plain", "plain", True),
        ("plain", "Plain", False),
        ("x" * 80, GO_HASH, False),
        ("anything", "", False),
        ("anything", "$2a$broken", False),
    ],
    ids=[
        "go-hash",
        "go-hash-wrong",
        "2y",
        "plaintext",
        "plaintext-case",
        "too-long",
        "no-secret",
        "broken-hash",
    ],
)
async def test_verify(presented: str, stored: str, matches: bool) -> None:
    assert await SecretVerifier().verify(presented, stored) is matches


async def test_a_verified_key_is_remembered_but_others_are_still_checked() -> None:
    verifier = SecretVerifier()
    assert await verifier.verify("allmine", GO_HASH)
    assert await verifier.verify("allmine", GO_HASH)
    assert not await verifier.verify("allmine2", GO_HASH)
    assert await verifier.verify("allmine", GO_HASH)
