"""node/sdk/catalogue.py: off-chain readers take a certificate type from the chain's answers
(decoded by the contracts' own reader), never from the frozen legacy tables; documents of a
type newer than this code are built and checked against it (tests/integration/
test_catalogue.py runs the same on a devnet)."""

from __future__ import annotations

import dataclasses

import pytest

from cli.demo_catalogue import demo_catalogue
from contracts.catalogue import lookup
from contracts.catalogue.definitions import parse_certificate_type
from contracts.catalogue.entries import CertificateType
from contracts.certificates.commitments import compute_field_commitments
from node.sdk.catalogue import (
    CatalogueAnswerInvalid,
    TypeNotInCatalogue,
    chain_document_hash,
    decode_certificate_type,
    fetch_purpose_codes,
    fetch_type,
    fetch_type_versions,
    fetch_types,
    get_certificate_type,
)
from node.sdk.documents import DocumentInvalid, document_hash, new_document
from suites import ED25519_SHA256
from tests.unit.catalogue_support import StateClient, catalogue_state

CODE = "11371000000000001C"
NEW_TYPE = parse_certificate_type(
    {
        "id": "fishing_licence",
        "name_zh": "捕捞许可证",
        "name_en": "Fishing licence",
        "holder_kinds": ["person"],
        "type_code": CODE + "101",
        "fields": [
            {"name": "holder_name"},
            {"name": "id_number", "kind": "resident_id", "disclosure": "sensitive"},
            {"name": "issue_date", "kind": "date"},
            {"name": "boat_length_cm", "kind": "number"},
            {"name": "fishing_area", "length_max": 20},
        ],
    }
)
FIELDS = {
    "holder_name": "王伟",
    "id_number": "110105199001011232",
    "issue_date": "2026-12-01",
    "boat_length_cm": "1250",
    "fishing_area": "威海近海",
}


def _register(state_client: StateClient, entry: CertificateType, height: int) -> None:
    """Register `entry` (its first version or the next) as an approved proposal would."""
    _, writes = lookup.TYPES.get_registration(
        state_client.state, entry, height, lambda old, new: None
    )
    state_client.state.apply_writes(writes.items())


def test_every_genesis_type_decodes_to_the_entry_the_chain_registered() -> None:
    client = StateClient(catalogue_state())
    listed = fetch_types(client)  # type: ignore[arg-type]
    assert [t.entry for t in listed] == sorted(demo_catalogue().types, key=lambda t: t.id)
    assert all((t.version, t.from_height, t.retired_height) == (1, 0, 0) for t in listed)
    diploma = get_certificate_type(client, "diploma")  # type: ignore[arg-type]
    assert diploma == next(t for t in demo_catalogue().types if t.id == "diploma")


def test_a_new_type_and_its_versions_are_read_from_the_chain() -> None:
    client = StateClient(catalogue_state())
    with pytest.raises(TypeNotInCatalogue, match="fishing_licence is not in the chain"):
        get_certificate_type(client, "fishing_licence")  # type: ignore[arg-type]
    _register(client, NEW_TYPE, 7)
    wider = dataclasses.replace(NEW_TYPE, fields=(*NEW_TYPE.fields, "licence_class"))
    _register(client, wider, 9)
    versions = fetch_type_versions(client, "fishing_licence")  # type: ignore[arg-type]
    assert [(v.version, v.from_height, v.entry) for v in versions] == [
        (1, 7, NEW_TYPE),
        (2, 9, wider),
    ]
    assert fetch_type(client, "fishing_licence").entry == wider  # type: ignore[arg-type]
    _, retiring = lookup.TYPES.get_retirement(client.state, "fishing_licence", 12)
    client.state.apply_writes(retiring.items())
    current = fetch_type(client, "fishing_licence")  # type: ignore[arg-type]
    assert current.is_retired() and current.retired_height == 12


def test_a_document_of_a_new_type_is_built_and_checked_against_the_chains_entry() -> None:
    client = StateClient(catalogue_state())
    _register(client, NEW_TYPE, 3)
    with pytest.raises(DocumentInvalid, match="not in the certificate catalogue"):
        new_document(
            "cert-fish-1", "fishing_licence", FIELDS, suite=ED25519_SHA256
        )  # the legacy tables lack it
    doc = new_document("cert-fish-1", "fishing_licence", FIELDS, NEW_TYPE, suite=ED25519_SHA256)
    digest = chain_document_hash(client, doc)  # type: ignore[arg-type]
    assert digest == document_hash(doc, NEW_TYPE, suite=ED25519_SHA256)
    commitments = compute_field_commitments(
        NEW_TYPE, FIELDS, bytes.fromhex(doc["salt"]), suite=ED25519_SHA256
    )
    assert set(commitments) == set(NEW_TYPE.fields)
    with pytest.raises(DocumentInvalid, match="is a fishing_licence, not a diploma"):
        document_hash(doc, get_certificate_type(client, "diploma"), suite=ED25519_SHA256)  # type: ignore[arg-type]
    with pytest.raises(DocumentInvalid, match="not in the chain's catalogue"):
        chain_document_hash(client, {**doc, "cert_type": "no_such_type"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("id_number", "110105199001011233", "GB 11643"),
        ("issue_date", "2026-13-01", "YYYY-MM-DD"),
        ("issue_date", "1 Dec 2026", "YYYY-MM-DD"),
        ("boat_length_cm", "12.5", "decimal digits"),
        ("fishing_area", "x" * 21, "longer than 20"),
    ],
)
def test_values_are_checked_against_the_kinds_and_lengths_of_the_chains_type(
    field: str, value: str, problem: str
) -> None:
    with pytest.raises(DocumentInvalid, match=problem) as refused:
        new_document(
            "cert-fish-2",
            "fishing_licence",
            {**FIELDS, field: value},
            NEW_TYPE,
            suite=ED25519_SHA256,
        )
    assert value not in str(refused.value)  # the value itself is never repeated


def test_an_answer_that_is_no_type_is_refused_plainly() -> None:
    client = StateClient(catalogue_state())
    answer = client.query("certificates", "type", type_id="diploma")
    for broken in (
        {k: v for k, v in answer.items() if k != "field_kinds"},
        {**answer, "version": "one"},
        {**answer, "field_kinds": {**answer["field_kinds"], "degree": "colour"}},
    ):
        with pytest.raises(CatalogueAnswerInvalid):
            decode_certificate_type(broken)


def test_purpose_codes_come_from_the_chain() -> None:
    client = StateClient(catalogue_state())
    codes = fetch_purpose_codes(client)  # type: ignore[arg-type]
    assert codes["002"]["name_zh"] == "金融信贷审核" and codes["002"]["retired_height"] == 0
    assert client.queries == [("certificates", "purposes")]


def test_a_catalogue_of_a_few_hundred_types_reads_whole_and_one_by_one() -> None:
    """The seeds' provincial catalogues hold 91 to 1,333 types; 300 here (bench/catalogue.py
    times 1,000)."""
    many = tuple(
        dataclasses.replace(NEW_TYPE, id=f"kind_{i:03d}", type_code=f"{CODE}{i:03d}")
        for i in range(300)
    )
    genesis = demo_catalogue()
    client = StateClient(
        catalogue_state(lookup.GenesisCatalogue((*genesis.types, *many), (), genesis.purposes))
    )
    listed = fetch_types(client)  # type: ignore[arg-type]
    assert len(listed) == 300 + len(genesis.types)
    assert {t.entry for t in listed} >= set(many)
    assert get_certificate_type(client, "kind_150") == many[150]  # type: ignore[arg-type]
