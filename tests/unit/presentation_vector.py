"""The test vector of docs/presentations.md, made from fixed inputs by our Python: the page's
block must equal what this makes (tests/unit/test_vectors_presentation.py), so the page
cannot drift from the code. `python -m tests.unit.presentation_vector` prints the block."""

from __future__ import annotations

from contracts.certificates.commitments import compute_field_commitment, derive_field_salt
from node.chain.crypto import KeyPair
from node.sdk.presentation import make_presentation, read_presentation
from suites import ED25519_SHA256

HOLDER_SEED = bytes(range(1, 33))
DOCUMENT = {
    "cert_id": "cert-diploma-0001",
    "cert_type": "diploma",
    "salt": "5a" * 32,
    "fields": {
        "holder_name": "王伟 Wang Wei",
        "id_number": "110105199001011232",
        "university": "北京大学 Peking University",
        "degree": "Master of Science",
        "major": "Statistics",
        "graduation_date": "2015-07-01",
    },
}
SHOWN = ["university", "degree"]
NONCE = bytes.fromhex("00112233445566778899aabbccddeeff")
ISSUED_AT_MS = 1767225600000
TTL_MS = 180_000
VERIFIER = "bank"


def vector_text() -> str:
    holder = KeyPair(HOLDER_SEED)
    text = make_presentation(
        holder,
        DOCUMENT,
        SHOWN,
        nonce=NONCE,
        now_ms=ISSUED_AT_MS,
        verifier=VERIFIER,
        ttl_ms=TTL_MS,
    )
    p = read_presentation(text)
    salt = bytes.fromhex(str(DOCUMENT["salt"]))
    lines = [
        f"presentation: {text}",
        f"holder_public_key: {holder.public_key.hex()}",
        f"cert_id: {p.cert_id}",
        f"cert_type: {p.cert_type}",
        f"verifier: {p.verifier}",
        f"nonce: {p.nonce.hex()}",
        f"issued_at_ms: {p.issued_at_ms}",
        f"expires_at_ms: {p.expires_at_ms}",
    ]
    for name in SHOWN:
        field_salt = derive_field_salt(salt, name, suite=ED25519_SHA256)
        value = str(DOCUMENT["fields"][name])  # type: ignore[index]
        commitment = compute_field_commitment(
            p.cert_type, name, field_salt, value, suite=ED25519_SHA256
        )
        lines.append(f"field: {name} {field_salt.hex()} {commitment} {value}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(vector_text(), end="")
