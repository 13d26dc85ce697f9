"""SM3 and SM4 come from `cryptography` (issue 18): the standards' published vectors hold in
the version the project installs, so the suite can rely on them when it is built."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def _sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def test_sm3_gives_the_digests_of_gb_t_32905() -> None:
    # GB/T 32905-2016, Annex A: "abc", and "abcd" repeated 16 times.
    assert _sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert _sm3(b"abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_gives_the_ciphertexts_of_gb_t_32907() -> None:
    # GB/T 32907-2016, Annex A: key = plaintext = 0123456789abcdeffedcba9876543210, one
    # encryption, and the same block encrypted 1,000,000 times.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert encryptor.update(key).hex() == "681edf34d206965e86b3e94f536e4246"
    block = key
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"
