"""Fast stand-ins for Ed25519, for the simulator only.

A signature is a keyed BLAKE2b hash of the message under the signer's secret; the public key is
a hash of the secret, and the verifier looks the secret up in a registry that only test code
can fill. Forging needs the secret, exactly as with real keys, but signing and verifying cost
about a microsecond instead of ~60 us, which is what makes thousands of seeds affordable.
"""

from __future__ import annotations

import hashlib
import hmac

from consensus.crypto import Ed25519Signer, Ed25519Verifier, Signer, Verifier

_SECRETS: dict[bytes, bytes] = {}
"""public key -> secret, for every fake key ever made (keys are derived from names, so the
registry is the same in every process and every run)."""


def _secret_for(validator_id: str, generation: int) -> bytes:
    return hashlib.sha256(f"sim-secret/{validator_id}/{generation}".encode()).digest()


class FakeSigner:
    """Signs with a keyed hash; `generation` > 0 is a rotated key of the same validator."""

    __slots__ = ("_secret", "id", "public_key")

    def __init__(self, validator_id: str, generation: int = 0) -> None:
        self.id = validator_id
        self._secret = _secret_for(validator_id, generation)
        self.public_key = hashlib.sha256(b"sim-public/" + self._secret).digest()
        _SECRETS[self.public_key] = self._secret

    def sign(self, msg: bytes) -> bytes:
        return hashlib.blake2b(msg, key=self._secret, digest_size=64).digest()


class FakeVerifier:
    """Checks FakeSigner signatures by public key; unknown keys never verify."""

    __slots__ = ()

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        secret = _SECRETS.get(public_key)
        if secret is None or len(signature) != 64:
            return False
        expected = hashlib.blake2b(msg, key=secret, digest_size=64).digest()
        return hmac.compare_digest(expected, signature)


def make_signer(validator_id: str, generation: int, *, real: bool) -> Signer:
    """A signer for one key of a validator: Ed25519 if `real`, else the fast fake."""
    if real:
        seed = hashlib.sha256(f"sim-ed25519/{validator_id}/{generation}".encode()).digest()
        return Ed25519Signer(validator_id, seed)
    return FakeSigner(validator_id, generation)


def make_verifier(*, real: bool) -> Verifier:
    return Ed25519Verifier() if real else FakeVerifier()
