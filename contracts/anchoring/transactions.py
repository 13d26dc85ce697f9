"""The ``anchoring`` contract's one transaction: a member organisation anchors a root over
its facts' salted hashes (see :mod:`contracts.anchoring`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.anchoring.events import AnchoringEvent
from contracts.anchoring.records import ANCHORS, BY_ORG, KINDS, Anchor, anchor_id_of
from contracts.framework import arguments, formats, limits, screen
from contracts.framework.errors import already_exists, permission_denied
from contracts.framework.interface import (
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import (
    DeclaredTransaction,
    Signature,
    Values,
    choice,
    integer,
    text,
    transaction,
)
from contracts.membership.organisations import principal_of


def get_case_ref_problem(value: str) -> str | None:
    """Why ``value`` cannot be a case reference: free text's rules, then the personal-data
    screen the node runs at admission, run here too so the contract alone refuses a name
    with an address or a phone number written with separators."""
    problem = formats.get_text_problem(value, length_max=limits.CASE_REF_LENGTH_MAX)
    if problem is not None:
        return problem
    found = screen.find_personal_data(value)
    if found is not None:
        return f"looks like it holds {found}: nothing personal goes on-chain"
    return None


CASE_REF_FORMAT: Final = dataclasses.replace(
    arguments.free_text(limits.CASE_REF_LENGTH_MAX), get_problem=get_case_ref_problem
)
"""A case reference: free text, screened for personal data by the contract itself."""

ROOT = text("root", arguments.DOC_HASH)
"""The Merkle root over the facts' salted hashes (or a single fact's leaf root)."""
COUNT = integer("count", 1, limits.ANCHOR_FACTS_MAX)
KIND = choice("kind", KINDS)
CASE_REF = text("case_ref", CASE_REF_FORMAT)


@transaction(Signature(ROOT, COUNT, KIND, CASE_REF))
def process_anchor(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``anchor(root, count, kind, case_ref)`` by a member organisation: the root over
    ``count`` fact hashes exists at this block's height and time."""
    root, count, kind, case_ref = args[ROOT], args[COUNT], args[KIND], args[CASE_REF]
    anchor_id = anchor_id_of(root)

    # The sender is a member organisation.
    org = principal_of(state, ctx.sender_key)
    if org is None:
        raise permission_denied("only a member organisation may anchor evidence")

    # The root is not anchored yet (by anyone).
    first = ANCHORS.get(state, anchor_id)
    if first is not None:
        raise already_exists(f"anchor {anchor_id} was anchored at height {first.height}")

    # Effect: the anchor record, its organisation's index entry and the event.
    anchor = Anchor(
        anchor_id=anchor_id,
        root=root,
        count=count,
        kind=kind,
        case_ref=case_ref,
        org=org.id,
        height=ctx.height,
        time_ms=ctx.time_ms,
        tx=ctx.tx_hash.hex(),
    )
    event = make_event(
        AnchoringEvent.ANCHORED,
        (anchor_id, org.id),
        {"root": root, "count": count, "kind": kind, "case_ref": case_ref, "org": org.id},
    )
    return make_result(
        {ANCHORS.key(anchor_id): anchor.encode(), **BY_ORG.write(org.id, anchor_id)}, [event]
    )


TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {"anchor": process_anchor}
)
