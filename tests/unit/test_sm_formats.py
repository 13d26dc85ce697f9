"""The holder-signed formats on an ``sm2-sm3`` chain (issue 18): an annotated copy is signed
and read with the chain's suite (an SM2 key and signature, the SM3 holder id); the
presentation layout and JOSE carry Ed25519 only, so an SM chain refuses them clearly."""

from __future__ import annotations

import base64
from typing import Any

import pytest

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


def test_an_sm_chains_holder_cannot_make_a_presentation() -> None:
    holder = KeyPair(bytes(range(1, 33)), SM2_SM3)
    with pytest.raises(fmt.PresentationInvalid, match="a sm2-sm3 chain's holders cannot"):
        fmt.make_presentation(
            holder, vector.DOCUMENT, ["university"], nonce=vector.NONCE, now_ms=vector.ISSUED_AT_MS
        )


def test_an_sm_chain_refuses_a_presentation_before_reading_its_record() -> None:
    holder = KeyPair(bytes(range(1, 33)))
    text = fmt.make_presentation(
        holder, vector.DOCUMENT, ["university"], nonce=vector.NONCE, now_ms=vector.ISSUED_AT_MS
    )
    presentation = fmt.read_presentation(text)
    record: dict[str, Any] = {"cert_type": presentation.cert_type, "holder": presentation.holder}
    with pytest.raises(fmt.PresentationRefused, match="this chain's suite is sm2-sm3") as refused:
        check_record(presentation, record, lambda principal, holder: False, SM2_SM3)
    assert refused.value.reason is fmt.Refusal.FORMAT


def test_jose_carries_no_sm2_key() -> None:
    key = KeyPair(bytes(range(1, 33)), SM2_SM3).public_key
    with pytest.raises(CredentialFormatError, match="JOSE has no registered SM2 key"):
        okp_jwk(key)
    assert okp_jwk(KeyPair(bytes(range(1, 33))).public_key)["crv"] == "Ed25519"
