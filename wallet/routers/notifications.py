"""Notifications: what the wallet tells a holder without being asked: certificates about to
expire (wallet/expiry.py) and attestations naming the holder, as owner or as the other party
(wallet/attestations.py, 双告知); issue 12 adds new requests, new uses and answered
corrections for the page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wallet import limits
from wallet.attestations import attestation_notice
from wallet.chain_calls import node_query
from wallet.deps import CurrentHolder, HolderIdPath, Ledger, WalletClock
from wallet.expiry import expiring_notice
from wallet.routers.attestations import list_attestations

router = APIRouter(prefix="/v1", tags=["holders"])


@router.get("/holders/{holder_id}/notifications")
def notifications(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, clock: WalletClock
) -> list[dict[str, Any]]:
    """Reminders for the holder's valid certificates whose end of validity is near (the
    notice period of each type: wallet/expiry.py), the soonest first; then the attestations
    naming the holder, those the owner must answer first (wallet/attestations.py)."""
    records = node_query(ledger, "certificates", "list_by_holder", holder=holder_id)
    now_ms = clock.now_ms()
    notices = [expiring_notice(r, now_ms) for r in records[: limits.LIST_ITEMS_MAX]]
    expiring = sorted((n for n in notices if n), key=lambda n: n["valid_until_ms"])
    told = [
        attestation_notice(r, holder_id)
        for r in list_attestations(ledger, holder_id, open_only=False)
    ]
    attesting = sorted((n for n in told if n), key=lambda n: not n["action_needed"])
    return [*expiring, *attesting]
