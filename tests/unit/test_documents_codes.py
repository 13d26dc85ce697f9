"""National codes in a certificate document (issue 17): checked wherever its hash is taken
(node/sdk/documents.py), with the field's name and never the value in the refusal."""

from __future__ import annotations

import pytest

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.framework.check_characters import get_gb11643_check, get_gb32100_check
from node.sdk.documents import DocumentInvalid, get_code_problem, new_document
from suites import ED25519_SHA256

ID_NUMBER = "11010519491231002X"  # GB 11643's worked example
CREDIT_CODE = "91350100M000100Y43"


def _fields(cert_type: str, **values: str) -> dict[str, str]:
    fields = {name: f"value of {name}" for name in CERTIFICATE_TYPES[cert_type].fields}
    return fields | values


@pytest.mark.parametrize(
    ("name", "value"),
    (
        ("id_number", ID_NUMBER),
        ("spouse_id_number", "110105199001011232"),
        ("unified_social_credit_code", CREDIT_CODE),
        ("holder_name", "not a code at all"),
    ),
)
def test_a_valid_code_or_a_field_without_one_passes(name: str, value: str) -> None:
    assert get_code_problem(name, value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    (
        ("id_number", ID_NUMBER[:17] + "1"),
        ("id_number", ID_NUMBER.lower()),  # the check character in capitals
        ("id_number", ID_NUMBER[:15]),  # the first generation is not accepted
        ("id_number", 110105194912310021),
        ("father_id_number", "11010519900101123" + "X"),
        ("unified_social_credit_code", CREDIT_CODE[:17] + "4"),
        ("unified_social_credit_code", CREDIT_CODE.lower()),
    ),
)
def test_a_wrong_code_is_named_by_field_and_not_repeated(name: str, value: object) -> None:
    problem = get_code_problem(name, value)
    assert problem is not None and problem.startswith(f"field {name}:")
    assert str(value) not in problem


def test_an_issuer_cannot_make_a_document_with_a_wrong_code() -> None:
    good = "37100219940312002" + get_gb11643_check("37100219940312002")
    assert (
        new_document("cert-1", "diploma", _fields("diploma", id_number=good), suite=ED25519_SHA256)[
            "fields"
        ]["id_number"]
        == good
    )
    with pytest.raises(DocumentInvalid, match="field id_number"):
        new_document(
            "cert-1", "diploma", _fields("diploma", id_number=good[:17] + "0"), suite=ED25519_SHA256
        )
    code = "91371000MA3C00000" + get_gb32100_check("91371000MA3C00000")
    licence = _fields("business_licence", unified_social_credit_code=code)
    assert (
        new_document("cert-2", "business_licence", licence, suite=ED25519_SHA256)["cert_type"]
        == "business_licence"
    )
    with pytest.raises(DocumentInvalid, match="field unified_social_credit_code"):
        new_document(
            "cert-2",
            "business_licence",
            licence | {"unified_social_credit_code": code[:17] + "0"},
            suite=ED25519_SHA256,
        )
