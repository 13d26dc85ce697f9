"""``sm2-sm3``: the national suite (GB/T 32918 SM2, GB/T 32905 SM3, GB/T 32907 SM4).

Libraries (docs/sm-suite.md says why; the primitives are never ours):

- SM2 signatures with the default signer id: ``tongsuopy`` (Tongsuo): the fastest verifier
  measured here, and a failed verification raises quietly (GmSSL writes an error trace to
  stderr on every failure, and a validator verifies whatever peers send).
- SM2 signatures with another signer id, and SM2 encryption: ``gmssl-pyx`` (GmSSL 3.2),
  the only one of the two that takes a signer id or encrypts. Its stderr trace on a failure
  is contained by calling it only after the cheap checks (lengths, ranges, the point on the
  curve); a well-formed but wrong signature or ciphertext still prints one.
- SM3 and SM4-GCM: ``cryptography`` (SM4-GCM in ``suites.boxes``, which is also this
  suite's secret box: the wallet's passphrase box on an SM chain).

Encodings (fixed widths, big-endian):

- private key: the scalar d, 32 bytes, 1 <= d <= n - 2 (GB/T 32918.1: (1 + d) is inverted).
- public key: the uncompressed point, 65 bytes ``04 || x || y``. Not the 33-byte compressed
  form: uncompressed is what GB/T 32918.1 (4.2.9), GM/T 0009 and X.509 SubjectPublicKeyInfo
  carry, it needs no square root to use (a validator parses every key it verifies with), and
  its length alone tells it from an Ed25519 key (32).
- signature: ``r || s``, 32 bytes each, 1 <= r, s <= n - 1. DER (what GmSSL, Tongsuo and
  OpenSSL write) is not a signature here: ``verify`` refuses anything but 64 bytes;
  ``signature_from_der`` converts one explicitly (strict DER, r and s in range).
- signer id: the ``ID_A`` hashed into Z (GB/T 32918.2, 5.5), 1 to 8191 bytes, by default
  ``1234567812345678`` (GM/T 0009): a suite made with one id refuses signatures made with
  another.
- sealed: ``C1 (65: 04 || x1 || y1) || C3 (32) || C2 (16) || nonce (12) || ciphertext ||
  tag (16)``: C1||C3||C2 is the SM2 encryption (GB/T 32918.4, in that order) of a fresh
  16-byte SM4 key, then SM4-GCM under that key with the 12-byte nonce, ``aad`` as GCM's
  associated data, a 16-byte tag. Overhead: 113 + 12 + 16 = 141 bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Final

import gmssl_pyx
from cryptography.hazmat.primitives import hashes
from tongsuopy.crypto import hashes as tongsuo_hashes
from tongsuopy.crypto.asymciphers import ec as tongsuo_ec
from tongsuopy.crypto.exceptions import InvalidSignature

from suites import der
from suites.base import (
    InvalidKeyError,
    SealError,
    SecretBox,
    Suite,
    SuiteError,
    SuiteKeyPair,
    are_bytes,
)
from suites.boxes import SM4_GCM, sm4_gcm_decrypt, sm4_gcm_encrypt
from suites.randomness import random_bytes

# The curve of GB/T 32918.5-2017 (sm2p256v1): y^2 = x^3 + ax + b over F_p, base point of
# prime order n.
P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

DEFAULT_SIGNER_ID: Final = b"1234567812345678"
"""The customary ID_A (GM/T 0009), the one every party uses unless agreed otherwise."""
SIGNER_ID_BYTES_MAX: Final = 8191
"""Z hashes ID_A's length in bits as two bytes: at most 65,535 bits."""

_COORDINATE_BYTES: Final = 32
_SM4_KEY_BYTES: Final = 16
_GCM_NONCE_BYTES: Final = 12
_GCM_TAG_BYTES: Final = 16
_C1_BYTES: Final = 1 + 2 * _COORDINATE_BYTES
_C3_BYTES: Final = 32
_SM2_CIPHERTEXT_BYTES: Final = _C1_BYTES + _C3_BYTES + _SM4_KEY_BYTES
"""C1 || C3 || C2 with a 16-byte C2 (the SM4 key): 113 bytes."""

_KEY_CACHE_MAX: Final = 1024
"""Parsed public keys kept for ``verify``; cleared whole when full (bounded memory)."""


def _openssl_sm3() -> Any:
    """An empty SM3 context of Python's own OpenSSL, copied for each hash, or None where that
    OpenSSL has no SM3. A copy costs half of a `cryptography` SM3 object (0.7 against
    1.4 us for 80 bytes here), and a validator hashes ~25 times a transaction (the tx hash,
    the state tree's nodes); the two agree (tests/unit/test_suites.py)."""
    try:
        return hashlib.new("sm3")
    except ValueError:
        return None


_SM3_CONTEXT: Final = _openssl_sm3()


def sm3_by_cryptography(data: bytes) -> bytes:
    """SM3 through `cryptography`: where Python's OpenSSL has none."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


_TONGSUO_SM2: Final[Any] = tongsuo_ec.ECDSA(tongsuo_hashes.SM3())
"""Tongsuo's name for SM2 signing on an SM2 key: e = SM3(Z || M) with the default id, then
SM2 (not ECDSA: the GB/T 32918.5 vector test shows it)."""


def is_on_curve(x: int, y: int) -> bool:
    """Whether (x, y) is a point of the curve with coordinates in [0, p): the cheap check
    made before a library sees a point."""
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _point(public_key: object) -> tuple[int, int] | None:
    """(x, y) of a 65-byte uncompressed public key on the curve, else None."""
    if not isinstance(public_key, bytes) or len(public_key) != _C1_BYTES or public_key[0] != 4:
        return None
    x = int.from_bytes(public_key[1:33], "big")
    y = int.from_bytes(public_key[33:], "big")
    return (x, y) if is_on_curve(x, y) else None


def _encode_point(x: int, y: int) -> bytes:
    return b"\x04" + x.to_bytes(_COORDINATE_BYTES, "big") + y.to_bytes(_COORDINATE_BYTES, "big")


def _scalar(private_key: object) -> int:
    if not isinstance(private_key, bytes) or len(private_key) != _COORDINATE_BYTES:
        raise InvalidKeyError("an SM2 private key is 32 bytes")
    d = int.from_bytes(private_key, "big")
    if not 1 <= d <= N - 2:
        raise InvalidKeyError("an SM2 private key is in [1, n - 2]")
    return d


def signature_to_der(signature: bytes) -> bytes:
    """A raw ``r || s`` signature as DER (for GmSSL, Tongsuo, OpenSSL)."""
    r_s = _r_s(signature)
    if r_s is None:
        raise SuiteError("an SM2 signature is r || s, 64 bytes, each in [1, n - 1]")
    return der.encode_signature(*r_s)


def signature_from_der(signature: bytes) -> bytes:
    """A DER SM2 signature (strict DER, r and s in [1, n - 1]) as ``r || s``; ``SuiteError``
    otherwise. ``verify`` takes only ``r || s``: this is the explicit way in for DER."""
    try:
        r, s = der.decode_signature(signature)
    except der.DerError as exc:
        raise SuiteError(f"not a DER SM2 signature: {exc}") from exc
    if not (1 <= r < N and 1 <= s < N):
        raise SuiteError("r or s of the SM2 signature is out of [1, n - 1]")
    return r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")


def _r_s(signature: object) -> tuple[int, int] | None:
    if not isinstance(signature, bytes) or len(signature) != 2 * _COORDINATE_BYTES:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    return (r, s) if 1 <= r < N and 1 <= s < N else None


class Sm2SigningKey:
    """An SM2 private key parsed once; signs with the suite's signer id."""

    __slots__ = ("_private_key", "_public_key", "_signer_id", "_tongsuo")

    def __init__(self, private_key: bytes, signer_id: bytes) -> None:
        d = _scalar(private_key)
        self._private_key = private_key
        self._signer_id = signer_id
        self._tongsuo: Any = tongsuo_ec.derive_private_key(d, tongsuo_ec.SM2())
        numbers = self._tongsuo.public_key().public_numbers()
        self._public_key = _encode_point(int(numbers.x), int(numbers.y))

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def sign(self, message: bytes) -> bytes:
        if self._signer_id == DEFAULT_SIGNER_ID:
            signature = bytes(self._tongsuo.sign(message, _TONGSUO_SM2))
        else:
            signature = bytes(
                gmssl_pyx.sm2_sign(
                    self._private_key, self._public_key[1:], message, signer_id=self._signer_id
                )
            )
        return signature_from_der(signature)


class Sm2Sm3Suite(Suite):
    """SM2 with a signer id, SM3, SM2 + SM4-GCM sealing: see the module docstring."""

    name: ClassVar[str] = "sm2-sm3"
    hash_name: ClassVar[str] = "sm3"
    private_key_bytes: ClassVar[int] = _COORDINATE_BYTES
    public_key_bytes: ClassVar[int] = _C1_BYTES
    signature_bytes: ClassVar[int] = 2 * _COORDINATE_BYTES
    seal_overhead_bytes: ClassVar[int] = _SM2_CIPHERTEXT_BYTES + _GCM_NONCE_BYTES + _GCM_TAG_BYTES
    secret_box: ClassVar[SecretBox] = SM4_GCM

    def __init__(self, signer_id: bytes = DEFAULT_SIGNER_ID) -> None:
        if not isinstance(signer_id, bytes) or not 1 <= len(signer_id) <= SIGNER_ID_BYTES_MAX:
            raise SuiteError(f"an SM2 signer id is 1 to {SIGNER_ID_BYTES_MAX} bytes")
        self.signer_id: Final = signer_id
        """ID_A, hashed into Z by every signature this suite makes and checks."""
        self._keys: dict[bytes, Any] = {}

    def __repr__(self) -> str:
        return f"<suite {self.name} signer id {self.signer_id!r}>"

    def hash(self, data: bytes) -> bytes:
        if _SM3_CONTEXT is not None:
            context = _SM3_CONTEXT.copy()
            context.update(data)
            digest: bytes = context.digest()
            return digest
        return sm3_by_cryptography(data)

    def signing_key(self, private_key: bytes) -> Sm2SigningKey:
        return Sm2SigningKey(private_key, self.signer_id)

    def is_public_key(self, public_key: bytes) -> bool:
        return _point(public_key) is not None

    def _tongsuo_key(self, public_key: bytes) -> Any:
        """Tongsuo's parsed key for a public key on the curve (cached), else None."""
        key = self._keys.get(public_key) if isinstance(public_key, bytes) else None
        if key is None:
            point = _point(public_key)
            if point is None:
                return None
            key = tongsuo_ec.EllipticCurvePublicNumbers(*point, tongsuo_ec.SM2()).public_key()
            if len(self._keys) >= _KEY_CACHE_MAX:
                self._keys.clear()
            self._keys[public_key] = key
        return key

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        # The cheap checks first (lengths, r and s in range, the point on the curve), so a
        # library only ever sees a well-formed key and signature.
        r_s = _r_s(signature)
        if r_s is None or not are_bytes(message):
            return False
        encoded = der.encode_signature(*r_s)
        try:
            if self.signer_id != DEFAULT_SIGNER_ID:
                if _point(public_key) is None:
                    return False
                return bool(
                    gmssl_pyx.sm2_verify(public_key[1:], message, encoded, signer_id=self.signer_id)
                )
            key = self._tongsuo_key(public_key)
            if key is None:
                return False
            key.verify(encoded, message, _TONGSUO_SM2)
        except InvalidSignature:
            return False
        except Exception:  # the contract: verify never raises, whatever a library does
            return False
        return True

    def generate_keypair(self) -> SuiteKeyPair:
        while True:  # Tongsuo draws d in [1, n - 1]; SM2 needs d <= n - 2 (about 2^-256 away)
            key: Any = tongsuo_ec.generate_private_key(tongsuo_ec.SM2())
            d = int(key.private_numbers().private_value)
            if d <= N - 2:
                break
        private_key = d.to_bytes(_COORDINATE_BYTES, "big")
        return SuiteKeyPair(private_key, self.public_key_from_private(private_key))

    def seal(self, recipient_public_key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        if _point(recipient_public_key) is None:
            raise InvalidKeyError("the recipient's key is not an SM2 public key (04 || x || y)")
        sm4_key = random_bytes(_SM4_KEY_BYTES)
        nonce = random_bytes(_GCM_NONCE_BYTES)
        x1, y1, c3, c2 = der.decode_sm2_ciphertext(
            bytes(gmssl_pyx.sm2_encrypt(recipient_public_key[1:], sm4_key))
        )
        if len(c3) != _C3_BYTES or len(c2) != _SM4_KEY_BYTES:
            raise SuiteError("GmSSL returned an SM2 ciphertext of unexpected size")
        return (
            _encode_point(x1, y1)
            + c3
            + c2
            + nonce
            + sm4_gcm_encrypt(sm4_key, nonce, plaintext, aad)
        )

    def open(self, private_key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
        _scalar(private_key)
        if not isinstance(sealed, bytes) or len(sealed) < self.seal_overhead_bytes:
            raise SealError("sealed bytes too short")
        c1, c3 = sealed[:_C1_BYTES], sealed[_C1_BYTES : _C1_BYTES + _C3_BYTES]
        c2 = sealed[_C1_BYTES + _C3_BYTES : _SM2_CIPHERTEXT_BYTES]
        nonce = sealed[_SM2_CIPHERTEXT_BYTES : _SM2_CIPHERTEXT_BYTES + _GCM_NONCE_BYTES]
        body_and_tag = sealed[_SM2_CIPHERTEXT_BYTES + _GCM_NONCE_BYTES :]
        point = _point(c1)
        if point is None:  # checked here so GmSSL never sees (nor prints about) a bad point
            raise SealError("C1 of the sealed bytes is not a point of the curve")
        try:
            sm4_key = bytes(
                gmssl_pyx.sm2_decrypt(private_key, der.encode_sm2_ciphertext(*point, c3, c2))
            )
        except gmssl_pyx.GmsslInnerError as exc:
            raise SealError("the sealed key does not open with this private key") from exc
        if len(sm4_key) != _SM4_KEY_BYTES:
            raise SealError("the sealed key is not an SM4 key")
        return sm4_gcm_decrypt(sm4_key, nonce, body_and_tag, aad)
