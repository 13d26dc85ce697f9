"""Attestation routes (issue 13): the holder's attestations, and the owner's answer to one
whose sources all confirmed (docs/attestations.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from wallet import limits
from wallet.attestations import attestation_view
from wallet.chain_calls import node_query, sign_and_submit
from wallet.deps import CurrentHolder, HolderIdPath, IdPath, Ledger

router = APIRouter(prefix="/v1", tags=["holders"])


class RefusalIn(BaseModel):
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="why (stored on chain, so nothing personal: the node refuses it)",
    )


def list_attestations(ledger: Ledger, holder_id: str, *, open_only: bool) -> list[dict[str, Any]]:
    """The attestations naming ``holder_id`` (as holder or other party), as the chain says."""
    records: list[dict[str, Any]] = node_query(
        ledger,
        "attest",
        "list_by_party",
        holder=holder_id,
        open=open_only,
        limit=limits.LIST_ITEMS_MAX,
    )
    return records


@router.get("/holders/{holder_id}/attestations")
def attestations(
    holder_id: HolderIdPath, session: CurrentHolder, ledger: Ledger, open: bool = False
) -> list[dict[str, Any]]:
    """The attestations naming the holder (as owner or as the other party), with the ones the
    owner must answer marked ``action_needed``; ``open=true``: only those still waiting."""
    return [
        attestation_view(record, holder_id)
        for record in list_attestations(ledger, holder_id, open_only=open)
    ]


def _owned(ledger: Ledger, holder_id: str, attestation_id: str) -> dict[str, Any]:
    record: dict[str, Any] = node_query(ledger, "attest", "get", attestation_id=attestation_id)
    if record["holder"] != holder_id:
        raise HTTPException(404, "no such attestation for this holder to answer")
    return record


@router.post("/holders/{holder_id}/attestations/{attestation_id}/confirm")
def confirm(
    holder_id: HolderIdPath, attestation_id: IdPath, session: CurrentHolder, ledger: Ledger
) -> dict[str, Any]:
    """The owner confirms: the attestation is issued (the chain refuses it unless every
    source has confirmed and the deadline has not passed)."""
    _owned(ledger, holder_id, attestation_id)
    args = {"attestation_id": attestation_id}
    out = sign_and_submit(ledger, session.seed, "owner_confirm", args, contract="attest")
    return {**out, "status": "issued"}


@router.post("/holders/{holder_id}/attestations/{attestation_id}/refuse")
def refuse(
    holder_id: HolderIdPath,
    attestation_id: IdPath,
    session: CurrentHolder,
    ledger: Ledger,
    body: RefusalIn | None = None,
) -> dict[str, Any]:
    """The owner refuses: it stays unissued, with the reason if one is given."""
    _owned(ledger, holder_id, attestation_id)
    args: dict[str, Any] = {"attestation_id": attestation_id}
    if body is not None and body.reason is not None:
        args["reason"] = body.reason
    out = sign_and_submit(ledger, session.seed, "owner_refuse", args, contract="attest")
    return {**out, "status": "refused"}
