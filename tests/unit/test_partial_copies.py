"""A copy of chosen fields (最小够用, node/sdk/documents.py): what an agency granted some
fields receives, and its check against the chain's commitments (end to end:
tests/integration/test_lifecycle.py)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.certificates.commitments import compute_field_commitments
from node.sdk.documents import (
    DocumentInvalid,
    check_partial_copy,
    document_hash,
    is_partial_copy,
    make_partial_copy,
    new_document,
)
from suites import ED25519_SHA256
from tests.unit.test_contracts_support import ALICE_DIPLOMA_FIELDS

FIELDS = {**ALICE_DIPLOMA_FIELDS, "id_number": "110105199001011232"}  # a valid GB 11643 number


def onchain_of(doc: dict[str, Any], published: bool = True) -> dict[str, Any]:
    commitments = compute_field_commitments(
        doc["cert_type"], doc["fields"], bytes.fromhex(doc["salt"]), suite=ED25519_SHA256
    )
    return {
        "doc_hash": document_hash(doc, suite=ED25519_SHA256),
        "field_hashes": commitments if published else {},
    }


def test_a_partial_copy_holds_only_the_chosen_fields_and_checks() -> None:
    doc = new_document("DIP-2012-000001", "diploma", FIELDS, suite=ED25519_SHA256)
    copy = make_partial_copy(doc, ["degree", "major"], suite=ED25519_SHA256)
    assert set(copy) == {"cert_id", "cert_type", "fields", "field_salts"}
    assert copy["fields"] == {n: FIELDS[n] for n in ("degree", "major")}
    assert doc["salt"] not in str(copy)
    assert is_partial_copy(copy) and not is_partial_copy(doc)
    check_partial_copy(copy, onchain_of(doc), suite=ED25519_SHA256)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: c["fields"].update(degree="工学博士"),  # a value changed
        lambda c: c["field_salts"].update(degree="00" * 32),  # a salt changed
        lambda c: c["field_salts"].pop("degree"),  # a field without its salt
        lambda c: c["fields"].update(nickname="x"),  # a field the type does not have
        lambda c: c.update(cert_type="resident_id_card"),  # another type's commitments
        lambda c: c["fields"].clear() or c["field_salts"].clear(),  # nothing given
        lambda c: c.pop("field_salts"),
    ],
)
def test_a_spoiled_partial_copy_is_refused(spoil: Any) -> None:
    doc = new_document("DIP-2012-000001", "diploma", FIELDS, suite=ED25519_SHA256)
    copy = make_partial_copy(doc, ["degree"], suite=ED25519_SHA256)
    spoil(copy)
    with pytest.raises(DocumentInvalid):
        check_partial_copy(copy, onchain_of(doc), suite=ED25519_SHA256)


def test_without_published_commitments_no_field_can_be_checked() -> None:
    doc = new_document("DIP-2012-000001", "diploma", FIELDS, suite=ED25519_SHA256)
    with pytest.raises(DocumentInvalid):
        check_partial_copy(
            make_partial_copy(doc, ["degree"], suite=ED25519_SHA256),
            onchain_of(doc, published=False),
            suite=ED25519_SHA256,
        )
