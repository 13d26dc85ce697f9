"""Sealing in the SDK (node/sdk/sealing.py, issue 18): documents and shares sealed with the
chain's suite, bound to their certificate or request, parametrised over both suites; and the
documents wallets sealed before suites, which still open the old way.

The suites' own primitives are tested in tests/unit/test_suites.py; here, what the formats
add: the prefixes, the per-document key pair, the ``aad`` of each use, the old formats.
"""

from __future__ import annotations

import json

import nacl.secret
import pytest

from node.chain.crypto import KeyPair
from node.sdk import sealing
from suites import ED25519_SHA256, SM2_SM3, SUITES, InvalidKeyError, SealError, Suite

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))

DOCUMENT = json.dumps({"cert_id": "DIP-1", "fields": {"holder_name": "张三"}}).encode()
AAD = sealing.certificate_aad("DIP-1", "hd" + "1" * 40, "document")
ED_HOLDER = KeyPair(bytes(range(32)))  # an Ed25519 holder as wallets made them before suites


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


# --- sealed to a party (shares to agencies, key rows) -------------------------------------


@BOTH
def test_sealed_to_a_party_round_trips_and_says_its_format(suite: Suite) -> None:
    keys = suite.generate_keypair()
    aad = sealing.request_aad("req-1")
    sealed = sealing.seal(suite, keys.public_key, DOCUMENT, aad)
    assert sealed.startswith(sealing.SEALED_MAGIC)
    assert len(sealed) == len(sealing.SEALED_MAGIC) + len(DOCUMENT) + suite.seal_overhead_bytes
    assert sealing.unseal(suite, keys.private_key, sealed, aad) == DOCUMENT


@BOTH
def test_a_share_is_refused_under_another_request(suite: Suite) -> None:
    keys = suite.generate_keypair()
    sealed = sealing.seal(suite, keys.public_key, DOCUMENT, sealing.request_aad("req-1"))
    for other in ("req-2", "req-1\0", "", "REQ-1"):
        with pytest.raises(SealError):
            sealing.unseal(suite, keys.private_key, sealed, sealing.request_aad(other))
    with pytest.raises(SealError):  # a copy of a certificate is not the answer to a request
        sealing.unseal(suite, keys.private_key, sealed, AAD)
    assert sealing.unseal(suite, keys.private_key, sealed, sealing.request_aad("req-1"))


@BOTH
def test_bad_sealed_bytes_get_a_clear_error(suite: Suite) -> None:
    keys = suite.generate_keypair()
    sealed = sealing.seal(suite, keys.public_key, DOCUMENT, AAD)
    changed = bytearray(sealed)
    changed[len(sealing.SEALED_MAGIC) + 3] ^= 0x01
    magic = sealing.SEALED_MAGIC
    for bad in (bytes(changed), sealed[:-1], magic, magic + b"\0" * 200, b"", b"x" * 100):
        with pytest.raises(SealError):
            sealing.unseal(suite, keys.private_key, bad, AAD)
    with pytest.raises(SealError):
        sealing.unseal(suite, keys.private_key, "not bytes", AAD)  # type: ignore[arg-type]
    with pytest.raises(SealError, match="own key"):  # a document is not sealed to a party
        sealing.unseal(suite, keys.private_key, sealing.DOCUMENT_MAGIC + sealed[5:], AAD)
    with pytest.raises(SealError):
        sealing.unseal(suite, suite.generate_keypair().private_key, sealed, AAD)


@BOTH
def test_the_other_suites_keys_are_refused(suite: Suite) -> None:
    other = other_suite(suite)
    other_keys = other.generate_keypair()
    with pytest.raises(InvalidKeyError):  # 32 bytes are not an SM2 key, nor 65 an Ed25519 one
        sealing.seal(suite, other_keys.public_key, DOCUMENT, AAD)
    with pytest.raises(InvalidKeyError):
        sealing.seal_document(suite, other_keys.public_key, DOCUMENT, AAD)
    sealed = sealing.seal(other, other_keys.public_key, DOCUMENT, AAD)
    with pytest.raises(SealError):  # bytes of the other suite do not open with this one
        sealing.unseal(suite, other_keys.private_key, sealed, AAD)
    assert sealing.unseal(other, other_keys.private_key, sealed, AAD) == DOCUMENT


# --- documents under a key pair of their own ----------------------------------------------


@BOTH
def test_a_document_round_trips_under_its_own_key_pair(suite: Suite) -> None:
    holder = suite.generate_keypair()
    sealed_key, sealed = sealing.seal_document(suite, holder.public_key, DOCUMENT, AAD)
    assert sealed.startswith(sealing.DOCUMENT_MAGIC) and sealing.is_keyed(sealed)
    assert sealed_key.startswith(sealing.SEALED_MAGIC)
    overhead = len(sealing.DOCUMENT_MAGIC) + suite.seal_overhead_bytes
    assert len(sealed) == len(DOCUMENT) + overhead
    opened = sealing.open_document(suite, holder.private_key, sealed, sealed_key, AAD)
    assert opened == DOCUMENT
    # the key row holds the document's own private key: it opens the document alone
    document_key = sealing.unseal(suite, holder.private_key, sealed_key, AAD)
    assert suite.open(document_key, sealed[len(sealing.DOCUMENT_MAGIC) :], AAD) == DOCUMENT
    assert document_key != holder.private_key


@BOTH
def test_a_document_is_refused_as_another_certificates_or_holders_or_part(suite: Suite) -> None:
    holder = suite.generate_keypair()
    sealed_key, sealed = sealing.seal_document(suite, holder.public_key, DOCUMENT, AAD)
    others = [
        sealing.certificate_aad("DIP-2", "hd" + "1" * 40, "document"),
        sealing.certificate_aad("DIP-1", "hd" + "2" * 40, "document"),
        sealing.certificate_aad("DIP-1", "hd" + "1" * 40, "credentials"),
        sealing.request_aad("DIP-1"),
    ]
    for aad in others:
        with pytest.raises(SealError):
            sealing.open_document(suite, holder.private_key, sealed, sealed_key, aad)
    # another document's key row does not open this one, nor the other way round
    other_key, other_sealed = sealing.seal_document(suite, holder.public_key, DOCUMENT, AAD)
    with pytest.raises(SealError):
        sealing.open_document(suite, holder.private_key, sealed, other_key, AAD)
    with pytest.raises(SealError):
        sealing.open_document(suite, holder.private_key, other_sealed, sealed_key, AAD)
    assert sealing.open_document(suite, holder.private_key, sealed, sealed_key, AAD) == DOCUMENT


@BOTH
def test_a_document_whose_key_was_destroyed_does_not_open(suite: Suite) -> None:
    holder = suite.generate_keypair()
    sealed_key, sealed = sealing.seal_document(suite, holder.public_key, DOCUMENT, AAD)
    with pytest.raises(KeyError):
        sealing.open_document(suite, holder.private_key, sealed, None, AAD)
    with pytest.raises(SealError, match="not sealed with the chain's suite"):
        legacy_key = sealing.seal_to(ED_HOLDER.public_key, sealed_key)  # wrong row format
        sealing.open_document(suite, holder.private_key, sealed, legacy_key, AAD)
    with pytest.raises(SealError):  # the key row of a document of the other suite
        other = other_suite(suite)
        other_key, _ = sealing.seal_document(other, other.generate_keypair().public_key, b"", AAD)
        sealing.open_document(suite, holder.private_key, sealed, other_key, AAD)
    assert sealing.open_document(suite, holder.private_key, sealed, sealed_key, AAD)


@BOTH
def test_a_key_row_that_holds_no_key_of_the_suite_is_refused(suite: Suite) -> None:
    holder = suite.generate_keypair()
    _, sealed = sealing.seal_document(suite, holder.public_key, DOCUMENT, AAD)
    short = sealing.seal(suite, holder.public_key, b"\1" * 7, AAD)  # no suite's key is 7 bytes
    with pytest.raises(SealError, match="does not hold a key"):
        sealing.open_document(suite, holder.private_key, sealed, short, AAD)
    zero = sealing.seal(suite, holder.public_key, b"\0" * 32, AAD)  # SM2: d = 0 is no key
    with pytest.raises(SealError):
        sealing.open_document(suite, holder.private_key, sealed, zero, AAD)


# --- what wallets sealed before suites ----------------------------------------------------


def test_documents_sealed_before_suites_still_open_on_an_ed25519_chain() -> None:
    suite = ED25519_SHA256
    # A plain sealed box (before erasure): no key row, no aad in it, opened under any aad.
    box = sealing.seal_to(ED_HOLDER.public_key, DOCUMENT)
    assert not sealing.is_keyed(box)
    assert sealing.open_document(suite, ED_HOLDER.seed, box, None, AAD) == DOCUMENT
    assert sealing.unseal(suite, ED_HOLDER.seed, box, sealing.request_aad("r")) == DOCUMENT
    # TLDK1 under a secret key, the key a sealed box in its row (erasure, before suites).
    secret = bytes(range(100, 132))
    keyed = sealing.seal_under(secret, DOCUMENT)
    key_row = sealing.seal_to(ED_HOLDER.public_key, secret)
    assert keyed.startswith(sealing.KEYED_MAGIC) and sealing.is_keyed(keyed)
    assert sealing.open_document(suite, ED_HOLDER.seed, keyed, key_row, AAD) == DOCUMENT
    with pytest.raises(KeyError):
        sealing.open_document(suite, ED_HOLDER.seed, keyed, None, AAD)
    with pytest.raises(SealError):  # a key row that is not that document's
        wrong = sealing.seal_to(ED_HOLDER.public_key, bytes(32))
        sealing.open_document(suite, ED_HOLDER.seed, keyed, wrong, AAD)
    with pytest.raises(SealError):  # another holder's key
        sealing.open_document(suite, bytes(32), box, None, AAD)


def test_a_tldk1_document_altered_is_refused() -> None:
    secret = bytes(range(100, 132))
    keyed = bytearray(sealing.seal_under(secret, DOCUMENT))
    keyed[-1] ^= 1
    key_row = sealing.seal_to(ED_HOLDER.public_key, secret)
    with pytest.raises(SealError, match="does not open with its key"):
        sealing.open_document(ED25519_SHA256, ED_HOLDER.seed, bytes(keyed), key_row, AAD)
    assert len(secret) == nacl.secret.SecretBox.KEY_SIZE


def test_an_sm_chain_refuses_sealed_boxes_with_a_clear_error() -> None:
    """An SM chain never made one; bytes of that shape are refused, never opened."""
    holder = SM2_SM3.generate_keypair()
    box = sealing.seal_to(ED_HOLDER.public_key, DOCUMENT)
    with pytest.raises(SealError, match="do not open with this key"):
        sealing.open_document(SM2_SM3, holder.private_key, box, None, AAD)
    with pytest.raises(InvalidKeyError):  # a private key of another length is no key at all
        sealing.unseal(SM2_SM3, b"\1" * 31, box, AAD)
    assert sealing.unseal(ED25519_SHA256, ED_HOLDER.seed, box, AAD) == DOCUMENT


def test_aad_names_its_parts_apart() -> None:
    made = {
        sealing.certificate_aad("c", "h", "document"),
        sealing.certificate_aad("c", "h", "credentials"),
        sealing.certificate_aad("h", "c", "document"),
        sealing.request_aad("c"),
    }
    assert len(made) == 4
    assert (
        sealing.certificate_aad("c", "h", "document") == b"trustledger/certificate\0c\0h\0document"
    )
    assert sealing.request_aad("req-1") == b"trustledger/request\0req-1"
