"""The management secret: bcrypt hashing (Go-compatible ``$2a$``) and constant-time verification."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

import bcrypt

__all__ = ["BCRYPT_COST", "SecretVerifier", "hash_secret", "is_hashed"]

log = logging.getLogger(__name__)

BCRYPT_COST = 10
"""The cost Go's bcrypt.DefaultCost uses."""
_PREFIXES = ("$2a$", "$2b$", "$2y$")


def is_hashed(secret: str) -> bool:
    """True when ``secret`` is already a bcrypt hash (as the original decides: by its prefix)."""
    return secret.startswith(_PREFIXES)


def hash_secret(secret: str) -> str:
    """A ``$2a$10$`` hash of ``secret`` (what Go writes); ValueError above bcrypt's 72-byte limit."""
    return bcrypt.hashpw(secret.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_COST, prefix=b"2a")).decode()


def _check(presented: str, stored: str) -> bool:
    if not is_hashed(stored):
        return hmac.compare_digest(presented.encode("utf-8"), stored.encode("utf-8"))
    try:
        return bcrypt.checkpw(presented.encode("utf-8"), stored.encode("ascii"))
    except ValueError:  # over 72 bytes, or a malformed hash
        return False


class SecretVerifier:
    """Checks keys against the stored secret; bcrypt runs off the event loop.

    A key that matched once is remembered as its SHA-256 digest for that hash, so a GUI polling the
    API does not pay ~70 ms of bcrypt per request; the digest is compared in constant time.
    """

    def __init__(self) -> None:
        self._verified: dict[str, bytes] = {}

    async def verify(self, presented: str, stored: str) -> bool:
        if not stored:
            return False
        digest = hashlib.sha256(presented.encode("utf-8")).digest()
        known = self._verified.get(stored)
        if known is not None and hmac.compare_digest(known, digest):
            return True
        matched = (
            await asyncio.to_thread(_check, presented, stored)
            if is_hashed(stored)
            else _check(presented, stored)
        )
        if matched:
            if len(self._verified) > 16:
                self._verified.clear()
            self._verified[stored] = digest
        return matched
