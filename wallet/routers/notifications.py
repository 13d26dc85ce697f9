"""Notifications: what the wallet tells a holder without being asked (today: certificates
about to expire, wallet/expiry.py; issue 12 adds new requests, new uses and answered
corrections for the page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wallet import limits
from wallet.chain_calls import node_query
from wallet.deps import CurrentHolder, HolderIdPath, Ledger, WalletClock
from wallet.expiry import expiring_notice

router = APIRouter(prefix="/v1", tags=["holders"])


@router.get("/holders/{holder_id}/notifications")
def notifications(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, clock: WalletClock
) -> list[dict[str, Any]]:
    """Reminders for the holder's valid certificates whose end of validity is near (the
    notice period of each type: wallet/expiry.py), the soonest first."""
    records = node_query(ledger, "certificates", "list_by_holder", holder=holder_id)
    now_ms = clock.now_ms()
    notices = [expiring_notice(r, now_ms) for r in records[: limits.LIST_ITEMS_MAX]]
    return sorted((n for n in notices if n), key=lambda n: n["valid_until_ms"])
