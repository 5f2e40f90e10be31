"""PKCE (RFC 7636) verifier/challenge pairs and OAuth ``state`` values."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["PKCE", "challenge_for", "new_pkce", "new_state"]

RandomBytes = Callable[[int], bytes]


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def challenge_for(verifier: str) -> str:
    """The S256 challenge: base64url (no padding) of SHA-256 over the verifier's ASCII text."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class PKCE:
    """A verifier kept by the client and the challenge sent in the authorize URL."""

    verifier: str = field(repr=False)
    challenge: str
    method: str = "S256"


def new_pkce(size: int = 96, *, random_bytes: RandomBytes = secrets.token_bytes) -> PKCE:
    """A fresh pair: ``size`` random bytes as base64url (96 → the 128 characters Codex and Claude use,
    32 → Qwen's 43)."""
    verifier = _b64url(random_bytes(size))
    return PKCE(verifier=verifier, challenge=challenge_for(verifier))


def new_state(*, random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """16 random bytes as 32 lower-case hex characters (the original's state format)."""
    return random_bytes(16).hex()
