"""Signing and verification behind small protocols, with Ed25519 implementations.

The replica only sees `Signer` and `Verifier`, so tests can substitute fast fakes and the node
can keep keys wherever it likes; the Ed25519 classes are the production implementations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import nacl.exceptions
import nacl.signing

from consensus.limits import (
    ED25519_PUBLIC_KEY_BYTES,
    ED25519_SEED_BYTES,
    ED25519_SIGNATURE_BYTES,
)

if TYPE_CHECKING:
    from consensus.validators import ValidatorSet


class Signer(Protocol):
    """Signs on behalf of one validator."""

    @property
    def id(self) -> str:
        """The validator id this signer signs for."""
        ...

    def sign(self, msg: bytes) -> bytes:
        """Return a signature over `msg`."""
        ...


class Verifier(Protocol):
    """Checks signatures of validators known to it."""

    def verify(self, validator_id: str, msg: bytes, signature: bytes) -> bool:
        """True only if `signature` is a valid signature of `msg` by `validator_id`."""
        ...


def verify_ed25519(public_key: bytes, msg: bytes, signature: bytes) -> bool:
    """Ed25519 verification that answers False instead of raising on malformed input."""
    if len(public_key) != ED25519_PUBLIC_KEY_BYTES or len(signature) != ED25519_SIGNATURE_BYTES:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(msg, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
        return False
    return True


class Ed25519Signer:
    """An Ed25519 key for one validator, derived from a 32-byte seed."""

    __slots__ = ("_id", "_key")

    def __init__(self, validator_id: str, seed32: bytes) -> None:
        if len(seed32) != ED25519_SEED_BYTES:
            raise ValueError(f"Ed25519 seed must be {ED25519_SEED_BYTES} bytes")
        self._id = validator_id
        self._key = nacl.signing.SigningKey(bytes(seed32))

    @property
    def id(self) -> str:
        return self._id

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key, as it appears in the validator set."""
        return bytes(self._key.verify_key)

    def sign(self, msg: bytes) -> bytes:
        signature: bytes = self._key.sign(msg).signature
        return signature


class Ed25519Verifier:
    """Verifies signatures against the public keys of a validator set."""

    __slots__ = ("_keys",)

    def __init__(self, validators: ValidatorSet) -> None:
        # Key objects are parsed once: verification happens for every received message.
        self._keys = {v.id: nacl.signing.VerifyKey(v.public_key) for v in validators.validators}

    def verify(self, validator_id: str, msg: bytes, signature: bytes) -> bool:
        key = self._keys.get(validator_id)
        if key is None or len(signature) != ED25519_SIGNATURE_BYTES:
            return False
        try:
            key.verify(msg, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
            return False
        return True
