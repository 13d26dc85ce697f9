"""Erasure (PIPL right to deletion) in the ``consent`` contract: the holder asks every agency
that was granted a certificate or an archive record to destroy its copy, and each such agency
acknowledges it.

- ``erase(erasure_id, cert_id | record_id)`` by the holder (or a delegate in force for
  ``consent``): records the request, naming every agency a consent request for that
  certificate (or its type), or for that record's category, was granted to (whether or not
  the grant is still in force).
- ``acknowledge_erasure(erasure_id)`` by one of those agencies, once it destroyed its copy.

State, apart from the consent requests' (old records keep their bytes):

- ``consent/erasure/<erasure id>`` -> the request (:class:`ErasureRequest`)
- ``consent/erasure_by_holder/<holder id>/<erasure id>`` -> the erasure id (index)
- ``consent/erasure_by_agency/<org id>/<erasure id>`` -> the erasure id (index)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from contracts.archives.records import RECORDS
from contracts.certificates.records import CERTIFICATES
from contracts.consent.events import ConsentEvent
from contracts.consent.records import BY_HOLDER, REQUESTS, ConsentRequest
from contracts.delegation.authority import resolve_actor
from contracts.delegation.records import ACTION_CONSENT
from contracts.framework import arguments, limits
from contracts.framework.checks import check_new
from contracts.framework.errors import (
    failed_precondition,
    permission_denied,
)
from contracts.framework.interface import (
    CallContext,
    CallResult,
    QueryHandler,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.records import Record
from contracts.framework.signature import LIMIT, Signature, Values, flag, query, text, transaction
from contracts.framework.store import Index, Table, scan_index, scan_index_matching
from contracts.membership.organisations import principal_of


@dataclass(frozen=True, slots=True)
class ErasureRequest(Record):
    """The holder's request that agencies destroy their copies of one certificate or one
    archive record."""

    erasure_id: str
    """Chosen by the holder's wallet, ``[A-Za-z0-9._:-]{8,64}``, unique on the chain."""

    holder: str
    """Holder id of the certificate's holder."""

    cert_id: str
    """The certificate to erase; empty for an archive record."""

    cert_type: str
    """Its type; empty for an archive record."""

    agencies: list[str]
    """Ids of the agencies a grant for the certificate was made to, sorted."""

    acknowledged: list[str] = dataclasses.field(default_factory=list)
    """Those of ``agencies`` that acknowledged the erasure, sorted."""

    requested_height: int = 0
    """Height of the block that carried the request."""

    requested_by: str = ""
    """Holder id of who asked (the holder or a delegate)."""

    delegation_id: str = ""
    """The delegation the request was made under; empty if the holder asked."""

    record_id: str = ""
    """The archive record to erase; empty for a certificate."""

    record_category: str = ""
    """Its category; empty for a certificate."""


ERASURES: Final = Table(ErasureRequest, b"consent/erasure/", "erasure request")
ERASURES_BY_HOLDER: Final = Index(b"consent/erasure_by_holder/")
ERASURES_BY_AGENCY: Final = Index(b"consent/erasure_by_agency/")

ERASURE_ID = text("erasure_id", arguments.REQUEST_ID)
CERT_ID = text("cert_id", arguments.CERT_ID)
RECORD_ID = text("record_id", arguments.OBJECT_ID)
HOLDER = text("holder", arguments.HOLDER_ID)
AGENCY = text("agency", arguments.ORG_ID)


def get_erasure_related(state: StateReader, subject: str) -> list[str]:
    """Ids the erasure request named ``subject`` is about (none if there is no such)."""
    erasure = ERASURES.get(state, subject)
    if erasure is None:
        return []
    item = erasure.cert_id or erasure.record_id
    return [erasure.holder, item, *erasure.agencies, erasure.requested_by]


def is_complete(erasure: ErasureRequest) -> bool:
    """Whether every agency that got a copy acknowledged the erasure."""
    return erasure.acknowledged == erasure.agencies


def get_erasure_json(erasure: ErasureRequest) -> dict[str, Any]:
    """The record as a query returns it, with ``complete`` computed."""
    return {**erasure.to_json(), "complete": is_complete(erasure)}


@dataclass(frozen=True, slots=True)
class Erased:
    """What an ``erase`` call names: a certificate or an archive record, and its holder."""

    holder: str
    item_id: str
    """The certificate's or the record's id."""

    what: str
    """``certificate <id>`` or ``archive record <id>``, for messages."""

    cert_type: str = ""
    """The certificate's type; empty for a record."""

    record_category: str = ""
    """The record's category; empty for a certificate."""

    def is_released_by(self, request: ConsentRequest) -> bool:
        """Whether ``request`` was ever granted over this item (its agency may hold a copy):
        its granted scope, empty until a grant and kept after a revocation, covers it."""
        return any(
            (item.get("cert_id") == self.item_id or item.get("cert_type") == self.cert_type)
            if self.cert_type
            else item.get("record_category") == self.record_category
            for item in request.granted_scope
        )


def get_erased(state: StateReader, args: Values) -> Erased:
    """The certificate or archive record an ``erase`` call names; ``not_found`` if none."""
    if (CERT_ID in args) == (RECORD_ID in args):
        raise arguments.invalid("give exactly one of cert_id and record_id")
    if CERT_ID in args:
        cert = CERTIFICATES.get_existing(state, args[CERT_ID])
        what = f"certificate {cert.cert_id}"
        return Erased(cert.holder, cert.cert_id, what, cert_type=cert.cert_type)
    record = RECORDS.get_existing(state, args[RECORD_ID])
    what = f"archive record {record.record_id}"
    return Erased(record.subject, record.record_id, what, record_category=record.category)


def find_agencies(state: StateReader, erased: Erased) -> list[str]:
    """The agencies the holder's grants released ``erased`` to, sorted."""
    requests = scan_index(
        state, BY_HOLDER.prefix_of(erased.holder), limits.SCAN_LIMIT_MAX, REQUESTS.get
    )
    return sorted({request.agency for request in requests if erased.is_released_by(request)})


@transaction(
    Signature(
        text("erasure_id", arguments.REQUEST_ID.creating()), CERT_ID.maybe(), RECORD_ID.maybe()
    )
)
def process_erase(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``erase(erasure_id, cert_id | record_id)`` by the holder or a delegate: ask every
    agency the certificate or archive record was released to for the destruction of its
    copy."""
    # The arguments are well-formed and name an existing certificate or record.
    erasure_id = args[ERASURE_ID]
    erased = get_erased(state, args)

    # The sender acts for its holder, over that type or category.
    actor = resolve_actor(
        state,
        ctx,
        erased.holder,
        ACTION_CONSENT,
        f"erase {erased.what}",
        cert_types=[erased.cert_type] if erased.cert_type else [],
        record_categories=[erased.record_category] if erased.record_category else [],
    )

    # The erasure id is new.
    check_new(state, ERASURES, erasure_id)

    # Some agency got a copy.
    agencies = find_agencies(state, erased)
    if not agencies:
        raise failed_precondition(f"{erased.what} was not released to any agency")

    # Effect: record the request, indexed under its holder and each agency.
    is_cert = bool(erased.cert_type)
    erasure = ErasureRequest(
        erasure_id=erasure_id,
        holder=erased.holder,
        cert_id=erased.item_id if is_cert else "",
        cert_type=erased.cert_type,
        agencies=agencies,
        requested_height=ctx.height,
        requested_by=actor.holder,
        delegation_id=actor.delegation_id,
        record_id="" if is_cert else erased.item_id,
        record_category=erased.record_category,
    )
    kind = (
        {"cert_type": erased.cert_type} if is_cert else {"record_category": erased.record_category}
    )
    event = make_event(
        ConsentEvent.ERASURE_REQUESTED,
        (erased.holder, erased.item_id, *agencies, erasure_id, *actor.get_subjects()),
        {**kind, "agencies": len(agencies), **actor.get_attrs()},
    )
    writes: dict[bytes, bytes | None] = {ERASURES.key(erasure_id): erasure.encode()}
    writes |= ERASURES_BY_HOLDER.write(erased.holder, erasure_id)
    for agency in agencies:
        writes |= ERASURES_BY_AGENCY.write(agency, erasure_id)
    return make_result(writes, [event])


@transaction(Signature(ERASURE_ID))
def process_acknowledge_erasure(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``acknowledge_erasure(erasure_id)`` by an agency the certificate was released to,
    once it destroyed its copy."""
    # The arguments are well-formed.
    erasure_id = args[ERASURE_ID]

    # The sender is an organisation the erasure names.
    erasure = ERASURES.get_existing(state, erasure_id)
    agency = principal_of(state, ctx.sender_key)
    item = erasure.cert_id or erasure.record_id
    if agency is None or agency.id not in erasure.agencies:
        raise permission_denied(
            f"only an agency {item} was released to may acknowledge erasure request {erasure_id}"
        )

    # It has not acknowledged yet.
    if agency.id in erasure.acknowledged:
        raise failed_precondition(f"{agency.id} already acknowledged erasure request {erasure_id}")

    # Effect: record the acknowledgement.
    acknowledged = sorted([*erasure.acknowledged, agency.id])
    updated = dataclasses.replace(erasure, acknowledged=acknowledged)
    kind = (
        {"cert_type": erasure.cert_type}
        if erasure.cert_id
        else {"record_category": erasure.record_category}
    )
    event = make_event(
        ConsentEvent.ERASURE_ACKNOWLEDGED,
        (erasure.holder, item, agency.id, erasure_id),
        {**kind, "acknowledged": len(acknowledged), "agencies": len(erasure.agencies)},
    )
    return make_result({ERASURES.key(erasure_id): updated.encode()}, [event])


# --- Queries -------------------------------------------------------------------------------

PENDING = flag("pending")


@query(Signature(ERASURE_ID))
def query_get_erasure(state: StateReader, args: Values, now_ms: int) -> Any:
    """``get_erasure(erasure_id)``: the record, with ``complete``; ``not_found`` if none."""
    return get_erasure_json(ERASURES.get_existing(state, args[ERASURE_ID]))


@query(Signature(HOLDER, LIMIT))
def query_list_erasures_by_holder(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_erasures_by_holder(holder, limit?)``: the holder's erasure requests, in id
    order."""
    prefix = ERASURES_BY_HOLDER.prefix_of(args[HOLDER])
    return [
        get_erasure_json(found)
        for found in scan_index(state, prefix, args.get_limit(), ERASURES.get)
    ]


@query(Signature(AGENCY, PENDING, LIMIT))
def query_list_erasures_by_agency(state: StateReader, args: Values, now_ms: int) -> Any:
    """``list_erasures_by_agency(agency, pending?, limit?)``: erasure requests naming the
    agency; with ``pending=true``, only those it has not acknowledged yet (a filter reads at
    most ``SCAN_LIMIT_MAX`` of them)."""
    agency = args[AGENCY]

    def is_pending(erasure: ErasureRequest) -> bool:
        return agency not in erasure.acknowledged

    keep = is_pending if args.get(PENDING, False) else None
    prefix = ERASURES_BY_AGENCY.prefix_of(agency)
    found = scan_index_matching(state, prefix, args.get_limit(), ERASURES.get, keep)
    return [get_erasure_json(erasure) for erasure in found]


QUERIES: Final[Mapping[str, QueryHandler]] = MappingProxyType(
    {
        "get_erasure": query_get_erasure,
        "list_erasures_by_holder": query_list_erasures_by_holder,
        "list_erasures_by_agency": query_list_erasures_by_agency,
    }
)
