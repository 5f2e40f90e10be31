"""PKCE pairs and state values (RFC 7636, providers.md §1.4)."""

from __future__ import annotations

import re

import pytest

from server.auth.pkce import challenge_for, new_pkce, new_state


def test_the_rfc_7636_example_challenge() -> None:
    assert challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


@pytest.mark.parametrize(("size", "length"), [(96, 128), (32, 43)], ids=["codex-claude", "qwen"])
def test_verifier_length_and_alphabet(size: int, length: int) -> None:
    pair = new_pkce(size)
    assert len(pair.verifier) == length
    assert re.fullmatch(r"[A-Za-z0-9_-]+", pair.verifier)
    assert pair.challenge == challenge_for(pair.verifier)
    assert pair.method == "S256"
    assert pair.verifier not in repr(pair)


def test_randomness_is_injected() -> None:
    fixed = new_pkce(96, random_bytes=lambda n: b"\x01" * n)
    assert fixed == new_pkce(96, random_bytes=lambda n: b"\x01" * n)
    assert new_state(random_bytes=lambda n: bytes(range(n))) == "000102030405060708090a0b0c0d0e0f"


def test_state_is_32_lower_hex() -> None:
    states = {new_state() for _ in range(20)}
    assert len(states) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in states)
