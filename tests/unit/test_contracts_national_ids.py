"""National identifiers (GB/T 36904) as certificate ids: checked part by part on every input,
bound at issuance to the type and the issuer, the next version at reissue (issue 17).

The issuer's code comes from genesis (``credit_codes``); the type code from the catalogue.
"""

from __future__ import annotations

import dataclasses

import pytest

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.certificates import national
from contracts.certificates.commitments import compute_document_hash
from contracts.framework import arguments, declarations
from contracts.framework.arguments import ORGANISATION_CODE
from contracts.framework.errors import ContractError
from contracts.framework.identifiers import CertificateIdentifier
from contracts.framework.memory import MemoryState
from contracts.framework.signature import text_kind
from contracts.membership import credit_codes
from contracts.runtime import (
    LATEST,
    ArgValue,
    genesis_writes,
    get_admission_refusal,
    screen_arguments,
)
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import add_org_args, pass_proposal

SDU_CODE = "11371000000000002F"
PSB_CODE = "11371000000000001C"
DIPLOMA_CODE = CERTIFICATE_TYPES["diploma"].type_code


def identifier(
    serial: str = "0000000001",
    version: int = 1,
    type_code: str = DIPLOMA_CODE,
    issuer_code: str = SDU_CODE,
) -> str:
    return CertificateIdentifier(type_code, issuer_code, serial, version).text


def coded_ledger() -> support.Ledger:
    """The test consortium with the university's and the police's credit codes in genesis."""
    ledger = support.Ledger()
    ledger.state = MemoryState(
        genesis_writes(
            support.ORGANISATIONS,
            credit_codes={support.UNIVERSITY.id: SDU_CODE, support.PSB.id: PSB_CODE},
            suite=ED25519_SHA256,
        )
    )
    return ledger


def reissue_args(cert_id: str, new_cert_id: str) -> dict[str, ArgValue]:
    return {
        "cert_id": cert_id,
        "new_cert_id": new_cert_id,
        "doc_hash": compute_document_hash(
            "diploma",
            support.ALICE_DIPLOMA_FIELDS,
            support.salt_for(new_cert_id),
            suite=ED25519_SHA256,
        ),
        "valid_until_ms": 0,
        "reason": "证书遗失补发 lost, reissued",
    }


def test_a_certificate_issued_under_a_national_identifier_is_found_by_it() -> None:
    ledger = coded_ledger()
    cert_id = identifier()
    assert len(cert_id) > 64  # longer than every other kind of id
    ledger.call(support.UNIVERSITY, "certificates.issue", support.issue_args(cert_id=cert_id))
    found = ledger.query("certificates", "status", {"cert_id": cert_id})
    assert (found["cert_id"], found["issuer"], found["status"]) == (
        cert_id,
        support.UNIVERSITY.id,
        "valid",
    )
    # The node admits it: the organisations' codes inside are not taken for personal data.
    assert (
        get_admission_refusal("certificates", "issue", support.issue_args(cert_id=cert_id)) is None
    )


@pytest.mark.parametrize(
    ("cert_id", "code"),
    [
        (identifier(version=2), "invalid_argument"),  # a new certificate starts at 001
        (identifier(type_code=CERTIFICATE_TYPES["driving_licence"].type_code), "invalid_argument"),
        (identifier(issuer_code=PSB_CODE), "permission_denied"),  # another issuer's code
        (identifier()[:-1] + ("A" if identifier()[-1] != "A" else "B"), "invalid_argument"),
        (identifier().replace(".001.", ".01."), "invalid_argument"),
    ],
)
def test_an_identifier_that_does_not_name_this_type_and_issuer_is_refused(
    cert_id: str, code: str
) -> None:
    ledger = coded_ledger()
    ledger.reject(
        support.UNIVERSITY, "certificates.issue", support.issue_args(cert_id=cert_id), code
    )


def test_an_issuer_without_a_credit_code_issues_local_ids_only() -> None:
    ledger = support.Ledger()  # no credit codes in genesis
    error = ledger.reject(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(cert_id=identifier()),
        "failed_precondition",
    )
    assert support.UNIVERSITY.id in error.message
    ledger.call(support.UNIVERSITY, "certificates.issue", support.issue_args())


def test_a_type_without_a_type_code_takes_no_national_identifier() -> None:
    entry = dataclasses.replace(CERTIFICATE_TYPES["diploma"], type_code="")
    with pytest.raises(ContractError) as info:
        national.check_new_identifier(coded_ledger().state, identifier(), entry, support.UNIVERSITY)
    assert info.value.code == "invalid_argument"
    # A local id is not judged at all.
    national.check_new_identifier(MemoryState(), "DIP-2012-000001", entry, support.UNIVERSITY)


def test_a_wrong_check_character_is_refused_before_any_lookup() -> None:
    ledger = coded_ledger()
    good = identifier()
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    for method, args in (
        ("certificates.revoke", {"cert_id": bad, "reason": "x"}),
        ("certificates.renew", {"cert_id": bad, "valid_until_ms": ledger.time_ms + 10**9}),
    ):
        # Nothing of that id exists, yet the answer is the malformed identifier, not not_found.
        error = ledger.reject(support.UNIVERSITY, method, args, "invalid_argument")
        assert "check-character" in error.message
    with pytest.raises(ContractError) as info:
        ledger.query("certificates", "status", {"cert_id": bad})
    assert info.value.code == "invalid_argument"


def test_a_reissue_takes_the_next_version_of_the_identifier() -> None:
    ledger = coded_ledger()
    first = identifier()
    ledger.call(support.UNIVERSITY, "certificates.issue", support.issue_args(cert_id=first))
    for wrong in (identifier(version=3), identifier(serial="0000000002"), "DIP-2012-000009"):
        ledger.reject(
            support.UNIVERSITY,
            "certificates.reissue",
            reissue_args(first, wrong),
            "invalid_argument",
        )
    second = identifier(version=2)
    ledger.call(support.UNIVERSITY, "certificates.reissue", reissue_args(first, second))
    assert ledger.query("certificates", "status", {"cert_id": first})["superseded_by"] == second


def test_a_local_id_may_be_reissued_under_a_first_version_identifier() -> None:
    ledger = coded_ledger()
    ledger.call(support.UNIVERSITY, "certificates.issue", support.issue_args())
    ledger.reject(
        support.UNIVERSITY,
        "certificates.reissue",
        reissue_args("DIP-2012-000001", identifier(version=2)),
        "invalid_argument",
    )
    ledger.call(
        support.UNIVERSITY,
        "certificates.reissue",
        reissue_args("DIP-2012-000001", identifier()),
    )
    assert ledger.query("certificates", "status", {"cert_id": identifier()})["status"] == "valid"


def test_the_last_version_cannot_be_reissued() -> None:
    last = identifier(version=999)
    ledger = coded_ledger()
    with pytest.raises(ContractError) as info:
        national.check_reissued_identifier(
            ledger.state, last, last, CERTIFICATE_TYPES["diploma"], support.UNIVERSITY
        )
    assert info.value.code == "failed_precondition"
    assert info.value.message == "this certificate has had its last version (999)"


def test_genesis_credit_codes_are_checked() -> None:
    orgs = frozenset({"sdu", "psb"})
    writes = credit_codes.genesis_writes({"sdu": SDU_CODE}, orgs)
    assert writes == {
        b"membership/credit_code/sdu": SDU_CODE.encode(),
        b"membership/credit_code_owner/" + SDU_CODE.encode(): b'"sdu"',
    }
    state = MemoryState(writes.items())
    assert (
        credit_codes.get_credit_code(state, "sdu"),
        credit_codes.get_credit_code(state, "psb"),
    ) == (
        SDU_CODE,
        None,
    )
    for codes in (
        {"nobody": SDU_CODE},  # no such founding organisation
        {"sdu": SDU_CODE[:-1] + "X"},  # a wrong GB 32100 check character
        {"sdu": SDU_CODE, "psb": SDU_CODE},  # one code, two organisations
        {"sdu": 11371000000000002},  # not text
    ):
        with pytest.raises(ContractError) as info:
            credit_codes.genesis_writes(codes, orgs)  # type: ignore[arg-type]
        assert info.value.code == "invalid_argument"
    # Chains without codes keep their genesis state (and so their state roots).
    assert genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256) == genesis_writes(
        support.ORGANISATIONS, credit_codes={}, suite=ED25519_SHA256
    )


def test_an_organisation_shows_its_credit_code_only_when_it_has_one() -> None:
    ledger = coded_ledger()
    sdu = ledger.query("membership", "get", {"org_id": support.UNIVERSITY.id})
    assert sdu["credit_code"] == SDU_CODE
    assert {k: v for k, v in sdu.items() if k != "credit_code"} == support.UNIVERSITY.to_json()
    bank = ledger.query("membership", "get", {"org_id": support.BANK.id})
    assert bank == support.BANK.to_json()


# --- credit codes by governance ------------------------------------------------------------

WEIHAI_CODE = "11371000000000003J"


def propose_args(pid: str, action: str, **params: ArgValue) -> dict[str, ArgValue]:
    return {"proposal_id": pid, "action": action, **params}


def test_an_organisation_added_with_its_code_is_admitted_and_can_issue_identifiers() -> None:
    args = add_org_args("PROP-CODE-1", credit_code=WEIHAI_CODE)
    # Both screens let the code through in its declared argument, and only there.
    assert get_admission_refusal("membership", "propose", args) is None
    screen_arguments(args, "membership", "propose")
    leaked = {**args, "name": f"威海市大数据中心 {WEIHAI_CODE}"}
    with pytest.raises(ContractError):
        screen_arguments(leaked, "membership", "propose")
    refusal = get_admission_refusal("membership", "propose", leaked)
    assert refusal is not None and refusal.code == "personal_data"
    with pytest.raises(ContractError):
        screen_arguments(args)  # a method that declares no code argument: screened
    ledger = coded_ledger()
    pass_proposal(ledger, args)
    assert credit_codes.get_credit_code(ledger.state, "weihai-bigdata") == WEIHAI_CODE
    assert credit_codes.get_owner(ledger.state, WEIHAI_CODE) == "weihai-bigdata"
    events = [e.name for r in ledger.results for e in r.events]
    assert "membership.credit_code_set" in events


def test_a_malformed_code_is_refused_at_admission_and_by_the_contract() -> None:
    bad = add_org_args("PROP-CODE-2", credit_code=WEIHAI_CODE[:-1] + "A")
    refusal = get_admission_refusal("membership", "propose", bad)
    assert refusal is not None
    coded_ledger().reject(support.PSB, "membership.propose", bad, "invalid_argument")


def test_a_code_belongs_to_one_organisation_and_leaves_with_it() -> None:
    ledger = coded_ledger()
    taken = add_org_args("PROP-CODE-3", credit_code=SDU_CODE)  # the university's
    ledger.reject(support.PSB, "membership.propose", taken, "already_exists")
    # The university moves to a new code: the old one is free again.
    pass_proposal(
        ledger,
        propose_args(
            "PROP-CODE-4", "set_credit_code", org_id=support.UNIVERSITY.id, credit_code=WEIHAI_CODE
        ),
    )
    assert credit_codes.get_credit_code(ledger.state, support.UNIVERSITY.id) == WEIHAI_CODE
    assert credit_codes.get_owner(ledger.state, SDU_CODE) is None
    pass_proposal(ledger, add_org_args("PROP-CODE-5", credit_code=SDU_CODE))
    assert credit_codes.get_owner(ledger.state, SDU_CODE) == "weihai-bigdata"
    # Removing an organisation forgets its code.
    pass_proposal(ledger, propose_args("PROP-CODE-6", "remove_org", org_id="weihai-bigdata"))
    assert credit_codes.get_credit_code(ledger.state, "weihai-bigdata") is None
    assert credit_codes.get_owner(ledger.state, SDU_CODE) is None
    # Setting an organisation's own code again changes nothing but is allowed.
    pass_proposal(
        ledger,
        propose_args(
            "PROP-CODE-7", "set_credit_code", org_id=support.UNIVERSITY.id, credit_code=WEIHAI_CODE
        ),
    )
    assert credit_codes.get_owner(ledger.state, WEIHAI_CODE) == support.UNIVERSITY.id
    ledger.reject(
        support.PSB,
        "membership.propose",
        propose_args("PROP-CODE-8", "set_credit_code", org_id="nobody-here", credit_code=SDU_CODE),
        "not_found",
    )


def test_only_a_declared_code_argument_is_left_to_its_format() -> None:
    membership = LATEST["membership"]
    add = add_org_args("PROP-CODE-9", credit_code=WEIHAI_CODE)
    assert declarations.get_organisation_code_args(membership, "propose", add) == {"credit_code"}
    set_roles = propose_args("PROP-CODE-10", "set_roles", org_id="sdu", roles='["issuer"]')
    assert declarations.get_organisation_code_args(membership, "propose", set_roles) == set()
    assert declarations.get_organisation_code_args(None, "propose", add) == set()
    assert declarations.get_organisation_code_args(membership, "approve", add) == set()
    assert declarations.get_organisation_code_args(membership, "no_such", add) == set()
    unknown = {**add, "action": "no_such_action"}
    assert declarations.get_organisation_code_args(membership, "propose", unknown) == set()
    # A code that is the whole value of another argument is still personal data there.
    as_name = {**add, "name": WEIHAI_CODE}
    refusal = get_admission_refusal("membership", "propose", as_name)
    assert refusal is not None and refusal.code == "personal_data"
    assert "'name'" in refusal.message


def test_setting_a_code_records_an_exact_event_and_takes_effect_at_once() -> None:
    ledger = coded_ledger()
    pass_proposal(ledger, add_org_args("PROP-CODE-11", credit_code=WEIHAI_CODE))
    pass_proposal(
        ledger,
        propose_args(
            "PROP-CODE-12",
            "set_credit_code",
            org_id="weihai-bigdata",
            credit_code="11371000000000004M",
        ),
    )
    found = [
        (e.subjects, dict(e.attrs))
        for r in ledger.results
        for e in r.events
        if e.name == "membership.credit_code_set"
    ]
    assert found == [
        (
            ("weihai-bigdata", "PROP-CODE-11"),
            {"credit_code": WEIHAI_CODE, "org_id": "weihai-bigdata", "proposal_id": "PROP-CODE-11"},
        ),
        (
            ("weihai-bigdata", "PROP-CODE-12"),
            {
                "credit_code": "11371000000000004M",
                "org_id": "weihai-bigdata",
                "proposal_id": "PROP-CODE-12",
            },
        ),
    ]
    record = ledger.query("membership", "proposal", {"proposal_id": "PROP-CODE-12"})
    assert record["status"] == "applied"
    assert record["effective_height"] == record["decided_height"] > 0
    # The argument's kind, built again (kinds of the shipped methods are built at import).
    assert text_kind(ORGANISATION_CODE).organisation_code is True
    assert text_kind(arguments.CERT_ID).organisation_code is False


# --- versions in place: renew and amend move the identifier to its next version ------------


def amend_args(cert_id: str, salt: str) -> dict[str, ArgValue]:
    return {
        "cert_id": cert_id,
        "doc_hash": compute_document_hash(
            "diploma", support.ALICE_DIPLOMA_FIELDS, support.salt_for(salt), suite=ED25519_SHA256
        ),
        "reason": "登记事项变更 amended",
    }


def test_renew_and_amend_move_the_identifier_to_its_next_versions() -> None:
    ledger = coded_ledger()
    first = identifier()
    ledger.call(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(cert_id=first, valid_until_ms=ledger.time_ms + support.DAY_MS),
    )
    renewed = ledger.call(
        support.UNIVERSITY,
        "certificates.renew",
        {"cert_id": first, "valid_until_ms": ledger.time_ms + 2 * support.DAY_MS},
    )
    assert dict(renewed.events[0].attrs)["identifier"] == identifier(version=2)
    amended = ledger.call(support.UNIVERSITY, "certificates.amend", amend_args(first, "a1"))
    assert dict(amended.events[0].attrs)["identifier"] == identifier(version=3)
    # Found by every version; recorded under the first; the answer says the current one.
    for version in (1, 2, 3):
        found = ledger.query("certificates", "status", {"cert_id": identifier(version=version)})
        assert (found["cert_id"], found["identifier"]) == (first, identifier(version=3))
    history = ledger.query("certificates", "history", {"cert_id": identifier(version=2)})
    assert len(history["versions"]) == 2
    meta = ledger.query("certificates", "metadata", {"cert_id": identifier(version=3)})
    assert meta["identifier"] == identifier(version=3)
    with pytest.raises(ContractError):
        ledger.query("certificates", "status", {"cert_id": identifier(version=4)})
    # A reissue takes the version after the current one, not after the first.
    ledger.reject(
        support.UNIVERSITY,
        "certificates.reissue",
        reissue_args(first, identifier(version=2)),
        "invalid_argument",
    )
    ledger.call(
        support.UNIVERSITY, "certificates.reissue", reissue_args(first, identifier(version=4))
    )
    assert ledger.query("certificates", "status", {"cert_id": first})["superseded_by"] == (
        identifier(version=4)
    )


def test_a_local_id_has_no_versions_to_move() -> None:
    ledger = coded_ledger()
    ledger.call(support.UNIVERSITY, "certificates.issue", support.issue_args())
    amended = ledger.call(
        support.UNIVERSITY, "certificates.amend", amend_args("DIP-2012-000001", "a1")
    )
    assert "identifier" not in dict(amended.events[0].attrs)
    assert not any(b"identifier_" in key for key, _ in amended.writes)
    found = ledger.query("certificates", "status", {"cert_id": "DIP-2012-000001"})
    assert "identifier" not in found
    assert national.get_next_version_writes(ledger.state, "DIP-2012-000001") == ("", {})


def test_the_last_version_cannot_be_renewed_or_amended() -> None:
    ledger = coded_ledger()
    first = identifier()
    ledger.state.apply_writes(national.get_next_version_writes(ledger.state, first)[1].items())
    assert national.get_current_identifier(ledger.state, first) == identifier(version=2)
    assert national.resolve(ledger.state, identifier(version=2)) == first
    ledger.state.apply_writes(
        [(b"certificates/identifier_now/" + first.encode(), identifier(version=999).encode())]
    )
    with pytest.raises(ContractError) as info:
        national.get_next_version_writes(ledger.state, first)
    assert info.value.code == "failed_precondition"
    assert info.value.message == "this certificate has had its last version (999)"
