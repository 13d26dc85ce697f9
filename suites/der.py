"""The little DER the SM2 suite needs: ECDSA-style signatures and GM/T 0009 SM2 ciphertexts.

The libraries speak DER (GmSSL and Tongsuo read and write a signature as
``SEQUENCE { INTEGER r, INTEGER s }`` and an SM2 ciphertext as
``SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }``), while the chain
keeps fixed-width bytes (r||s, and C1||C3||C2 as GB/T 32918.4 writes them). The decoders are
strict: definite minimal lengths, minimal non-negative INTEGERs, nothing after the SEQUENCE;
anything else raises ``DerError``. No cryptography here, only framing.
"""

from __future__ import annotations

from typing import Final

_SEQUENCE: Final = 0x30
_INTEGER: Final = 0x02
_OCTET_STRING: Final = 0x04
_LENGTH_BYTES_MAX: Final = 2
"""Long-form lengths of at most two bytes (65,535): far beyond what the suite encodes."""


class DerError(ValueError):
    """Bytes that are not the strict DER expected."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(body) > _LENGTH_BYTES_MAX:
        raise DerError("length too large")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def encode_integer(value: int) -> bytes:
    """A non-negative INTEGER, minimally encoded (a 0x00 byte before a high bit)."""
    if value < 0:
        raise DerError("negative INTEGER")
    body = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if body[0] & 0x80:
        body = b"\x00" + body
    return _tlv(_INTEGER, body)


def encode_octets(value: bytes) -> bytes:
    return _tlv(_OCTET_STRING, value)


def encode_sequence(*items: bytes) -> bytes:
    return _tlv(_SEQUENCE, b"".join(items))


def _read(data: bytes, at: int, tag: int) -> tuple[bytes, int]:
    """The value of the element of type ``tag`` at ``at``, and where the next one starts."""
    if at + 2 > len(data) or data[at] != tag:
        raise DerError(f"expected tag {tag:#04x}")
    first = data[at + 1]
    at += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > _LENGTH_BYTES_MAX or at + count > len(data):
            raise DerError("bad length")
        raw = data[at : at + count]
        length = int.from_bytes(raw, "big")
        if raw[0] == 0 or length < 0x80:
            raise DerError("non-minimal length")
        at += count
    if at + length > len(data):
        raise DerError("truncated")
    return data[at : at + length], at + length


def _integer(value: bytes) -> int:
    if not value:
        raise DerError("empty INTEGER")
    if value[0] & 0x80:
        raise DerError("negative INTEGER")
    if len(value) > 1 and value[0] == 0 and not value[1] & 0x80:
        raise DerError("non-minimal INTEGER")
    return int.from_bytes(value, "big")


def _sequence(data: bytes) -> bytes:
    body, end = _read(data, 0, _SEQUENCE)
    if end != len(data):
        raise DerError("bytes after the SEQUENCE")
    return body


def encode_signature(r: int, s: int) -> bytes:
    """``SEQUENCE { INTEGER r, INTEGER s }``."""
    return encode_sequence(encode_integer(r), encode_integer(s))


def decode_signature(data: bytes) -> tuple[int, int]:
    """(r, s) of a DER signature; ``DerError`` unless it is exactly that SEQUENCE."""
    body = _sequence(data)
    r, at = _read(body, 0, _INTEGER)
    s, at = _read(body, at, _INTEGER)
    if at != len(body):
        raise DerError("extra elements in the signature")
    return _integer(r), _integer(s)


def encode_sm2_ciphertext(x: int, y: int, c3: bytes, c2: bytes) -> bytes:
    """GM/T 0009's ``SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }``."""
    return encode_sequence(
        encode_integer(x), encode_integer(y), encode_octets(c3), encode_octets(c2)
    )


def decode_sm2_ciphertext(data: bytes) -> tuple[int, int, bytes, bytes]:
    """(x, y, C3, C2) of a GM/T 0009 SM2 ciphertext."""
    body = _sequence(data)
    x, at = _read(body, 0, _INTEGER)
    y, at = _read(body, at, _INTEGER)
    c3, at = _read(body, at, _OCTET_STRING)
    c2, at = _read(body, at, _OCTET_STRING)
    if at != len(body):
        raise DerError("extra elements in the ciphertext")
    return _integer(x), _integer(y), c3, c2
