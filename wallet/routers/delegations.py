"""Delegation routes: a holder appoints a guardian or an enterprise's agent, a delegate
accepts (意愿确认) or declines, either side revokes, and each lists their delegations.

Every call is signed in the wallet with the session holder's key; the `delegation` contract
decides who may do what (the principal, or for an agent the enterprise's legal
representative in force; only the delegate accepts), so a refusal changes nothing on the
chain. Registering a guardianship or a legal representative is a registrar's business
(`trustledger delegation register`), not the wallet's.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field, field_validator

from contracts.framework import formats
from node.chain.ids import new_id
from node.sdk.catalogue import TypeNotInCatalogue, get_certificate_type
from node.sdk.client import ClientError, LedgerClient
from wallet import limits
from wallet.chain_calls import node_error, node_query, sign_and_submit
from wallet.deps import HOLDER_ID_PATTERN, CurrentHolder, HolderIdPath, IdPath, Ledger, Store
from wallet.routers.holders import consent_delegates
from wallet.store import WalletStore

router = APIRouter(prefix="/v1", tags=["delegations"])

DAY_MS = 86_400_000

HolderId = Annotated[str, Field(pattern=HOLDER_ID_PATTERN)]


def _distinct(values: list[str] | None, what: str) -> list[str] | None:
    """Distinct catalogue ids, sorted; whether the chain's catalogue holds them is
    :func:`check_catalogue_names`'s question (a type or category may be newer than this code)."""
    if values is None:
        return None
    malformed = sorted({v for v in values if not formats.is_catalogue_id(v)})
    if malformed:
        raise ValueError(f"not a {what} id: {', '.join(malformed)}")
    if len(set(values)) != len(values):
        raise ValueError(f"a {what} is named twice")
    return sorted(values)


class AppointIn(BaseModel):
    """An appointment: pending until the delegate accepts it in their wallet."""

    kind: Literal["guardian", "agent"] = Field(
        description="guardian (for a person) or agent (经办人, for an enterprise)"
    )
    principal: HolderId | None = Field(
        default=None,
        description="who is acted for; the session holder by default, or the enterprise"
        " whose legal representative the session holder is",
    )
    delegate: HolderId = Field(description="who may act; must accept before it is in force")
    actions: list[Literal["consent", "archives"]] = Field(min_length=1, max_length=2)
    valid_days: int = Field(ge=1, le=limits.DELEGATION_VALID_DAYS_MAX)
    cert_types: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=limits.DELEGATION_NAMES_MAX,
        description="certificate types covered; all if omitted",
    )
    record_categories: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=limits.DELEGATION_NAMES_MAX,
        description="archive record categories covered; all if omitted",
    )

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("an action is named twice")
        return sorted(v)

    @field_validator("cert_types")
    @classmethod
    def _cert_types(cls, v: list[str] | None) -> list[str] | None:
        return _distinct(v, "certificate type")

    @field_validator("record_categories")
    @classmethod
    def _record_categories(cls, v: list[str] | None) -> list[str] | None:
        return _distinct(v, "record category")


class RevokeIn(BaseModel):
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=limits.REASON_CHARS_MAX,
        description="why (no personal data: it is stored on the chain)",
    )


def check_catalogue_names(ledger: LedgerClient, body: AppointIn) -> None:
    """422 naming the certificate types and record categories of `body` that the chain's
    catalogue lacks (retired ones count: the contract's rule), before anything is signed.
    Types are asked one by one (a catalogue may hold a thousand), categories as the list."""
    unknown = [
        f"certificate type {name}" for name in body.cert_types or () if not _has_type(ledger, name)
    ]
    if body.record_categories:
        known = {str(entry["id"]) for entry in node_query(ledger, "archives", "categories")}
        unknown += [
            f"record category {name}" for name in body.record_categories if name not in known
        ]
    if unknown:
        raise HTTPException(422, f"not in the chain's catalogue: {', '.join(unknown)}")


def _has_type(ledger: LedgerClient, type_id: str) -> bool:
    try:
        get_certificate_type(ledger, type_id)
    except TypeNotInCatalogue:
        return False
    except ClientError as exc:
        raise node_error(exc) from exc
    return True


def _chain_now_ms(request: Request, ledger: LedgerClient) -> int:
    """The latest block's time (the genesis time on an empty chain): expiries count from it,
    as the contract compares them with block times."""
    genesis_ms: int = request.app.state.genesis.genesis_time_ms
    try:
        return ledger.chain_time_ms(genesis_ms)
    except ClientError as exc:
        raise node_error(exc) from exc


@router.get("/holders/{holder_id}/delegations")
def list_delegations(
    holder_id: HolderIdPath,
    session: CurrentHolder,
    ledger: Ledger,
    side: Literal["principal", "delegate"] | None = None,
    in_force: bool = False,
    limit: Annotated[int, Query(ge=1, le=limits.LIST_ITEMS_MAX)] = 100,
) -> list[dict[str, Any]]:
    """The holder's delegations: those acting for them (side=principal), those they act
    under (side=delegate, pending appointments included) or both; in_force=true keeps only
    those in force now."""
    args: dict[str, Any] = {"holder": holder_id, "in_force": in_force, "limit": limit}
    if side:
        args["side"] = side
    result: list[dict[str, Any]] = node_query(ledger, "delegation", "list_by_holder", **args)
    return result


@router.post("/holders/{holder_id}/delegations", status_code=201)
def appoint(
    holder_id: HolderIdPath,
    body: AppointIn,
    session: CurrentHolder,
    ledger: Ledger,
    request: Request,
) -> dict[str, Any]:
    """Appoint a guardian for oneself, or an agent for an enterprise (as the enterprise, or
    as its legal representative with the appoint_agents action). It stays pending until the
    delegate accepts it."""
    principal = body.principal or holder_id
    if body.delegate in (principal, holder_id):
        raise HTTPException(422, "the delegate must be someone other than the principal and you")
    check_catalogue_names(ledger, body)
    delegation_id = new_id("dlg")
    args: dict[str, Any] = {
        "delegation_id": delegation_id,
        "kind": body.kind,
        "principal": principal,
        "delegate": body.delegate,
        "actions": json.dumps(body.actions),
        "expires_at_ms": _chain_now_ms(request, ledger) + body.valid_days * DAY_MS,
    }
    if body.cert_types is not None:
        args["cert_types"] = json.dumps(body.cert_types)
    if body.record_categories is not None:
        args["record_categories"] = json.dumps(body.record_categories)
    out = sign_and_submit(ledger, session.seed, "appoint", args, contract="delegation")
    return {**out, "delegation_id": delegation_id, "principal": principal, "status": "pending"}


def _decide(
    ledger: LedgerClient, seed: bytes, method: str, delegation_id: str, **more: Any
) -> dict[str, Any]:
    args = {"delegation_id": delegation_id, **more}
    out = sign_and_submit(ledger, seed, method, args, contract="delegation")
    record: dict[str, Any] = node_query(ledger, "delegation", "get", delegation_id=delegation_id)
    return {**out, "delegation_id": delegation_id, "status": record["status"]}


@router.post("/holders/{holder_id}/delegations/{delegation_id}/accept")
def accept(
    holder_id: HolderIdPath, delegation_id: IdPath, session: CurrentHolder, ledger: Ledger
) -> dict[str, Any]:
    """意愿确认: the delegate accepts an appointment; it is in force from this block. For
    consent, the principal then shares its documents (POST …/delegations/share)."""
    return _decide(ledger, session.seed, "accept", delegation_id)


@router.post("/holders/{holder_id}/delegations/{delegation_id}/decline")
def decline(
    holder_id: HolderIdPath, delegation_id: IdPath, session: CurrentHolder, ledger: Ledger
) -> dict[str, Any]:
    """The delegate declines a pending appointment."""
    return _decide(ledger, session.seed, "decline", delegation_id)


@router.post("/holders/{holder_id}/delegations/{delegation_id}/revoke")
def revoke(
    holder_id: HolderIdPath,
    delegation_id: IdPath,
    session: CurrentHolder,
    store: Store,
    ledger: Ledger,
    body: RevokeIn | None = None,
) -> dict[str, Any]:
    """End a pending or active delegation: the delegate renounces, or the principal, the
    appointer or (for an agent) the enterprise's legal representative revokes."""
    more = {"reason": body.reason} if body is not None and body.reason is not None else {}
    out = _decide(ledger, session.seed, "revoke", delegation_id, **more)
    _withdraw_copies(ledger, store, delegation_id)
    return out


def _withdraw_copies(ledger: LedgerClient, store: WalletStore, delegation_id: str) -> None:
    """The copies of the principal's documents sealed to the delegate at sharing go with
    the delegation, unless another delegation in force still gives the delegate consent
    power for the same principal. (What a delegate already saw, no wallet can take back.)"""
    try:
        record: dict[str, Any] = ledger.query("delegation", "get", delegation_id=delegation_id)
        principal, delegate = record["principal"], record["delegate"]
        if delegate in consent_delegates(ledger, store, principal):
            return
        certs = ledger.query("certificates", "list_by_holder", holder=principal)
    except ClientError as exc:
        raise node_error(exc) from exc
    for cert in certs:
        store.delete_document(delegate, cert["cert_id"])
