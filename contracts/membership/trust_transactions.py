"""The transactions an organisation sends about its own transport trust: replace its CA
certificate, revoke a certificate it issued.

Both act on the sender's organisation only (neither takes an organisation id), so no
organisation can touch another's CA or revocations. Replacing a CA is the organisation's
own transaction, not a governance proposal: rolling a CA over before it expires is routine
operations, and the organisation's Ed25519 key that signs it already speaks for the
organisation in every other transaction. Governance still decides who is a member, and so
whose CA counts: ``add_org`` may carry the first CA and ``remove_org`` deletes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.framework import limits
from contracts.framework.errors import already_exists, failed_precondition
from contracts.framework.interface import (
    CallContext,
    CallResult,
    StateReader,
    make_event,
    make_result,
)
from contracts.framework.signature import DeclaredTransaction, Signature, Values, text, transaction
from contracts.membership import trust
from contracts.membership.events import MembershipEvent
from contracts.membership.organisations import get_member

CA_CERTIFICATE = text("ca_certificate", trust.CA_PEM)
SERIAL = text("serial", trust.SERIAL)


@transaction(Signature(CA_CERTIFICATE))
def process_set_ca(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``set_ca(ca_certificate)``: the sender's organisation sets or replaces its own CA."""
    pem = args[CA_CERTIFICATE]

    # The sender is a member organisation.
    org = get_member(state, ctx, "set its CA certificate")

    # The certificate is not already its CA.
    current = trust.CAS.get(state, org.id)
    if current is not None and current.pem == pem:
        raise already_exists(f"that is already the CA of organisation {org.id}")

    # Effect: the new CA; the old CA's revocations go with it.
    writes = trust.get_clearing_writes(state, org.id)
    writes[trust.CAS.key(org.id)] = trust.CaCertificate(pem, ctx.height).encode()
    event = make_event(
        MembershipEvent.CA_SET,
        (org.id,),
        {
            **trust.get_pem_digest_attr(pem, ctx.suite),
            "org_id": org.id,
            "replaced": current is not None,
            "revocations_cleared": len(writes) - 1,
        },
    )
    return make_result(writes, [event])


@transaction(Signature(SERIAL))
def process_revoke_certificate(state: StateReader, ctx: CallContext, args: Values) -> CallResult:
    """``revoke_certificate(serial)``: the sender's organisation revokes a certificate its CA
    issued; refused from the next block on."""
    serial = args[SERIAL]

    # The sender is a member organisation with a CA on-chain.
    org = get_member(state, ctx, "revoke a certificate")
    if trust.CAS.get(state, org.id) is None:
        raise failed_precondition(f"organisation {org.id} has no CA certificate on-chain")

    # The serial is not revoked already.
    key = trust.get_revoked_key(org.id, serial)
    if state.get(key) is not None:
        raise already_exists(f"organisation {org.id} already revoked that serial")

    # The organisation's list has room.
    if trust.count_revoked_serials(state, org.id) >= limits.REVOKED_SERIALS_MAX:
        raise failed_precondition(
            f"organisation {org.id} has revoked {limits.REVOKED_SERIALS_MAX} serials:"
            " replace its CA to start a new list"
        )

    # Effect: the revocation.
    event = make_event(
        MembershipEvent.CERTIFICATE_REVOKED, (org.id,), {"org_id": org.id, "serial": serial}
    )
    return make_result({key: trust.Revocation(ctx.height).encode()}, [event])


TRANSACTIONS: Final[Mapping[str, DeclaredTransaction]] = MappingProxyType(
    {"set_ca": process_set_ca, "revoke_certificate": process_revoke_certificate}
)
"""The trust transactions, by name."""
