"""The crypto suites a chain can be made with (issue 18), chosen at genesis by name.

``get_suite(name)`` is the way in; ``SUITES`` lists them. Each is a ``suites.base.Suite``:
hash, sign and verify, key generation, sealing, and a secret box (``suites.boxes``). This package is pure in the sense of
docs/architecture.md (no I/O, no clock; fresh randomness only in key generation and sealing),
so ``consensus/`` and ``contracts/`` may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from suites.base import (
    InvalidKeyError,
    SealError,
    SecretBox,
    SigningKey,
    Suite,
    SuiteError,
    SuiteKeyPair,
    UnknownSuiteError,
)
from suites.boxes import SECRET_BOXES, SM4_GCM, XSALSA20_POLY1305, get_secret_box
from suites.ed25519_sha256 import Ed25519Sha256Suite
from suites.sm2_sm3 import Sm2Sm3Suite

ED25519_SHA256: Final = Ed25519Sha256Suite()
"""The suite of every chain made before issue 18, and the default."""
SM2_SM3: Final = Sm2Sm3Suite()
"""The national suite, with the default SM2 signer id ``1234567812345678``."""

SUITES: Final[Mapping[str, Suite]] = MappingProxyType(
    {ED25519_SHA256.name: ED25519_SHA256, SM2_SM3.name: SM2_SM3}
)
"""Every suite by its genesis name."""

DEFAULT_SUITE_NAME: Final = ED25519_SHA256.name


def get_suite(name: str) -> Suite:
    """The suite called ``name``; ``UnknownSuiteError`` naming the known ones otherwise."""
    suite = SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise UnknownSuiteError(
            f"unknown crypto suite {name!r}: a chain's suite is one of {', '.join(SUITES)}"
        )
    return suite


__all__ = [
    "DEFAULT_SUITE_NAME",
    "ED25519_SHA256",
    "SECRET_BOXES",
    "SM2_SM3",
    "SM4_GCM",
    "SUITES",
    "XSALSA20_POLY1305",
    "Ed25519Sha256Suite",
    "InvalidKeyError",
    "SealError",
    "SecretBox",
    "SigningKey",
    "Sm2Sm3Suite",
    "Suite",
    "SuiteError",
    "SuiteKeyPair",
    "UnknownSuiteError",
    "get_secret_box",
    "get_suite",
]
