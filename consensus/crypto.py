"""Signing and verification behind small protocols, implemented by the chain's crypto suite.

The replica only sees `Signer` and `Verifier`, so tests can substitute fast fakes and the node
can keep keys wherever it likes. In production both come from the one suite chosen at genesis
(issue 18): a `SuiteSigner` is the suite's signing key plus the validator id, and the suite
itself is the `Verifier` (`suites.base.Suite.verify` has its shape and never raises).
`Ed25519Signer` and `Ed25519Verifier` are the `ed25519-sha256` suite's, kept as the
convenient signer and verifier of the many tests that sign with a seed.
Verification is by public key, not by validator id: the key of a validator depends on the
height (keys rotate through validator-set changes), and the replica looks it up in the
`ValidatorSchedule` before asking the verifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import nacl.exceptions
import nacl.signing

from consensus.limits import VALIDATORS_MAX
from suites import ED25519_SHA256, Suite

ED25519_PUBLIC_KEY_BYTES = ED25519_SHA256.public_key_bytes
ED25519_SEED_BYTES = ED25519_SHA256.private_key_bytes
ED25519_SIGNATURE_BYTES = ED25519_SHA256.signature_bytes

if TYPE_CHECKING:
    from consensus.validators import ValidatorSet


class Signer(Protocol):
    """Signs on behalf of one validator."""

    @property
    def id(self) -> str:
        """The validator id this signer signs for."""
        ...

    @property
    def public_key(self) -> bytes:
        """The public key matching this signer's key, as listed in a validator set."""
        ...

    def sign(self, msg: bytes) -> bytes:
        """Return a signature over `msg`."""
        ...


class Verifier(Protocol):
    """Checks signatures by public key."""

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        """True only if `signature` is a valid signature of `msg` under `public_key`; never
        raises on malformed keys or signatures."""
        ...


def verify_ed25519(public_key: bytes, msg: bytes, signature: bytes) -> bool:
    """Ed25519 verification that answers False instead of raising on malformed input: for
    tests and tools of Ed25519 chains (the node verifies with its chain's suite)."""
    return _ANY_KEY.verify(public_key, msg, signature)


class SuiteSigner:
    """One validator's key in its chain's suite: the suite's signing key (parsed once) and the
    validator id it signs for."""

    __slots__ = ("_id", "_key")

    def __init__(self, validator_id: str, suite: Suite, private_key: bytes) -> None:
        """`suites.InvalidKeyError` (a ValueError) if `private_key` is not one of `suite`'s."""
        self._id = validator_id
        self._key = suite.signing_key(bytes(private_key))

    @property
    def id(self) -> str:
        return self._id

    @property
    def public_key(self) -> bytes:
        """The public key in the suite's encoding, as it appears in the validator set."""
        return self._key.public_key

    def sign(self, msg: bytes) -> bytes:
        return self._key.sign(msg)


class Ed25519Signer(SuiteSigner):
    """A validator's `ed25519-sha256` key from its 32-byte seed (the tests' signer)."""

    __slots__ = ()

    def __init__(self, validator_id: str, seed32: bytes) -> None:
        if len(seed32) != ED25519_SEED_BYTES:
            raise ValueError(f"Ed25519 seed must be {ED25519_SEED_BYTES} bytes")
        super().__init__(validator_id, ED25519_SHA256, seed32)


class Ed25519Verifier:
    """Verifies Ed25519 signatures, keeping parsed keys for the validators it has seen: the
    tests' verifier (a node verifies with its chain's suite, `ED25519_SHA256` on such a chain).

    `validators`, if given, are parsed up front; other keys are parsed on first use and cached,
    at most `_CACHE_MAX` of them (a peer cannot grow the cache: the replica only asks about keys
    of validator sets it trusts).
    """

    __slots__ = ("_keys",)

    _CACHE_MAX = 4 * VALIDATORS_MAX

    def __init__(self, validators: ValidatorSet | None = None) -> None:
        self._keys: dict[bytes, nacl.signing.VerifyKey] = {}
        if validators is not None:
            for v in validators.validators:
                self._keys[v.public_key] = nacl.signing.VerifyKey(v.public_key)

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        if len(public_key) != ED25519_PUBLIC_KEY_BYTES or len(signature) != ED25519_SIGNATURE_BYTES:
            return False
        key = self._keys.get(public_key)
        if key is None:
            if len(self._keys) >= self._CACHE_MAX:
                self._keys.clear()
            try:
                key = nacl.signing.VerifyKey(bytes(public_key))
            except (nacl.exceptions.CryptoError, ValueError, TypeError):
                return False
            self._keys[bytes(public_key)] = key
        try:
            key.verify(msg, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError):
            return False
        return True


_ANY_KEY = Ed25519Verifier()
"""Verifies for `verify_ed25519`, keeping the keys it parsed (bounded, see the class)."""
