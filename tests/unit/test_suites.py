"""The chain's crypto suites (issue 18, suites/): each suite's contract, parametrised over
both where it is the same, and the standards' published vectors where they differ.

Fixed keys throughout (the Annex A key of GB/T 32918.5 for SM2, RFC 8032's first key for
Ed25519), hypothesis derandomized. SM2 signing and sealing draw fresh nonces inside the
libraries, so their outputs are checked by round trip and by the other library, never by
value.
"""

from __future__ import annotations

import hashlib

import gmssl_pyx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consensus.crypto import Ed25519Signer, Verifier
from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.sdk.sealing import open_sealed, seal_to
from suites import (
    ED25519_SHA256,
    SM2_SM3,
    SUITES,
    InvalidKeyError,
    SealError,
    Sm2Sm3Suite,
    Suite,
    SuiteError,
    UnknownSuiteError,
    get_suite,
    sm2_sm3,
)
from suites import der as der_module
from suites.ed25519_sha256 import SEAL_AAD_DOMAIN
from suites.sm2_sm3 import (
    DEFAULT_SIGNER_ID,
    N,
    P,
    is_on_curve,
    signature_from_der,
    signature_to_der,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

# GB/T 32918.5-2017 Annex A (GM/T 0003.5-2012 A.2): the recommended curve, signer id
# 1234567812345678, message "message digest".
SM2_PRIVATE = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
SM2_PUBLIC = bytes.fromhex(
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
SM2_VECTOR_MESSAGE = b"message digest"
SM2_VECTOR_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)

# RFC 8032, 7.1, TEST 1: the empty message.
ED_PRIVATE = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
ED_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
ED_VECTOR_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

KEYS = {ED25519_SHA256.name: (ED_PRIVATE, ED_PUBLIC), SM2_SM3.name: (SM2_PRIVATE, SM2_PUBLIC)}
OTHER_PRIVATE = {
    ED25519_SHA256.name: bytes(range(1, 33)),
    SM2_SM3.name: (12345).to_bytes(32, "big"),
}
MESSAGE = b"trustledger/suite test message" + bytes(range(200))

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
FUZZ = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def keys_of(suite: Suite) -> tuple[bytes, bytes]:
    return KEYS[suite.name]


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


def read_der_signature(encoded: bytes) -> bytes | None:
    """``signature_from_der``'s answer, or None where it refuses (with its own error only)."""
    try:
        return signature_from_der(encoded)
    except SuiteError:
        return None


def r_s(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --- choosing a suite ----------------------------------------------------------------------


def test_the_suites_by_name() -> None:
    assert list(SUITES) == ["ed25519-sha256", "sm2-sm3"]
    assert get_suite("ed25519-sha256") is ED25519_SHA256
    assert get_suite("sm2-sm3") is SM2_SM3
    assert (ED25519_SHA256.hash_name, SM2_SM3.hash_name) == ("sha256", "sm3")
    assert SM2_SM3.signer_id == DEFAULT_SIGNER_ID == b"1234567812345678"


@pytest.mark.parametrize("name", ["sm2", "SM2-SM3", "", "ed25519", None, 3])
def test_an_unknown_suite_name_is_a_clear_error(name: object) -> None:
    with pytest.raises(UnknownSuiteError, match="ed25519-sha256, sm2-sm3") as caught:
        get_suite(name)  # type: ignore[arg-type]
    assert repr(name) in str(caught.value)
    assert isinstance(caught.value, ValueError)


@BOTH
def test_the_declared_lengths_hold(suite: Suite) -> None:
    private_key, public_key = keys_of(suite)
    signature = suite.sign(private_key, MESSAGE)
    assert len(private_key) == suite.private_key_bytes
    assert len(public_key) == suite.public_key_bytes
    assert len(signature) == suite.signature_bytes
    assert len(suite.hash(MESSAGE)) == suite.hash_bytes == 32
    assert len(suite.seal(public_key, b"abc", b"aad")) == 3 + suite.seal_overhead_bytes


@BOTH
def test_a_suite_is_a_consensus_verifier(suite: Suite) -> None:
    verifier: Verifier = suite
    private_key, public_key = keys_of(suite)
    assert verifier.verify(public_key, MESSAGE, suite.sign(private_key, MESSAGE))


# --- the standards' vectors ----------------------------------------------------------------


def test_sm3_vectors_of_gb_t_32905_through_the_suite() -> None:
    assert SM2_SM3.hash(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert SM2_SM3.hash(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm3_of_pythons_openssl_agrees_with_cryptographys() -> None:
    """The suite hashes through Python's OpenSSL where it has SM3 (faster), through
    `cryptography` otherwise: both give the same digests, over every length around a block."""
    assert sm2_sm3.sm3_by_cryptography(b"abc") == SM2_SM3.hash(b"abc")
    for length in (0, 1, 55, 56, 63, 64, 65, 127, 128, 1000):
        data = bytes(range(256)) * 4
        assert SM2_SM3.hash(data[:length]) == sm2_sm3.sm3_by_cryptography(data[:length])


def test_sha256_vector_of_fips_180_through_the_suite() -> None:
    assert ED25519_SHA256.hash(b"abc").hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_sm2_annex_a_key_and_signature_of_gb_t_32918_5() -> None:
    assert SM2_SM3.public_key_from_private(SM2_PRIVATE) == SM2_PUBLIC
    assert SM2_SM3.verify(SM2_PUBLIC, SM2_VECTOR_MESSAGE, SM2_VECTOR_SIGNATURE)
    assert not SM2_SM3.verify(SM2_PUBLIC, SM2_VECTOR_MESSAGE + b"!", SM2_VECTOR_SIGNATURE)
    # the same vector through GmSSL, the suite's other library, with the id given explicitly
    assert gmssl_pyx.sm2_verify(
        SM2_PUBLIC[1:],
        SM2_VECTOR_MESSAGE,
        signature_to_der(SM2_VECTOR_SIGNATURE),
        signer_id=b"1234567812345678",
    )


def test_sm2_annex_a_vector_is_refused_under_another_signer_id() -> None:
    other_id = Sm2Sm3Suite(signer_id=b"ALICE123@YAHOO.COM")
    assert not other_id.verify(SM2_PUBLIC, SM2_VECTOR_MESSAGE, SM2_VECTOR_SIGNATURE)
    assert Sm2Sm3Suite(signer_id=DEFAULT_SIGNER_ID).verify(
        SM2_PUBLIC, SM2_VECTOR_MESSAGE, SM2_VECTOR_SIGNATURE
    )


def test_ed25519_vector_of_rfc_8032() -> None:
    assert ED25519_SHA256.public_key_from_private(ED_PRIVATE) == ED_PUBLIC
    assert ED25519_SHA256.sign(ED_PRIVATE, b"") == ED_VECTOR_SIGNATURE
    assert ED25519_SHA256.verify(ED_PUBLIC, b"", ED_VECTOR_SIGNATURE)


def test_sm4_gcm_vector_of_rfc_8998_through_the_sealing_primitive() -> None:
    # RFC 8998, A.1: SM4-GCM (the sealing primitive of sm2-sm3); its key is GB/T 32907's.
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert sm4_gcm_encrypt(key, nonce, plaintext, aad) == expected
    assert sm4_gcm_decrypt(key, nonce, expected, aad) == plaintext
    with pytest.raises(SealError):
        sm4_gcm_decrypt(key, nonce, expected, aad + b"!")


# --- the same as before issue 18 -----------------------------------------------------------


def test_ed25519_sha256_signs_as_the_chain_did() -> None:
    seed = OTHER_PRIVATE[ED25519_SHA256.name]
    assert ED25519_SHA256.sign(seed, MESSAGE) == KeyPair(seed).sign(MESSAGE)
    assert ED25519_SHA256.public_key_from_private(seed) == KeyPair(seed).public_key
    assert ED25519_SHA256.signing_key(seed).sign(MESSAGE) == Ed25519Signer("v", seed).sign(MESSAGE)
    assert ED25519_SHA256.hash(MESSAGE) == hashlib.sha256(MESSAGE).digest()


def test_ed25519_sealing_is_todays_sealed_box_with_the_aad_digest_inside() -> None:
    sealed = ED25519_SHA256.seal(ED_PUBLIC, b"document", b"cert-1")
    digest = hashlib.sha256(SEAL_AAD_DOMAIN + b"cert-1").digest()
    assert open_sealed(ED_PRIVATE, sealed) == digest + b"document"
    # a sealed box made the way node/sdk/sealing.py does, with the digest in front, opens
    assert ED25519_SHA256.open(ED_PRIVATE, seal_to(ED_PUBLIC, digest + b"doc"), b"cert-1") == b"doc"


def test_ed25519_holder_ids_stay_as_they_were() -> None:
    # the holder id (contracts/framework/identity.py) is SHA-256 of the key: the suite's hash
    domain = b"trustledger/holder\x00"
    assert (
        holder_id_for(ED_PUBLIC, suite=ED25519_SHA256)
        == "hd" + ED25519_SHA256.hash(domain + ED_PUBLIC).hex()[:40]
    )


# --- signatures ----------------------------------------------------------------------------


@BOTH
def test_sign_verify_round_trip(suite: Suite) -> None:
    private_key, public_key = keys_of(suite)
    key = suite.signing_key(private_key)
    assert key.public_key == public_key
    for message in (b"", b"x", MESSAGE, bytes(100_000)):
        assert suite.verify(public_key, message, key.sign(message))
        assert suite.verify(public_key, message, suite.sign(private_key, message))


@BOTH
def test_wrong_key_message_or_signature_is_refused(suite: Suite) -> None:
    private_key, public_key = keys_of(suite)
    other_public = suite.public_key_from_private(OTHER_PRIVATE[suite.name])
    signature = suite.sign(private_key, MESSAGE)
    assert not suite.verify(other_public, MESSAGE, signature)
    assert not suite.verify(public_key, MESSAGE + b"\0", signature)
    assert not suite.verify(public_key, MESSAGE[:-1], signature)
    for i in (0, 31, 32, 63):
        changed = bytearray(signature)
        changed[i] ^= 0x01
        assert not suite.verify(public_key, MESSAGE, bytes(changed))


def test_sm2_signatures_are_randomised_and_each_verifies() -> None:
    first, second = (SM2_SM3.sign(SM2_PRIVATE, MESSAGE) for _ in range(2))
    assert first != second
    assert SM2_SM3.verify(SM2_PUBLIC, MESSAGE, first)
    assert SM2_SM3.verify(SM2_PUBLIC, MESSAGE, second)


@BOTH
@pytest.mark.parametrize(
    "signature",
    [b"", b"\0", bytes(63), bytes(65), bytes(128), b"\xff" * 64, bytes(64), "ab" * 32, None, 64],
    ids=["empty", "1", "63", "65", "128", "ff*64", "zero*64", "str", "None", "int"],
)
def test_malformed_signatures_are_refused_without_raising(suite: Suite, signature: object) -> None:
    _, public_key = keys_of(suite)
    assert suite.verify(public_key, MESSAGE, signature) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("r", "s"),
    [(0, 1), (1, 0), (0, 0), (N, 1), (1, N), (N + 1, 5), (2**256 - 1, 2**256 - 1), (P, P)],
)
def test_sm2_r_or_s_out_of_range_is_refused(r: int, s: int) -> None:
    assert SM2_SM3.verify(SM2_PUBLIC, MESSAGE, r_s(r, s)) is False
    with pytest.raises(SuiteError, match="out of"):
        signature_from_der(der_module.encode_signature(r, s))


def test_sm2_vector_signature_changed_in_r_or_s_is_refused() -> None:
    r = int.from_bytes(SM2_VECTOR_SIGNATURE[:32], "big")
    s = int.from_bytes(SM2_VECTOR_SIGNATURE[32:], "big")
    for changed in ((r, N - s), (N - r, s), (s, r), (r, s - 1), (r + 1, s)):
        assert not SM2_SM3.verify(SM2_PUBLIC, SM2_VECTOR_MESSAGE, r_s(*changed))
    assert SM2_SM3.verify(SM2_PUBLIC, SM2_VECTOR_MESSAGE, r_s(r, s))


def test_sm2_der_signatures_are_refused_by_verify_and_converted_explicitly() -> None:
    signature = SM2_SM3.sign(SM2_PRIVATE, MESSAGE)
    encoded = signature_to_der(signature)
    assert encoded[0] == 0x30 and len(encoded) in range(8, 73)
    assert not SM2_SM3.verify(SM2_PUBLIC, MESSAGE, encoded)
    assert signature_from_der(encoded) == signature
    assert SM2_SM3.verify(SM2_PUBLIC, MESSAGE, signature_from_der(encoded))


@pytest.mark.parametrize(
    ("encoded", "says"),
    [
        (b"", "expected tag"),
        (bytes.fromhex("3006020101020101") + b"\0", "after the SEQUENCE"),
        (bytes.fromhex("3007020101020101"), "truncated"),
        (bytes.fromhex("300702010102020001"), "non-minimal INTEGER"),
        (bytes.fromhex("3006020181020101"), "negative"),
        (bytes.fromhex("308106020101020101"), "non-minimal length"),
        (bytes.fromhex("3009020101020101020101"), "extra elements"),
        (bytes.fromhex("3006040101020101"), "expected tag"),
        (bytes.fromhex("300402010102"), "expected tag"),
        (bytes.fromhex("30050200020101"), "empty INTEGER"),
    ],
)
def test_malformed_der_signatures_are_a_clear_error(encoded: bytes, says: str) -> None:
    with pytest.raises(SuiteError, match=says):
        signature_from_der(encoded)
    assert not SM2_SM3.verify(SM2_PUBLIC, MESSAGE, encoded)


def test_signature_to_der_refuses_what_is_not_a_signature() -> None:
    with pytest.raises(SuiteError, match="64 bytes"):
        signature_to_der(r_s(0, 1))
    with pytest.raises(SuiteError, match="64 bytes"):
        signature_to_der(bytes(70))


def test_sm2_signatures_interoperate_with_gmssl_under_any_signer_id() -> None:
    # Tongsuo (default id) and GmSSL (any id) agree on Z: each verifies the other's
    signature = SM2_SM3.sign(SM2_PRIVATE, MESSAGE)
    assert gmssl_pyx.sm2_verify(SM2_PUBLIC[1:], MESSAGE, signature_to_der(signature))
    made_by_gmssl = gmssl_pyx.sm2_sign(SM2_PRIVATE, SM2_PUBLIC[1:], MESSAGE)
    assert SM2_SM3.verify(SM2_PUBLIC, MESSAGE, signature_from_der(made_by_gmssl))
    alice = Sm2Sm3Suite(signer_id=b"ALICE123@YAHOO.COM")
    by_alice = alice.sign(SM2_PRIVATE, MESSAGE)
    assert gmssl_pyx.sm2_verify(
        SM2_PUBLIC[1:], MESSAGE, signature_to_der(by_alice), signer_id=b"ALICE123@YAHOO.COM"
    )
    assert alice.verify(SM2_PUBLIC, MESSAGE, by_alice)


def test_a_signer_id_that_does_not_match_is_refused() -> None:
    alice = Sm2Sm3Suite(signer_id=b"ALICE123@YAHOO.COM")
    bob = Sm2Sm3Suite(signer_id=b"BILL456@YAHOO.COM")
    assert not SM2_SM3.verify(SM2_PUBLIC, MESSAGE, alice.sign(SM2_PRIVATE, MESSAGE))
    assert not bob.verify(SM2_PUBLIC, MESSAGE, alice.sign(SM2_PRIVATE, MESSAGE))
    assert not alice.verify(SM2_PUBLIC, MESSAGE, SM2_SM3.sign(SM2_PRIVATE, MESSAGE))


@pytest.mark.parametrize("signer_id", [b"", b"x" * 8192, "1234567812345678", None])
def test_a_signer_id_must_be_1_to_8191_bytes(signer_id: object) -> None:
    with pytest.raises(SuiteError, match="1 to 8191 bytes"):
        Sm2Sm3Suite(signer_id=signer_id)  # type: ignore[arg-type]
    assert Sm2Sm3Suite(signer_id=b"x" * 8191).signer_id == b"x" * 8191


# --- keys ----------------------------------------------------------------------------------


@BOTH
def test_a_key_of_the_other_suite_is_refused(suite: Suite) -> None:
    other = other_suite(suite)
    own_private, own_public = keys_of(suite)
    other_private, other_public = keys_of(other)
    assert not suite.is_public_key(other_public)
    assert not suite.verify(other_public, MESSAGE, other.sign(other_private, MESSAGE))
    assert not suite.verify(own_public, MESSAGE, other.sign(other_private, MESSAGE))
    assert not suite.verify(other_public, MESSAGE, suite.sign(own_private, MESSAGE))
    with pytest.raises(InvalidKeyError):
        suite.seal(other_public, b"doc")


def _off_curve() -> bytes:
    x = int.from_bytes(SM2_PUBLIC[1:33], "big")
    y = int.from_bytes(SM2_PUBLIC[33:], "big")
    assert not is_on_curve(x, y + 1)
    return b"\x04" + x.to_bytes(32, "big") + (y + 1).to_bytes(32, "big")


@pytest.mark.parametrize(
    "public_key",
    [
        _off_curve(),
        b"\x02" + SM2_PUBLIC[1:33],  # compressed: not the suite's encoding
        SM2_PUBLIC[1:],  # 64 bytes without the 04
        b"\x05" + SM2_PUBLIC[1:],
        b"\x04" + P.to_bytes(32, "big") + SM2_PUBLIC[33:],  # x out of the field
        b"\x04" + bytes(64),
        SM2_PUBLIC + b"\0",
        bytes(65),
    ],
    ids=["off-curve", "compressed", "no-prefix", "prefix-05", "x=p", "zero", "66", "zero-65"],
)
def test_malformed_sm2_public_keys_are_refused(public_key: bytes) -> None:
    signature = SM2_SM3.sign(SM2_PRIVATE, MESSAGE)
    assert not SM2_SM3.is_public_key(public_key)
    assert SM2_SM3.verify(public_key, MESSAGE, signature) is False
    with pytest.raises(InvalidKeyError):
        SM2_SM3.seal(public_key, b"doc")


@pytest.mark.parametrize(
    "public_key", [bytes(32), b"\x01" + bytes(31), bytes(31), bytes(33), b""], ids=str
)
def test_malformed_or_small_order_ed25519_public_keys_are_refused(public_key: bytes) -> None:
    signature = ED25519_SHA256.sign(ED_PRIVATE, MESSAGE)
    assert not ED25519_SHA256.is_public_key(public_key)
    assert ED25519_SHA256.verify(public_key, MESSAGE, signature) is False


@pytest.mark.parametrize(
    "private_key",
    [bytes(32), (N - 1).to_bytes(32, "big"), N.to_bytes(32, "big"), b"\xff" * 32, bytes(31)],
    ids=["0", "n-1", "n", "max", "31 bytes"],
)
def test_sm2_private_keys_out_of_range_are_refused(private_key: bytes) -> None:
    with pytest.raises(InvalidKeyError):
        SM2_SM3.sign(private_key, MESSAGE)
    with pytest.raises(InvalidKeyError):
        SM2_SM3.open(private_key, bytes(200))
    assert SM2_SM3.public_key_from_private((N - 2).to_bytes(32, "big"))[0] == 4


@BOTH
@pytest.mark.parametrize("private_key", [b"", bytes(31), bytes(33), "00" * 32])
def test_private_keys_of_the_wrong_length_are_refused(suite: Suite, private_key: object) -> None:
    with pytest.raises(InvalidKeyError):
        suite.public_key_from_private(private_key)  # type: ignore[arg-type]
    with pytest.raises(InvalidKeyError):
        suite.open(private_key, bytes(200))  # type: ignore[arg-type]


@BOTH
def test_generated_keys_match_and_differ(suite: Suite) -> None:
    first, second = suite.generate_keypair(), suite.generate_keypair()
    assert first != second
    assert suite.public_key_from_private(first.private_key) == first.public_key
    assert suite.is_public_key(first.public_key)
    assert first.private_key.hex() not in repr(first)
    assert suite.verify(first.public_key, MESSAGE, suite.sign(first.private_key, MESSAGE))


# --- sealing -------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize("plaintext", [b"", b"x", bytes(range(256)) * 40])
@pytest.mark.parametrize("aad", [b"", b"cert-1/holder-2"])
def test_seal_open_round_trip(suite: Suite, plaintext: bytes, aad: bytes) -> None:
    private_key, public_key = keys_of(suite)
    sealed = suite.seal(public_key, plaintext, aad)
    assert len(sealed) == len(plaintext) + suite.seal_overhead_bytes
    assert suite.open(private_key, sealed, aad) == plaintext
    assert suite.seal(public_key, plaintext, aad) != sealed  # fresh randomness each time


@BOTH
def test_sealed_bytes_altered_anywhere_are_refused(suite: Suite) -> None:
    private_key, public_key = keys_of(suite)
    sealed = suite.seal(public_key, b"a sealed document", b"aad")
    # every byte of the sm2-sm3 layout's parts (C1, C3, C2, nonce, body, tag), and of the box
    places = (0, 1, 40, 64, 65, 80, 96, 112, 113, 124, 125, 130, len(sealed) - 1)
    for i in [i for i in places if i < len(sealed)]:
        changed = bytearray(sealed)
        changed[i] ^= 0x01
        with pytest.raises(SealError):
            suite.open(private_key, bytes(changed), b"aad")
    for cut in (sealed[:-1], sealed[1:], sealed[: suite.seal_overhead_bytes - 1], b""):
        with pytest.raises(SealError):
            suite.open(private_key, cut, b"aad")
    with pytest.raises(SealError):
        suite.open(private_key, sealed + b"\0", b"aad")


@BOTH
def test_wrong_key_or_aad_is_refused(suite: Suite) -> None:
    private_key, public_key = keys_of(suite)
    sealed = suite.seal(public_key, b"a sealed document", b"aad")
    with pytest.raises(SealError):
        suite.open(OTHER_PRIVATE[suite.name], sealed, b"aad")
    for aad in (b"", b"aad\0", b"AAD"):
        with pytest.raises(SealError):
            suite.open(private_key, sealed, aad)
    assert suite.open(private_key, sealed, b"aad") == b"a sealed document"


@BOTH
def test_bytes_sealed_by_the_other_suite_are_refused(suite: Suite) -> None:
    other = other_suite(suite)
    other_private, other_public = keys_of(other)
    sealed = other.seal(other_public, b"a sealed document" * 4)
    with pytest.raises(SealError):
        suite.open(keys_of(suite)[0], sealed)
    with pytest.raises(SealError):
        suite.open(other_private, sealed)


# --- never raising on arbitrary bytes ------------------------------------------------------


@BOTH
@FUZZ
@given(public_key=st.binary(max_size=80), message=st.binary(max_size=64), signature=st.binary())
def test_verify_never_raises_on_arbitrary_bytes(
    suite: Suite, public_key: bytes, message: bytes, signature: bytes
) -> None:
    assert suite.verify(public_key, message, signature) in (False, True)


@BOTH
@FUZZ
@given(signature=st.binary(min_size=64, max_size=64))
def test_verify_refuses_arbitrary_signatures_under_a_real_key(
    suite: Suite, signature: bytes
) -> None:
    assert suite.verify(keys_of(suite)[1], MESSAGE, signature) is False


@FUZZ
@given(encoded=st.binary(max_size=80))
def test_der_reading_raises_only_its_own_error(encoded: bytes) -> None:
    raw = read_der_signature(encoded)
    assert raw is None or signature_to_der(raw) == encoded


@BOTH
@FUZZ
@given(sealed=st.binary(max_size=300), aad=st.binary(max_size=8))
def test_open_raises_only_seal_error_on_arbitrary_bytes(
    suite: Suite, sealed: bytes, aad: bytes
) -> None:
    with pytest.raises(SealError):
        suite.open(keys_of(suite)[0], sealed, aad)
