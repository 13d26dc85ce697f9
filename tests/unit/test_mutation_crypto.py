"""Ed25519 signing and verification edges found by mutation testing (issue 19,
docs/mutation.md): answers on malformed input, and the verifier's key cache as its docstring
promises it (validators' keys parsed once up front, other keys once on first use, at most
`_CACHE_MAX` kept).
"""

from __future__ import annotations

import hashlib

import nacl.signing
import pytest

from consensus.crypto import Ed25519Signer, Ed25519Verifier, verify_ed25519
from consensus.validators import Validator, ValidatorSet

MSG = b"message"


def signer(i: int) -> Ed25519Signer:
    return Ed25519Signer(f"v{i}", hashlib.sha256(b"seed" + bytes([i % 256, i // 256])).digest())


def test_a_signer_signs_for_its_validator_id() -> None:
    s = signer(1)
    assert s.id == "v1"
    assert verify_ed25519(s.public_key, MSG, s.sign(MSG)) is True


def test_verify_ed25519_answers_false_on_anything_but_a_valid_signature() -> None:
    s, other = signer(1), signer(2)
    sig = s.sign(MSG)
    assert verify_ed25519(s.public_key, MSG + b"!", sig) is False
    assert verify_ed25519(other.public_key, MSG, sig) is False
    assert verify_ed25519(s.public_key, MSG, sig[:-1] + bytes([sig[-1] ^ 1])) is False
    assert verify_ed25519(s.public_key, MSG, sig + b"\x00") is False
    assert verify_ed25519(s.public_key[:31], MSG, sig) is False
    assert verify_ed25519("k" * 32, MSG, sig) is False  # type: ignore[arg-type]


def test_keys_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    members = [signer(i) for i in range(4)]
    outsider = signer(9)
    signed = [(s.public_key, s.sign(MSG)) for s in [*members, outsider]]
    validators = ValidatorSet(tuple(Validator(s.id, s.public_key) for s in members))
    parsed: list[bytes] = []
    real_verify_key = nacl.signing.VerifyKey

    def counting_verify_key(key: bytes) -> nacl.signing.VerifyKey:
        parsed.append(bytes(key))
        return real_verify_key(key)

    monkeypatch.setattr(nacl.signing, "VerifyKey", counting_verify_key)
    verifier = Ed25519Verifier(validators)
    assert sorted(parsed) == sorted(s.public_key for s in members)  # up front
    for _ in range(3):
        for public_key, signature in signed:
            assert verifier.verify(public_key, MSG, signature) is True
    assert parsed.count(outsider.public_key) == 1  # on first use, then kept
    assert len(parsed) == len(members) + 1


def test_the_key_cache_never_holds_more_than_its_cap() -> None:
    verifier = Ed25519Verifier()
    cap = Ed25519Verifier._CACHE_MAX
    for i in range(cap + 3):
        s = signer(i)
        assert verifier.verify(s.public_key, MSG, s.sign(MSG)) is True
        assert len(verifier._keys) <= cap
