"""What the wallet tells a holder about attestations (issue 13, docs/attestations.md): the
owner must confirm one whose sources all confirmed, and both the owner and the other party
named in it are told how it ends (双告知). Computed from the records the chain answers, so
a notice is exactly as true as the chain."""

from __future__ import annotations

from typing import Any, Final

ROLE_HOLDER: Final = "holder"
ROLE_OTHER_PARTY: Final = "other_party"

TOLD_STATUSES: Final = ("awaiting_sources", "awaiting_owner", "issued", "refused", "timed_out")
"""Every status is told: a pending one so the parties know it is under way (the other party
learns of it from the proposal on), a final one so they know how it ended."""


def get_role(record: dict[str, Any], holder_id: str) -> str:
    """Whether ``holder_id`` is the attestation's holder or the other party named in it."""
    return ROLE_HOLDER if record.get("holder") == holder_id else ROLE_OTHER_PARTY


def is_for_owner_to_answer(record: dict[str, Any], holder_id: str) -> bool:
    """Whether ``holder_id`` must confirm or refuse it now."""
    return record.get("status") == "awaiting_owner" and record.get("holder") == holder_id


def attestation_view(record: dict[str, Any], holder_id: str) -> dict[str, Any]:
    """An attestation as the wallet lists it to ``holder_id``."""
    return {
        "attestation_id": record["attestation_id"],
        "type_id": record["type_id"],
        "issuer": record["issuer"],
        "holder": record["holder"],
        "other_party": record["other_party"],
        "role": get_role(record, holder_id),
        "status": record["status"],
        "reason": record["reason"],
        "waiting_for": record.get("waiting_for", []),
        "deadline_ms": record["deadline_ms"],
        "sources": [
            {"org": s["org"], "answer": s["answer"] or "pending"} for s in record["sources"]
        ],
        "action_needed": is_for_owner_to_answer(record, holder_id),
    }


def attestation_notice(record: dict[str, Any], holder_id: str) -> dict[str, Any] | None:
    """A notice about one attestation naming ``holder_id``, or None for a status not told."""
    if record.get("status") not in TOLD_STATUSES:
        return None
    return {
        "kind": "attestation",
        "attestation_id": record["attestation_id"],
        "type_id": record["type_id"],
        "issuer": record["issuer"],
        "status": record["status"],
        "role": get_role(record, holder_id),
        "reason": record["reason"],
        "deadline_ms": record["deadline_ms"],
        "action_needed": is_for_owner_to_answer(record, holder_id),
    }
