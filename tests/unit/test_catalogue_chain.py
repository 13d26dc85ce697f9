"""The catalogue as chain state: definitions, genesis, governance (registration by the
defining body, versions, retirement) and what the contracts refuse under it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from cli.demo_catalogue import demo_catalogue
from consensus.validators import Validator, ValidatorSet
from contracts import runtime
from contracts.catalogue import CERTIFICATE_TYPES, actions, definitions, lookup
from contracts.catalogue.entries import CatalogueEntry, CertificateType, RecordCategory
from contracts.catalogue.purposes import ENTRIES as PURPOSES
from contracts.catalogue.record_categories import CATEGORIES
from contracts.catalogue.shelves import ENTRIES_MAX, GENESIS_KEY
from contracts.certificates import metadata
from contracts.certificates.records import CERTIFICATES, Certificate
from contracts.framework import formats, signature
from contracts.framework.errors import ContractError
from contracts.framework.identifiers import CertificateIdentifier
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import ORGANISATIONS, get_organisation_problem
from contracts.runtime import ArgValue, genesis_writes
from node.genesis import Genesis
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import pass_proposal

PSB_CODE = "11371000000000001C"
NEW_TYPE_CODE = PSB_CODE + "009"
NEW_TYPE: dict[str, Any] = {
    "id": "residence_permit",
    "type_code": NEW_TYPE_CODE,
    "name_zh": "居住证",
    "name_en": "Residence permit",
    "holder_kinds": ["person"],
    "fields": [
        {"name": "holder_name", "disclosure": "sensitive"},
        {"name": "id_number", "kind": "resident_id", "disclosure": "sensitive"},
        {"name": "residence_address", "length_max": 400},
    ],
    "validity_required": True,
    "validity_ms_max": 366 * support.DAY_MS,
    "metadata": {"holder": "holder_name", "holder_code": "id_number"},
}
PERMIT_FIELDS = {"holder_name": "李娜", "id_number": "x", "residence_address": "威海市"}


def coded_ledger(catalogue: lookup.GenesisCatalogue | None = None) -> support.Ledger:
    """The test consortium, the police holding the code that opens NEW_TYPE's type code."""
    ledger = support.Ledger()
    ledger.state = MemoryState(
        genesis_writes(
            support.ORGANISATIONS,
            credit_codes={support.PSB.id: PSB_CODE},
            catalogue=catalogue,
            suite=ED25519_SHA256,
        )
    )
    return ledger


def propose_args(pid: str, action: str, **args: ArgValue) -> dict[str, ArgValue]:
    return {"proposal_id": pid, "action": action, **args}


def register_new_type(ledger: support.Ledger, definition: dict[str, Any] = NEW_TYPE) -> None:
    pass_proposal(
        ledger,
        propose_args(
            f"cat-{ledger.height:06d}",
            "register_certificate_type",
            definition=json.dumps(definition, ensure_ascii=False),
        ),
    )


def let_psb_issue(ledger: support.Ledger, *types: str) -> None:
    pass_proposal(
        ledger,
        propose_args(
            f"roles-{ledger.height:06d}",
            "set_roles",
            org_id=support.PSB.id,
            roles=json.dumps(["issuer"]),
            cert_types=json.dumps(["resident_id_card", "driving_licence", *types]),
        ),
    )


def request_args(ledger: support.Ledger, request_id: str, purpose_code: str) -> dict[str, ArgValue]:
    args = support.request_args(
        request_id, "DIP-2012-000001", support.ALICE, 1, ledger.time_ms + support.DAY_MS
    )
    return {**args, "purpose_code": purpose_code}


def issue_permit(ledger: support.Ledger, cert_id: str, *, code: str | None = None) -> Any:
    entry = lookup.get_certificate_type(ledger.state, "residence_permit")
    args: dict[str, ArgValue] = {
        "cert_id": cert_id,
        "cert_type": "residence_permit",
        "holder": support.ALICE,
        "doc_hash": support.doc_hash(entry, PERMIT_FIELDS, cert_id),
        "valid_until_ms": ledger.time_ms + 100 * support.DAY_MS,
    }
    if code is None:
        return ledger.call(support.PSB, "certificates.issue", args)
    return ledger.reject(support.PSB, "certificates.issue", args, code)


# --- definitions --------------------------------------------------------------------------


def test_every_demo_entry_survives_its_definition_both_ways() -> None:
    catalogue = demo_catalogue()
    text = json.dumps(lookup.encode_genesis_catalogue(catalogue), ensure_ascii=False)
    assert lookup.parse_genesis_catalogue(json.loads(text)) == catalogue
    assert len(catalogue.types) == len(CERTIFICATE_TYPES) + 5


def test_a_definition_fills_in_defaults_and_keeps_only_what_differs() -> None:
    entry = definitions.parse_certificate_type(NEW_TYPE)
    assert entry.fields == ("holder_name", "id_number", "residence_address")
    assert entry.get_field_kind("id_number") == "resident_id"
    assert entry.get_field_kind("residence_address") == "text"
    assert entry.get_field_disclosure("residence_address") == "conditional"
    assert entry.get_field_disclosure("holder_name") == "sensitive"
    assert entry.get_field_length_max("residence_address") == 400
    assert entry.get_field_length_max("holder_name") == 200
    encoded = definitions.encode_certificate_type(entry)
    assert encoded["fields"][0] == {
        "name": "holder_name",
        "kind": "text",
        "length_max": 200,
        "disclosure": "sensitive",
    }
    assert definitions.parse_certificate_type(encoded) == entry


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"colour": "red"}, "unknown keys: colour"),
        ({"id": "Residence"}, "id must be lower-case"),
        ({"id": 7}, "id must be lower-case"),
        ({"name_zh": ""}, "name_zh must be text of 1 to 64"),
        ({"name_en": "x" * 65}, "name_en must be text of 1 to 64"),
        ({"holder_kinds": []}, "holder_kinds must list person"),
        ({"holder_kinds": ["person", "person"]}, "holder_kinds must list person"),
        ({"holder_kinds": ["robot"]}, "holder_kinds must list person"),
        ({"fields": []}, "fields must list 1 to 64"),
        ({"fields": [{"name": "a"}] * 2}, "field names must be distinct"),
        ({"fields": [{"name": "a", "size": 3}]}, "unknown keys: size"),
        ({"fields": [{"kind": "text"}]}, "lacks name"),
        ({"fields": [{"name": "a", "length_max": 0}]}, "length_max must be an integer from 1"),
        ({"fields": [{"name": "a", "length_max": True}]}, "length_max must be an integer"),
        ({"fields": [{"name": "a", "kind": "photo"}]}, "kind must be one of"),
        ({"fields": [{"name": "a", "disclosure": "secret"}]}, "disclosure must be one of"),
        ({"type_code": PSB_CODE + "9"}, "type_code must be a GB/T 36904 type code"),
        ({"type_code": "11371000000000001D009"}, "type_code must be a GB/T 36904 type code"),
        ({"validity_required": "yes"}, "validity_required must be true or false"),
        ({"validity_ms_max": -1}, "validity_ms_max must be an integer from 0"),
    ],
)
def test_a_malformed_type_definition_is_refused_naming_its_problem(
    change: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ContractError) as info:
        definitions.parse_certificate_type({**NEW_TYPE, **change})
    assert info.value.code == "invalid_argument"
    assert problem in info.value.message


def test_categories_and_purposes_have_their_own_forms() -> None:
    category = {"id": "pension", "name_zh": "养老金", "name_en": "Pension", "subject_kinds": []}
    with pytest.raises(ContractError, match="subject_kinds must list"):
        definitions.parse_record_category(category)
    with pytest.raises(ContractError) as info:
        definitions.parse_record_category({**category, "id": "Pension"})
    assert info.value.message == "a record category's id must be lower-case letters, digits and _"
    for code in ("12", "1234", "abc"):
        with pytest.raises(ContractError) as info:
            definitions.parse_purpose({"id": code, "name_zh": "x", "name_en": "x"})
        assert info.value.message == "a purpose's id must be a code of 3 digits"
    with pytest.raises(ContractError, match="list an id twice"):
        lookup.parse_genesis_catalogue(
            {
                "certificate_types": [NEW_TYPE, NEW_TYPE],
                "record_categories": [],
                "purposes": [],
            }
        )
    with pytest.raises(ContractError, match="exactly the keys"):
        lookup.parse_genesis_catalogue({"certificate_types": []})


# --- genesis ------------------------------------------------------------------------------


def test_a_genesis_catalogue_replaces_the_legacy_one() -> None:
    only = lookup.GenesisCatalogue(
        (CERTIFICATE_TYPES["diploma"], CERTIFICATE_TYPES["resident_id_card"]),
        CATEGORIES,
        PURPOSES,
    )
    orgs = (support.UNIVERSITY, support.BANK)
    state = MemoryState(genesis_writes(orgs, catalogue=only, suite=ED25519_SHA256))
    assert state.get(GENESIS_KEY) == b"true"
    assert [t.entry.id for t in lookup.TYPES.get_all(state)] == ["diploma", "resident_id_card"]
    with pytest.raises(ContractError, match="driving_licence is not in the catalogue"):
        lookup.get_type_for_issue(state, "driving_licence", 5)
    # Without a genesis catalogue the legacy one stands, and no catalogue key is written.
    legacy = dict(genesis_writes(orgs, suite=ED25519_SHA256))
    assert not any(key.startswith(b"catalogue/") for key in legacy)
    assert lookup.get_type_for_issue(MemoryState(legacy.items()), "driving_licence", 5).id == (
        "driving_licence"
    )


def test_a_founding_organisation_names_only_types_of_the_genesis_catalogue() -> None:
    only = lookup.GenesisCatalogue((CERTIFICATE_TYPES["diploma"],), CATEGORIES, PURPOSES)
    with pytest.raises(ContractError, match="jinan-psb: certificate type resident_id_card"):
        genesis_writes((support.PSB,), catalogue=only, suite=ED25519_SHA256)
    hrss = dataclasses.replace(support.HRSS, record_categories=("pension",))
    with pytest.raises(ContractError, match="record category pension is not in"):
        genesis_writes((hrss,), suite=ED25519_SHA256)


def test_the_genesis_file_carries_its_catalogue_and_old_files_keep_their_hash() -> None:
    base = Genesis(
        chain_id="c",
        genesis_time_ms=1,
        validators=ValidatorSet((Validator("v", b"\x01" * 32),)),
        organisations=(support.UNIVERSITY,),
    )
    assert "catalogue" not in base.to_json()
    with_catalogue = dataclasses.replace(base, catalogue=demo_catalogue())
    assert with_catalogue.hash != base.hash
    loaded = Genesis.from_json(json.loads(json.dumps(with_catalogue.to_json())))
    assert loaded.catalogue == demo_catalogue()
    assert loaded.state_root == with_catalogue.state_root != base.state_root


def test_a_few_hundred_types_are_listed_and_each_is_issued_under() -> None:
    many = tuple(
        dataclasses.replace(CERTIFICATE_TYPES["diploma"], id=f"type_{n:03d}", type_code="")
        for n in range(400)
    )
    university = dataclasses.replace(support.UNIVERSITY, cert_types=("type_399",))
    ledger = support.Ledger()
    ledger.state = MemoryState(
        genesis_writes(
            (university, support.BANK),
            catalogue=lookup.GenesisCatalogue(many, (), ()),
            suite=ED25519_SHA256,
        )
    )
    types = ledger.query("certificates", "types", {})
    assert [t["id"] for t in types] == [f"type_{n:03d}" for n in range(400)]
    ledger.call(
        university,
        "certificates.issue",
        support.issue_args(
            cert_type="type_399",
            doc_hash=support.doc_hash(many[399], support.ALICE_DIPLOMA_FIELDS, "t"),
        ),
    )
    assert ledger.query("certificates", "status", {"cert_id": "DIP-2012-000001"})["cert_type"] == (
        "type_399"
    )


# --- governance ---------------------------------------------------------------------------


def test_the_defining_body_registers_a_type_in_force_from_the_next_block() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    decided = ledger.height - 1
    with pytest.raises(ContractError, match="not in the catalogue"):
        lookup.get_type_for_issue(ledger.state, "residence_permit", decided)
    assert lookup.get_type_for_issue(ledger.state, "residence_permit", decided + 1).id == (
        "residence_permit"
    )
    event = ledger.results[-1].events[-1]
    assert event.name == "membership.catalogue_registered"
    assert dict(event.attrs)["from_height"] == decided + 1
    let_psb_issue(ledger, "residence_permit")
    issue_permit(ledger, "RP-0000000001")
    shown = ledger.query("certificates", "type", {"type_id": "residence_permit"})
    assert (shown["version"], shown["type_code"], len(shown["versions"])) == (1, NEW_TYPE_CODE, 1)
    assert shown["field_disclosures"]["id_number"] == "sensitive"
    assert shown["field_kinds"] == {
        "holder_name": "text",
        "id_number": "resident_id",
        "residence_address": "text",
    }


def test_only_the_defining_body_may_propose_a_type_and_it_needs_a_type_code() -> None:
    ledger = coded_ledger()
    args = propose_args("cat-000001", "register_certificate_type", definition=json.dumps(NEW_TYPE))
    error = ledger.reject(support.UNIVERSITY, "membership.propose", args, "permission_denied")
    assert "defining body" in error.message
    no_code = {k: v for k, v in NEW_TYPE.items() if k != "type_code"}
    args = propose_args("cat-000002", "register_certificate_type", definition=json.dumps(no_code))
    error = ledger.reject(support.PSB, "membership.propose", args, "invalid_argument")
    assert "needs its type code" in error.message
    bad = propose_args("cat-000003", "register_certificate_type", definition='{"id": 1}')
    error = ledger.reject(support.PSB, "membership.propose", bad, "invalid_argument")
    assert "lacks" in error.message


def test_a_new_version_keeps_every_field_and_the_old_one_rules_its_approval_block() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    widened = {**NEW_TYPE, "fields": [*NEW_TYPE["fields"], {"name": "police_station"}]}
    register_new_type(ledger, widened)
    decided = ledger.height - 1
    assert len(lookup.get_type_for_issue(ledger.state, "residence_permit", decided).fields) == 3
    assert len(lookup.get_type_for_issue(ledger.state, "residence_permit", decided + 1).fields) == 4
    versions = ledger.query("certificates", "type", {"type_id": "residence_permit"})["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    for definition, why in (
        ({**NEW_TYPE, "fields": NEW_TYPE["fields"][:2]}, "keeps every field"),
        ({**widened, "type_code": PSB_CODE + "010"}, "keeps its type code"),
        (widened, "already has this definition"),
    ):
        args = propose_args(
            f"cat-x{ledger.height:05d}",
            "register_certificate_type",
            definition=json.dumps(definition),
        )
        error = ledger.reject(support.PSB, "membership.propose", args, "failed_precondition")
        assert why in error.message


def test_a_retired_type_issues_nothing_new_and_its_certificates_stay() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    let_psb_issue(ledger, "residence_permit")
    issue_permit(ledger, "RP-0000000001")
    pass_proposal(
        ledger,
        propose_args("retire-000001", "retire_certificate_type", entry_id="residence_permit"),
    )
    error = issue_permit(ledger, "RP-0000000002", code="failed_precondition")
    assert "residence_permit was retired at height" in error.message
    status = ledger.query("certificates", "status", {"cert_id": "RP-0000000001"})
    assert status["status"] == "valid"
    ledger.call(
        support.BANK,
        "certificates.record_verification",
        {
            "cert_id": "RP-0000000001",
            "verification_id": "VER-0000001",
            "result": "passed",
            "purpose": "开户",
            "purpose_code": "002",
        },
    )
    again = propose_args("retire-000002", "retire_certificate_type", entry_id="residence_permit")
    error = ledger.reject(support.PSB, "membership.propose", again, "failed_precondition")
    assert "retired already" in error.message
    register = propose_args(
        "cat-000009", "register_certificate_type", definition=json.dumps(NEW_TYPE)
    )
    error = ledger.reject(support.PSB, "membership.propose", register, "failed_precondition")
    assert "is retired" in error.message


def test_a_legacy_type_can_be_retired_and_keeps_its_first_version() -> None:
    ledger = support.Ledger()
    education = CERTIFICATE_TYPES["diploma"].type_code[:18]
    ledger.state = MemoryState(
        genesis_writes(
            support.ORGANISATIONS,
            credit_codes={support.UNIVERSITY.id: education},
            suite=ED25519_SHA256,
        )
    )
    ledger.issue_diploma()
    retire = propose_args("retire-000001", "retire_certificate_type", entry_id="diploma")
    error = ledger.reject(support.PSB, "membership.propose", retire, "permission_denied")
    assert "defining body" in error.message
    pass_proposal(ledger, retire, proposer=support.UNIVERSITY)
    error = ledger.reject(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(cert_id="DIP-2012-000002"),
        "failed_precondition",
    )
    assert "diploma was retired" in error.message
    versions = lookup.TYPES.get_versions(ledger.state, "diploma")
    assert [(v.standing.version, v.standing.retired_height > 0) for v in versions] == [(1, True)]


def test_categories_and_purposes_are_registered_and_retired_by_any_member() -> None:
    ledger = support.Ledger()
    purpose = {"id": "012", "name_zh": "租房核验", "name_en": "Tenancy check"}
    pass_proposal(
        ledger,
        propose_args("purpose-0001", "register_purpose", definition=json.dumps(purpose)),
        proposer=support.BANK,
    )
    ledger.issue_diploma()
    ledger.call(support.BANK, "consent.request", request_args(ledger, "REQ-0000001", "012"))
    pass_proposal(ledger, propose_args("purpose-0002", "retire_purpose", entry_id="012"))
    error = ledger.reject(
        support.BANK,
        "consent.request",
        request_args(ledger, "REQ-0000002", "012"),
        "failed_precondition",
    )
    assert "purpose 012 was retired" in error.message
    listed = {p["id"]: p for p in ledger.query("certificates", "purposes", {})}
    assert listed["012"]["retired_height"] == ledger.height - 1
    assert listed["001"] == {
        "id": "001",
        "name_zh": "政务服务办理",
        "name_en": "Government service application",
        "retired_height": 0,
    }
    pass_proposal(ledger, propose_args("cat-0000003", "retire_record_category", entry_id="medical"))
    error = ledger.reject(
        support.HEALTH,
        "archives.append",
        {
            "record_id": "MED-0000001",
            "subject": support.ALICE,
            "category": "medical",
            "source_department": "威海市卫健委",
            "content_hash": "ab" * 32,
        },
        "failed_precondition",
    )
    assert "record category medical was retired" in error.message


# --- what the contracts refuse ------------------------------------------------------------


def _scoped(ledger: support.Ledger, request_id: str) -> dict[str, ArgValue]:
    args = request_args(ledger, request_id, "001")
    del args["cert_id"]
    return args


def _refused_scope(ledger: support.Ledger, request_id: str, items: object) -> str:
    """The message of the bank's ``consent.request`` over ``items``, refused as invalid."""
    scope = json.dumps(items)
    args = {**_scoped(ledger, request_id), "scope": scope}
    return ledger.reject(support.BANK, "consent.request", args, "invalid_argument").message


def test_names_outside_the_catalogue_are_refused_where_they_are_used() -> None:
    ledger = support.Ledger.with_diploma()
    not_fields = "scope: fields must be field names of the certificate's type"
    of_type = [{"cert_type": "diploma", "fields": ["degree", "nickname"]}]
    assert _refused_scope(ledger, "REQ-0000001", of_type) == not_fields
    of_cert = [{"cert_id": "DIP-2012-000001", "fields": ["nickname"]}]
    assert _refused_scope(ledger, "REQ-0000003", of_cert) == not_fields
    message = _refused_scope(ledger, "REQ-0000002", [{"cert_type": "passport"}])
    assert "certificate type passport is not in the catalogue" in message
    error = ledger.reject(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(cert_type="passport", cert_id="DIP-2012-000009"),
        "invalid_argument",
    )
    assert "passport is not in the catalogue" in error.message
    error = ledger.reject(
        support.BANK,
        "certificates.record_verification",
        {
            "cert_id": "DIP-2012-000001",
            "verification_id": "VER-0000001",
            "result": "passed",
            "purpose": "开户",
            "purpose_code": "098",
        },
        "invalid_argument",
    )
    assert "purpose 098 is not in the catalogue" in error.message


def test_lookups_answer_for_each_kind() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    assert isinstance(lookup.get_certificate_type(state, "diploma"), CertificateType)
    assert isinstance(lookup.get_category_in_force(state, "medical", 1), RecordCategory)
    assert isinstance(lookup.check_purpose_code(state, "001", 1), CatalogueEntry)
    with pytest.raises(ContractError, match="cert_type is not in the certificate catalogue"):
        lookup.get_certificate_type(state, "passport")
    lookup.check_fields_of(state, "diploma", ["degree"], "fields")
    with pytest.raises(ContractError, match="fields must be field names"):
        lookup.check_fields_of(state, "diploma", ["degree", "nickname"], "fields")


# --- definitions: edges (each check's bounds, defaults and the messages' subjects) ---------


def test_a_definitions_bounds_are_inclusive() -> None:
    # 64 fields holding 5,000 characters in all: one of 4,000, one of 1, 62 of 16 (=992),
    # 7 left over for the second field (1 + 7 = 8).
    fields: list[dict[str, Any]] = [{"name": f"f{n}", "length_max": 16} for n in range(64)]
    fields[0]["length_max"] = definitions.FIELD_LENGTH_MAX
    fields[1]["length_max"] = 8
    edges = {
        **NEW_TYPE,
        "name_zh": "证",
        "name_en": "x" * definitions.NAME_LENGTH_MAX,
        "fields": fields,
        "validity_ms_max": definitions.VALIDITY_MS_MAX,
        "metadata": {},
    }
    entry = definitions.parse_certificate_type(edges)
    assert (len(entry.fields), entry.get_field_length_max("f0")) == (64, 4_000)
    assert sum(entry.get_field_length_max(f) for f in entry.fields) == definitions.TYPE_LENGTH_MAX
    assert entry.validity_ms_max == definitions.VALIDITY_MS_MAX
    one_more = [dict(f) for f in fields]
    one_more[1]["length_max"] = 9
    with pytest.raises(ContractError) as info:
        definitions.parse_certificate_type({**edges, "fields": one_more})
    assert info.value.message == (
        "certificate type residence_permit: its fields may hold at most 5000 characters in all"
        " (5001 asked: a document and its credentials must fit one wallet delivery)"
    )
    for change in (
        {"fields": [{"name": f"f{n}", "length_max": 1} for n in range(65)], "metadata": {}},
        {"fields": [{"name": "f", "length_max": definitions.FIELD_LENGTH_MAX + 1}], "metadata": {}},
        {"validity_ms_max": definitions.VALIDITY_MS_MAX + 1},
        {"fields": [{"name": 7}], "metadata": {}},
    ):
        with pytest.raises(ContractError, match="certificate type residence_permit: "):
            definitions.parse_certificate_type({**NEW_TYPE, **change})
    # Fields left at the default length count at it: 26 of them hold 5,200.
    defaulted = [{"name": f"f{n}"} for n in range(26)]
    with pytest.raises(ContractError, match="5200 asked"):
        definitions.parse_certificate_type({**NEW_TYPE, "fields": defaulted, "metadata": {}})


def test_a_definition_without_the_optional_keys_takes_their_defaults() -> None:
    bare = {k: v for k, v in NEW_TYPE.items() if not k.startswith("validity")}
    entry = definitions.parse_certificate_type(bare)
    assert (entry.validity_required, entry.validity_ms_max) == (False, 0)
    assert definitions.parse_certificate_type({**bare, "type_code": ""}).type_code == ""


def test_refusals_name_what_was_defined() -> None:
    for parse, value, start in (
        (definitions.parse_certificate_type, [], "a certificate type must be a JSON object"),
        (definitions.parse_certificate_type, {"id": "x"}, "a certificate type lacks"),
        (
            definitions.parse_certificate_type,
            {**NEW_TYPE, "fields": [{}]},
            "certificate type residence_permit: a field lacks name",
        ),
        (
            definitions.parse_certificate_type,
            {**NEW_TYPE, "holder_kinds": []},
            "certificate type residence_permit: holder_kinds",
        ),
        (
            definitions.parse_certificate_type,
            {**NEW_TYPE, "name_en": ""},
            "certificate type residence_permit: name_en",
        ),
        (definitions.parse_record_category, {"id": "x"}, "a category lacks"),
        (
            definitions.parse_record_category,
            {"id": 5, "name_zh": "x", "name_en": "x", "subject_kinds": ["person"]},
            "a record category's id",
        ),
        (
            definitions.parse_record_category,
            {"id": "pension", "name_zh": "", "name_en": "x", "subject_kinds": ["person"]},
            "record category pension: name_zh",
        ),
        (
            definitions.parse_record_category,
            {"id": "pension", "name_zh": "x", "name_en": "x", "subject_kinds": []},
            "record category pension: subject_kinds",
        ),
        (definitions.parse_purpose, {"id": "012"}, "a purpose lacks"),
        (
            definitions.parse_purpose,
            {"id": "012", "name_zh": "", "name_en": "x"},
            "purpose 012: name_zh",
        ),
    ):
        with pytest.raises(ContractError) as info:
            parse(value)
        assert info.value.message.startswith(start), info.value.message


# --- governance actions: their arguments, admission and events -----------------------------


def test_the_definition_argument_reads_parses_and_admits_whole_definitions() -> None:
    arg = actions._definition_arg(lookup.TYPES)
    assert arg.name == "definition"
    assert arg.kind.json and arg.kind.summary == "JSON object: a certificate type's definition"
    text = json.dumps(NEW_TYPE, ensure_ascii=False)
    read = arg.read({"definition": text}, "definition")
    assert read == definitions.encode_certificate_type(definitions.parse_certificate_type(NEW_TYPE))
    assert arg.kind.admit is not None
    assert arg.kind.admit(text) is None
    problem = arg.kind.admit('{"id": "x"}')
    assert problem is not None and problem.startswith(
        "is not a certificate type definition: a certificate type lacks"
    )
    assert arg.kind.admit("not json") is not None
    category = actions._definition_arg(lookup.CATEGORIES).kind
    assert category.summary == "JSON object: a record category's definition"


def test_admission_refuses_a_malformed_definition_before_any_block() -> None:
    args: dict[str, ArgValue] = {
        "proposal_id": "cat-000001",
        "action": "register_certificate_type",
        "definition": json.dumps({**NEW_TYPE, "fields": []}),
    }
    refusal = runtime.get_admission_refusal("membership", "propose", args)
    assert refusal is not None and "fields must list 1 to 64 fields" in refusal.message
    args["definition"] = json.dumps(NEW_TYPE, ensure_ascii=False)
    assert runtime.get_admission_refusal("membership", "propose", args) is None
    args = {"proposal_id": "cat-000002", "action": "retire_purpose", "entry_id": "Other"}
    refusal = runtime.get_admission_refusal("membership", "propose", args)
    assert refusal is not None and "entry_id" in refusal.message


def test_registration_and_retirement_events_say_what_changed_from_when() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    decided = ledger.height - 1
    event = ledger.results[-1].events[-1]
    assert event.subjects == ("residence_permit", f"cat-{decided - 6:06d}")
    assert dict(event.attrs) == {
        "entry_id": "residence_permit",
        "from_height": decided + 1,
        "kind": "certificate_type",
        "proposal_id": f"cat-{decided - 6:06d}",
        "retired_height": 0,
        "version": 1,
    }
    pass_proposal(
        ledger, propose_args("retire-0001", "retire_certificate_type", entry_id="residence_permit")
    )
    retired = ledger.results[-1].events[-1]
    assert retired.name == "membership.catalogue_retired"
    assert dict(retired.attrs)["retired_height"] == ledger.height
    assert dict(retired.attrs)["version"] == 1


def test_a_legacy_entrys_next_version_keeps_the_first_readable() -> None:
    ledger = support.Ledger()
    pass_proposal(
        ledger,
        propose_args(
            "cat-000001",
            "register_record_category",
            definition=json.dumps(
                {
                    "id": "medical",
                    "name_zh": "医疗健康",
                    "name_en": "Medical",
                    "subject_kinds": ["person"],
                },
                ensure_ascii=False,
            ),
        ),
    )
    versions = lookup.CATEGORIES.get_versions(ledger.state, "medical")
    assert [(v.standing.version, v.entry.name_zh) for v in versions] == [
        (1, "医疗"),
        (2, "医疗健康"),
    ]
    assert versions[0].standing.from_height == 0
    narrowed = {"id": "medical", "name_zh": "医疗", "name_en": "M", "subject_kinds": ["enterprise"]}
    error = ledger.reject(
        support.PSB,
        "membership.propose",
        propose_args("cat-000002", "register_record_category", definition=json.dumps(narrowed)),
        "failed_precondition",
    )
    assert "keeps every kind of file" in error.message


def test_an_entry_changes_at_most_once_a_block() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    entry = definitions.parse_purpose({"id": "012", "name_zh": "租房", "name_en": "Tenancy"})
    listed, writes = lookup.PURPOSE_CODES.get_registration(state, entry, 5, actions._keeps_anything)
    assert (listed.standing.version, listed.standing.from_height) == (1, 5)
    state.apply_writes(writes.items())
    renamed = definitions.parse_purpose({"id": "012", "name_zh": "租赁", "name_en": "Tenancy"})
    with pytest.raises(ContractError, match="changed in this block already"):
        lookup.PURPOSE_CODES.get_registration(state, renamed, 5, actions._keeps_anything)
    listed, _ = lookup.PURPOSE_CODES.get_registration(state, renamed, 6, actions._keeps_anything)
    assert listed.standing.version == 2
    with pytest.raises(ContractError, match="purpose 013 is not in the catalogue"):
        lookup.PURPOSE_CODES.get_retirement(state, "013", 6)


# --- GB/T 36903 metadata ------------------------------------------------------------------


def test_the_metadata_names_what_the_chain_holds_and_where_the_rest_is() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    let_psb_issue(ledger, "residence_permit")
    national = CertificateIdentifier(NEW_TYPE_CODE, PSB_CODE, "0000000001", 1).text
    issue_permit(ledger, national)
    issued = ledger.height - 1
    answer = ledger.query("certificates", "metadata", {"cert_id": national})
    assert answer == {
        "cert_id": national,
        "identifier": national,
        "name_zh": "居住证",
        "name_en": "Residence permit",
        "type_code": NEW_TYPE_CODE,
        "issuer": support.PSB.id,
        "issuer_name": support.PSB.name,
        "issuer_code": PSB_CODE,
        "issued_height": issued,
        "valid_until_ms": answer["valid_until_ms"],
        "status": "valid",
        "holder_code_type": "111",
        "off_chain_fields": {"holder": "holder_name", "holder_code": "id_number"},
    }
    assert answer["valid_until_ms"] > ledger.time_ms


def test_the_metadata_of_a_local_id_and_an_enterprise_type() -> None:
    ledger = support.Ledger.with_diploma()
    answer = ledger.query("certificates", "metadata", {"cert_id": "DIP-2012-000001"})
    assert (answer["identifier"], answer["issuer_code"], answer["holder_code_type"]) == (
        "",
        "",
        "111",
    )
    assert answer["off_chain_fields"] == {}  # the legacy catalogue declares no roles
    demo = {t.id: t for t in demo_catalogue().types}
    cert = Certificate.decode(ledger.state.get(CERTIFICATES.key("DIP-2012-000001")) or b"")
    licence = metadata.get_metadata(
        dataclasses.replace(cert, cert_type="business_licence"),
        cert.cert_id,
        demo["business_licence"],
        "济南市市场监管局",
        "",
        ledger.time_ms,
    )
    assert licence["holder_code_type"] == "001"
    assert licence["off_chain_fields"] == {
        "holder": "company_name",
        "holder_code": "unified_social_credit_code",
    }
    marriage = metadata.get_metadata(
        cert, cert.cert_id, demo["marriage_certificate"], "", "", ledger.time_ms
    )
    assert marriage["off_chain_fields"] == {
        "holder": "holder_name",
        "holder_code": "holder_id_number",
        "certificate_number": "certificate_number",
    }
    vehicle = metadata.get_metadata(
        cert, cert.cert_id, demo["vehicle_licence"], "", "", ledger.time_ms
    )
    assert vehicle["holder_code_type"] == ""  # a person or an enterprise may hold it
    with pytest.raises(ContractError) as info:
        ledger.query("certificates", "metadata", {"cert_id": "DIP-2012-000009"})
    assert info.value.code == "not_found"
    # An issuer that has left the consortium: its name is no longer on the chain.
    ledger.state.apply_writes([(ORGANISATIONS.key(support.UNIVERSITY.id), None)])
    gone = ledger.query("certificates", "metadata", {"cert_id": "DIP-2012-000001"})
    assert (gone["issuer"], gone["issuer_name"]) == (support.UNIVERSITY.id, "")


def test_a_types_metadata_roles_name_its_own_fields() -> None:
    for bad in ({"holder": "nickname"}, {"seal": "holder_name"}, ["holder"]):
        with pytest.raises(ContractError, match="metadata must map holder, holder_code"):
            definitions.parse_certificate_type({**NEW_TYPE, "metadata": bad})


# --- the shelves' state layout ------------------------------------------------------------


def test_the_state_layout_is_as_documented() -> None:
    assert lookup.TYPES.key("diploma") == b"catalogue/certificate_type/diploma"
    assert lookup.TYPES.version_key("diploma", 12) == (
        b"catalogue/certificate_type_version/diploma/000012"
    )
    only = lookup.GenesisCatalogue((CERTIFICATE_TYPES["diploma"],), CATEGORIES[:1], PURPOSES[:1])
    writes = dict(genesis_writes((support.BANK,), catalogue=only, suite=ED25519_SHA256))
    stored = json.loads(writes[b"catalogue/certificate_type/diploma"])
    assert (stored["version"], stored["from_height"], stored["retired_height"]) == (1, 0, 0)
    assert (
        writes[b"catalogue/certificate_type_version/diploma/000001"]
        == (writes[b"catalogue/certificate_type/diploma"])
    )
    assert writes[b"catalogue/purpose/001"] and writes[b"catalogue/record_category/social_security"]


def test_versions_of_a_legacy_entry_and_of_none() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    versions = lookup.TYPES.get_versions(state, "diploma")
    assert [(v.entry, v.standing.version, v.standing.from_height) for v in versions] == [
        (CERTIFICATE_TYPES["diploma"], 1, 0)
    ]
    assert lookup.TYPES.get_versions(state, "passport") == []


def test_a_stored_first_version_is_not_written_again_by_the_next() -> None:
    only = lookup.GenesisCatalogue((), (), PURPOSES)
    state = MemoryState(genesis_writes((support.BANK,), catalogue=only, suite=ED25519_SHA256))
    renamed = definitions.parse_purpose({"id": "001", "name_zh": "政务服务", "name_en": "Services"})
    listed, writes = lookup.PURPOSE_CODES.get_registration(
        state, renamed, 5, actions._keeps_anything
    )
    assert set(writes) == {b"catalogue/purpose/001", b"catalogue/purpose_version/001/000002"}
    assert (listed.standing.version, listed.standing.from_height) == (2, 5)


def test_a_shelf_holds_at_most_its_limit() -> None:
    full = tuple(
        dataclasses.replace(CERTIFICATE_TYPES["diploma"], id=f"t{n:05d}", type_code="")
        for n in range(ENTRIES_MAX - 1)
    )
    state = MemoryState(
        genesis_writes(
            (support.BANK,), catalogue=lookup.GenesisCatalogue(full, (), ()), suite=ED25519_SHA256
        )
    )
    last = dataclasses.replace(full[0], id="t_last")
    _, writes = lookup.TYPES.get_registration(state, last, 5, actions._keeps_type)
    state.apply_writes(writes.items())
    with pytest.raises(ContractError, match=f"already holds {ENTRIES_MAX} certificate types"):
        lookup.TYPES.get_registration(
            state, dataclasses.replace(last, id="t_over"), 6, actions._keeps_type
        )


# --- edges the mutation run found untested -------------------------------------------------


def test_a_type_with_no_metadata_roles_and_their_refusal_names_the_type() -> None:
    bare = {k: v for k, v in NEW_TYPE.items() if k != "metadata"}
    assert definitions.parse_certificate_type(bare).metadata_fields == ()
    with pytest.raises(ContractError, match="certificate type residence_permit: metadata"):
        definitions.parse_certificate_type({**NEW_TYPE, "metadata": {"holder": "x"}})


def test_every_field_of_a_type_is_within_it() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    lookup.check_fields_of(state, "diploma", CERTIFICATE_TYPES["diploma"].fields, "fields")
    only = lookup.GenesisCatalogue((CERTIFICATE_TYPES["diploma"],), (), ())
    hrss = dataclasses.replace(support.UNIVERSITY, record_categories=("medical",))
    with pytest.raises(ContractError, match="record category medical is not in the catalogue"):
        genesis_writes((hrss,), catalogue=only, suite=ED25519_SHA256)


@pytest.mark.parametrize("section", ["certificate_types", "record_categories", "purposes"])
def test_a_genesis_catalogue_section_must_be_a_list(section: str) -> None:
    value: dict[str, Any] = {"certificate_types": [], "record_categories": [], "purposes": []}
    value[section] = {}
    with pytest.raises(ContractError, match=f"the catalogue's {section} must be a JSON array"):
        lookup.parse_genesis_catalogue(value)


def test_a_new_version_may_keep_exactly_the_same_fields() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    register_new_type(ledger, {**NEW_TYPE, "name_en": "Residence permit (2026)"})
    assert lookup.get_certificate_type(ledger.state, "residence_permit").name_en == (
        "Residence permit (2026)"
    )
    decided = ledger.height - 1
    pid = f"cat-{decided - 6:06d}"
    proposal = ledger.query("membership", "proposal", {"proposal_id": pid})
    assert proposal["effective_height"] == decided + 1
    retire = propose_args("retire-0001", "retire_certificate_type", entry_id="residence_permit")
    pass_proposal(ledger, retire)
    retired = ledger.query("membership", "proposal", {"proposal_id": "retire-0001"})
    assert retired["effective_height"] == ledger.height
    event = ledger.results[-1].events[-1]
    assert event.subjects == ("residence_permit", "retire-0001")
    assert dict(event.attrs)["proposal_id"] == "retire-0001"


def test_an_entry_id_is_1_to_48_lower_case_characters() -> None:
    for good in ("x", "0" * 48, "a_1"):
        assert actions._read_entry_id({"entry_id": good}, "entry_id") == good
    for bad in ("", "a" * 49, "A", "a-b", "中"):
        with pytest.raises(ContractError, match="entry_id must be a catalogue id"):
            actions._read_entry_id({"entry_id": bad}, "entry_id")
    admit = actions._definition_arg(lookup.PURPOSE_CODES).kind.admit
    assert admit is not None
    problem = admit("{not json")
    assert problem == "is not a purpose definition: definition must be valid JSON"


def test_the_action_builders_register_and_retire_on_their_shelf() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    ctx = support.Ledger().ctx(support.BANK)
    register = actions._registering(lookup.PURPOSE_CODES, actions._keeps_anything)
    assert [arg.name for arg in register.args] == ["definition"]
    params = {"definition": {"id": "012", "name_zh": "租房", "name_en": "Tenancy"}}
    plan = register.plan(state, ctx, "p-000001", params)
    assert plan.effective_height == ctx.height + 1
    assert b"catalogue/purpose/012" in plan.writes
    state.apply_writes(plan.writes.items())
    renamed = {"definition": {"id": "012", "name_zh": "租赁", "name_en": "Tenancy"}}
    later = dataclasses.replace(ctx, height=ctx.height + 1)
    assert register.plan(state, later, "p-000003", renamed).events[0].attrs[-1] == ("version", 2)
    strict = actions._registering(lookup.CATEGORIES, actions._keeps_category)
    narrowed = {
        "definition": {"id": "medical", "name_zh": "医疗", "name_en": "M", "subject_kinds": []}
    }
    with pytest.raises(ContractError):
        strict.plan(state, later, "p-000004", narrowed)
    narrowed["definition"]["subject_kinds"] = ["enterprise"]
    with pytest.raises(ContractError, match="keeps every kind of file"):
        strict.plan(state, later, "p-000004", narrowed)
    retire = actions._retiring(lookup.CATEGORIES)
    assert [arg.name for arg in retire.args] == ["entry_id"]
    plan = retire.plan(state, ctx, "p-000002", {"entry_id": "medical"})
    assert b"catalogue/record_category/medical" in plan.writes
    assert plan.events[0].name == "membership.catalogue_retired"


def test_a_type_code_names_one_type() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    twin = {**NEW_TYPE, "id": "residence_permit_twin"}
    args = propose_args("cat-twin001", "register_certificate_type", definition=json.dumps(twin))
    error = ledger.reject(support.PSB, "membership.propose", args, "failed_precondition")
    assert error.message == (
        f"type code {NEW_TYPE_CODE} already names certificate type residence_permit"
    )
    twins = [NEW_TYPE, twin]
    with pytest.raises(ContractError, match="give one type code to two types"):
        lookup.parse_genesis_catalogue(
            {"certificate_types": twins, "record_categories": [], "purposes": []}
        )
    no_codes = [{**t, "type_code": ""} for t in twins]
    parsed = lookup.parse_genesis_catalogue(
        {"certificate_types": no_codes, "record_categories": [], "purposes": []}
    )
    assert len(parsed.types) == 2  # local types (no code) may be many


def test_a_retired_type_still_answers_for_its_certificates() -> None:
    ledger = coded_ledger()
    register_new_type(ledger)
    pass_proposal(
        ledger,
        propose_args("retire-000001", "retire_certificate_type", entry_id="residence_permit"),
    )
    assert lookup.get_type_at(ledger.state, "residence_permit", ledger.height).id == (
        "residence_permit"
    )
    with pytest.raises(ContractError, match="was retired"):
        lookup.get_type_for_issue(ledger.state, "residence_permit", ledger.height)
    with pytest.raises(ContractError, match="passport is not in the catalogue"):
        lookup.get_type_at(ledger.state, "passport", ledger.height)


def test_an_organisations_type_list_holds_catalogue_ids_once_each() -> None:
    for cert_types, problem in (
        (("Diploma",), "organisation sdu: cert_types must be certificate types of the catalogue"),
        (("diploma", "diploma"), "organisation sdu: a certificate type is listed twice"),
    ):
        university = dataclasses.replace(support.UNIVERSITY, cert_types=cert_types)
        assert get_organisation_problem(university, suite=ED25519_SHA256) == problem
    assert get_organisation_problem(support.UNIVERSITY, suite=ED25519_SHA256) is None


# --- the framework's catalogue-name arguments ----------------------------------------------


def test_a_catalogue_name_list_argument_reads_checks_and_admits() -> None:
    arg = signature.catalogue_name_list("cert_types", allow_empty=False)
    assert (arg.name, arg.kind.summary) == ("cert_types", "JSON array of distinct catalogue ids")
    assert arg.read({"cert_types": '["medical", "diploma"]'}, "cert_types") == (
        "diploma",
        "medical",
    )
    with pytest.raises(ContractError, match="cert_types must not be empty"):
        arg.read({"cert_types": "[]"}, "cert_types")
    assert signature.catalogue_name_list("x").read({"x": "[]"}, "x") == ()
    for bad, message in (
        ('"diploma"', "cert_types must be a JSON array of catalogue ids"),
        ('["Diploma"]', "cert_types must be a JSON array of catalogue ids"),
        ('["diploma", "diploma"]', "cert_types lists a name twice"),
    ):
        with pytest.raises(ContractError) as info:
            arg.read({"cert_types": bad}, "cert_types")
        assert info.value.message.startswith(message)
    admit = arg.kind.admit
    assert admit is not None
    assert admit('["diploma"]') is None and admit("not json") is None
    for refused in ('"abc"', '["Diploma"]', '["a", 5]'):
        assert admit(refused) == "must list catalogue ids ([a-z][a-z0-9_]{0,47})"


def test_the_forms_of_catalogue_ids_and_purpose_codes() -> None:
    assert formats.is_purpose_code("001") and not formats.is_purpose_code("12")
    assert not formats.is_purpose_code(12)  # type: ignore[arg-type]
    assert formats.is_catalogue_id("a_1") and not formats.is_catalogue_id("1a")
    assert not formats.is_catalogue_id(None)  # type: ignore[arg-type]
