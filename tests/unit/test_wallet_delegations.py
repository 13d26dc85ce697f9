"""The wallet's delegation bodies: malformed appointments never reach the chain (422)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from tests.unit.catalogue_support import StateClient, catalogue_state
from wallet import limits
from wallet.routers.delegations import AppointIn, RevokeIn, check_catalogue_names

ENTERPRISE = "hd" + "1" * 40
AGENT = "hd" + "2" * 40
BASE: dict[str, Any] = {
    "kind": "agent",
    "principal": ENTERPRISE,
    "delegate": AGENT,
    "actions": ["consent"],
    "valid_days": 30,
}


def test_a_well_formed_appointment_is_normalised() -> None:
    body = AppointIn.model_validate(
        {
            **BASE,
            "actions": ["consent", "archives"],
            "cert_types": ["food_business_permit", "business_licence"],
            "record_categories": ["enterprise_registration"],
        }
    )
    assert body.actions == ["archives", "consent"]
    assert body.cert_types == ["business_licence", "food_business_permit"]
    assert body.record_categories == ["enterprise_registration"]
    minimal = AppointIn.model_validate({k: v for k, v in BASE.items() if k != "principal"})
    assert minimal.principal is None and minimal.cert_types is None


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "legal_representative"},
        {"kind": "Agent"},
        {"actions": []},
        {"actions": ["appoint_agents"]},
        {"actions": ["consent", "consent"]},
        {"actions": "consent"},
        {"valid_days": 0},
        {"valid_days": limits.DELEGATION_VALID_DAYS_MAX + 1},
        {"valid_days": "many"},
        {"delegate": "hd" + "A" * 40},
        {"delegate": "hd12"},
        {"principal": "someone"},
        {"cert_types": []},
        {"cert_types": ["Passport of Mars"]},
        {"cert_types": ["business_licence", "business_licence"]},
        {"cert_types": ["business_licence"] * (limits.DELEGATION_NAMES_MAX + 1)},
        {"record_categories": ["not-a-category"]},
    ],
)
def test_malformed_appointments_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AppointIn.model_validate({**BASE, **change})


@pytest.mark.parametrize("missing", ["kind", "delegate", "actions", "valid_days"])
def test_required_fields(missing: str) -> None:
    with pytest.raises(ValidationError):
        AppointIn.model_validate({k: v for k, v in BASE.items() if k != missing})


def test_revocation_reason_is_bounded() -> None:
    assert RevokeIn.model_validate({}).reason is None
    assert RevokeIn.model_validate({"reason": "left the company"}).reason == "left the company"
    for reason in ("", "x" * (limits.REASON_CHARS_MAX + 1)):
        with pytest.raises(ValidationError):
            RevokeIn.model_validate({"reason": reason})


def test_names_the_chains_catalogue_lacks_are_refused_before_anything_is_signed() -> None:
    """Whether a type or category exists is the chain's catalogue's answer (a type may be
    newer than this code): the wallet asks it before signing an appointment."""
    ledger = StateClient(catalogue_state())
    known = AppointIn.model_validate(
        {**BASE, "cert_types": ["business_licence"], "record_categories": ["family"]}
    )
    check_catalogue_names(ledger, known)  # type: ignore[arg-type]
    assert ledger.queries == [("certificates", "type"), ("archives", "categories")]
    for change, named in (
        ({"cert_types": ["passport_of_mars", "diploma"]}, "certificate type passport_of_mars"),
        ({"record_categories": ["not_a_category"]}, "record category not_a_category"),
    ):
        with pytest.raises(HTTPException) as refused:
            check_catalogue_names(ledger, AppointIn.model_validate({**BASE, **change}))  # type: ignore[arg-type]
        assert refused.value.status_code == 422
        assert named in str(refused.value.detail)
