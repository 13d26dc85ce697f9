"""Who is acting for a holder: the holder themself, or a delegate in force.

Holder-side calls (deciding consent requests, claiming archive records, asking for
corrections) are signed with a wallet key. The signer acts for ``principal`` if their holder
id is the principal's, or if a delegation from the principal to them is in force and covers
the action on every certificate type and record category the call touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from contracts.delegation.records import find_delegation
from contracts.framework.errors import permission_denied
from contracts.framework.identity import holder_id_for
from contracts.framework.interface import CallContext, StateReader

KIND_HOLDER: Final = "holder"
"""The kind of an actor who is the holder themself."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The signer of a holder-side call and the authority they act under."""

    holder: str
    """Holder id of the signer."""

    principal: str
    """Holder id of the person or enterprise acted for."""

    delegation_id: str
    """The delegation acted under; empty when the holder acts themself."""

    kind: str
    """``holder``, or the delegation's kind (guardian, legal_representative, agent)."""

    @property
    def is_delegate(self) -> bool:
        """Whether the signer acts for someone else."""
        return bool(self.delegation_id)

    def get_subjects(self) -> tuple[str, ...]:
        """Ids to add to an event's subjects: the delegate and the delegation, if any."""
        return (self.holder, self.delegation_id) if self.delegation_id else ()

    def get_attrs(self) -> dict[str, str]:
        """Event attributes naming who acted."""
        return {
            "acted_by": self.holder,
            "acting_as": self.kind,
            "delegation_id": self.delegation_id,
        }


def resolve_actor(
    state: StateReader,
    ctx: CallContext,
    principal: str,
    action: str,
    doing: str,
    *,
    cert_types: Iterable[str] = (),
    record_categories: Iterable[str] = (),
) -> Actor:
    """The actor of a holder-side call for ``principal``; ``permission_denied`` if the signer
    is neither the holder nor a delegate in force covering ``action`` (``doing`` describes
    the call in the error message)."""
    signer = holder_id_for(ctx.sender_key, ctx.suite)
    if signer == principal:
        return Actor(signer, principal, "", KIND_HOLDER)
    found = find_delegation(
        state, principal, signer, action, ctx.time_ms, cert_types, record_categories
    )
    if found is None:
        raise permission_denied(
            f"only the holder, or a delegate in force for {action} covering it, may {doing}"
        )
    return Actor(signer, principal, found.delegation_id, found.kind)
