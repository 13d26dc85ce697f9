"""node/sdk/identifiers.py: the ids an issuer's tooling gives new and reissued certificates
(the chain's own checks: test_contracts_national_ids.py; end to end: tests/integration)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.framework import arguments
from contracts.framework.identifiers import CertificateIdentifier, isolate_serials, parse_identifier
from node.sdk import identifiers as identifiers_module
from node.sdk.identifiers import make_identifier, new_certificate_id, reissued_certificate_id
from tests.unit.catalogue_support import StateClient, catalogue_state

CODE = "11371000000000002F"
SDU_CODE = CODE
DIPLOMA_CODE = CERTIFICATE_TYPES["diploma"].type_code


class Members(StateClient):
    """Organisations as given; the catalogue's queries from the devnet's genesis state."""

    def __init__(self, orgs: dict[str, dict[str, Any]]) -> None:
        super().__init__(catalogue_state())
        self.orgs = orgs

    def query(self, contract: str, method: str, **args: Any) -> Any:
        if contract == "certificates":
            return super().query(contract, method, **args)
        assert (contract, method) == ("membership", "get")
        return self.orgs[args["org_id"]]


def test_an_issuer_with_a_code_gets_a_first_version_identifier_for_a_coded_type() -> None:
    client = Members({"edu": {"id": "edu", "credit_code": CODE}, "bank": {"id": "bank"}})
    made = new_certificate_id(client, "edu", "diploma")  # type: ignore[arg-type]
    parsed = parse_identifier(made)
    assert (parsed.type_code, parsed.issuer_code, parsed.version) == (
        CERTIFICATE_TYPES["diploma"].type_code,
        CODE,
        1,
    )
    assert len(parsed.serial) == 10 and parsed.serial.isdigit()
    assert new_certificate_id(client, "bank", "diploma").startswith("cert-")  # type: ignore[arg-type]
    assert new_certificate_id(client, "edu", "no_such_type").startswith("cert-")  # type: ignore[arg-type]
    coded = dataclasses.replace(CERTIFICATE_TYPES["diploma"], id="new_kind", type_code=CODE + "007")
    given = parse_identifier(new_certificate_id(client, "edu", "new_kind", coded))  # type: ignore[arg-type]
    assert given.type_code == CODE + "007"  # the type code of the entry the chain states
    serials = {
        parse_identifier(make_identifier("11100000000000002Q001", CODE)).serial for _ in range(20)
    }
    assert len(serials) > 1  # random serials, not a constant


def test_a_reissue_takes_the_next_version_or_a_new_local_id() -> None:
    first = make_identifier("11100000000000002Q001", CODE)
    second = reissued_certificate_id(first)
    assert parse_identifier(second).version == 2
    assert parse_identifier(second).serial == parse_identifier(first).serial
    local = reissued_certificate_id("DIP-2012-000001")
    assert local.startswith("cert-") and local != reissued_certificate_id("DIP-2012-000001")


def test_a_drawn_serial_that_reads_as_a_telephone_number_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draws = iter([278741613, 8619486242])  # 0278741613 reads as a Wuhan landline
    monkeypatch.setattr(identifiers_module.secrets, "randbelow", lambda _: next(draws))
    made = make_identifier(DIPLOMA_CODE, SDU_CODE)
    assert parse_identifier(made).serial == "8619486242"
    monkeypatch.setattr(identifiers_module.secrets, "randbelow", lambda _: 278741613)
    with pytest.raises(RuntimeError, match="no serial passing the personal-data screen"):
        make_identifier(DIPLOMA_CODE, SDU_CODE)


def test_an_identifiers_serial_is_screened_alone() -> None:
    joined = CertificateIdentifier(DIPLOMA_CODE, SDU_CODE, "8619486242", 1).text
    assert joined.endswith(".8619486242.001.A")  # read joined: +86 194 8624 2001
    scope = json.dumps([{"cert_id": joined}])
    assert arguments.get_screening_problem({"scope": scope}) is None
    phone = CertificateIdentifier(DIPLOMA_CODE, SDU_CODE, "13812345678", 1).text
    problem = arguments.get_screening_problem({"scope": json.dumps([{"cert_id": phone}])})
    assert problem is not None and "mobile number" in problem
    assert isolate_serials(joined) == "# 8619486242 #"
    assert isolate_serials("not an identifier 1.2.156") == "not an identifier 1.2.156"


def test_an_identifier_with_a_wrong_check_character_is_screened_whole() -> None:
    good = CertificateIdentifier(DIPLOMA_CODE, SDU_CODE, "8619486242", 1).text
    wrong = good[:-1] + ("B" if good[-1] != "B" else "C")
    assert isolate_serials(f"x {wrong} y") == f"x {wrong} y"
    assert isolate_serials(f"x {good} y") == "x # 8619486242 # y"
