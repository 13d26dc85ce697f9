"""SM2 packages compared (issue 18): the standard's vector, interoperability, speed.

Issue 18 needs SM2 from a maintained PyPI package (never our own primitives). This script
checks each candidate against GB/T 32918.5-2017 Annex A (GM/T 0003.5-2012 A.2: the
recommended curve, signer id ``1234567812345678``, message ``message digest``, the published
r and s), checks that a signature made by one package verifies in the others (so the Z value
and the encoding agree), and times sign and verify on one core. PyNaCl's Ed25519 is timed the
same way for comparison.

Candidates: gmssl-pyx (GmSSL 3 bundled, signer id argument, DER), gmssl-fast (GmSSL,
raw r||s, default signer id only), tongsuopy (Tongsuo, a pyca/cryptography-style API).
A missing package is reported, not an error: `make bench-sm2` installs them first.

Prints one JSON line per package and one for Ed25519. No assertion: rates depend on the
machine and on its load; compare them within one run.

Usage: python bench/sm2_packages.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

PUBLIC_KEY = bytes.fromhex(
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
PRIVATE_KEY = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
R = bytes.fromhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3")
S = bytes.fromhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
MESSAGE = b"message digest"
SIGNER_ID = b"1234567812345678"
TIMED_MESSAGE = bytes(200)


def der_signature(r: bytes, s: bytes) -> bytes:
    """r and s as the DER SEQUENCE of two INTEGERs that GmSSL and Tongsuo read."""

    def integer(value: bytes) -> bytes:
        value = value.lstrip(b"\0") or b"\0"
        if value[0] & 0x80:
            value = b"\0" + value
        return b"\x02" + bytes([len(value)]) + value

    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def raw_signature(der: bytes) -> bytes:
    """A DER signature as r||s, 32 bytes each."""
    r_len = der[3]
    r = der[4 : 4 + r_len]
    s = der[4 + r_len + 2 :]
    return r.lstrip(b"\0").rjust(32, b"\0") + s.lstrip(b"\0").rjust(32, b"\0")


class Candidate:
    """One package behind sign(message) -> DER and verify(message, DER) -> bool."""

    name = ""

    def sign(self, message: bytes) -> bytes:
        raise NotImplementedError

    def verify(self, message: bytes, der: bytes) -> bool:
        raise NotImplementedError


class GmsslPyx(Candidate):
    name = "gmssl-pyx"

    def __init__(self) -> None:
        import gmssl_pyx

        self.lib = gmssl_pyx

    def sign(self, message: bytes) -> bytes:
        return bytes(self.lib.sm2_sign(PRIVATE_KEY, PUBLIC_KEY, message, signer_id=SIGNER_ID))

    def verify(self, message: bytes, der: bytes) -> bool:
        return bool(self.lib.sm2_verify(PUBLIC_KEY, message, der, signer_id=SIGNER_ID))


class GmsslFast(Candidate):
    name = "gmssl-fast"

    def __init__(self) -> None:
        import gmssl_fast

        self.key = gmssl_fast.SM2(PRIVATE_KEY.hex(), PUBLIC_KEY.hex())

    def sign(self, message: bytes) -> bytes:
        raw = bytes(self.key.sign(message))
        return der_signature(raw[:32], raw[32:])

    def verify(self, message: bytes, der: bytes) -> bool:
        return bool(self.key.verify(message, raw_signature(der)))


class Tongsuopy(Candidate):
    name = "tongsuopy"

    def __init__(self) -> None:
        from tongsuopy.crypto import hashes
        from tongsuopy.crypto.asymciphers import ec

        x, y = (int.from_bytes(half, "big") for half in (PUBLIC_KEY[:32], PUBLIC_KEY[32:]))
        self.public = ec.EllipticCurvePublicNumbers(x, y, ec.SM2()).public_key()
        self.private = ec.derive_private_key(int.from_bytes(PRIVATE_KEY, "big"), ec.SM2())
        self.algorithm = ec.ECDSA(hashes.SM3())  # SM2 with Z (default signer id) on SM2 keys

    def sign(self, message: bytes) -> bytes:
        return bytes(self.private.sign(message, self.algorithm))

    def verify(self, message: bytes, der: bytes) -> bool:
        from tongsuopy.crypto.exceptions import InvalidSignature

        try:
            self.public.verify(der, message, self.algorithm)
        except InvalidSignature:
            return False
        return True


def rate(call: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``call`` on this core, over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            call()
        count += 20
    return round(count / elapsed, 1)


def check(candidate: Candidate, others: list[Candidate], seconds: float) -> dict[str, Any]:
    vector = der_signature(R, S)
    own = candidate.sign(TIMED_MESSAGE)
    return {
        "package": candidate.name,
        "published_vector_verifies": candidate.verify(MESSAGE, vector),
        "changed_message_refused": not candidate.verify(MESSAGE + b"!", vector),
        "own_signature_verifies_in": sorted(o.name for o in others if o.verify(TIMED_MESSAGE, own)),
        "sign_per_s": rate(lambda: candidate.sign(TIMED_MESSAGE), seconds),
        "verify_per_s": rate(lambda: candidate.verify(TIMED_MESSAGE, own), seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per rate")
    seconds = parser.parse_args().seconds
    candidates: list[Candidate] = []
    for kind in (GmsslPyx, GmsslFast, Tongsuopy):
        try:
            candidates.append(kind())
        except ImportError:
            print(json.dumps({"package": kind.name, "installed": False}))
    for candidate in candidates:
        others = [c for c in candidates if c is not candidate]
        print(json.dumps(check(candidate, others, seconds), ensure_ascii=False))

    import nacl.signing

    key = nacl.signing.SigningKey(bytes(32))
    signed = key.sign(TIMED_MESSAGE)
    print(
        json.dumps(
            {
                "package": "pynacl ed25519",
                "sign_per_s": rate(lambda: key.sign(TIMED_MESSAGE), seconds),
                "verify_per_s": rate(lambda: key.verify_key.verify(signed), seconds),
            }
        )
    )


if __name__ == "__main__":
    main()
