"""node/sdk/identifiers.py: the ids an issuer's tooling gives new and reissued certificates
(the chain's own checks: test_contracts_national_ids.py; end to end: tests/integration)."""

from __future__ import annotations

import dataclasses
from typing import Any

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.framework.identifiers import parse_identifier
from node.sdk.identifiers import make_identifier, new_certificate_id, reissued_certificate_id
from tests.unit.catalogue_support import StateClient, catalogue_state

CODE = "11371000000000002F"


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
