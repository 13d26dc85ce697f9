"""Pseudonymous holder ids: what the chain knows about a citizen or enterprise wallet.

A holder id is derived from the wallet's Ed25519 public key with a domain-separated hash,
so it names the holder without revealing who they are, and only the holder of the matching
private key can sign as them.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

HOLDER_ID_PREFIX: Final = "hd"
"""Every holder id starts with these two letters."""

HOLDER_ID_HEX_LENGTH: Final = 40
"""Lowercase hex digits after the prefix (160 bits of the SHA-256 digest)."""

HOLDER_ID_DOMAIN: Final = b"trustledger/holder\x00"
"""Domain separator, so a holder id is never equal to another hash of the same key."""

_HOLDER_ID_RE: Final = re.compile(r"hd[0-9a-f]{40}")


def holder_id_for(public_key: bytes) -> str:
    """Return the holder id (pseudonym) of a wallet's Ed25519 public key."""
    digest = hashlib.sha256(HOLDER_ID_DOMAIN + public_key).hexdigest()
    return HOLDER_ID_PREFIX + digest[:HOLDER_ID_HEX_LENGTH]


def is_holder_id(s: str) -> bool:
    """Return whether ``s`` has the form of a holder id ("hd" + 40 lowercase hex digits)."""
    return isinstance(s, str) and _HOLDER_ID_RE.fullmatch(s) is not None
