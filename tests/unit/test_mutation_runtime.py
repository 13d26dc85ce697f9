"""Runtime edges found by mutation testing (issue 19, docs/mutation.md).

Names that are not strings, a version the schedule makes active but this build lacks, and
the subjects an audit index adds from state. They check error codes and outputs, never a
message text.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.framework.errors import ContractError
from contracts.governance import versions
from contracts.runtime import execute, query, related_subjects, screen_arguments, subjects_of
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import add_org_args


@pytest.mark.parametrize(("contract", "method"), [(["consent"], "get"), ("consent", ["get"])])
def test_names_that_are_not_strings_are_unknown_methods(contract: Any, method: Any) -> None:
    ledger = support.Ledger()
    for call in (
        lambda: execute(ledger.state, ledger.ctx(support.BANK), contract, method, {}),
        lambda: query(ledger.state, contract, method, {}, now_ms=0),
    ):
        with pytest.raises(ContractError) as info:
            call()
        assert info.value.code == "unknown_method"


def test_a_version_active_but_missing_from_the_build_stops_the_node() -> None:
    ledger = support.Ledger()
    ledger.state.apply_writes(
        [(versions.get_schedule_key("consent"), versions.encode_schedule(((0, 1), (5, 9))))]
    )
    assert (
        query(
            ledger.state, "consent", "list_by_holder", {"holder": support.ALICE}, now_ms=0, height=4
        )
        == []
    )
    with pytest.raises(RuntimeError):
        query(
            ledger.state, "consent", "list_by_holder", {"holder": support.ALICE}, now_ms=0, height=5
        )


def test_a_rejected_approval_is_related_to_the_proposer() -> None:
    ledger = support.Ledger()
    ledger.call(support.BANK, "membership.propose", add_org_args("PROP-0001"))
    subjects = related_subjects(ledger.state, "membership", "approve", {"proposal_id": "PROP-0001"})
    assert subjects == ("PROP-0001", support.BANK.id)


class _GetterOnly:
    """Has ``get`` like a mapping, but is not one: the audit index must not read it."""

    def get(self, name: str, default: object = None) -> object:
        return {"request_id": "REQ-0000001"}.get(name, default)


def test_subjects_of_arguments_that_are_not_a_mapping_is_nothing() -> None:
    assert subjects_of("consent", "access", {"request_id": "REQ-0000001"}) == ("REQ-0000001",)
    assert subjects_of("consent", "access", _GetterOnly()) == ()  # type: ignore[arg-type]


def test_screen_arguments_refuses_personal_data_and_non_mappings() -> None:
    assert screen_arguments({"request_id": "REQ-0000001", "purpose": "贷款审批"}) is None
    for bad in ({"purpose": "电话 13805310123"}, [("request_id", "REQ-0000001")]):
        with pytest.raises(ContractError) as info:
            screen_arguments(bad)  # type: ignore[arg-type]
        assert info.value.code == "invalid_argument"
