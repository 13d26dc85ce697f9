"""Proposing an attestation and every answer to it: the sources', the owner's, the
time-out (see :mod:`contracts.attest`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from contracts.attest.events import AttestEvent
from contracts.attest.records import (
    ANSWER_CONFIRMED,
    ANSWER_MISMATCH,
    ANSWER_PENDING,
    ANSWER_REFUSED,
    ATTESTATIONS,
    BY_ORG,
    BY_PARTY,
    REASON_MISMATCH,
    STATUS_AWAITING_OWNER,
    STATUS_AWAITING_SOURCES,
    STATUS_ISSUED,
    STATUS_REFUSED,
    STATUS_TIMED_OUT,
    TYPES,
    Attestation,
    SourceAnswer,
    get_subjects,
    get_waiting_for,
    is_open,
    is_past_deadline,
)
from contracts.attest.types import TYPE_ID
from contracts.framework import arguments, formats, limits
from contracts.framework.arguments import Args
from contracts.framework.checks import check_new
from contracts.framework.errors import failed_precondition, permission_denied
from contracts.framework.identity import holder_id_for
from contracts.framework.interface import (
    AttrValue,
    CallContext,
    CallResult,
    Event,
    EventName,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    Arg,
    Signature,
    Values,
    free_text,
    integer,
    json_kind,
    text,
    transaction,
)
from contracts.membership.organisations import Organisation, principal_of

RECORD_HASHES_RULE = (
    f"must be a JSON object of 1 to {limits.ATTEST_SOURCES_MAX} organisation ids, each to"
    f" the {limits.DOC_HASH_HEX_LENGTH}-digit hex hash of its record"
)


def read_record_hashes(args: Args, name: str) -> dict[str, str]:
    """The ``record_hashes`` argument: each source's expected record hash."""
    value = arguments.get_json(args, name)
    if (
        not isinstance(value, dict)
        or not 1 <= len(value) <= limits.ATTEST_SOURCES_MAX
        or not all(formats.is_org_id(org) for org in value)
        or not all(
            isinstance(digest, str) and formats.is_doc_hash(digest) for digest in value.values()
        )
    ):
        raise arguments.invalid(f"{name} {RECORD_HASHES_RULE}")
    return dict(value)


ATTESTATION_ID = text("attestation_id", arguments.OBJECT_ID)
HOLDER = text("holder", arguments.HOLDER_ID)
OTHER_PARTY = text("other_party", arguments.HOLDER_ID).maybe()
DOC_HASH = text("doc_hash", arguments.DOC_HASH)
RECORD_HASH = text("record_hash", arguments.DOC_HASH)
RECORD_HASHES = Arg(
    "record_hashes", read_record_hashes, json_kind(f"JSON object: {RECORD_HASHES_RULE}")
)
DEADLINE_MS = integer("deadline_ms", 0)
REASON = free_text("reason", limits.REASON_LENGTH_MAX)


def _write(attestation: Attestation) -> dict[bytes, bytes | None]:
    return {ATTESTATIONS.key(attestation.attestation_id): attestation.encode()}


def _event(name: EventName, attestation: Attestation, attrs: Mapping[str, AttrValue]) -> Event:
    return make_event(
        name,
        get_subjects(attestation),
        {"issuer": attestation.issuer, "type_id": attestation.type_id, **attrs},
    )


def get_open(state: StateReader, ctx: CallContext, attestation_id: str) -> Attestation:
    """The attestation, still open and within its deadline; else ``failed_precondition``."""
    attestation = ATTESTATIONS.get_existing(state, attestation_id)
    if not is_open(attestation):
        raise failed_precondition(f"attestation {attestation_id} is {attestation.status}")
    if is_past_deadline(attestation, ctx.time_ms):
        raise failed_precondition(f"attestation {attestation_id} has passed its deadline")
    return attestation


def get_source(state: StateReader, ctx: CallContext, attestation: Attestation) -> SourceAnswer:
    """The sender's part in ``attestation``, not answered yet; ``permission_denied`` if the
    sender is no source of it."""
    org: Organisation | None = principal_of(state, ctx.sender_key)
    found = [s for s in attestation.sources if org is not None and s.org == org.id]
    if not found:
        raise permission_denied(
            f"only a source organisation named by attestation {attestation.attestation_id}"
            " may answer for its record"
        )
    if found[0].answer != ANSWER_PENDING:
        raise failed_precondition(
            f"organisation {found[0].org} has already answered attestation"
            f" {attestation.attestation_id}"
        )
    return found[0]


def check_owner(ctx: CallContext, attestation: Attestation) -> None:
    """``permission_denied`` unless the sender's wallet key is the holder's;
    ``failed_precondition`` unless every source has confirmed."""
    if holder_id_for(ctx.sender_key, ctx.suite) != attestation.holder:
        raise permission_denied(
            f"only the holder may answer attestation {attestation.attestation_id}"
        )
    if attestation.status != STATUS_AWAITING_OWNER:
        raise failed_precondition(
            f"attestation {attestation.attestation_id} waits for its sources, not its owner"
        )


def _answered(
    attestation: Attestation, source: SourceAnswer, answer: str, height: int
) -> Attestation:
    sources = tuple(
        dataclasses.replace(s, answer=answer, height=height) if s.org == source.org else s
        for s in attestation.sources
    )
    return dataclasses.replace(attestation, sources=sources)


def _decided(
    attestation: Attestation, ctx: CallContext, status: str, by: str, reason: str
) -> Attestation:
    return dataclasses.replace(
        attestation, status=status, decided_by=by, reason=reason, decided_height=ctx.height
    )


def _refused(
    attestation: Attestation, ctx: CallContext, by: str, answer: str, reason: str
) -> CallResult:
    """The one effect of every refusal (a source's mismatch or refusal, the owner's refusal):
    the attestation refused ``by`` a party, with its ``answer`` and ``reason`` in the event."""
    refused = _decided(attestation, ctx, STATUS_REFUSED, by, reason)
    event = _event(AttestEvent.REFUSED, refused, {"answer": answer, "by": by, "reason": reason})
    return make_result(_write(refused), [event])


# --- Transactions --------------------------------------------------------------------------


@transaction(
    Signature(
        text("attestation_id", arguments.NEW_OBJECT_ID),
        TYPE_ID,
        HOLDER,
        OTHER_PARTY,
        DOC_HASH,
        RECORD_HASHES,
        DEADLINE_MS,
    )
)
def process_propose(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``propose(attestation_id, type_id, holder, other_party?, doc_hash, record_hashes,
    deadline_ms)`` by the organisation that defined the type."""
    # The arguments are well-formed.
    attestation_id, type_id = args[ATTESTATION_ID], args[TYPE_ID]
    holder, other_party = args[HOLDER], args.get(OTHER_PARTY, "")
    record_hashes, deadline_ms = args[RECORD_HASHES], args[DEADLINE_MS]

    # The deadline is after the block time and within the longest allowed.
    if not ctx.time_ms < deadline_ms <= ctx.time_ms + limits.ATTEST_DEADLINE_MS_MAX:
        raise arguments.invalid(
            "deadline_ms must be later than the block time and at most"
            f" {limits.ATTEST_DEADLINE_MS_MAX} ms after it"
        )

    # The type exists and the sender is the organisation that defined it.
    attestation_type = TYPES.get_existing(state, type_id)
    issuer = principal_of(state, ctx.sender_key)
    if issuer is None or issuer.id != attestation_type.issuer:
        raise permission_denied(
            f"only organisation {attestation_type.issuer} may propose a {type_id}"
        )

    # Another party is named exactly when the type has one, and is not the holder.
    if bool(other_party) != attestation_type.other_party:
        raise arguments.invalid(
            f"a {type_id} {'names' if attestation_type.other_party else 'names no'} other_party"
        )
    if other_party == holder:
        raise arguments.invalid("other_party must not be the holder")

    # A record hash is given for each source of the type, and for nothing else.
    if tuple(sorted(record_hashes)) != attestation_type.sources:
        raise arguments.invalid(
            f"record_hashes must name exactly the sources of {type_id}:"
            f" {', '.join(attestation_type.sources)}"
        )

    # The attestation id is new.
    check_new(state, ATTESTATIONS, attestation_id)

    # Effect: store it, waiting for its sources; index it under its parties and its orgs.
    attestation = Attestation(
        attestation_id=attestation_id,
        type_id=type_id,
        issuer=issuer.id,
        holder=holder,
        other_party=other_party,
        doc_hash=args[DOC_HASH],
        sources=tuple(
            SourceAnswer(org, record_hashes[org], ANSWER_PENDING, 0)
            for org in attestation_type.sources
        ),
        deadline_ms=deadline_ms,
        status=STATUS_AWAITING_SOURCES,
        reason="",
        decided_by="",
        proposed_height=ctx.height,
        decided_height=0,
    )
    writes = _write(attestation)
    for party in {holder, other_party} - {""}:
        writes |= BY_PARTY.write(party, attestation_id)
    for org_id in {issuer.id, *attestation_type.sources}:
        writes |= BY_ORG.write(org_id, attestation_id)
    event = _event(
        AttestEvent.PROPOSED,
        attestation,
        {"deadline_ms": deadline_ms, "other_party": other_party},
    )
    return make_result(writes, [event])


@transaction(Signature(ATTESTATION_ID, RECORD_HASH))
def process_confirm(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``confirm(attestation_id, record_hash)`` by a source: the hash of the record it holds.
    The same hash as the proposal's confirms; another refuses the attestation."""
    # The arguments are well-formed.
    attestation_id, record_hash = args[ATTESTATION_ID], args[RECORD_HASH]

    # The attestation is open and within its deadline.
    attestation = get_open(state, ctx, attestation_id)

    # The sender is one of its sources and has not answered yet.
    source = get_source(state, ctx, attestation)

    # Effect: a different record refuses the attestation; the same one confirms this
    # source, and the last confirmation hands it to its owner.
    if record_hash != source.record_hash:
        mismatched = _answered(attestation, source, ANSWER_MISMATCH, ctx.height)
        return _refused(mismatched, ctx, source.org, ANSWER_MISMATCH, REASON_MISMATCH)
    confirmed = _answered(attestation, source, ANSWER_CONFIRMED, ctx.height)
    if not get_waiting_for(confirmed):
        confirmed = dataclasses.replace(confirmed, status=STATUS_AWAITING_OWNER)
    event = _event(
        AttestEvent.SOURCE_CONFIRMED,
        confirmed,
        {"source": source.org, "status": confirmed.status},
    )
    return make_result(_write(confirmed), [event])


@transaction(Signature(ATTESTATION_ID, REASON))
def process_refuse(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``refuse(attestation_id, reason)`` by a source that will not confirm."""
    # The arguments are well-formed.
    attestation_id, reason = args[ATTESTATION_ID], args[REASON]

    # The attestation is open and within its deadline.
    attestation = get_open(state, ctx, attestation_id)

    # The sender is one of its sources and has not answered yet.
    source = get_source(state, ctx, attestation)

    # Effect: refuse it, with the reason.
    answered = _answered(attestation, source, ANSWER_REFUSED, ctx.height)
    return _refused(answered, ctx, source.org, ANSWER_REFUSED, reason)


@transaction(Signature(ATTESTATION_ID))
def process_owner_confirm(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``owner_confirm(attestation_id)`` by the holder, once every source has confirmed:
    the attestation is issued."""
    # The arguments are well-formed.
    attestation_id = args[ATTESTATION_ID]

    # The attestation is open and within its deadline.
    attestation = get_open(state, ctx, attestation_id)

    # The sender is its holder, and every source has confirmed.
    check_owner(ctx, attestation)

    # Effect: issue it.
    issued = _decided(attestation, ctx, STATUS_ISSUED, attestation.holder, "")
    event = _event(AttestEvent.ISSUED, issued, {"doc_hash": issued.doc_hash})
    return make_result(_write(issued), [event])


@transaction(Signature(ATTESTATION_ID, REASON.maybe()))
def process_owner_refuse(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``owner_refuse(attestation_id, reason?)`` by the holder, once every source has
    confirmed: it stays unissued."""
    # The arguments are well-formed.
    attestation_id = args[ATTESTATION_ID]
    reason = args.get(REASON, "refused by the owner")

    # The attestation is open and within its deadline.
    attestation = get_open(state, ctx, attestation_id)

    # The sender is its holder, and every source has confirmed.
    check_owner(ctx, attestation)

    # Effect: refuse it, with the reason.
    return _refused(attestation, ctx, attestation.holder, ANSWER_REFUSED, reason)


@transaction(Signature(ATTESTATION_ID))
def process_expire(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``expire(attestation_id)`` by anyone once the deadline has passed with the attestation
    still open: records the time-out, and who had not answered, so both parties are told."""
    # The arguments are well-formed.
    attestation_id = args[ATTESTATION_ID]

    # The attestation is open and past its deadline.
    attestation = ATTESTATIONS.get_existing(state, attestation_id)
    if not is_open(attestation):
        raise failed_precondition(f"attestation {attestation_id} is {attestation.status}")
    if not is_past_deadline(attestation, ctx.time_ms):
        raise failed_precondition(f"attestation {attestation_id} has not passed its deadline")

    # Effect: record the time-out.
    reason = "no answer by the deadline from " + ", ".join(get_waiting_for(attestation))
    timed_out = _decided(attestation, ctx, STATUS_TIMED_OUT, "", reason)
    event = _event(AttestEvent.TIMED_OUT, timed_out, {"reason": reason})
    return make_result(_write(timed_out), [event])
