"""The holder-signed formats on an ``sm2-sm3`` chain (issue 18): an annotated copy is signed
and read with the chain's suite (an SM2 key and signature, the SM3 holder id), and so is a
presentation (``TLP2``, naming its suite); JOSE carries Ed25519 only, so an SM chain refuses
it clearly."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from contracts.certificates.commitments import derive_field_salt
from contracts.framework.identity import holder_id_for
from node.chain.credentials import CredentialFormatError, okp_jwk
from node.chain.crypto import KeyPair
from node.sdk import annotation as an
from node.sdk import presentation as fmt
from node.sdk.presentation_check import check_record
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from tests.unit import presentation_vector as vector
from tests.unit.test_annotation import TERMS

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))


@BOTH
def test_an_annotated_copy_is_signed_and_read_with_the_chains_suite(suite: Suite) -> None:
    holder = KeyPair(bytes(range(1, 33)), suite)
    message = an.make_annotation(holder, **TERMS)
    read = an.read_annotation(message, suite)
    assert read.holder_public_key == holder.public_key
    assert read.holder == holder_id_for(holder.public_key, suite)
    # Read as the other suite's: the key is not of its length, refused as not a copy's bytes.
    other = SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256
    with pytest.raises(an.AnnotationRefused) as refused:
        an.read_annotation(message, other)
    assert refused.value.reason is an.Refusal.FORMAT


def test_an_sm2_annotation_with_a_changed_byte_does_not_verify() -> None:
    holder = KeyPair(bytes(range(1, 33)), SM2_SM3)
    message = an.make_annotation(holder, **TERMS)
    signature = bytearray(base64.b64decode(message["signature"]))
    signature[-1] ^= 1
    forged = {**message, "signature": base64.b64encode(bytes(signature)).decode()}
    with pytest.raises(an.AnnotationRefused) as refused:
        an.read_annotation(forged, SM2_SM3)
    assert refused.value.reason is an.Refusal.SIGNATURE


def test_an_sm_chains_holder_makes_a_tlp2_presentation_with_sm2_and_sm3() -> None:
    """The layout names its suite; the key is SM2's 65 bytes, the holder id and the field
    salts SM3's (tests/unit/test_presentation.py runs every check in both suites)."""
    holder = KeyPair(bytes(range(1, 33)), SM2_SM3)
    text = fmt.make_presentation(
        holder, vector.DOCUMENT, ["university"], nonce=vector.NONCE, now_ms=vector.ISSUED_AT_MS
    )
    presentation = fmt.read_presentation(text)
    assert text.startswith("TLP2.") and presentation.suite is SM2_SM3
    assert len(presentation.holder_public_key) == 65
    assert presentation.holder == holder_id_for(holder.public_key, SM2_SM3)
    salt = bytes.fromhex(str(vector.DOCUMENT["salt"]))
    assert presentation.fields[0].salt == derive_field_salt(salt, "university", suite=SM2_SM3)


@BOTH
def test_a_chain_refuses_the_other_suites_presentation_before_reading_its_record(
    suite: Suite,
) -> None:
    other = SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256
    holder = KeyPair(bytes(range(1, 33)), other)
    text = fmt.make_presentation(
        holder, vector.DOCUMENT, ["university"], nonce=vector.NONCE, now_ms=vector.ISSUED_AT_MS
    )
    presentation = fmt.read_presentation(text)
    record: dict[str, Any] = {"cert_type": presentation.cert_type, "holder": presentation.holder}
    with pytest.raises(
        fmt.PresentationRefused, match=f"this chain's suite is {suite.name}"
    ) as refused:
        check_record(presentation, record, lambda principal, holder: True, suite)
    assert refused.value.reason is fmt.Refusal.FORMAT


def test_jose_carries_no_sm2_key() -> None:
    key = KeyPair(bytes(range(1, 33)), SM2_SM3).public_key
    with pytest.raises(CredentialFormatError, match="JOSE has no registered SM2 key"):
        okp_jwk(key)
    assert okp_jwk(KeyPair(bytes(range(1, 33))).public_key)["crv"] == "Ed25519"
