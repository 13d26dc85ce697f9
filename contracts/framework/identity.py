"""Pseudonymous holder ids: what the chain knows about a citizen or enterprise wallet.

A holder id is derived from the wallet's public key with a domain-separated hash, so it
names the holder without revealing who they are, and only the holder of the matching private
key can sign as them. Key and hash are the chain's suite's (docs/sm-suite.md): an Ed25519 key
and SHA-256 on an ``ed25519-sha256`` chain (every holder id made before suites), an SM2 key
and SM3 on an ``sm2-sm3`` one.
"""

from __future__ import annotations

import re
from typing import Final

from suites import Suite

HOLDER_ID_PREFIX: Final = "hd"
"""Every holder id starts with these two letters."""

HOLDER_ID_HEX_LENGTH: Final = 40
"""Lowercase hex digits after the prefix (the first 160 bits of the suite's digest)."""

HOLDER_ID_DOMAIN: Final = b"trustledger/holder\x00"
"""Domain separator, so a holder id is never equal to another hash of the same key."""

_HOLDER_ID_RE: Final = re.compile(r"hd[0-9a-f]{40}")


def holder_id_for(public_key: bytes, suite: Suite) -> str:
    """Return the holder id (pseudonym) of a wallet's public key on a chain of ``suite``.

    The suite is required: the same key names another holder under another hash, so a
    default would let an SM chain's holder ids be computed with SHA-256 by omission.
    """
    digest = suite.hash(HOLDER_ID_DOMAIN + public_key).hex()
    return HOLDER_ID_PREFIX + digest[:HOLDER_ID_HEX_LENGTH]


def is_holder_id(s: str) -> bool:
    """Return whether ``s`` has the form of a holder id ("hd" + 40 lowercase hex digits)."""
    return isinstance(s, str) and _HOLDER_ID_RE.fullmatch(s) is not None
