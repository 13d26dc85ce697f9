"""Certificate lifecycle edges found by mutation testing (issue 19, docs/mutation.md).

Exact validity instants (the end of validity, the type's maximum, a renewal), the steps an
issuer keeps after losing a type, the records each step writes, and verification records.
They check error codes, records and events, never a message text.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from itertools import combinations
from typing import Any

import pytest

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.certificates import records
from contracts.certificates.commitments import (
    compute_document_hash,
    compute_document_hash_from_commitments,
    compute_field_commitments,
    derive_field_salt,
    encode_field_hashes,
    is_complete_commitments,
    is_well_formed_commitments,
    verify_disclosure,
)
from contracts.certificates.records import Certificate
from contracts.framework import limits
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
NCR = "NCR-2024-000001"
C: dict[str, ArgValue] = {"cert_id": CERT}
N: dict[str, ArgValue] = {"cert_id": NCR}
SALT = support.salt_for("diploma")
MAX_MS = 183 * support.DAY_MS
"""The no-criminal-record proof's longest validity (the catalogue's)."""


def status(ledger: support.Ledger, cert_id: str = CERT, now_ms: int | None = None) -> Any:
    return ledger.query("certificates", "status", {"cert_id": cert_id}, now_ms=now_ms)


def psb_ledger() -> support.Ledger:
    """A chain whose PSB also issues no-criminal-record proofs (valid at most 183 days)."""
    psb = dataclasses.replace(
        support.PSB, cert_types=(*support.PSB.cert_types, "no_criminal_record")
    )
    return support.Ledger(tuple(psb if o.id == psb.id else o for o in support.ORGANISATIONS))


def ncr_args(valid_until_ms: int, **overrides: ArgValue) -> dict[str, ArgValue]:
    return support.issue_args(
        cert_id=NCR, cert_type="no_criminal_record", valid_until_ms=valid_until_ms, **overrides
    )


def new_hash(name: str) -> str:
    """The document hash of Alice's diploma sealed with the salt named `name`."""
    return compute_document_hash(
        "diploma", support.ALICE_DIPLOMA_FIELDS, support.salt_for(name), suite=ED25519_SHA256
    )


def new_commitments(name: str) -> dict[str, str]:
    """The field commitments of that same document (new_hash's)."""
    return compute_field_commitments(
        "diploma", support.ALICE_DIPLOMA_FIELDS, support.salt_for(name), suite=ED25519_SHA256
    )


# --- exact instants ------------------------------------------------------------------------


def test_a_certificate_is_valid_up_to_its_end_of_validity_instant() -> None:
    ledger = support.Ledger()
    until = ledger.time_ms + support.DAY_MS
    ledger.issue_diploma(CERT, valid_until_ms=until)
    assert status(ledger, now_ms=until)["status"] == "valid"
    assert status(ledger, now_ms=until + 1)["status"] == "expired"


def test_a_validity_may_reach_exactly_the_types_maximum() -> None:
    ledger = psb_ledger()
    over = ncr_args(ledger.time_ms + MAX_MS + 1)
    ledger.reject(support.PSB, "certificates.issue", over, "invalid_argument")
    ledger.call(support.PSB, "certificates.issue", ncr_args(ledger.time_ms + MAX_MS))
    assert status(ledger, NCR)["valid_until_ms"] == ledger.time_ms - 1000 + MAX_MS
    ledger.reject(
        support.PSB,
        "certificates.renew",
        {**N, "valid_until_ms": ledger.time_ms + MAX_MS + 1},
        "invalid_argument",
    )
    renewed = ledger.time_ms + MAX_MS
    result = ledger.call(support.PSB, "certificates.renew", {**N, "valid_until_ms": renewed})
    assert dict(result.events[0].attrs)["valid_until_ms"] == renewed
    assert status(ledger, NCR)["valid_until_ms"] == renewed


def test_a_validity_must_end_after_the_block_time() -> None:
    ledger = psb_ledger()
    ledger.reject(support.PSB, "certificates.issue", ncr_args(ledger.time_ms), "invalid_argument")
    issued_at = ledger.time_ms
    ledger.call(support.PSB, "certificates.issue", ncr_args(issued_at + 1))
    assert status(ledger, NCR, now_ms=issued_at)["status"] == "valid"


def test_a_renewal_must_end_after_both_the_old_end_and_the_block_time() -> None:
    ledger = support.Ledger()
    until = ledger.time_ms + 10 * support.DAY_MS
    ledger.issue_diploma(CERT, valid_until_ms=until)
    renew = "certificates.renew"
    ledger.reject(support.UNIVERSITY, renew, {**C, "valid_until_ms": until}, "invalid_argument")
    ledger.call(support.UNIVERSITY, renew, {**C, "valid_until_ms": until + 1})
    assert status(ledger)["valid_until_ms"] == until + 1
    # Expired: the new end must also be later than now, not only than the old end.
    ledger.time_ms = until + support.DAY_MS
    ledger.reject(
        support.UNIVERSITY, renew, {**C, "valid_until_ms": ledger.time_ms}, "invalid_argument"
    )
    later = ledger.time_ms + 1
    ledger.call(support.UNIVERSITY, renew, {**C, "valid_until_ms": later})
    # Renewing to no end of validity at all is allowed for a type that needs none.
    result = ledger.call(support.UNIVERSITY, renew, {**C, "valid_until_ms": 0})
    assert dict(result.events[0].attrs)["old_valid_until_ms"] == later
    assert status(ledger)["valid_until_ms"] == 0
    ledger.reject(support.UNIVERSITY, renew, {**C, "valid_until_ms": 1}, "failed_precondition")


def test_a_type_that_needs_an_end_of_validity_cannot_be_renewed_to_none() -> None:
    ledger = psb_ledger()
    ledger.call(support.PSB, "certificates.issue", ncr_args(ledger.time_ms + support.DAY_MS))
    renew = {**N, "valid_until_ms": 0}
    ledger.reject(support.PSB, "certificates.renew", renew, "invalid_argument")


# --- an issuer that no longer issues the type ----------------------------------------------


def retired_ledger() -> support.Ledger:
    """The university issued Alice's diploma, then stopped issuing diplomas (its organisation
    record replaced as a governance change would): only the steps that end validity remain
    open to it."""
    ledger = support.Ledger.with_diploma(CERT)
    retired = dataclasses.replace(support.UNIVERSITY, cert_types=("teacher_qualification",))
    organisations = tuple(retired if o.id == retired.id else o for o in support.ORGANISATIONS)
    ledger.state.apply_writes(
        (key, value)
        for key, value in support.Ledger(organisations).state.items()
        if key.startswith(b"membership/org/")
    )
    return ledger


def test_an_issuer_that_stopped_issuing_a_type_may_only_suspend_and_revoke() -> None:
    ledger = retired_ledger()
    for method, args in (
        ("renew", {**C, "valid_until_ms": ledger.time_ms + support.DAY_MS}),
        ("amend", {**C, "doc_hash": new_hash("amended"), "reason": "x"}),
        (
            "reissue",
            {
                **C,
                "new_cert_id": "DIP-2012-000009",
                "doc_hash": new_hash("reissued"),
                "valid_until_ms": 0,
                "reason": "x",
            },
        ),
    ):
        ledger.reject(support.UNIVERSITY, f"certificates.{method}", args, "permission_denied")
    ledger.call(support.UNIVERSITY, "certificates.suspend", {**C, "reason": "review"})
    ledger.reject(support.UNIVERSITY, "certificates.reinstate", C, "permission_denied")
    ledger.call(support.UNIVERSITY, "certificates.revoke", {**C, "reason": "withdrawn"})
    assert status(ledger)["status"] == "revoked"


# --- reissue, verification records, queries ------------------------------------------------


def reissue_args(ledger: support.Ledger, new_id: str, **overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "new_cert_id": new_id,
        "doc_hash": new_hash(new_id),
        "valid_until_ms": 0,
        "reason": "证书遗失补发 lost",
    }
    args.update(overrides)
    return args


def test_a_suspended_certificate_may_be_reissued_within_the_types_rules() -> None:
    ledger = psb_ledger()
    ledger.call(support.PSB, "certificates.issue", ncr_args(ledger.time_ms + support.DAY_MS))
    ledger.call(support.PSB, "certificates.suspend", {**N, "reason": "review"})
    reissue = "certificates.reissue"
    no_end = {**N, **reissue_args(ledger, "NCR-2024-000002")}
    ledger.reject(support.PSB, reissue, no_end, "invalid_argument")
    taken = {**N, **reissue_args(ledger, NCR, valid_until_ms=ledger.time_ms + support.DAY_MS)}
    ledger.reject(support.PSB, reissue, taken, "already_exists")
    until = ledger.time_ms + support.DAY_MS
    good = {**N, **reissue_args(ledger, "NCR-2024-000002", valid_until_ms=until)}
    result = ledger.call(support.PSB, reissue, good)
    assert dict(result.events[0].attrs)["valid_until_ms"] == until
    new = status(ledger, "NCR-2024-000002")
    assert (new["status"], new["valid_until_ms"], new["issuer"]) == ("valid", until, "jinan-psb")
    assert (new["issued_height"], new["version"]) == (ledger.height - 1, 1)
    old = status(ledger, NCR)
    assert (old["status"], old["reason"], old["status_height"]) == (
        "superseded",
        "证书遗失补发 lost",
        ledger.height - 1,
    )


def test_a_verification_records_the_certificates_status_at_the_block_time() -> None:
    ledger = support.Ledger()
    until = ledger.time_ms + 5_000
    ledger.issue_diploma(CERT, valid_until_ms=until)
    ledger.time_ms = until + 1
    args: dict[str, ArgValue] = {
        **C,
        "verification_id": "VER-0000001",
        "result": "failed",
        "purpose": "窗口核验 counter check",
    }
    result = ledger.call(support.NOTARY, "certificates.record_verification", args)
    attrs = dict(result.events[0].attrs)
    assert (attrs["cert_status"], attrs["result"], attrs["fields"]) == ("expired", "failed", "")
    (record,) = ledger.query("certificates", "verifications", {"holder": support.ALICE})
    assert (record["cert_status"], record["fields"], record["time_ms"]) == (
        "expired",
        [],
        until + 1,
    )
    assert (record["doc_version"], record["height"]) == (1, ledger.height - 1)
    ledger.reject(
        support.NOTARY,
        "certificates.record_verification",
        {**args, "cert_id": "DIP-2099-999999", "verification_id": "VER-0000002"},
        "not_found",
    )


def test_verifications_are_listed_by_exactly_one_of_certificate_and_holder() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    for number in (1, 2):
        ledger.call(
            support.NOTARY,
            "certificates.record_verification",
            {**C, "verification_id": f"VER-000000{number}", "result": "passed", "purpose": "p"},
        )
    both = {**C, "holder": support.ALICE}
    for args in (both, {}):
        with pytest.raises(ContractError) as info:
            ledger.query("certificates", "verifications", args)
        assert info.value.code == "invalid_argument"
    limited = ledger.query("certificates", "verifications", {**C, "limit": 1})
    assert [v["verification_id"] for v in limited] == ["VER-0000001"]
    assert ledger.query("certificates", "verifications", {"holder": support.BOB}) == []


def test_the_history_reports_the_status_at_the_query_time() -> None:
    ledger = support.Ledger()
    until = ledger.time_ms + 5_000
    ledger.issue_diploma(CERT, valid_until_ms=until)
    history = ledger.query("certificates", "history", C, now_ms=until + 1)
    assert (history["status"], history["supersedes"], history["superseded_by"]) == (
        "expired",
        "",
        "",
    )
    assert [v["until_height"] for v in history["versions"]] == [0]
    listed = ledger.query(
        "certificates", "list_by_holder", {"holder": support.ALICE}, now_ms=until + 1
    )
    assert [c["status"] for c in listed] == ["expired"]


# --- the stored record: written-out encoding, its import check, related ids -----------------


def test_an_ordinary_record_takes_the_written_out_path_and_the_import_check_passes() -> None:
    """Certificate.encode falls back to the generic encoder on a TypeError, so the bytes alone
    cannot show the written-out path was taken: it is called here itself. The import check is
    called too (its own mutants are only seen by a test that calls it, docs/mutation.md)."""
    cert = support.distinct_certificate()
    assert records._encode_written_out(cert) == canonical_json(cert.to_json())
    empty = dataclasses.replace(cert, field_hashes={})
    assert records._encode_written_out(empty) == canonical_json(empty.to_json())
    records._check_written_out_encoding()


def _swapped(a: str, b: str) -> Callable[[Certificate], bytes]:
    def encode(cert: Certificate) -> bytes:
        changes = {a: getattr(cert, b), b: getattr(cert, a)}
        return canonical_json(dataclasses.replace(cert, **changes).to_json())

    return encode


def _defaulted(name: str) -> Callable[[Certificate], bytes]:
    default = Certificate.__dataclass_fields__[name]
    value: Any = default.default_factory() if callable(default.default_factory) else default.default

    def encode(cert: Certificate) -> bytes:
        return canonical_json(dataclasses.replace(cert, **{name: value}).to_json())

    return encode


def _unsorted_field_hashes(cert: Certificate) -> bytes:
    text = canonical_json(dataclasses.replace(cert, field_hashes={}).to_json()).decode()
    written = json.dumps(cert.field_hashes, separators=(",", ":"))
    return text.replace('"field_hashes":{}', f'"field_hashes":{written}').encode()


def _faulty_encoders() -> list[Callable[[Certificate], bytes]]:
    fields = dataclasses.fields(Certificate)
    by_type: dict[object, list[str]] = {}
    for f in fields:
        by_type.setdefault(f.type, []).append(f.name)
    swaps = [_swapped(a, b) for names in by_type.values() for a, b in combinations(names, 2)]
    with_default = [f.name for f in fields if f.default is not dataclasses.MISSING]
    with_default += [f.name for f in fields if f.default_factory is not dataclasses.MISSING]
    return [*swaps, *(_defaulted(name) for name in with_default), _unsorted_field_hashes]


@pytest.mark.parametrize("faulty", _faulty_encoders())
def test_the_import_check_catches_an_encoder_that_misplaces_a_field(
    faulty: Callable[[Certificate], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two fields of one type swapped, a field written as its default, the field hashes in
    their given order: its sample differs in each (no two fields alike, none at its default,
    the field hashes given unsorted)."""
    monkeypatch.setattr(records, "_encode_written_out", faulty)
    with pytest.raises(RuntimeError):
        records._check_written_out_encoding()


def test_related_ids_of_a_certificate_and_a_verification_under_one_id() -> None:
    """Certificates and verifications have separate tables: one id may name one of each, and
    the audit index then links both records' ids."""
    ledger = support.Ledger.with_diploma(CERT)
    other = "DIP-2012-000002"
    ledger.issue_diploma(other, holder=support.BOB)
    ledger.call(
        support.NOTARY,
        "certificates.record_verification",
        {**C, "verification_id": other, "result": "passed", "purpose": "p"},
    )
    assert records.get_related(ledger.state, other) == [
        support.BOB,
        support.UNIVERSITY.id,
        "",
        "",
        CERT,
        support.ALICE,
        support.NOTARY.id,
    ]
    assert records.get_related(ledger.state, CERT) == [support.ALICE, support.UNIVERSITY.id, "", ""]


# --- queries -------------------------------------------------------------------------------


def test_the_types_query_gives_each_types_fields_lengths_and_validity_rules() -> None:
    types = {t["id"]: t for t in support.Ledger().query("certificates", "types", {})}
    licence_fields = list(CERTIFICATE_TYPES["business_licence"].fields)
    assert types["business_licence"] == {
        "id": "business_licence",
        "name_zh": "营业执照",
        "name_en": "Business licence",
        "holder_kinds": ["enterprise"],
        "fields": licence_fields,
        "field_lengths_max": {
            f: 2000 if f == "business_scope" else limits.FIELD_VALUE_LENGTH_MAX_DEFAULT
            for f in licence_fields
        },
        "field_kinds": {f: "text" for f in licence_fields},
        "field_disclosures": {f: "conditional" for f in licence_fields},
        "metadata_fields": {},
        "validity_required": False,
        "validity_ms_max": 0,
        "type_code": CERTIFICATE_TYPES["business_licence"].type_code,
        "version": 1,
        "from_height": 0,
        "retired_height": 0,
    }
    ncr = types["no_criminal_record"]
    assert (ncr["validity_required"], ncr["validity_ms_max"]) == (True, MAX_MS)


def test_the_history_lists_the_current_version_last_with_its_heights() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    issued_at = ledger.height - 1
    amended = new_hash("amended")
    ledger.call(
        support.UNIVERSITY, "certificates.amend", {**C, "doc_hash": amended, "reason": "更正"}
    )
    amended_at = ledger.height - 1
    old, current = ledger.query("certificates", "history", C)["versions"]
    assert (old["version"], old["from_height"], old["until_height"], old["amend_reason"]) == (
        1,
        issued_at,
        amended_at,
        "更正",
    )
    assert current == {
        "version": 2,
        "doc_hash": amended,
        "field_hashes": {},
        "from_height": amended_at,
        "until_height": 0,
        "amend_reason": "",
    }


def test_the_list_by_holder_is_in_cert_id_order_up_to_its_limit() -> None:
    ledger = support.Ledger()
    for cert_id in ("DIP-2012-000002", CERT, "DIP-2012-000003"):
        ledger.issue_diploma(cert_id)
    ledger.issue_diploma("DIP-2012-000009", holder=support.BOB)

    def listed(**more: ArgValue) -> list[str]:
        args: dict[str, ArgValue] = {"holder": support.ALICE, **more}
        return [c["cert_id"] for c in ledger.query("certificates", "list_by_holder", args)]

    assert listed() == [CERT, "DIP-2012-000002", "DIP-2012-000003"]
    assert listed(limit=2) == [CERT, "DIP-2012-000002"]


# --- commitments ---------------------------------------------------------------------------


def test_a_document_may_reach_exactly_its_field_lengths_and_the_minimum_salt() -> None:
    longest = limits.FIELD_VALUE_LENGTH_MAX_DEFAULT
    salt = b"s" * limits.DOCUMENT_SALT_LENGTH_MIN
    at_edge = {**support.ALICE_DIPLOMA_FIELDS, "major": "计" * longest}
    assert len(compute_document_hash("diploma", at_edge, salt, suite=ED25519_SHA256)) == 64
    for fields, bad_salt in (
        ({**at_edge, "major": "计" * (longest + 1)}, salt),
        (at_edge, salt[1:]),
    ):
        with pytest.raises(ContractError) as info:
            compute_document_hash("diploma", fields, bad_salt, suite=ED25519_SHA256)
        assert info.value.code == "invalid_argument"


def test_a_document_of_a_type_that_is_no_catalogue_key_is_invalid() -> None:
    """An unhashable type is refused like an unknown one, not with a TypeError."""
    for cert_type in (["diploma"], "passport"):
        with pytest.raises(ContractError) as info:
            compute_document_hash(
                cert_type, support.ALICE_DIPLOMA_FIELDS, SALT, suite=ED25519_SHA256
            )  # type: ignore[arg-type]
        assert info.value.code == "invalid_argument"


def test_complete_commitments_name_exactly_the_types_fields_each_a_digest() -> None:
    diploma = CERTIFICATE_TYPES["diploma"]
    commitments = new_commitments("diploma")
    assert is_complete_commitments(diploma, commitments)
    not_complete: list[tuple[object, object]] = [
        (CERTIFICATE_TYPES["resident_id_card"], commitments),  # another type's fields
        (diploma, list(commitments)),  # the field names, not a mapping
        (diploma, {**commitments, "degree": "not a digest"}),
        (diploma, {**commitments, "degree": 7}),
        (diploma, {k: v for k, v in commitments.items() if k != "degree"}),  # one short
        (diploma, {**commitments, "Degree": commitments["degree"]}),  # not a field name
    ]
    for entry, candidate in not_complete:
        assert not is_complete_commitments(entry, candidate)  # type: ignore[arg-type]


def test_a_disclosure_is_a_tuple_of_a_text_value_and_a_bytes_salt() -> None:
    """Anything else fails (never raises): a list, a third item, a salt as a bytearray, a
    value that is no text or cannot be encoded."""
    commitments = new_commitments("diploma")
    value, salt = (
        support.ALICE_DIPLOMA_FIELDS["degree"],
        derive_field_salt(SALT, "degree", suite=ED25519_SHA256),
    )
    assert verify_disclosure(
        "diploma", commitments, {"degree": (value, salt)}, suite=ED25519_SHA256
    )
    for pair in (
        [value, salt],
        (value, salt, "extra"),
        (value, bytearray(salt)),
        (7, salt),
        ("\ud800", salt),
    ):
        assert not verify_disclosure("diploma", commitments, {"degree": pair}, suite=ED25519_SHA256)  # type: ignore[dict-item]


# --- the handlers' own arguments (mutated since the decorated handlers are, 4 Dec) ----------


def test_a_reissue_takes_field_hashes_of_the_old_certificates_type_and_new_document() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    commitments = new_commitments("reissued")
    args = {
        **C,
        **reissue_args(
            ledger,
            "DIP-2012-000002",
            doc_hash=new_hash("reissued"),
            field_hashes=encode_field_hashes(commitments),
        ),
    }
    # Commitments of another document (the first one's salt) do not hash to doc_hash.
    stale = new_commitments("diploma")
    wrong = {**args, "field_hashes": encode_field_hashes(stale)}
    ledger.reject(support.UNIVERSITY, "certificates.reissue", wrong, "invalid_argument")
    ledger.call(support.UNIVERSITY, "certificates.reissue", args)
    assert status(ledger, "DIP-2012-000002")["field_hashes"] == commitments


def test_a_reinstatement_without_a_reason_records_an_empty_one() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.call(support.UNIVERSITY, "certificates.suspend", {**C, "reason": "review"})
    result = ledger.call(support.UNIVERSITY, "certificates.reinstate", C)
    attrs = dict(result.events[0].attrs)
    assert (attrs["reason"], attrs["suspension_reason"]) == ("", "review")
    assert (status(ledger)["status"], status(ledger)["reason"]) == ("valid", "")


def test_a_certificate_may_reach_exactly_the_versions_cap() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    found = records.CERTIFICATES.get_existing(ledger.state, CERT)
    near_cap = dataclasses.replace(found, version=limits.VERSIONS_MAX - 1)
    ledger.state.apply_writes([(records.CERTIFICATES.key(CERT), near_cap.encode())])
    amend = "certificates.amend"
    ledger.call(support.UNIVERSITY, amend, {**C, "doc_hash": new_hash("last"), "reason": "x"})
    assert status(ledger)["version"] == limits.VERSIONS_MAX
    over = {**C, "doc_hash": new_hash("over"), "reason": "x"}
    ledger.reject(support.UNIVERSITY, amend, over, "failed_precondition")


def test_an_amendment_stores_the_new_documents_field_hashes() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    commitments = new_commitments("amended")
    args = {
        **C,
        "doc_hash": new_hash("amended"),
        "field_hashes": encode_field_hashes(commitments),
        "reason": "x",
    }
    ledger.call(support.UNIVERSITY, "certificates.amend", args)
    assert status(ledger)["field_hashes"] == commitments
    (old, current) = ledger.query("certificates", "history", C)["versions"]
    assert (old["field_hashes"], current["field_hashes"]) == ({}, commitments)


# --- after the catalogue moved onto the chain ----------------------------------------------


def test_amend_and_reissue_of_a_revoked_certificate_say_which_step_needs_what() -> None:
    ledger = support.Ledger.with_diploma()
    ledger.call(support.UNIVERSITY, "certificates.revoke", {**C, "reason": "撤销"})
    amend = {**C, "doc_hash": new_hash("amended"), "reason": "更正"}
    error = ledger.reject(support.UNIVERSITY, "certificates.amend", amend, "failed_precondition")
    assert error.message == (
        f"certificate {CERT} is revoked: amend needs a valid or suspended certificate"
    )
    reissue = {
        **C,
        "new_cert_id": "DIP-2012-000002",
        "doc_hash": new_hash("reissued"),
        "valid_until_ms": 0,
        "reason": "补发",
    }
    error = ledger.reject(
        support.UNIVERSITY, "certificates.reissue", reissue, "failed_precondition"
    )
    assert error.message == (
        f"certificate {CERT} is revoked: reissue needs a valid or suspended certificate"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "fields must not be empty"),
        (["degree", "nickname"], "fields must hold only names among: "),
    ],
)
def test_a_verification_names_some_fields_of_its_type(fields: list[str], message: str) -> None:
    ledger = support.Ledger.with_diploma()
    args: dict[str, ArgValue] = {
        **C,
        "verification_id": "VER-0000001",
        "result": "passed",
        "purpose": "开户",
        "purpose_code": "002",
        "fields": json.dumps(fields),
    }
    error = ledger.reject(
        support.BANK, "certificates.record_verification", args, "invalid_argument"
    )
    assert error.message.startswith(message)


def test_well_formed_commitments_are_1_to_64_names_to_digests() -> None:
    digest = "ab" * 32
    assert not is_well_formed_commitments({})
    assert not is_well_formed_commitments([("degree", digest)])
    at_limit = {f"f{n}": digest for n in range(limits.NAME_LIST_LENGTH_MAX)}
    assert is_well_formed_commitments(at_limit)
    assert not is_well_formed_commitments({**at_limit, "one_more": digest})
    assert not verify_disclosure("diploma", {}, {"degree": ("x", b"s" * 32)}, suite=ED25519_SHA256)
    with pytest.raises(ContractError):
        compute_document_hash_from_commitments(7, {"degree": digest}, suite=ED25519_SHA256)  # type: ignore[arg-type]
    with pytest.raises(ContractError):
        compute_document_hash_from_commitments(
            "diploma", {"degree": "not a digest"}, suite=ED25519_SHA256
        )
    assert (
        len(
            compute_document_hash_from_commitments(
                "diploma", {"degree": digest}, suite=ED25519_SHA256
            )
        )
        == 64
    )
